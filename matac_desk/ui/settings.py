"""The Settings page: idle lock (this computer's preference), the force's names, and the gravity table's gaps.

The force's names and the gravity table are kept in the store. Offences
held that the gravity table does not map (:func:`matac_desk.scoring.unmapped_offences`)
are listed with the points to give each; setting them saves a new scoring
configuration version (:func:`~matac_desk.scoring.set_gravity_points`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from .. import force, scoring
from ..domain import UserError
from ..force import ForceSettings
from .context import show_error
from .lock import MAX_IDLE_MINUTES, idle_minutes, set_idle_minutes
from .models import Column, RowRole, RowsModel
from .widgets import attach_model, heading, save_header, table_view
from .window import Page

__all__ = ["SettingsPage"]


class SettingsPage(Page):
    key = "settings"
    title = "Settings"
    listens = frozenset({"settings", "scores", "imports"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Settings"))

        box = QGroupBox("This computer")
        box.setMaximumWidth(720)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.idle = QSpinBox()
        self.idle.setRange(0, MAX_IDLE_MINUTES)
        self.idle.setSuffix(" minutes")
        self.idle.setSpecialValueText("never")
        self.idle.setAccessibleName("Lock after idle minutes")
        self.idle.setToolTip("Hide the data after this long without keyboard or mouse use (0: never)")
        form.addRow("&Lock the window after", self.idle)
        self.idle.valueChanged.connect(self._idle_changed)
        lay.addWidget(box)

        box = QGroupBox("The force (kept in the store)")
        box.setMaximumWidth(720)
        form = QFormLayout(box)
        self.force_name = QLineEdit()
        self.force_name.setAccessibleName("Force name")
        self.force_name.setPlaceholderText("e.g. Northshire Police")
        form.addRow("&Force name", self.force_name)
        self.divisions = QPlainTextEdit()
        self.divisions.setAccessibleName("Division names, one per line")
        self.divisions.setPlaceholderText("One division per line, in the order they should be shown")
        self.divisions.setTabChangesFocus(True)
        self.divisions.setMaximumHeight(self.fontMetrics().height() * 9)
        form.addRow("&Divisions", self.divisions)
        row = QHBoxLayout()
        self.found_button = QPushButton("Add divisions &found in the data")
        self.found_button.setAccessibleName("Add divisions found in the data")
        self.found_button.clicked.connect(self.add_found_divisions)
        row.addWidget(self.found_button)
        row.addStretch(1)
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save the force settings")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        form.addRow(row)
        self.message = QLabel()
        self.message.setAccessibleName("Settings message")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        lay.addWidget(box)

        box = QGroupBox("Gravity table: offences held that it does not map")
        box.setObjectName("gravity_box")
        box.setMaximumWidth(720)
        gl = QVBoxLayout(box)
        self.unmapped_model = RowsModel([Column("Offence", lambda u: u.offence),
                                         Column("Incidents", lambda u: u.incidents, numeric=True),
                                         Column("Latest", lambda u: u.latest)])
        self.unmapped_view = table_view("settings_unmapped", "Unmapped offences")
        attach_model(self.unmapped_view, self.unmapped_model)
        self.unmapped_view.setMaximumHeight(self.fontMetrics().height() * 12)
        gl.addWidget(self.unmapped_view)
        row = QHBoxLayout()
        row.addWidget(QLabel("Points for the selected offence:"))
        self.points = QSpinBox()
        self.points.setRange(0, 100)
        self.points.setValue(3)
        self.points.setAccessibleName("Gravity points")
        row.addWidget(self.points)
        row.addStretch(1)
        self.map_button = QPushButton("&Map offence")
        self.map_button.setAccessibleName("Map the selected offence")
        self.map_button.setToolTip("Save a new scoring configuration with this offence in the gravity table")
        self.map_button.clicked.connect(self.map_selected)
        row.addWidget(self.map_button)
        gl.addLayout(row)
        self.gravity_message = QLabel()
        self.gravity_message.setWordWrap(True)
        gl.addWidget(self.gravity_message)
        lay.addWidget(box)
        lay.addStretch(1)

    def _idle_changed(self, minutes: int) -> None:
        set_idle_minutes(minutes)
        self.window_.idle.apply_setting()

    def reload(self) -> None:
        self.idle.blockSignals(True)
        self.idle.setValue(idle_minutes())
        self.idle.blockSignals(False)
        fs = force.load(self.ctx.store)
        self.force_name.setText(fs.name)
        self.divisions.setPlainText("\n".join(fs.divisions))
        self.message.setText("")
        self.ctx.read(scoring.unmapped_offences).then(self._unmapped, lambda e: show_error(self, e, "Gravity table"))

    def _unmapped(self, rows) -> None:
        if self.window_.locked:
            return
        self.unmapped_model.set_rows(rows)
        self.map_button.setEnabled(bool(rows))
        if not self.gravity_message.text() or not rows:
            self.gravity_message.setText("" if rows else "Every offence held is in the gravity table.")

    def map_selected(self) -> None:
        rows = self.unmapped_view.selectionModel().selectedRows()
        if not rows:
            self.gravity_message.setText("Select an offence first.")
            return
        u = self.unmapped_model.data(rows[0], RowRole)
        points = self.points.value()
        self.ctx.change(scoring.set_gravity_points, u.offence, points, kinds=("scores",), what="Gravity table",
                        parent=self, done=lambda cfg: self.gravity_message.setText(
                            f"{u.offence} now scores {points}; configuration version {cfg.version} saved."))

    def _entered(self) -> ForceSettings:
        return ForceSettings(self.force_name.text(), tuple(self.divisions.toPlainText().splitlines()))

    def save(self) -> None:
        self.message.setText("Saving…")
        self.ctx.read(force.save, self._entered()).then(self._saved, self._save_failed)

    def _saved(self, saved: ForceSettings) -> None:
        self.force_name.setText(saved.name)
        self.divisions.setPlainText("\n".join(saved.divisions))
        self.ctx.notify("settings")  # this page reloads too: say so after
        self.message.setText("Saved.")

    def _save_failed(self, e: BaseException) -> None:
        if isinstance(e, UserError):
            self.message.setText(str(e))
        else:
            self.message.setText("")
            show_error(self, e, "Save settings")

    def add_found_divisions(self) -> None:
        def merge(found: list[str]) -> None:
            have = [d for d in self.divisions.toPlainText().splitlines() if d.strip()]
            known = {d.strip().casefold() for d in have}
            added = [d for d in found if d.casefold() not in known]
            self.divisions.setPlainText("\n".join(have + added))
            self.message.setText(f"Added {len(added)} division(s) found on incidents; Save to keep them."
                                 if added else "No other divisions are found on incidents.")

        self.ctx.read(force.divisions_in_data).then(merge, lambda e: show_error(self, e, "Divisions"))

    def clear(self) -> None:
        self.force_name.clear()
        self.divisions.clear()
        self.message.clear()
        self.unmapped_model.clear()
        self.gravity_message.clear()

    def save_state(self) -> None:
        save_header(self.unmapped_view)

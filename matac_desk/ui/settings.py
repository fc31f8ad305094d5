"""The Settings page: idle lock (this computer's preference) and the force's names (kept in the store).

Later features add their groups here (agencies, scoring and gravity table,
toolkit, thresholds).
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

from .. import force
from ..domain import UserError
from ..force import ForceSettings
from .context import show_error
from .lock import MAX_IDLE_MINUTES, idle_minutes, set_idle_minutes
from .widgets import heading
from .window import Page

__all__ = ["SettingsPage"]


class SettingsPage(Page):
    key = "settings"
    title = "Settings"
    listens = frozenset({"settings"})

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

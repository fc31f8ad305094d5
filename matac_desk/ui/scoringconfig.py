"""The Settings page's Scoring tab: every number of the active configuration, its versions, restoring one.

The form holds the active configuration's numbers: the windows, the serial
test (and whether victims connected to each other count as one), the
minimum age of both people for an involvement to count, the points of an
unmapped offence, how G is aggregated (the highest offence, or the sum of
each incident's highest, banded), the weights and the five band tables
(recency, frequency, victims, the days-to-points bands of a CHI-style
gravity table and the bands of a summed G). Above them, the rules in one
sentence, as the Score tab and the profile say them. Saving checks the whole configuration
first (a refusal is said in the tab and nothing is saved), asks why, and
saves the settings that changed as a new version
(:func:`matac_desk.analysis.scoring.set_config_values`); the pages that show scores
reload, and the tab rescores everyone in the background to say what the
new version gives. Any version can be restored (as a new version).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..analysis import scoring
from ..domain import UserError
from ..analysis.scoring import Band, ScoringConfig, StoredConfig
from .context import show_error
from .models import Column, RowsModel
from .settings import Section, form_row
from .widgets import attach_model, button, save_header, table_view, text_label

__all__ = ["ScoringSection", "BandEditor", "LABELS", "human_error", "differences"]

LABELS = {
    "window_days": "Look-back window",
    "serial_window_days": "Serial look-back",
    "serial_min_incidents": "Serial: incidents",
    "serial_min_victims": "Serial: victims",
    "min_age": "Minimum age",
    "unmapped_points": "Unmapped offence",
    "weight_r": "Weight of R",
    "weight_f": "Weight of F",
    "weight_g": "Weight of G",
    "weight_v": "Weight of V",
    "recency_bands": "Recency bands",
    "frequency_bands": "Frequency bands",
    "victim_bands": "Victim bands",
    "gravity_day_bands": "Gravity day bands",
    "gravity_mode": "Gravity",
    "gravity_sum_bands": "Gravity sum bands",
    "serial_unconnected_victims": "Serial: unconnected victims",
    "gravity_source": "Gravity table source",
    "gravity": "Gravity table",
}

# key, label, low, high, unit, tooltip
_WHOLE = (
    ("window_days", "Look-back &window", 0, 36500, "days",
     "Incidents up to this many days before the day scored give R, F, G and V"),
    ("serial_window_days", "Se&rial look-back", 0, 36500, "days",
     "The serial test counts incidents and victims this many days back"),
    ("serial_min_incidents", "Serial: at least", 0, 1000, "incidents", "Distinct incidents needed to be serial"),
    ("serial_min_victims", "and at least", 0, 1000, "different victims", "Distinct victims needed to be serial"),
    ("min_age", "Minimum a&ge", 0, 120, "years, both people, on the day",
     "An involvement counts only when perpetrator and victim were both this age or over on the incident day "
     "(Domestic Abuse Act 2021 s.1: 16). An unknown date of birth counts, and the explanation says so"),
    ("unmapped_points", "&Unmapped offence scores", 0, 100, "points",
     "G for an offence the gravity table does not list"),
)
_WEIGHTS = (("weight_r", "R (recency)"), ("weight_f", "F (frequency)"), ("weight_g", "G (gravity)"),
            ("weight_v", "V (victims)"))
# key, title, what is counted, where the bands start
_BANDS = (
    ("recency_bands", "Recency (R)", "days since the latest incident", 0),
    ("frequency_bands", "Frequency (F)", "incidents", 1),
    ("victim_bands", "Victims (V)", "different victims", 1),
    ("gravity_day_bands", "Gravity from days of harm", "days of harm (days-profile tables)", 0),
    ("gravity_sum_bands", "Gravity summed (G)", "sum of each incident's highest gravity, when G is summed", 0),
)
MODES = {"max": "the highest gravity of one offence", "sum": "the sum of each incident's highest gravity, banded"}
OPEN = "and above"


def human_error(message: str) -> str:
    """A configuration error with its setting's name as the form labels it."""
    message = message.replace(" (N+=POINTS)", ": leave its 'To' empty")
    for key, label in LABELS.items():
        if message.startswith(key + ":"):
            return label + message[len(key):]
    return message


def _show(key: str, value: Any) -> str:
    if key.endswith("_bands"):
        return scoring.format_bands(value)
    if key == "gravity":
        return f"{len(value)} offences"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def differences(old: ScoringConfig, new: ScoringConfig) -> list[str]:
    """``"Look-back window: 729 → 364"`` for every setting that differs."""
    return [f"{LABELS.get(k, k)}: {_show(k, getattr(old, k))} → {_show(k, getattr(new, k))}"
            for k in new.changed_settings(old)]


class BandEditor(QWidget):
    """One band table: each row a range and its points. "From" follows from the row above; "To" empty is open."""

    edited = Signal()

    FROM, TO, POINTS = range(3)

    def __init__(self, key: str, title: str, counted: str, start: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.key, self.title, self.start = key, title, start
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QLabel(f"<b>{title}</b><br>{counted}")
        head.setWordWrap(True)
        lay.addWidget(head)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName(f"bands_{key}")
        self.table.setAccessibleName(f"{title} bands")
        self.table.setHorizontalHeaderLabels(["From", "To", "Points"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setToolTip(f"Leave 'To' empty (or '{OPEN}') on the last band for no upper end")
        rows = 6   # five bands, and room to add one; more scroll
        self.table.setFixedHeight(self.table.verticalHeader().defaultSectionSize() * rows
                                  + self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth())
        self.table.itemChanged.connect(self._changed)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.add_button = button("+", self.add_band, accessible=f"Add a {title} band", tip="Add a band at the end")
        self.remove_button = button("−", self.remove_band, accessible=f"Remove a {title} band",
                                    tip="Remove the selected band (or the last)")
        for b in (self.add_button, self.remove_button):
            b.setFixedWidth(b.fontMetrics().horizontalAdvance("++") + 24)
            row.addWidget(b)
        lay.addLayout(row)
        self._filling = False

    def _item(self, text: str, editable: bool) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if not editable:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip("Each band starts where the one above ends")
        return item

    def set_bands(self, bands) -> None:
        self._filling = True
        try:
            self.table.setRowCount(0)
            for lo, hi, pts in bands:
                self._append(OPEN if hi is None else str(hi), str(pts))
            self._number()
        finally:
            self._filling = False

    def _append(self, to: str, points: str) -> None:
        was, self._filling = self._filling, True
        try:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, self.FROM, self._item("", False))
            self.table.setItem(r, self.TO, self._item(to, True))
            self.table.setItem(r, self.POINTS, self._item(points, True))
        finally:
            self._filling = was

    def _number(self) -> None:
        """Write each band's "From": the start, then one more than the "To" above."""
        was, self._filling = self._filling, True
        try:
            lo: int | None = self.start
            for r in range(self.table.rowCount()):
                self.table.item(r, self.FROM).setText("?" if lo is None else str(lo))
                to = self.table.item(r, self.TO).text().strip()
                lo = int(to) + 1 if to.isdigit() else None
        finally:
            self._filling = was

    def _changed(self, _item) -> None:
        if self._filling:
            return
        self._number()
        self.edited.emit()

    def add_band(self) -> None:
        self._append(OPEN, "0")
        last = self.table.rowCount() - 1
        if last > 0 and self.table.item(last - 1, self.TO).text().strip().casefold() == OPEN:
            self._filling = True
            try:
                self.table.item(last - 1, self.TO).setText("")    # the band above needs an end now
            finally:
                self._filling = False
        self._number()
        self.table.setCurrentCell(last, self.TO)
        self.edited.emit()

    def remove_band(self) -> None:
        n = self.table.rowCount()
        if n <= 1:
            return
        rows = self.table.selectionModel().selectedRows()
        self.table.removeRow(rows[0].row() if rows else n - 1)
        self._number()
        self.edited.emit()

    def bands(self) -> tuple[Band, ...]:
        """The bands as the table holds them; a UserError naming the row for a cell that is not a number."""
        out = []
        lo = self.start
        for r in range(self.table.rowCount()):
            to = self.table.item(r, self.TO).text().strip()
            pts = self.table.item(r, self.POINTS).text().strip()
            try:
                hi = None if to.casefold() in ("", OPEN, "+") else int(to)
            except ValueError:
                raise UserError(f"{self.title} bands, row {r + 1}: 'To' {to!r} is not a whole number") from None
            try:
                points = int(pts)
            except ValueError:
                raise UserError(f"{self.title} bands, row {r + 1}: points {pts!r} is not a whole number") from None
            out.append((lo, hi, points))
            lo = (hi + 1) if hi is not None else lo
        return tuple(out)


@dataclass(frozen=True)
class _Version:
    stored: StoredConfig
    changed: tuple[str, ...]


_VERSION_COLUMNS = [
    Column("Version", lambda v: v.stored.version, numeric=True),
    Column("In use", lambda v: "in use" if v.stored.active else ""),
    Column("Saved", lambda v: (v.stored.created_at or "")[:16].replace("T", " ")),
    Column("By", lambda v: v.stored.created_by),
    Column("What changed", lambda v: ", ".join(v.changed), tooltip=lambda v: ", ".join(v.changed) or None),
    Column("Reason", lambda v: v.stored.reason),
]


class ScoringSection(Section):
    title = "&Scoring"
    listens = frozenset({"scores"})

    def __init__(self, page):
        super().__init__(page)
        self.active: StoredConfig | None = None
        self._rescore_gen = 0
        lay = QVBoxLayout(self)
        self.status = text_label("Active scoring configuration")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.status)
        self.rules = text_label("The scoring rules in one sentence")
        lay.addWidget(self.rules)

        top = QHBoxLayout()
        box = QGroupBox("Windows and thresholds")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.numbers: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for key, label, low, high, unit, tip in _WHOLE:
            spin = QSpinBox()
            spin.setRange(low, high)
            spin.setGroupSeparatorShown(True)
            self._add_number(form, key, label, spin, unit, tip)
        self.mode = QComboBox()
        for key, text in MODES.items():
            self.mode.addItem(text, key)
        self.mode.setAccessibleName(LABELS["gravity_mode"])
        self.mode.setToolTip("How G is made: the highest offence in the window, or each counted incident's highest "
                             "gravity added up over the window and banded by the 'Gravity summed' bands (harm-based "
                             "ranking, as the Crime Harm Index is used)")
        self.mode.currentIndexChanged.connect(self.edited)
        form_row(form, "&G is", self.mode, "", self.mode.toolTip())
        self.unconnected = QCheckBox("victims who are family or shared an address count as one")
        self.unconnected.setAccessibleName(LABELS["serial_unconnected_victims"])
        self.unconnected.setToolTip("The police chiefs' 2009 definition counts victims 'unconnected to each other'. "
                                    "Family: an intelligence link or an involvement recorded as family. Shared "
                                    "address: victims at the same recorded address on the same day. Off by default")
        self.unconnected.toggled.connect(self.edited)
        form_row(form, "Serial: &unconnected", self.unconnected, "", self.unconnected.toolTip())
        top.addWidget(box, 3)
        box = QGroupBox("Weights: score = R × wR + F × wF + G × wG + V × wV")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for key, label in _WEIGHTS:
            spin = QDoubleSpinBox()
            spin.setRange(0, 100)
            spin.setDecimals(2)
            spin.setSingleStep(0.5)
            self._add_number(form, key, label, spin, "", "0 leaves the part out of the score")
        top.addWidget(box, 2)
        lay.addLayout(top)

        box = QGroupBox("Bands: how many points each range gives")
        grid = QGridLayout(box)
        self.bands: dict[str, BandEditor] = {}
        for n, (key, title, counted, start) in enumerate(_BANDS):
            editor = BandEditor(key, title, counted, start)
            editor.edited.connect(self.edited)
            self.bands[key] = editor
            grid.addWidget(editor, 0, n)
        lay.addWidget(box)

        self.defaults_button = button("Built-in &defaults", self.use_defaults,
                                      accessible="Put the built-in defaults in the form",
                                      tip="The program's own numbers (the gravity table is not changed)")
        self.revert_button = button("Disca&rd changes", self.revert, accessible="Discard the scoring changes")
        self.save_button = button("Save as a new &version…", self.save)
        lay.addLayout(self.action_row("Scoring configuration message", self.defaults_button, self.revert_button,
                                      self.save_button))

        box = QGroupBox("Versions")
        vl = QVBoxLayout(box)
        self.history_model = RowsModel(_VERSION_COLUMNS, accent=lambda v: "ok" if v.stored.active else None)
        self.history_view = table_view("settings_scoring_versions", "Scoring configuration versions")
        attach_model(self.history_view, self.history_model)
        self.history_view.setMinimumHeight(self.fontMetrics().height() * 7)
        self.history_view.selectionModel().selectionChanged.connect(lambda *_: self._version_chosen())
        vl.addWidget(self.history_view)
        vrow = QHBoxLayout()
        self.version_detail = text_label("Selected version")
        vrow.addWidget(self.version_detail, 1)
        self.restore_button = button("Res&tore this version…", self.restore,
                                     accessible="Restore the selected version",
                                     tip="Make its settings active again (saved as a new version)")
        vrow.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignTop)
        vl.addLayout(vrow)
        lay.addWidget(box)
        lay.addStretch(1)
        self._enable()

    def _add_number(self, form: QFormLayout, key: str, label: str, spin, unit: str, tip: str) -> None:
        spin.setAccessibleName(LABELS[key])
        spin.valueChanged.connect(self.edited)
        self.numbers[key] = spin
        form_row(form, label, spin, unit, tip)

    # ------------------------------------------------------------ the form
    def dirty_changed(self) -> None:
        self._enable()

    def _fill(self, cfg: ScoringConfig) -> None:
        with self.filling():
            for key, spin in self.numbers.items():
                spin.setValue(getattr(cfg, key))
            for key, editor in self.bands.items():
                editor.set_bands(getattr(cfg, key))
            self.mode.setCurrentIndex(max(0, self.mode.findData(cfg.gravity_mode)))
            self.unconnected.setChecked(cfg.serial_unconnected_victims)

    def values(self) -> dict[str, Any]:
        """What the form holds, as the configuration keeps it (a UserError for a band cell that is no number)."""
        out: dict[str, Any] = {}
        for key, spin in self.numbers.items():
            v = spin.value()
            out[key] = (int(v) if float(v).is_integer() else v) if isinstance(spin, QDoubleSpinBox) else v
        for key, editor in self.bands.items():
            out[key] = editor.bands()
        out["gravity_mode"] = self.mode.currentData()
        out["serial_unconnected_victims"] = self.unconnected.isChecked()
        return out

    def _enable(self) -> None:
        self.save_button.setEnabled(self.active is not None)
        self.revert_button.setEnabled(self.dirty)
        v = self.chosen_version()
        self.restore_button.setEnabled(v is not None and not v.stored.active)

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        def load(store):
            return scoring.active_config(store), scoring.config_history(store)

        self.ctx.read(load).then(lambda r: self._loaded(*r), lambda e: show_error(self, e, "Scoring configuration"))

    def _loaded(self, active: StoredConfig, history: list[StoredConfig]) -> None:
        if self.locked:
            return
        self.active = active
        when = (active.created_at or "")[:16].replace("T", " ")
        self.status.setText(
            f"<b>In use: configuration version {active.version}</b>, saved {when} by {active.created_by or '—'}"
            + (f": <i>{escape(active.reason)}</i>" if active.reason else "")
            if active.version else
            "<b>In use: the built-in default configuration</b> (not saved yet: the first change saves it as "
            "version 1)")
        if not self.dirty:
            self._fill(active.config)
        self.rules.setText("Rules in use: " + scoring.rules_sentence(active.config)
                           + " The bands are the project's defaults unless your force has changed them.")
        chosen = self.chosen_version()
        rows, prev = [], None
        for h in history:
            changed = [LABELS.get(k, k) for k in h.config.changed_settings(prev.config)] if prev else ["first saved"]
            rows.append(_Version(h, tuple(changed)))
            prev = h
        rows.reverse()
        self.history_model.set_rows(rows)
        want = chosen.stored.version if chosen else None
        for i, v in enumerate(rows):
            if v.stored.version == want:
                self.history_view.selectRow(i)
        self._version_chosen()

    def chosen_version(self) -> _Version | None:
        rows = self.history_view.selectionModel().selectedRows()
        return self.history_model.row(rows[0].row()) if rows else None

    def select_version(self, version: int) -> bool:
        for i, v in enumerate(self.history_model.rows()):
            if v.stored.version == version:
                self.history_view.selectRow(i)
                return True
        return False

    def _version_chosen(self) -> None:
        v = self.chosen_version()
        if v is None or self.active is None:
            self.version_detail.setText("Select a version to see how it differs from the one in use.")
        elif v.stored.active:
            self.version_detail.setText(f"Version {v.stored.version} is the one in use.")
        else:
            diff = differences(self.active.config, v.stored.config)
            self.version_detail.setText(
                f"Restoring version {v.stored.version} would change: " + "; ".join(diff) + "."
                if diff else f"Version {v.stored.version} holds the same settings as the one in use.")
        self._enable()

    # ------------------------------------------------------------ saving
    def revert(self) -> None:
        self.dirty = False
        self.message.clear()
        if self.active is not None:
            self._fill(self.active.config)
        self._enable()

    def use_defaults(self) -> None:
        self._fill(ScoringConfig())
        self.dirty = True
        self.message.say("The built-in numbers are in the form; Save as a new version to use them.")
        self._enable()

    def refuse(self, e: BaseException, what: str | None, title: str) -> None:
        super().refuse(UserError(human_error(str(e))) if isinstance(e, UserError) else e, what, title)

    def save(self) -> None:
        if self.active is None:
            return
        try:
            values = self.values()
            changes = {k: v for k, v in values.items() if v != getattr(self.active.config, k)}
            new = dataclasses.replace(self.active.config, **changes).validate()
        except UserError as e:
            self.refuse(e, "Not saved", "Scoring configuration")
            return
        if not changes:
            self.message.say("Nothing to save: the form holds the configuration in use.")
            return
        diff = differences(self.active.config, new)
        reason = self.ask_reason("Save the scoring configuration",
                                 "A new configuration version is saved with: " + "; ".join(diff) + ". Every score "
                                 "from now on uses it; saved snapshots keep the version they were made with.",
                                 ok="Save version")
        if reason is None:
            self.message.say("Not saved.")
            return
        self.message.say("Saving…")
        self.ctx.change(scoring.set_config_values, changes, reason=reason, kinds=("scores",),
                        what="Save the scoring configuration", parent=self, done=self._saved,
                        failed=lambda e: self.refuse(e, "Not saved", "Save the scoring configuration"))

    def _saved(self, stored: StoredConfig, restored: int | None = None) -> None:
        self.dirty = False
        said = (f"Version {restored} restored as version {stored.version}." if restored else
                f"Configuration version {stored.version} saved.")
        self.message.say(said + " Rescoring…")
        self._rescore(stored.version, said)

    def _rescore(self, version: int | None, said: str) -> None:
        """Score everyone with the new version in the background, and say what it gives."""
        self._rescore_gen += 1
        gen, today = self._rescore_gen, self.ctx.today()

        def summary(store, cancelled):
            ranked = scoring.score_all(store, today, cancelled=cancelled)
            return len(ranked), sum(1 for s in ranked if s.serial), (ranked[0].score if ranked else None)

        def show(result) -> None:
            if gen != self._rescore_gen or self.locked:
                return
            n, serial, top = result
            self.message.say(f"{said} Rescored as of {today.isoformat()}: {n:,} perpetrators, {serial:,} serial"
                             + (f", highest score {top:g}." if top is not None else "."))

        self.ctx.read(summary, cancellable=True).then(show, lambda e: show_error(self, e, "Rescoring"))

    def restore(self) -> None:
        v = self.chosen_version()
        if v is None or v.stored.active or self.active is None:
            return
        number = v.stored.version
        diff = differences(self.active.config, v.stored.config)
        reason = self.ask_reason(f"Restore version {number}",
                                 f"Version {number}'s settings become active again, saved as a new version"
                                 + (": " + "; ".join(diff) if diff else "") + "."
                                 + (" The changes not saved in the form are dropped." if self.dirty else ""),
                                 default=f"restored version {number}", ok="Restore")
        if reason is None:
            return
        self.ctx.change(scoring.restore_config, number, reason=reason, kinds=("scores",),
                        what="Restore a scoring configuration", parent=self,
                        done=lambda stored: self._saved(stored, restored=number),
                        failed=lambda e: self.refuse(e, "Not restored", "Restore a scoring configuration"))

    def clear(self) -> None:
        self._rescore_gen += 1
        self.active = None
        self.dirty = False
        self.history_model.clear()
        self.status.setText("")
        self.rules.setText("")
        self.version_detail.setText("")
        self.message.clear()
        self._fill(ScoringConfig())
        self._enable()

    def save_state(self) -> None:
        save_header(self.history_view)

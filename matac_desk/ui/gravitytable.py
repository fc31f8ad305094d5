"""The Settings page's Gravity table tab: the active table edited in place, import, export, profiles, gaps.

The table shows every offence with its points, or its harm in days for a
days profile (CHI style, turned into points by the configuration's day
bands), its Home Office offence codes (an involvement whose code is listed
takes the row whatever its wording), and what it gives an incident (its
points; with ``gravity_mode = sum``, the days of harm of a days row, which
are added up). Points and days are edited in place, offences
added and removed; the edits are marked until "Save changes…" saves them
together as one new configuration version with a reason
(:func:`matac_desk.analysis.scoring.edit_gravity`). A force's own CSV is checked
before anything changes (the same checks and messages as ``matac-desk
gravity import``). Offences held that the table maps neither by code nor by
wording are listed underneath with their codes: an offence's wording is
mapped with points, or its code is mapped to a row of the table in one
step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from ..analysis import scoring
from ..domain import UserError, normalise_offence
from ..analysis.scoring import Band, GravityEntry, StoredConfig, band_points
from . import dialogs
from .context import show_error
from .dialogs import Field
from .models import Column, RowRole, RowsModel
from .settings import Section
from .widgets import MessageLabel, attach_model, button, remember_header, save_header, table_view, text_label

__all__ = ["GravitySection", "GravityModel", "GravityRow", "PROFILES"]

PROFILES = {
    "default": "default: points (the program's own table)",
    "chi": "chi: harm in days, Crime Harm Index style",
}

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class GravityRow:
    """One offence as the table shows it: ``saved`` is the active version's row (None: added here)."""

    offence: str
    points: int | None
    days: float | None
    saved: GravityEntry | None
    removed: bool = False
    codes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return normalise_offence(self.offence)

    @property
    def state(self) -> str:
        """``""`` as saved, or ``"added"``, ``"changed"``, ``"removed"``."""
        if self.removed:
            return "removed"
        if self.saved is None:
            return "added"
        return "changed" if (self.points, self.days, self.codes) != \
            (self.saved.points, self.saved.days, self.saved.codes) else ""

    def entry(self) -> GravityEntry:
        return GravityEntry(self.offence, self.points, self.days, self.codes)


def _number(text: str, *, whole: bool, what: str) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise UserError(f"{what} {text!r} is not a {'whole number' if whole else 'number'}") from None
    if whole and not 0 <= value <= 100:
        raise UserError("points run from 0 to 100")
    if not whole:
        if not math.isfinite(value) or value < 0:
            raise UserError("days must be 0 or more")
        value = int(value) if value.is_integer() else value
    return value


class GravityModel(QAbstractTableModel):
    """The gravity table with the edits not saved yet; points and days editable in place."""

    OFFENCE, CODES, POINTS, DAYS, SCORES = range(5)
    HEADERS = ("Offence", "Codes", "Points", "Harm (days)", "Scores")
    TOOLTIPS = (None, "Home Office offence codes, separated by ';': an involvement with one of these codes takes "
                      "this row whatever its wording",
                "Points given; empty for an offence scored by its days of harm",
                "Harm in days (CHI style), turned into points by the day bands; used when there are no points",
                "What this offence gives an incident: its points, or with G summed, its days of harm")
    STATES = {"added": "Added: not saved yet", "changed": "Changed: not saved yet",
              "removed": "To be removed when the changes are saved"}

    refused = Signal(str)   # an edit that was not taken, and why

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[GravityRow] = []
        self.day_bands: tuple[Band, ...] = scoring.ScoringConfig.gravity_day_bands
        self.mode = "max"

    # ---- content
    def set_table(self, entries: tuple[GravityEntry, ...], day_bands: tuple[Band, ...], *,
                  keep_edits: bool = False, mode: str | None = None) -> None:
        """Show a saved table; with ``keep_edits`` the edits not saved yet are laid over it again."""
        pending = self.changes() if keep_edits else {}
        self.beginResetModel()
        self.day_bands = day_bands
        if mode is not None:
            self.mode = mode
        self._rows = [GravityRow(e.offence, e.points, e.days, e, codes=e.codes) for e in entries]
        by_key = {r.key: i for i, r in enumerate(self._rows)}
        for offence, entry in pending.items():
            i = by_key.get(normalise_offence(offence))
            if i is None:
                if entry is not None:
                    self._rows.append(GravityRow(entry.offence, entry.points, entry.days, None, codes=entry.codes))
            elif entry is None:
                self._rows[i] = replace(self._rows[i], removed=True)
            else:
                self._rows[i] = replace(self._rows[i], points=entry.points, days=entry.days, codes=entry.codes)
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def drop_edits(self) -> None:
        """Back to the saved table: added rows go, edited and removed ones are as saved."""
        self.set_table(tuple(r.saved for r in self._rows if r.saved is not None), self.day_bands, mode=self.mode)

    def rows(self) -> list[GravityRow]:
        return list(self._rows)

    def row(self, i: int) -> GravityRow:
        return self._rows[i]

    def find(self, offence: str) -> int | None:
        key = normalise_offence(offence)
        return next((i for i, r in enumerate(self._rows) if r.key == key), None)

    def changes(self) -> dict[str, GravityEntry | None]:
        """``{offence: new row or None to remove}`` for every row edited, added or removed."""
        out: dict[str, GravityEntry | None] = {}
        for r in self._rows:
            if r.state == "removed":
                out[r.saved.offence] = None
            elif r.state:
                out[r.offence] = r.entry()
        return out

    def add(self, offence: str, points: int | None, days: float | None, codes: tuple[str, ...] = ()) -> int:
        offence = " ".join(offence.split())
        if not offence:
            raise UserError("give the offence's name")
        i = self.find(offence)
        if i is not None:
            raise UserError(f"{self._rows[i].offence!r} is already in the table")
        if points is None and days is None:
            raise UserError(f"give {offence!r} points or days")
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self._rows.append(GravityRow(offence, points, days, None, codes=codes))
        self.endInsertRows()
        return n

    def toggle_removed(self, i: int) -> None:
        """Mark a saved row for removal (or keep it after all); an added row goes at once."""
        r = self._rows[i]
        if r.saved is None:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self.endRemoveRows()
            return
        self._rows[i] = replace(r, removed=not r.removed)
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))

    def scores(self, r: GravityRow) -> int | None:
        """What the row gives an incident, as :meth:`ScoringConfig.entry_value` reckons it."""
        if r.points is not None:
            return r.points
        if r.days is None:
            return None
        return int(r.days) if self.mode == "sum" else band_points(self.day_bands, int(r.days))

    # ---- Qt
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def _value(self, r: GravityRow, c: int) -> Any:
        return (r.offence, "; ".join(r.codes), r.points, r.days, self.scores(r))[c]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r, c = self._rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            v = self._value(r, c)
            return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if c in (self.OFFENCE, self.CODES) else _RIGHT
        if role == Qt.ItemDataRole.FontRole and r.state:
            font = QFont()
            font.setBold(r.state in ("added", "changed"))
            font.setStrikeOut(r.state == "removed")
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.state:
                was = "" if r.saved is None or r.state != "changed" else \
                    f" (saved: {r.saved.points if r.saved.points is not None else '—'} points, " \
                    f"{r.saved.days if r.saved.days is not None else '—'} days, " \
                    f"codes {'; '.join(r.saved.codes) or '—'})"
                return self.STATES[r.state] + was
            return None
        if role == RowRole:
            return r
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() in (self.CODES, self.POINTS, self.DAYS) \
                and not self._rows[index.row()].removed:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        r, c = self._rows[index.row()], index.column()
        try:
            if c == self.CODES:
                codes = scoring.parse_codes(str(value), "codes")
                taken = {scoring.normalise_code(x): o.offence for o in self._rows if o is not r and not o.removed
                         for x in o.codes}
                for code in codes:
                    if scoring.normalise_code(code) in taken:
                        raise UserError(f"code {code} is already given to {taken[scoring.normalise_code(code)]!r}")
                new = replace(r, codes=codes)
            else:
                v = _number(str(value), whole=c == self.POINTS, what="points" if c == self.POINTS else "days")
                new = replace(r, points=v) if c == self.POINTS else replace(r, days=v)
            if new.points is None and new.days is None:
                raise UserError("an offence needs points or days")
        except UserError as e:
            self.refused.emit(f"{r.offence}: {e}")
            return False
        self._rows[index.row()] = new
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.HEADERS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TOOLTIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if section in (self.OFFENCE, self.CODES) else _RIGHT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.HEADERS)):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [self._rows[i.row()] for i in old]

        def key(r: GravityRow):
            v = self._value(r, column)
            return (v is None, v.casefold() if isinstance(v, str) else v or 0, r.key)

        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        pos = {id(r): n for n, r in enumerate(self._rows)}
        self.changePersistentIndexList(old, [self.index(pos[id(r)], i.column()) for r, i in zip(old_rows, old)])
        self.layoutChanged.emit()


def _export(store, path: str) -> int:
    entries = scoring.active_config(store).config.gravity
    scoring.write_gravity_csv(path, entries)
    return len(entries)


class GravitySection(Section):
    title = "Gravity &table"
    listens = frozenset({"scores", "imports"})

    def __init__(self, page):
        super().__init__(page)
        self.active: StoredConfig | None = None
        self._counting = False    # the message counts the changes not saved
        lay = QVBoxLayout(self)
        self.status = text_label("Gravity table in use")
        lay.addWidget(self.status)

        bar = QHBoxLayout()
        find_label = QLabel("F&ind:")
        self.find = QLineEdit()
        self.find.setAccessibleName("Find an offence in the gravity table")
        self.find.setPlaceholderText("part of an offence's name")
        self.find.setClearButtonEnabled(True)
        self.find.textChanged.connect(lambda _t: self._filter())
        find_label.setBuddy(self.find)
        bar.addWidget(find_label)
        bar.addWidget(self.find, 1)
        bar.addSpacing(self.fontMetrics().averageCharWidth() * 4)
        profile_label = QLabel("Shipped &profile:")
        self.profile = QComboBox()
        self.profile.setAccessibleName("Shipped gravity profile")
        for name, text in PROFILES.items():
            self.profile.addItem(text, name)
        profile_label.setBuddy(self.profile)
        bar.addWidget(profile_label)
        bar.addWidget(self.profile)
        self.profile_button = button("&Use profile…", self.use_profile, accessible="Use the shipped profile",
                                     tip="Replace the table with the shipped one (a new version)")
        bar.addWidget(self.profile_button)
        lay.addLayout(bar)

        self.model = GravityModel(self)
        self.model.refused.connect(lambda text: self.message.refuse(f"Not changed: {text}"))
        self.model.dataChanged.connect(lambda *_: self._changed())
        self.model.rowsInserted.connect(lambda *_: self._changed())
        self.model.rowsRemoved.connect(lambda *_: self._changed())
        self.model.modelReset.connect(self._changed)
        # A new name for the five-column table: widths saved for the four-column one do not fit it.
        self.view = table_view("settings_gravity_codes", "Gravity table")
        self.view.setModel(self.model)
        header = self.view.horizontalHeader()
        if not remember_header(self.view, {1: "8Q; 8/66; 195/12", 2: "Points", 3: "Harm (days)", 4: "Scores"}):
            header.setStretchLastSection(False)
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(False)
        self.view.setMinimumHeight(self.fontMetrics().height() * 20)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        lay.addWidget(self.view, 1)

        row = QHBoxLayout()
        self.add_button = button("&Add an offence…", self.add_offence)
        self.remove_button = button("&Remove", self.toggle_remove, accessible="Remove the selected offence",
                                    tip="Mark the selected offence for removal (again: keep it)")
        self.discard_button = button("Disca&rd changes", self.discard, accessible="Discard the gravity table changes")
        self.save_button = button("&Save changes…", self.save, accessible="Save the gravity table changes",
                                  tip="Save the marked changes as one new configuration version")
        for b in (self.add_button, self.remove_button):
            row.addWidget(b)
        row.addStretch(1)
        self.import_button = button("I&mport CSV…", lambda: self.import_csv(),
                                    tip="Replace the table with a force's own CSV (offence,offence_code,points; "
                                        "offence,points; or offence,days)")
        self.export_button = button("E&xport CSV…", lambda: self.export_csv())
        for b in (self.import_button, self.export_button, self.discard_button, self.save_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.message = MessageLabel("Gravity table message")
        lay.addWidget(self.message)

        box = QGroupBox("Offences held that the table maps neither by code nor by wording")
        box.setObjectName("gravity_box")
        gl = QVBoxLayout(box)
        self.unmapped_model = RowsModel([Column("Code", lambda u: u.code or ""),
                                         Column("Offence", lambda u: u.offence),
                                         Column("Incidents", lambda u: u.incidents, numeric=True),
                                         Column("Latest", lambda u: u.latest)])
        self.unmapped_view = table_view("settings_unmapped_codes", "Unmapped offences")
        attach_model(self.unmapped_view, self.unmapped_model)
        self.unmapped_view.setMinimumHeight(self.fontMetrics().height() * 5)
        self.unmapped_view.setMaximumHeight(self.fontMetrics().height() * 8)
        self.unmapped_view.selectionModel().selectionChanged.connect(lambda *_: self._enable_unmapped())
        gl.addWidget(self.unmapped_view)
        urow = QHBoxLayout()
        urow.addWidget(QLabel("Its wording scores:"))
        self.points = QSpinBox()
        self.points.setRange(0, 100)
        self.points.setValue(3)
        self.points.setAccessibleName("Gravity points")
        urow.addWidget(self.points)
        self.map_button = button("Map o&ffence", self.map_selected, accessible="Map the selected offence",
                                 tip="Save a new scoring configuration with this wording in the gravity table")
        urow.addWidget(self.map_button)
        urow.addSpacing(self.fontMetrics().averageCharWidth() * 4)
        code_label = QLabel("or its &code means:")
        self.code_target = QComboBox()
        self.code_target.setAccessibleName("Offence of the gravity table the code maps to")
        self.code_target.setMinimumContentsLength(28)
        self.code_target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        code_label.setBuddy(self.code_target)
        urow.addWidget(code_label)
        urow.addWidget(self.code_target)
        self.map_code_button = button("Map co&de", self.map_code, accessible="Map the selected code",
                                      tip="Give the selected Home Office code to this row of the gravity table "
                                          "(one new configuration version)")
        urow.addWidget(self.map_code_button)
        urow.addStretch(1)
        gl.addLayout(urow)
        self.gravity_message = MessageLabel("Unmapped offences message")
        gl.addWidget(self.gravity_message)
        lay.addWidget(box)
        self._enable()

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        def load(store):
            active = scoring.active_config(store)
            return active, scoring.unmapped_offences(store, active.config)

        self.ctx.read(load).then(lambda r: self._loaded(*r), lambda e: show_error(self, e, "Gravity table"))

    def _loaded(self, active: StoredConfig, unmapped: list) -> None:
        if self.locked:
            return
        self.active = active
        cfg = active.config
        self.model.set_table(cfg.gravity, cfg.gravity_day_bands, keep_edits=True, mode=cfg.gravity_mode)
        days = sum(1 for e in cfg.gravity if e.points is None)
        coded = sum(1 for e in cfg.gravity if e.codes)
        how = ("summed over the window (gravity sum bands on the Scoring tab)" if cfg.gravity_mode == "sum" else
               "through the day bands on the Scoring tab")
        self.status.setText(
            f"{len(cfg.gravity)} offences ({coded} with Home Office codes, matched before the wording), from "
            f"{cfg.gravity_source}"
            + (f"; {days} scored by days of harm, {how}" if days else "")
            + f"; configuration version {active.version or 'not saved yet (built-in default)'}. An offence not in "
              f"the table scores {cfg.unmapped_points}. G is "
            + ("the highest gravity of one offence." if cfg.gravity_mode == "max" else
               "the sum of each incident's highest gravity, banded."))
        current = self.code_target.currentText()
        self.code_target.clear()
        for e in sorted(cfg.gravity, key=lambda e: e.offence.casefold()):
            self.code_target.addItem(e.offence, e.offence)
        if current:
            self.code_target.setCurrentIndex(max(0, self.code_target.findText(current)))
        i = self.profile.findData(cfg.gravity_source)
        if i >= 0:
            self.profile.setCurrentIndex(i)
        self.unmapped_model.set_rows(unmapped)
        self.map_button.setEnabled(bool(unmapped))
        self._enable_unmapped()
        if not self.gravity_message.text() or not unmapped:
            self.gravity_message.say("" if unmapped else "Every offence held is in the gravity table.")
        self._filter()

    def _filter(self) -> None:
        text = " ".join(self.find.text().split()).casefold()
        for i, r in enumerate(self.model.rows()):
            self.view.setRowHidden(i, bool(text) and text not in r.offence.casefold())

    def _changed(self) -> None:
        n = len(self.model.changes())
        self.dirty = n > 0
        if n:
            self.message.say(f"{n} change(s) not saved yet (marked in bold or struck out): Save changes… keeps "
                             "them as one new configuration version.")
            self._counting = True
        elif self._counting:
            self.message.clear()
            self._counting = False
        self._enable()

    def selected_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_offence(self, offence: str) -> bool:
        i = self.model.find(offence)
        if i is not None:
            self.view.selectRow(i)
        return i is not None

    def _enable_unmapped(self) -> None:
        rows = self.unmapped_view.selectionModel().selectedRows()
        u = self.unmapped_model.data(rows[0], RowRole) if rows else None
        self.map_code_button.setEnabled(bool(u and u.code))
        self.map_code_button.setToolTip(
            f"Give code {u.code} to the chosen row of the gravity table" if u and u.code else
            "Select an unmapped offence that carries a Home Office code")

    def _enable(self) -> None:
        i = self.selected_row()
        self.remove_button.setEnabled(i is not None)
        self.remove_button.setText("&Keep" if i is not None and self.model.row(i).removed else "&Remove")
        self.save_button.setEnabled(self.dirty)
        self.discard_button.setEnabled(self.dirty)

    # ------------------------------------------------------------ edits
    def add_offence(self) -> None:
        got = dialogs.ask(self, "Add an offence to the gravity table", [
            Field("offence", "&Offence", required=True, placeholder="as the force's records name it"),
            Field("codes", "Home Office &codes", placeholder="optional: 8N, or several as 8Q; 8/66"),
            Field("points", "&Points", placeholder="0 to 100"),
            Field("days", "or harm in &days", placeholder="CHI style: turned into points by the day bands"),
        ], intro="Matching ignores case and spacing. The offence is saved with the other changes.", ok="Add")
        if not got:
            return
        try:
            points = _number(got["points"], whole=True, what="points")
            days = _number(got["days"], whole=False, what="days")
            codes = scoring.parse_codes(got.get("codes") or "", "codes")
            i = self.model.add(got["offence"], points, days, codes)
        except UserError as e:
            self.message.refuse(f"Not added: {e}")
            return
        self.find.clear()
        self.view.selectRow(i)
        self.view.scrollTo(self.model.index(i, 0))

    def toggle_remove(self) -> None:
        i = self.selected_row()
        if i is not None:
            self.model.toggle_removed(i)

    def discard(self) -> None:
        self.model.drop_edits()
        self.message.clear()

    def _change(self, fn, *args, reason: str, said: str, refused: str) -> None:
        """Save a new table with ``fn(store, *args, reason=...)``; the edits not saved go once it is saved."""
        def done(stored: StoredConfig) -> None:
            self.model.drop_edits()      # saved, or replaced by a whole table; the reload shows the new one
            self.message.say(f"{said}: configuration version {stored.version}.")

        self.message.say("Saving…")
        self.ctx.change(fn, *args, reason=reason, kinds=("scores",), what="Gravity table", parent=self, done=done,
                        failed=lambda e: self.refuse(e, refused, "Gravity table"))

    def save(self) -> None:
        changes = self.model.changes()
        if not changes:
            return
        lines = [f"{o}: removed" if e is None else
                 f"{o}: {e.points if e.points is not None else '—'} points"
                 + (f", {e.days:g} days" if e.days is not None else "")
                 + (f", codes {'; '.join(e.codes)}" if e.codes else "") for o, e in changes.items()]
        reason = self.ask_reason("Save the gravity table",
                                 f"{len(changes)} change(s) are saved as one new configuration version: "
                                 + "; ".join(lines[:12]) + ("; …" if len(lines) > 12 else "") + ".",
                                 ok="Save version")
        if reason is None:
            return
        self._change(scoring.edit_gravity, changes, reason=reason, said=f"{len(changes)} change(s) saved",
                     refused="Not saved")

    def map_selected(self) -> None:
        rows = self.unmapped_view.selectionModel().selectedRows()
        if not rows:
            self.gravity_message.refuse("Select an offence first.")
            return
        u = self.unmapped_model.data(rows[0], RowRole)
        points = self.points.value()
        self.ctx.change(scoring.set_gravity_points, u.offence, points, kinds=("scores",), what="Gravity table",
                        parent=self, done=lambda cfg: self.gravity_message.say(
                            f"{u.offence} now scores {points}; configuration version {cfg.version} saved."))

    def map_code(self) -> None:
        rows = self.unmapped_view.selectionModel().selectedRows()
        u = self.unmapped_model.data(rows[0], RowRole) if rows else None
        if u is None or not u.code:
            self.gravity_message.refuse("Select an unmapped offence that carries a code first.")
            return
        target = self.code_target.currentData()
        if not target:
            return
        self.ctx.change(scoring.set_gravity_code, u.code, target, kinds=("scores",), what="Gravity table",
                        parent=self, done=lambda cfg: self.gravity_message.say(
                            f"Code {u.code} now means {target}; configuration version {cfg.version} saved."),
                        failed=lambda e: self.refuse(e, "Not mapped", "Gravity table"))

    def use_profile(self) -> None:
        name = self.profile.currentData()
        entries = scoring.load_gravity_profile(name)
        reason = self.ask_reason(
            "Use a shipped gravity table",
            f"The table in use is replaced by the shipped {name!r} profile ({len(entries)} offences)"
            + (", harm in days added up over the window (G summed, banded by the profile's sum bands)"
               if scoring.PROFILE_GRAVITY[name][0] == "sum" else "")
            + ". The table in use now stays in the version history, and can be restored from the Scoring tab."
            + (" Your changes not saved are dropped." if self.dirty else ""),
            default=f"gravity profile {name}", ok="Use it")
        if reason is None:
            return
        self._change(scoring.use_gravity_profile, name, reason=reason, said=f"Now using the {name!r} profile",
                     refused="Not changed")

    def import_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a gravity table", "",
                                                  "CSV files (*.csv);;All files (*)")
            if not path:
                return
        self.message.say("Checking the file…")
        self.ctx.run(lambda _p, _c: scoring.read_gravity_csv(path)).then(
            lambda entries: self._import_checked(path, entries),
            lambda e: self.refuse(e, "Not imported", "Gravity table"))

    def _import_checked(self, path: str, entries: tuple[GravityEntry, ...]) -> None:
        name = Path(path).name
        have = {e.key for e in self.active.config.gravity} if self.active else set()
        new = {e.key for e in entries}
        reason = self.ask_reason(
            "Import a gravity table",
            f"{name} holds {len(entries)} offences ({len(new - have)} not in the table in use; "
            f"{len(have - new)} of the table in use not in it). It replaces the table in use as a new configuration "
            "version." + (" Your changes not saved are dropped." if self.dirty else ""),
            default=f"gravity table imported from {name}", ok="Import")
        if reason is None:
            self.message.say("Not imported.")
            return
        self._change(scoring.import_gravity, path, reason=reason,
                     said=f"Imported {len(entries)} offences from {name}", refused="Not imported")

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the gravity table", "gravity.csv",
                                                  "CSV files (*.csv)")
            if not path:
                return
        self.ctx.read(_export, path).then(
            lambda n: self.message.say(f"Wrote the {n} offences in use to {path}."),
            lambda e: self.refuse(e, "Not exported", "Gravity table"))

    def clear(self) -> None:
        self.active = None
        self.model.clear()
        self.unmapped_model.clear()
        self.code_target.clear()
        self.status.setText("")
        self.message.clear()
        self.gravity_message.clear()
        self.dirty = False
        self._enable()

    def save_state(self) -> None:
        save_header(self.view)
        save_header(self.unmapped_view)

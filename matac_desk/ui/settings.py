"""The Settings page: one tab per kind of setting, each saved on its own.

- **General**: the idle lock (this computer's preference, in QSettings) and
  the force's names kept in the store: the force, its divisions and its
  partner agencies (:mod:`matac_desk.meeting.force`; the agencies are what every
  screen offers where an agency is chosen).
- **Scoring** (:mod:`.scoringconfig`): every number of the active scoring
  configuration, saved as a new version with a reason; the versions, and
  restoring one.
- **Gravity table** (:mod:`.gravitytable`): the active table, edited in
  place; import, export, shipped profiles; offences held that it does not
  map.
- **Toolkit**: the tactics toolkit by category; add, retire, restore.
- **Thresholds**: the numbers the services keep in the settings
  (:mod:`matac_desk.services.thresholds`): workload limits, the agenda's top N and
  exit rules, MAPPA and MARAC prompts, outcomes, retention, backups.

A tab reloads only on the change kinds it listens to, and a tab with
unsaved edits keeps them when something else changes.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..meeting import cohort, force
from ..services import thresholds
from ..meeting.cohort import TOOLKIT_CATEGORIES
from ..domain import UserError
from ..meeting.force import ForceSettings
from ..storage.store import Store
from . import dialogs
from .context import CHANGED_ALL, Context, show_error
from .dialogs import Field
from .lock import MAX_IDLE_MINUTES, idle_minutes, set_idle_minutes
from .widgets import MessageLabel, button, heading
from .window import Page

__all__ = ["SettingsPage", "Section", "FormSection", "GeneralSection", "ToolkitSection", "ThresholdsSection", "form_row"]

ItemRole = Qt.ItemDataRole.UserRole + 1


class Section(QWidget):
    """One tab of the Settings page.

    ``listens``: the change kinds that make it reload. ``dirty`` is True
    while the tab holds edits not saved; a reload then keeps them.
    """

    title = ""
    listens: frozenset[str] = frozenset()

    message: MessageLabel   # the tab's line of news, made by :meth:`action_row`

    def __init__(self, page: "SettingsPage"):
        super().__init__()
        self.page = page
        self.ctx = page.ctx
        self.dirty = False
        self._filling = False

    @property
    def locked(self) -> bool:
        return self.page.window_.locked

    def edited(self, *_args) -> None:
        """A form control changed: the tab holds edits not saved, unless it is being filled from the store."""
        if not self._filling:
            self.dirty = True
            self.dirty_changed()

    def dirty_changed(self) -> None:
        """Hook: the tab now holds edits not saved."""

    @contextlib.contextmanager
    def filling(self) -> Iterator[None]:
        """Fill the form from the store without counting it as an edit."""
        was, self._filling = self._filling, True
        try:
            yield
        finally:
            self._filling = was

    def action_row(self, accessible: str, *buttons: QWidget) -> QHBoxLayout:
        """The tab's message (left, named ``accessible``) and its buttons (right)."""
        row = QHBoxLayout()
        self.message = MessageLabel(accessible)
        row.addWidget(self.message, 1)
        for b in buttons:
            row.addWidget(b)
        return row

    def refuse(self, e: BaseException, what: str | None, title: str) -> None:
        """A change that failed: a UserError is said in the tab (after ``what``), anything else in a box."""
        if isinstance(e, UserError):
            self.message.refuse(f"{what}: {e}" if what else str(e))
        else:
            self.message.clear()
            show_error(self, e, title)

    def reload(self) -> None:  # pragma: no cover - every section implements it
        raise NotImplementedError

    def clear(self) -> None:  # pragma: no cover - every section implements it
        raise NotImplementedError

    def save_state(self) -> None:
        """Remember column widths (never data)."""

    def ask_reason(self, title: str, intro: str, *, default: str = "", ok: str = "Save") -> str | None:
        """Why the change is made (kept with the version and in the audit log); None when cancelled."""
        got = dialogs.ask(self, title, [Field("reason", "&Reason", "long", default=default, required=True,
                                              placeholder="why: kept with the change and in the audit log")],
                          intro=intro, ok=ok)
        return None if got is None else got["reason"]


class FormSection(Section):
    """A tab that is one form over what ``loader(store)`` returns: a reload fills it unless it holds edits."""

    loader: Callable[[Store], Any]   # the service call that reads what the form shows (a staticmethod)
    what = ""                        # names the tab in an error box

    def fill(self, values) -> None:  # pragma: no cover - every form implements it
        raise NotImplementedError

    def reload(self) -> None:
        if not self.dirty:
            self.ctx.read(self.loader).then(self._loaded, lambda e: show_error(self, e, self.what))

    def _loaded(self, values) -> None:
        if not self.locked and not self.dirty:
            self.fill(values)

    def revert(self) -> None:
        self.dirty = False
        self.message.clear()
        self.reload()


def _lines(edit: QPlainTextEdit) -> list[str]:
    return edit.toPlainText().splitlines()


def form_row(form: QFormLayout, label: str, field: QWidget, unit: str = "", tip: str | None = None) -> None:
    """A labelled row: the field, then its unit in words; the label is the field's buddy."""
    row = QHBoxLayout()
    row.addWidget(field)
    if unit:
        row.addWidget(QLabel(unit))
    row.addStretch(1)
    lab = QLabel(label)
    lab.setBuddy(field)
    lab.setToolTip(tip or None)
    field.setToolTip(tip or None)
    form.addRow(lab, row)


def _list_box(placeholder: str, accessible: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(accessible)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(box.fontMetrics().height() * lines)
    return box


class GeneralSection(FormSection):
    title = "&General"
    listens = frozenset({"settings"})
    loader = staticmethod(force.load)
    what = "Settings"

    def __init__(self, page):
        super().__init__(page)
        lay = QVBoxLayout(self)

        box = QGroupBox("This computer")
        box.setMaximumWidth(900)
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
        box.setMaximumWidth(900)
        grid = QGridLayout(box)
        name_label = QLabel("&Force name")
        self.force_name = QLineEdit()
        self.force_name.setAccessibleName("Force name")
        self.force_name.setPlaceholderText("e.g. Northshire Police")
        name_label.setBuddy(self.force_name)
        grid.addWidget(name_label, 0, 0)
        grid.addWidget(self.force_name, 0, 1, 1, 2)
        self.divisions = _list_box("One division per line, in the order they should be shown",
                                   "Division names, one per line", 9)
        self.agencies = _list_box("One agency per line, in the order they are offered",
                                  "Partner agencies, one per line", 9)
        self.agencies.setToolTip("Offered wherever an agency is chosen: actions, attendees, referrals, packs; "
                                 "agencies already named in the records are offered too")
        for col, (label, edit) in enumerate((("&Divisions", self.divisions), ("Partner &agencies", self.agencies)),
                                            start=1):
            lab = QLabel(label)
            lab.setBuddy(edit)
            grid.addWidget(lab, 1, col)
            grid.addWidget(edit, 2, col)
        self.found_button = button("Add divisions f&ound in the data", self.add_found_divisions)
        self.found_agencies_button = button("Add agencies fou&nd in the data", self.add_found_agencies,
                                            tip="Agencies named on actions, attendees and referrals")
        grid.addWidget(self.found_button, 3, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.found_agencies_button, 3, 2, Qt.AlignmentFlag.AlignLeft)
        self.revert_button = button("Disca&rd changes", self.revert, accessible="Discard the force changes")
        self.save_button = button("&Save", self.save, accessible="Save the force settings")
        grid.addLayout(self.action_row("Settings message", self.revert_button, self.save_button), 4, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        lay.addWidget(box)
        lay.addStretch(1)
        for w in (self.force_name, self.divisions, self.agencies):
            w.textChanged.connect(self.edited)

    def _idle_changed(self, minutes: int) -> None:
        set_idle_minutes(minutes)
        self.page.window_.idle.apply_setting()

    def fill(self, fs: ForceSettings) -> None:
        with self.filling():
            self.force_name.setText(fs.name)
            self.divisions.setPlainText("\n".join(fs.divisions))
            self.agencies.setPlainText("\n".join(fs.agencies))
        self.dirty = False

    def reload(self) -> None:
        self.idle.blockSignals(True)
        self.idle.setValue(idle_minutes())
        self.idle.blockSignals(False)
        super().reload()

    def _entered(self) -> ForceSettings:
        return ForceSettings(self.force_name.text(), tuple(_lines(self.divisions)), tuple(_lines(self.agencies)))

    def save(self) -> None:
        self.message.say("Saving…")
        self.ctx.read(force.save, self._entered()).then(self._saved,
                                                       lambda e: self.refuse(e, None, "Save settings"))

    def _saved(self, saved: ForceSettings) -> None:
        self.fill(saved)
        self.ctx.notify("settings")  # this tab reloads too: say so after
        self.message.say("Saved.")

    def _add_found(self, edit: QPlainTextEdit, found: list[str], what: str, where: str) -> None:
        have = [d for d in _lines(edit) if d.strip()]
        known = {" ".join(d.split()).casefold() for d in have}
        added = [d for d in found if d.casefold() not in known]
        edit.setPlainText("\n".join(have + added))
        self.message.say(f"Added {len(added)} {what} found {where}; Save to keep them." if added else
                         f"No other {what} are found {where}.")

    def add_found_divisions(self) -> None:
        self.ctx.read(force.divisions_in_data).then(
            lambda found: self._add_found(self.divisions, found, "division(s)", "on incidents"),
            lambda e: show_error(self, e, "Divisions"))

    def add_found_agencies(self) -> None:
        self.ctx.read(force.agencies_in_data).then(
            lambda found: self._add_found(self.agencies, found, "agency(ies)", "on actions, attendees and referrals"),
            lambda e: show_error(self, e, "Agencies"))

    def clear(self) -> None:
        self.fill(ForceSettings("", (), ()))
        self.message.clear()


# --------------------------------------------------------------------------
# The toolkit
# --------------------------------------------------------------------------

class ToolkitSection(Section):
    title = "&Toolkit"
    listens = frozenset({"toolkit"})

    def __init__(self, page):
        super().__init__(page)
        lay = QVBoxLayout(self)
        intro = QLabel("The tactics a meeting can agree for a subject: support and diversion first, then disruption "
                       "and enforcement, beside safeguarding. A retired tactic is no longer offered; what was agreed "
                       "with it stays on the subjects' records.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Tactics toolkit")
        self.tree.setHeaderLabels(["Tactic", "Description", "Agreed", "Status"])
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setMinimumHeight(self.fontMetrics().height() * 22)
        em = self.fontMetrics().averageCharWidth()
        for col, chars in enumerate((48, 60, 8)):
            self.tree.setColumnWidth(col, em * chars)
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        lay.addWidget(self.tree, 1)
        self.show_retired = QCheckBox("Show &retired tactics")
        self.show_retired.setAccessibleName("Show retired tactics")
        self.show_retired.toggled.connect(lambda _b: self._show())
        self.add_button = button("&Add a tactic…", self.add_tactic)
        self.retire_button = button("Re&tire", self.retire, accessible="Retire the selected tactic",
                                    tip="No longer offer it at meetings (what was agreed stays)")
        self.restore_button = button("R&estore", self.restore, accessible="Restore the selected tactic")
        row = self.action_row("Toolkit message", self.add_button, self.retire_button, self.restore_button)
        row.insertWidget(0, self.show_retired)
        lay.addLayout(row)
        self.tactics: list[dict] = []
        self.usage: dict[int, int] = {}
        self._want: int | None = None     # the tactic to select after the next reload
        self._enable()

    def reload(self) -> None:
        def load(store):
            return cohort.toolkit(store, include_inactive=True), cohort.toolkit_usage(store)

        self.ctx.read(load).then(lambda r: self._loaded(*r), lambda e: show_error(self, e, "Toolkit"))

    def _loaded(self, tactics: list[dict], usage: dict[int, int]) -> None:
        if self.locked:
            return
        self.tactics, self.usage = tactics, usage
        want, self._want = self._want, None
        self._show(want)

    def _show(self, select: int | None = None) -> None:
        chosen = self.selected()
        want = select if select is not None else (chosen["id"] if chosen else None)
        self.tree.clear()
        show_all = self.show_retired.isChecked()
        current = None
        for category in TOOLKIT_CATEGORIES:
            mine = [t for t in self.tactics if t["category"] == category and (show_all or t["active"])]
            top = QTreeWidgetItem([f"{category[:1].upper()}{category[1:]} ({len(mine)})"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for t in mine:
                n = self.usage.get(t["id"], 0)
                item = QTreeWidgetItem([t["name"], t["description"], f"{n:,}", "in use" if t["active"] else "retired"])
                item.setData(0, ItemRole, t)
                item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(1, t["description"] or None)
                item.setToolTip(2, f"Agreed {n:,} time(s) for a subject")
                if not t["active"]:
                    f = item.font(0)
                    f.setItalic(True)
                    for c in range(4):
                        item.setFont(c, f)
                top.addChild(item)
                if t["id"] == want:
                    current = item
            top.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        if current is not None:
            self.tree.setCurrentItem(current)
        self._enable()

    def selected(self) -> dict | None:
        item = self.tree.currentItem()
        return item.data(0, ItemRole) if item is not None else None

    def select(self, name: str) -> bool:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                if top.child(j).data(0, ItemRole)["name"] == name:
                    self.tree.setCurrentItem(top.child(j))
                    return True
        return False

    def _enable(self) -> None:
        t = self.selected()
        self.retire_button.setEnabled(bool(t and t["active"]))
        self.restore_button.setEnabled(bool(t and not t["active"]))

    def add_tactic(self) -> None:
        current = self.selected()
        got = dialogs.ask(self, "Add a tactic to the toolkit", [
            Field("category", "&Category", "choice", TOOLKIT_CATEGORIES,
                  default=current["category"] if current else TOOLKIT_CATEGORIES[0]),
            Field("name", "&Name", required=True),
            Field("description", "&Description", "long"),
        ], intro="The new tactic is offered at every meeting from now on.", ok="Add")
        if not got:
            return

        def done(tid: int) -> None:
            self.message.say(f"{' '.join(got['name'].split())} added to the toolkit.")
            self._want = tid   # notified next: the reload selects it

        self.ctx.change(cohort.add_tactic_to_toolkit, got["category"], got["name"], got["description"],
                        kinds=("toolkit",), what="Add a tactic", parent=self, done=done,
                        failed=lambda e: self.refuse(e, "Not added", "Add a tactic"))

    def _set_active(self, active: bool) -> None:
        t = self.selected()
        if t is None:
            return
        n = self.usage.get(t["id"], 0)
        said = (f"{t['name']} restored: offered at meetings again." if active else
                f"{t['name']} retired: no longer offered at meetings"
                + (f"; the {n:,} time(s) it was agreed stay on the subjects' records." if n else "."))
        self.ctx.change(cohort.set_tactic_active, t["id"], active, kinds=("toolkit",),
                        what="Restore a tactic" if active else "Retire a tactic", parent=self,
                        done=lambda _row: self.message.say(said), failed=lambda e: self.refuse(e, "Not changed", "Toolkit"))

    def retire(self) -> None:
        self._set_active(False)

    def restore(self) -> None:
        self._set_active(True)

    def clear(self) -> None:
        self.tactics, self.usage = [], {}
        self.tree.clear()
        self.message.clear()
        self._enable()


# --------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------

class ThresholdsSection(FormSection):
    title = "T&hresholds"
    listens = frozenset({"settings"})
    loader = staticmethod(thresholds.load)
    what = "Thresholds"

    def __init__(self, page):
        super().__init__(page)
        lay = QVBoxLayout(self)
        intro = QLabel("The numbers behind the flags and prompts on the other pages. Each is kept in the store, so "
                       "every copy of the program working on it uses the same ones.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        grid = QGridLayout()
        self.spins: dict[str, QSpinBox] = {}
        for n, group in enumerate(thresholds.GROUPS):
            box = QGroupBox(group)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
            for t in (t for t in thresholds.THRESHOLDS if t.group == group):
                spin = QSpinBox()
                if t.share:
                    spin.setRange(round(t.low * 100), round(t.high * 100))
                    spin.setSuffix("%")
                else:
                    spin.setRange(int(t.low), int(t.high))
                spin.setAccessibleName(f"{group}: {t.label} {t.unit}".strip())
                spin.valueChanged.connect(self.edited)
                self.spins[t.name] = spin
                form_row(form, t.label, spin, t.unit, t.help)
            grid.addWidget(box, n // 2, n % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        self.defaults_button = button("&Defaults", self.use_defaults, accessible="Put the defaults in the form",
                                      tip="The values the program ships with (Save to keep them)")
        self.revert_button = button("Disca&rd changes", self.revert, accessible="Discard the threshold changes")
        self.save_button = button("&Save thresholds", self.save)
        lay.addLayout(self.action_row("Thresholds message", self.defaults_button, self.revert_button,
                                      self.save_button))
        lay.addStretch(1)

    def fill(self, values: dict) -> None:
        with self.filling():
            for t in thresholds.THRESHOLDS:
                v = values[t.name]
                self.spins[t.name].setValue(round(v * 100) if t.share else int(v))

    def values(self) -> dict[str, int | float]:
        out = {}
        for t in thresholds.THRESHOLDS:
            v = self.spins[t.name].value()
            out[t.name] = v / 100 if t.share else v
        return out

    def use_defaults(self) -> None:
        self.fill(thresholds.defaults())
        self.dirty = True
        self.message.say("The defaults are in the form; Save thresholds to keep them.")

    def save(self) -> None:
        def done(saved: dict) -> None:
            self.dirty = False
            self.fill(saved)
            self.message.say("Thresholds saved.")

        self.message.say("Saving…")
        self.ctx.change(thresholds.save, self.values(), kinds=("settings",), what="Save thresholds", parent=self,
                        done=done, failed=lambda e: self.refuse(e, "Not saved", "Save thresholds"))

    def clear(self) -> None:
        self.fill(thresholds.defaults())
        self.dirty = False
        self.message.clear()


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------

class SettingsPage(Page):
    key = "settings"
    title = "Settings"
    listens = frozenset({"settings", "scores", "imports", "toolkit"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        from .gravitytable import GravitySection
        from .scoringconfig import ScoringSection

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Settings"))
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.setDocumentMode(True)
        self.general = GeneralSection(self)
        self.scoring = ScoringSection(self)
        self.gravity = GravitySection(self)
        self.toolkit = ToolkitSection(self)
        self.thresholds = ThresholdsSection(self)
        self.sections: list[Section] = [self.general, self.scoring, self.gravity, self.toolkit, self.thresholds]
        for section in self.sections:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(section)
            scroll.setAccessibleName(section.title.replace("&", ""))
            self.tabs.addTab(scroll, section.title)
        lay.addWidget(self.tabs, 1)
        self._kinds: set[str] = set(CHANGED_ALL)

    def can_leave(self, doing: str = "moving on") -> bool:
        """Edits not saved stay while the user goes to another page; quitting or locking asks first."""
        dirty = [sec for sec in self.sections if sec.dirty]
        if not dirty or doing not in ("closing", "locking"):
            return True
        from . import dialogs
        names = ", ".join(sec.title.replace("&", "") for sec in dirty)
        answer = dialogs.save_discard_cancel(self, "Settings not saved", f"The {names} settings have changes "
                                             f"not saved. Save them before {doing}?")
        if answer == "save":           # saving may need a reason: the section is shown to save it there
            self.window_.show_page("settings")
            self.show_section(dirty[0])
            return False
        return answer == "discard"

    def show_section(self, section: Section) -> Section:
        self.tabs.setCurrentIndex(self.sections.index(section))
        return section

    def show_unmapped(self) -> None:
        """The Gravity table tab, scrolled to the offences held that it does not map."""
        self.show_section(self.gravity)
        scroll = self.tabs.currentWidget()
        scroll.ensureWidgetVisible(self.gravity.unmapped_view)
        self.gravity.unmapped_view.setFocus()

    def _on_changed(self, kinds: frozenset) -> None:
        if Context.concerns(kinds, *self.listens):
            self._kinds |= kinds
        super()._on_changed(kinds)

    def reload(self) -> None:
        kinds, self._kinds = frozenset(self._kinds), set()
        for section in self.sections:
            if Context.concerns(kinds, *section.listens):
                section.reload()

    def clear(self) -> None:
        self._kinds = set(CHANGED_ALL)
        for section in self.sections:
            section.clear()

    def save_state(self) -> None:
        for section in self.sections:
            section.save_state()

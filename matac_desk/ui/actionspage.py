"""The Actions page: every partnership action, overdue first, filtered by agency, owner, status and subject.

Rows come from :func:`matac_desk.meeting.actions.list_actions` (overdue first, the
most overdue at the top; overdue rows in the error colour). The status of
the selected action is updated in place with a dated note
(:func:`~matac_desk.meeting.actions.update_action`); its history is listed beside.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..services import edits
from ..meeting import actions, force
from ..meeting.actions import STATUSES, Action
from .context import show_error
from .models import Column, RowRole, RowsModel
from .widgets import (ACCENT, attach_model, button, remember_splitter, save_header, save_splitter,
                      stretch_column, table_view, text_label)
from .window import Page

__all__ = ["ActionsPage", "ACTION_COLUMNS", "ANY"]

ANY = "Any"

ACTION_COLUMNS = [
    Column("Overdue", lambda a: f"{a.days_overdue} days" if a.overdue else "", sort=lambda a: a.days_overdue,
           numeric=True, tooltip=lambda a: "Past its due date and still open" if a.overdue else None),
    Column("Due", lambda a: a.due_date),
    Column("Status", lambda a: a.status),
    Column("Agency", lambda a: a.agency),
    Column("Owner", lambda a: a.owner),
    Column("Subject", lambda a: a.subject_name, tooltip=lambda a: f"{a.subject_name} ({a.person_id})"),
    Column("Action", lambda a: a.description),
    Column("Meeting", lambda a: a.meeting_date),
    Column("Last update", lambda a: a.last_update),
]


class ActionsPage(Page):
    key = "actions"
    title = "Actions"
    listens = frozenset({"actions", "persons", "cohort", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._gen = 0
        self._history_gen = 0
        self._person_id: str | None = None
        self.all_rows: list[Action] = []
        lay = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.agency = self._combo(bar, "&Agency:", "Agency filter")
        self.owner = self._combo(bar, "O&wner:", "Owner filter")
        self.status_filter = self._combo(bar, "&Status:", "Status filter")
        self.status_filter.addItem("open or in progress", "open-only")
        for s in STATUSES:
            self.status_filter.addItem(s, s)
        subject_label = QLabel("Su&bject:")
        bar.addWidget(subject_label)
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject filter")
        self.subject.setPlaceholderText("name or id")
        self.subject.setClearButtonEnabled(True)
        self.subject.textChanged.connect(lambda _t: self._apply())
        subject_label.setBuddy(self.subject)
        bar.addWidget(self.subject, 1)
        self.overdue_only = QCheckBox("&Overdue only")
        self.overdue_only.setAccessibleName("Overdue only")
        self.overdue_only.toggled.connect(lambda _b: self.refresh())
        bar.addWidget(self.overdue_only)
        lay.addLayout(bar)
        self.summary = text_label("Actions summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.summary)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = RowsModel(ACTION_COLUMNS, person_id=lambda a: a.person_id,
                               accent=lambda a: "error" if a.overdue else None)
        self.view = table_view("actions_table", "Actions")
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(False)
        stretch_column(self.view, ACTION_COLUMNS.index(next(c for c in ACTION_COLUMNS if c.title == "Action")))
        attach_model(self.view, self.model)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.view.doubleClicked.connect(lambda _i: self._open_subject())
        split.addWidget(self.view)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        self.history = QTextBrowser()
        self.history.setAccessibleName("Action history")
        self.history.setPlaceholderText("Select an action to see its history and update it.")
        sl.addWidget(self.history, 1)
        row = QHBoxLayout()
        self.new_status = QComboBox()
        self.new_status.addItems(list(STATUSES))
        self.new_status.setAccessibleName("New status")
        row.addWidget(self.new_status)
        self.note = QLineEdit()
        self.note.setAccessibleName("Update note")
        self.note.setPlaceholderText("note (what was done)")
        self.note.returnPressed.connect(self.update_selected)
        row.addWidget(self.note, 1)
        sl.addLayout(row)
        brow = QHBoxLayout()
        brow.addStretch(1)
        self.open_button = button("Open &person", self._open_subject)
        self.update_button = button("&Update", self.update_selected, tip="Record the new status and the note, dated today")
        brow.addWidget(self.open_button)
        brow.addWidget(self.update_button)
        sl.addLayout(brow)
        self.message = text_label("Update message")
        sl.addWidget(self.message)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        em = self.fontMetrics().averageCharWidth()
        remember_splitter(split, "actions_split", [em * 130, em * 36])
        self.split = split
        lay.addWidget(split, 1)
        self._selected()

    def _combo(self, bar: QHBoxLayout, label: str, accessible: str) -> QComboBox:
        lab = QLabel(label)
        bar.addWidget(lab)
        combo = QComboBox()
        combo.setAccessibleName(accessible)
        combo.addItem(ANY, None)
        combo.setMinimumContentsLength(12)
        combo.currentIndexChanged.connect(lambda _i: self.refresh())
        lab.setBuddy(combo)
        bar.addWidget(combo)
        return combo

    # ------------------------------------------------------------ data
    def set_filter(self, *, overdue_only: bool = False, person_id: str | None = None) -> None:
        """Show overdue actions only, or one subject's (from the dashboard or a person)."""
        self._person_id = person_id
        for combo in (self.agency, self.owner, self.status_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.subject.blockSignals(True)
        self.subject.setText(person_id or "")
        self.subject.blockSignals(False)
        self.overdue_only.blockSignals(True)
        self.overdue_only.setChecked(overdue_only)
        self.overdue_only.blockSignals(False)
        self.refresh()

    def reload(self) -> None:
        self._gen += 1
        gen = self._gen
        status = self.status_filter.currentData()
        kw = dict(as_of=self.ctx.today(), agency=self.agency.currentData(), owner=self.owner.currentData(),
                  status=None if status in (None, "open-only") else status, open_only=status == "open-only",
                  overdue_only=self.overdue_only.isChecked())

        def load(store):
            rows = actions.list_actions(store, **kw)
            return rows, force.agency_choices(store), actions.owners(store)

        self.ctx.read(load).then(lambda r, g=gen: self._show(g, *r), lambda e: show_error(self, e, "Actions"))

    def _fill(self, combo: QComboBox, values: list[str]) -> None:
        current = combo.currentData()
        have = [combo.itemData(i) for i in range(1, combo.count())]
        if have == values:
            return
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for v in values:
            combo.addItem(v, v)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def _show(self, gen: int, rows: list[Action], agencies: list[str], owners: list[str]) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self._fill(self.agency, agencies)
        self._fill(self.owner, owners)
        self.all_rows = rows
        self._apply()

    def _apply(self) -> None:
        text = self.subject.text().strip().casefold()
        rows = [a for a in self.all_rows
                if not text or text in a.subject_name.casefold() or text == a.person_id.casefold()]
        selected = self.selected()
        sel_rows = self.view.selectionModel().selectedRows()
        old_index = sel_rows[0].row() if sel_rows else None
        scroll = self.view.verticalScrollBar().value()
        self.model.set_rows(rows)
        header = self.view.horizontalHeader()
        if header.isSortIndicatorShown():
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        overdue = sum(1 for a in rows if a.overdue)
        open_n = sum(1 for a in rows if a.status not in actions.CLOSED)
        self.summary.setText(f"{len(rows):,} action(s) shown, {open_n:,} open"
                             + (f", <b style='color:{ACCENT['error']}'>{overdue:,} overdue</b> (listed first)" if overdue else ""))
        if selected is not None:
            # keep the place after an update: the same action, or (when it left the list, e.g. done while only
            # overdue ones are shown) the one that took its row; the list stays scrolled where it was
            shown = [i for i in range(self.model.rowCount()) if self.model.row(i).id == selected.id]
            target = shown[0] if shown else (min(old_index, self.model.rowCount() - 1)
                                             if old_index is not None and self.model.rowCount() else None)
            self.view.verticalScrollBar().setValue(scroll)
            if target is not None:
                self.view.selectRow(target)
                self.view.scrollTo(self.model.index(target, 0))
        self._selected()

    def selected(self) -> Action | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.data(rows[0], RowRole) if rows else None

    def _selected(self) -> None:
        a = self.selected()
        self.update_button.setEnabled(a is not None)
        self.open_button.setEnabled(a is not None)
        self.note.setEnabled(a is not None)
        self.new_status.setEnabled(a is not None)
        if a is None:
            self.history.clear()
            return
        self.new_status.setCurrentText(a.status)
        self._history_gen += 1
        gen = self._history_gen
        self.ctx.read(actions.action_history, a.id).then(lambda h, g=gen, act=a: self._history(g, act, h),
                                                       lambda e: show_error(self, e, "Action history"))

    def _history(self, gen: int, a: Action, history: list[dict]) -> None:
        if gen != self._history_gen:
            return
        late = f" · <b style='color:{ACCENT['error']}'>{a.days_overdue} days overdue</b>" if a.overdue else ""
        lines = [f"<p><b>{escape(a.description)}</b><br>{escape(a.agency)} · {escape(a.owner or 'no owner')} · "
                 f"due {escape(a.due_date or '—')} · {escape(a.status)}{late}<br>Subject: {escape(a.subject_name)} "
                 f"({escape(a.person_id)})" + (f"<br>Raised at the meeting of {escape(a.meeting_date)}"
                                               if a.meeting_date else "") + "</p>"]
        for h in reversed(history):
            lines.append(f"<p>{escape(h['date'])}: " + (f"<b>{escape(h['status'])}</b> " if h["status"] else "")
                         + escape(h["note"] or "") + "</p>")
        if not history:
            lines.append("<p><i>No update yet.</i></p>")
        self.history.setHtml("".join(lines))

    def update_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        status = self.new_status.currentText()
        note = self.note.text().strip() or None
        edit = edits.UpdateAction(a.id, person_id=a.person_id, status=None if status == a.status else status,
                                  note=note, on=self.ctx.today())
        self.ctx.history.submit(edit, parent=self, done=lambda _c: (
            self.note.clear(), self.message.setText(f"Action {a.id} updated (Edit > Undo takes it back).")))

    def _open_subject(self) -> None:
        a = self.selected()
        if a is not None:
            self.window_.open_person(a.person_id)

    # ------------------------------------------------------------ Page
    def clear(self) -> None:
        self._gen += 1
        self._history_gen += 1
        self.all_rows = []
        self.model.clear()
        self.history.clear()
        self.subject.blockSignals(True)
        self.subject.clear()
        self.subject.blockSignals(False)
        self.note.clear()
        self.summary.setText("")
        self.message.setText("")

    def save_state(self) -> None:
        save_header(self.view)
        save_splitter(self.split)

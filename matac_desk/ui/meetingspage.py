"""The Meetings page: the schedule, and a meeting walked through its agenda as it happens.

Left, the schedule (:func:`matac_desk.meeting.meetings.meetings`): schedule the
next meeting or a year of them. Right, the chosen meeting: its attendees,
and the agenda (:func:`matac_desk.meeting.agenda.build_agenda`, built on the
background connection) section by section and subject by subject. For the
subject in hand the coordinator records the decision
(:func:`~matac_desk.meeting.meetings.record_decision`), agrees tactics from the
toolkit, adds partnership actions and writes minutes; what this meeting
has recorded for him is listed underneath. "Mark held" closes the meeting
and keeps every score as it stood that day.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..meeting import actions, agenda, cohort, force, meetings
from ..services import edits
from ..meeting.agenda import Agenda
from ..meeting.cohort import EXIT_REASONS
from ..domain import UserError
from . import dialogs
from .context import show_error
from .dialogs import Field
from .models import Column, RowsModel
from .widgets import (
    ACCENT,
    attach_model,
    button,
    remember_splitter,
    save_header,
    save_splitter,
    table_view,
    text_label,
)
from .window import Page

__all__ = ["MeetingsPage", "AgendaItem", "SECTIONS"]

SECTIONS = (
    ("new_partners", "New partner alerts"),
    ("nominations", "Nominations"),
    ("review", "Cohort review"),
    ("actions", "Actions carried forward"),
    ("proposed_exits", "Proposed exits"),
    ("prompts", "MAPPA and MARAC prompts"),
)
ItemRole = Qt.ItemDataRole.UserRole + 10

_SCHEDULE_COLUMNS = [
    Column("No.", lambda m: m.number, numeric=True),
    Column("Date", lambda m: m.date),
    Column("Area", lambda m: m.area or "force-wide"),
    Column("Status", lambda m: m.status),
    Column("Chair", lambda m: m.chair),
]


@dataclass(frozen=True)
class AgendaItem:
    """One line of the agenda: its section, the subject it is about, what to show, and the suggested decision."""
    section: str
    person_id: str | None
    name: str
    text: str
    detail: str
    decision: str | None = None     # the decision the agenda suggests (never pre-selected: shown as a hint)
    reason: str | None = None
    member: bool = False            # in the cohort on the meeting's day: continue, escalate or exit


def _score(v) -> str:
    return "—" if v is None else f"{v:g}"


def agenda_items(a: Agenda) -> dict[str, list[AgendaItem]]:
    """The agenda as lines to walk through, section by section (Qt-free formatting)."""
    out: dict[str, list[AgendaItem]] = {k: [] for k, _ in SECTIONS}
    members = {r.person_id for r in a.review}
    for p in a.new_partners:
        kids = ", ".join(c.text() for c in p.children)
        out["new_partners"].append(AgendaItem(
            "new_partners", p.perpetrator_id, p.perpetrator_name,
            f"{p.perpetrator_name} → {p.partner_name} ({p.first_linked})",
            f"<b>New partner</b>: {escape(p.partner_name)} ({escape(p.partner_id)}), first linked "
            f"{escape(p.first_linked)} through {escape(p.source)}."
            + (f"<br>Children: {escape(kids)}" if kids else "")
            + (f"<br>Other perpetrators against her: {escape(', '.join(p.other_perpetrators))}"
               if p.other_perpetrators else "")
            + (f"<br>Clare's Law: {escape(p.disclosure)}" if p.disclosure else
               "<br>No Clare's Law disclosure recorded: consider right to know.")))
    for n in a.nominations:
        s = n.score
        why = " and ".join(n.reasons)
        refs = "; ".join(f"{r.agency} on {r.date}: {r.reason}" for r in n.referrals)
        out["nominations"].append(AgendaItem(
            "nominations", n.person_id, n.name, f"{n.name} · {_score(s.score if s else None)} ({why})",
            (f"Score {s.score:g} = R {s.r} + F {s.f} + G {s.g} + V {s.v}, rank {s.rank}; {s.incidents} incident(s) "
             f"against {s.victims} victim(s), latest {escape(s.latest_incident)}" if s else "Not scored.")
            + (f"<br><b>Referred</b>: {escape(refs)}" if refs else ""), "adopt"))
    for r in a.review:
        change = f", {r.change_text}" if r.change_text else ""
        out["review"].append(AgendaItem(
            "review", r.person_id, r.name, f"{r.name} · {_score(r.score)}{change}",
            f"Score {_score(r.score)} (R {_score(r.r)} F {_score(r.f)} G {_score(r.g)} V {_score(r.v)}), entry "
            f"{_score(r.entry_score)}, adopted {escape(r.adopted_on)}; offender manager "
            f"{escape(r.om_name or 'not allocated')}; {r.open_actions} open action(s), {r.overdue_actions} overdue; "
            f"{r.new_partners} new partner(s); latest incident {escape(r.latest_incident or '—')}", "continue"))
    for x in a.actions:
        due = f"due {x.due_date}" if x.due_date else "no due date"
        late = f", <span style='color:{ACCENT['error']}'>{x.days_overdue} days overdue</span>" if x.overdue else ""
        out["actions"].append(AgendaItem(
            "actions", x.person_id, x.subject_name, f"{x.subject_name} · {x.agency}: {x.description}",
            f"<b>{escape(x.agency)}</b> ({escape(x.owner or 'no owner')}): {escape(x.description)}; {due}{late}; "
            f"status {escape(x.status)}"))
    for e in a.proposed_exits:
        out["proposed_exits"].append(AgendaItem(
            "proposed_exits", e.person_id, e.name, f"{e.name} · {e.reason}",
            f"Proposed exit: {escape(e.reason)}. Suggested exit reason: {escape(e.suggested_exit_reason)}.",
            "exit", e.suggested_exit_reason))
    for p in a.prompts:
        out["prompts"].append(AgendaItem(
            "prompts", p.person_id, p.person_name, f"{p.person_name} · {p.forum}",
            f"<b>{escape(p.forum)}</b> referral to consider: {escape(p.reason)}"))
    return {k: [dataclasses.replace(it, member=it.person_id in members) for it in v] for k, v in out.items()}


class MeetingsPage(Page):
    key = "meetings"
    title = "Meetings"
    listens = frozenset({"meetings", "cohort", "actions", "persons", "links", "toolkit", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self.meeting: meetings.Meeting | None = None
        self.agenda: Agenda | None = None
        self.items: dict[str, list[AgendaItem]] = {}
        self._gen = 0
        self._subject_gen = 0
        self._want_meeting: int | None = None
        self._keep: tuple[str, str | None] | None = None
        self.toolkit: list[dict] = []
        self.agencies: list[str] = []   # the agencies offered (force.agency_choices), filled by reload
        self._decided = False   # the subject in hand already has this meeting's decision
        self._moving = False    # the agenda's current item is being put back (a move was cancelled)
        self._pending_first: QTreeWidgetItem | None = None
        self._draft: tuple | None = None   # unsaved minutes kept through an idle lock: (meeting, section, person, text)
        em = self.fontMetrics().averageCharWidth()
        line = self.fontMetrics().height()

        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split)

        # ---- the schedule
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("<b>Schedule</b>"))
        self.schedule_model = RowsModel(_SCHEDULE_COLUMNS)
        self.schedule_view = table_view("meetings_schedule", "Meeting schedule")
        attach_model(self.schedule_view, self.schedule_model)
        if not self.schedule_view.property("userColumns"):
            # first run: the date and status; the area and chair are a right click on the header away
            for c in (2, 4):
                self.schedule_view.setColumnHidden(c, True)
        self.schedule_view.selectionModel().selectionChanged.connect(lambda *_: self._meeting_chosen())
        ll.addWidget(self.schedule_view, 1)
        row = QHBoxLayout()
        row.addWidget(button("&Schedule…", self.schedule_one, tip="Schedule a meeting (four weeks after the last)"))
        row.addWidget(button("Schedule a &year", self.schedule_year, tip="Thirteen four-weekly meetings"))
        ll.addLayout(row)
        split.addWidget(left)

        # ---- the meeting
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Meeting")
        self.heading.setWordWrap(True)
        head.addWidget(self.heading, 1)
        self.attendee_button = button("A&ttendees", lambda: None, tip="Add, correct or remove attendees and apologies")
        menu = QMenu(self.attendee_button)
        menu.addAction("&Add an attendee or apology…", self.add_attendee)
        menu.addAction("&Correct an attendee…", self.correct_attendee)
        menu.addAction("&Remove an attendee…", self.remove_attendee)
        self.attendee_button.setMenu(menu)
        self.held_button = button("Mark &held…", self.mark_held,
                                  tip="The meeting took place: keep the day's scores and close its agenda")
        self.reopen_button = button("Re&open…", self.reopen,
                                    tip="Put a held meeting back to scheduled; its snapshot is kept, superseded")
        self.rebuild_button = button("Re&build agenda", self.load_agenda)
        for b in (self.attendee_button, self.held_button, self.reopen_button, self.rebuild_button):
            head.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        rl.addLayout(head)
        self.attendees = text_label("Attendees")
        self.attendees.setTextFormat(Qt.TextFormat.RichText)
        rl.addWidget(self.attendees)

        walk = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Agenda")
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setIndentation(em * 2)
        self.tree.setMinimumWidth(em * 24)
        self.tree.currentItemChanged.connect(self._current_changed)
        walk.addWidget(self.tree)

        subject = QWidget()
        sl = QVBoxLayout(subject)
        sl.setContentsMargins(0, 0, 0, 0)
        nav = QHBoxLayout()
        self.prev_button = button("◀ &Previous", lambda: self.step(-1), accessible="Previous subject")
        self.next_button = button("N&ext ▶", lambda: self.step(1), accessible="Next subject")
        self.open_button = button("&Open person", self._open_subject)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        nav.addWidget(self.open_button)
        sl.addLayout(nav)
        parts = QSplitter(Qt.Orientation.Vertical)
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Agenda item")
        self.summary.setMinimumHeight(line * 3)
        parts.addWidget(self.summary)

        box = QGroupBox("Record for this subject")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        drow = QHBoxLayout()
        self.decision = QComboBox()
        self.decision.setAccessibleName("Decision")
        self.decision.setPlaceholderText("choose…")
        self.decision.setMinimumContentsLength(14)
        self.decision.currentTextChanged.connect(self._decision_changed)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName("Reason for the decision")
        self.reason.lineEdit().setPlaceholderText("reason (needed for do not adopt and exit)")
        self.decide_button = button("Record &decision", self.record_decision)
        drow.addWidget(self.decision)
        drow.addWidget(self.reason, 1)
        drow.addWidget(self.decide_button)
        form.addRow("Decision:", drow)
        self.suggestion = QLabel()
        self.suggestion.setAccessibleName("Suggested decision")
        form.addRow("", self.suggestion)
        trow = QHBoxLayout()
        self.tactic = QComboBox()
        self.tactic.setAccessibleName("Tactic from the toolkit")
        self.tactic.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.tactic.setMinimumContentsLength(18)
        self.tactic_notes = QLineEdit()
        self.tactic_notes.setAccessibleName("Tactic notes")
        self.tactic_notes.setPlaceholderText("notes")
        self.tactic_button = button("A&gree tactic", self.agree_tactic)
        trow.addWidget(self.tactic, 2)
        trow.addWidget(self.tactic_notes, 1)
        trow.addWidget(self.tactic_button)
        form.addRow("Tactic:", trow)
        arow = QHBoxLayout()
        self.action_agency = QComboBox()
        self.action_agency.setEditable(True)
        self.action_agency.addItems(self.agencies)
        self.action_agency.setAccessibleName("Action agency")
        self.action_agency.setMinimumContentsLength(12)
        self.action_owner = QLineEdit()
        self.action_owner.setPlaceholderText("owner")
        self.action_owner.setAccessibleName("Action owner")
        self.action_text = QLineEdit()
        self.action_text.setPlaceholderText("what is to be done")
        self.action_text.setAccessibleName("Action description")
        self.action_due = QDateEdit()
        self.action_due.setCalendarPopup(True)
        self.action_due.setDisplayFormat("yyyy-MM-dd")
        self.action_due.setAccessibleName("Action due date")
        self.action_button = button("Add a&ction", self.add_action)
        arow.addWidget(self.action_agency, 1)
        arow.addWidget(self.action_owner, 1)
        arow.addWidget(self.action_due)
        form.addRow("Action:", arow)
        arow2 = QHBoxLayout()
        arow2.addWidget(self.action_text, 1)
        arow2.addWidget(self.action_button)
        form.addRow("", arow2)
        self.minutes = QPlainTextEdit()
        self.minutes.setAccessibleName("Minutes for this subject")
        self.minutes.setPlaceholderText("Minutes: what was said and agreed (opinion, kept apart from the records)")
        self.minutes.setTabChangesFocus(True)
        self.minutes.setMinimumHeight(line * 3)
        mrow = QVBoxLayout()
        mrow.addWidget(self.minutes, 1)
        self.minutes_button = button("Save &minutes", self.save_minutes)
        mrow.addWidget(self.minutes_button, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Minutes:", mrow)
        parts.addWidget(box)
        self.recorded = QTextBrowser()
        self.recorded.setAccessibleName("Recorded at this meeting")
        self.recorded.setMinimumHeight(line * 2)
        parts.addWidget(self.recorded)
        parts.setStretchFactor(0, 2)
        parts.setStretchFactor(1, 0)
        parts.setStretchFactor(2, 1)
        remember_splitter(parts, "meetings_subject", [line * 5, line * 19, line * 4])
        sl.addWidget(parts, 1)
        self.message = text_label("Meeting message")
        sl.addWidget(self.message)
        walk.addWidget(subject)
        walk.setStretchFactor(0, 2)
        walk.setStretchFactor(1, 3)
        remember_splitter(walk, "meetings_walk", [em * 46, em * 90])
        rl.addWidget(walk, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 5)
        remember_splitter(split, "meetings_schedule", [em * 26, em * 140])
        self.splitters = (split, walk, parts)
        self._enable()

    # ------------------------------------------------------------ schedule
    def reload(self) -> None:
        self._gen += 1
        gen = self._gen

        def load(store):
            return meetings.meetings(store), cohort.toolkit(store), force.agency_choices(store)

        self.ctx.read(load).then(lambda r, g=gen: self._schedule(g, *r), lambda e: show_error(self, e, "Meetings"))

    def _schedule(self, gen: int, ms: list[meetings.Meeting], toolkit: list[dict], agencies: list[str]) -> None:
        if gen != self._gen or self.window_.locked:
            return
        if agencies != self.agencies:
            self.agencies = agencies
            typed = self.action_agency.currentText()
            self.action_agency.clear()
            self.action_agency.addItems(agencies)
            self.action_agency.setCurrentText(typed)
        current = self._want_meeting or (self.meeting.id if self.meeting else None)
        self._want_meeting = None
        if current is None:
            today = self.ctx.today().isoformat()
            upcoming = [m for m in ms if m.date >= today and m.status == "scheduled"]
            current = upcoming[0].id if upcoming else (ms[-1].id if ms else None)
        self.toolkit = toolkit
        self.tactic.clear()
        for t in toolkit:
            self.tactic.addItem(f"{t['name']} ({t['category']})", t["id"])
        self.schedule_model.set_rows(ms)
        row = next((i for i, m in enumerate(ms) if m.id == current), None)
        if row is not None:
            self.schedule_view.selectRow(row)
            self.schedule_view.scrollTo(self.schedule_model.index(row, 0))
            if self.meeting is not None and self.meeting.id == current:
                self.meeting = ms[row]
                self.load_agenda()   # the same meeting: its agenda may have changed
        else:
            self.meeting = None
            self._show_meeting()

    def open_meeting(self, meeting_id: int | None = None) -> None:
        """Show a meeting (the next scheduled one when None)."""
        self._want_meeting = meeting_id
        self.meeting = None
        self.refresh()

    def schedule_one(self) -> None:
        got = dialogs.ask(self, "Schedule a meeting", [
            Field("date", "&Date", "date", default=self._next_date()),
            Field("area", "&Area", placeholder="empty for a force-wide meeting"),
            Field("chair", "&Chair"),
        ], ok="Schedule")
        if got:
            self.ctx.change(meetings.schedule_meeting, got["date"], area=got["area"], chair=got["chair"] or None,
                            kinds=("meetings",), what="Schedule a meeting", parent=self,
                            done=lambda mid: setattr(self, "_want_meeting", mid))

    def _next_date(self) -> _dt.date:
        ms = self.schedule_model.rows()
        if not ms:
            return self.ctx.today()
        return max(_dt.date.fromisoformat(ms[-1].date) + _dt.timedelta(days=meetings.CYCLE_DAYS), self.ctx.today())

    def schedule_year(self) -> None:
        got = dialogs.ask(self, "Schedule a year of meetings", [
            Field("date", "&First meeting", "date", default=self._next_date()),
            Field("area", "&Area", placeholder="empty for a force-wide meeting"),
            Field("chair", "&Chair"),
        ], intro="Thirteen meetings, four weeks apart; days already scheduled are kept.", ok="Schedule")
        if got:
            self.ctx.change(meetings.schedule_year, got["date"], area=got["area"], chair=got["chair"] or None,
                            kinds=("meetings",), what="Schedule a year", parent=self,
                            done=lambda ids: self.message.setText(f"{len(ids)} meeting(s) scheduled."))

    # ------------------------------------------------------------ the meeting
    def _meeting_chosen(self) -> None:
        rows = self.schedule_view.selectionModel().selectedRows()
        m = self.schedule_model.row(rows[0].row()) if rows else None
        if m is None or (self.meeting is not None and m.id == self.meeting.id) or self._moving:
            return
        if self.meeting is not None and not self.can_leave("opening another meeting"):
            back = next((i for i, x in enumerate(self.schedule_model.rows()) if x.id == self.meeting.id), None)
            if back is not None:
                self._moving = True
                self.schedule_view.selectRow(back)
                self._moving = False
            return
        self.meeting = m
        self._keep = None
        self.load_agenda()

    def load_agenda(self) -> None:
        """Build the chosen meeting's agenda in the background (it scores everyone as of its date)."""
        m = self.meeting
        self._gen += 1
        gen = self._gen
        if m is None:
            self._show_meeting()
            return
        cur = self.current_item()
        if cur is not None and self._keep is None and self.agenda is not None and self.agenda.meeting.id == m.id:
            self._keep = (cur.section, cur.person_id)
        self.heading.setText(f"<h2 style='margin:0'>{escape(m.label)}</h2><i>Building the agenda…</i>")
        self.ctx.read(agenda.build_agenda, m.id).then(lambda a, g=gen: self._agenda(g, a),
                                                     lambda e: show_error(self, e, "Agenda"))

    def _agenda(self, gen: int, a: Agenda) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self.agenda = a
        self.items = agenda_items(a)
        self._show_meeting()

    def _typed(self) -> tuple[str, str, str, str]:
        return (self.minutes.toPlainText(), self.action_text.text(), self.action_owner.text(),
                self.tactic_notes.text())

    def _show_meeting(self) -> None:
        # the agenda is built again (after a decision, an action): what is typed for the subject in hand stays
        before, typed = self.current_item(), self._typed()
        self._moving = True
        try:
            self._fill_tree()
        finally:
            self._moving = False
        first = self._pending_first
        self._pending_first = None
        if first is not None:
            self.tree.setCurrentItem(first)
            now = self.current_item()
            if before is not None and now is not None and now.person_id == before.person_id and any(typed):
                self.minutes.setPlainText(typed[0])
                self.action_text.setText(typed[1])
                self.action_owner.setText(typed[2])
                self.tactic_notes.setText(typed[3])
        else:
            self._item_chosen(None)
        self._enable()

    def _fill_tree(self) -> None:
        self._pending_first = None
        self.tree.clear()
        m, a = self.meeting, self.agenda
        if m is None or a is None or a.meeting.id != m.id:
            self.heading.setText("<h2 style='margin:0'>No meeting chosen</h2>" if m is None else self.heading.text())
            self.attendees.setText("Schedule a meeting to prepare its agenda." if m is None else "")
            self._enable()
            return
        days = (_dt.date.fromisoformat(m.date) - self.ctx.today()).days
        when = ("today" if days == 0 else f"in {days} day(s)" if days > 0 else f"{-days} day(s) ago")
        status = m.status + ("" if m.status != "scheduled" else f", {when}")
        self.heading.setText(f"<h2 style='margin:0'>{escape(m.label)}</h2>{escape(status)}"
                             + (f" · chair {escape(m.chair)}" if m.chair else "")
                             + (f" · since {escape(a.previous.label)}" if a.previous else ""))
        present = [f"{escape(x['name'])} ({escape(x['agency'])})" for x in a.attendees if x["role"] != "apology"]
        apologies = [f"{escape(x['name'])} ({escape(x['agency'])})" for x in a.attendees if x["role"] == "apology"]
        self.attendees.setText((f"<b>Attendees</b>: {', '.join(present)}" if present else "No attendees recorded.")
                               + (f" · <b>Apologies</b>: {', '.join(apologies)}" if apologies else ""))
        keep_item = same_person = None
        for key, label in SECTIONS:
            lines = self.items.get(key, [])
            top = QTreeWidgetItem([f"{label} ({len(lines)})"])
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            if key == "new_partners" and lines:
                top.setForeground(0, self.palette().brush(self.palette().ColorRole.Highlight))
            self.tree.addTopLevelItem(top)
            for it in lines:
                child = QTreeWidgetItem([it.text])
                child.setData(0, ItemRole, it)
                child.setToolTip(0, f"<p>{it.detail}</p>")   # the line cut short: all of it on hover
                top.addChild(child)
                if self._keep == (it.section, it.person_id):
                    keep_item = child
                elif self._keep and same_person is None and self._keep[1] == it.person_id:
                    same_person = child   # he moved section (adopted: from nominations to the cohort review)
            top.setExpanded(True)
        self._keep = None
        self._pending_first = keep_item or same_person or self._first_item()

    def _first_item(self) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.childCount():
                return top.child(0)
        return None

    def _all_items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())]

    def current_item(self) -> AgendaItem | None:
        cur = self.tree.currentItem()
        return cur.data(0, ItemRole) if cur is not None else None

    def select_item(self, section: str, person_id: str) -> bool:
        for it in self._all_items():
            data = it.data(0, ItemRole)
            if data.section == section and data.person_id == person_id:
                self.tree.setCurrentItem(it)
                return True
        return False

    def step(self, delta: int) -> None:
        """Go to the previous or next subject on the agenda (unsaved minutes are asked about first)."""
        items = self._all_items()
        cur = self.tree.currentItem()
        if not items:
            return
        i = items.index(cur) if cur in items else -1
        j = min(max(i + delta, 0), len(items) - 1)
        self.tree.setCurrentItem(items[j])

    # ------------------------------------------------------------ nothing typed is lost
    def unsaved(self) -> str:
        """What the user typed and has not saved, named ("the minutes for Jack Davies"), or ""."""
        it = self.current_item()
        who = f" for {it.name}" if it is not None and it.name else ""
        typed = []
        if self.minutes.toPlainText().strip():
            typed.append(f"the minutes{who}")
        if self.action_text.text().strip():
            typed.append(f"the action{who}")
        if self.tactic_notes.text().strip():
            typed.append("the tactic notes")
        return " and ".join(typed)

    def can_leave(self, doing: str = "moving on") -> bool:
        """Before moving away from unsaved text: Save (then move), Discard, or Cancel (stay). True to go on."""
        what = self.unsaved()
        if not what:
            return True
        answer = dialogs.save_discard_cancel(self, "Unsaved text", f"You have not saved {what}. Save before "
                                             f"{doing}?")
        if answer == "cancel":
            return False
        if answer == "save":
            self._save_typed()
        else:
            self._clear_typed()
        return True

    def _save_typed(self) -> None:
        """Save the minutes and the action typed for the subject in hand (before moving away from him)."""
        if self.minutes.toPlainText().strip():
            self.save_minutes()
        if self.action_text.text().strip():
            self.add_action()
        if self.tactic_notes.text().strip() and self.tactic.currentData() is not None:
            self.agree_tactic()

    def _clear_typed(self) -> None:
        self.minutes.clear()
        self.action_text.clear()
        self.action_owner.clear()
        self.tactic_notes.clear()

    def _current_changed(self, cur: QTreeWidgetItem | None, prev: QTreeWidgetItem | None) -> None:
        if self._moving:
            return
        prev_item = prev.data(0, ItemRole) if prev is not None else None
        if prev_item is not None and cur is not prev and self.unsaved():
            # ask about the subject left; on Cancel go back to him (his fields are still filled in)
            target = cur.data(0, ItemRole) if cur is not None else None
            heading = cur.text(0) if cur is not None and target is None else None
            self._moving = True
            self.tree.setCurrentItem(prev)
            self._moving = False
            if not self.can_leave("going to another subject"):
                return
            # saving rebuilt the agenda (its items are new): find the one asked for again
            found = next((x for x in self._all_items() if target is not None and
                          (x.data(0, ItemRole).section, x.data(0, ItemRole).person_id)
                          == (target.section, target.person_id)), None)
            if found is None and heading is not None:
                tops = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
                found = next((t for t in tops if t.text(0).split(" (")[0] == heading.split(" (")[0]), None)
            if found is not None:
                self.tree.setCurrentItem(found)
            return
        self._item_chosen(cur)

    def _item_chosen(self, tree_item: QTreeWidgetItem | None) -> None:
        it: AgendaItem | None = tree_item.data(0, ItemRole) if tree_item is not None else None
        if tree_item is not None and it is None and tree_item.childCount():
            self.tree.setCurrentItem(tree_item.child(0))   # a section heading: its first subject
            return
        self._decided = False
        self._enable()
        if it is None:
            self.summary.clear()
            self.recorded.clear()
            return
        self.summary.setHtml(f"<b>{escape(it.name)}</b> ({escape(it.person_id or '')})<br>{it.detail}")
        self.decision.blockSignals(True)
        self.decision.clear()
        self.decision.addItems(list(meetings.decision_choices(it.member)))
        self.decision.setCurrentIndex(-1)     # nothing chosen for the user: the placeholder asks
        self.decision.blockSignals(False)
        self.suggestion.setText(f"<i>The agenda suggests: {escape(it.decision)}"
                                + (f" ({escape(it.reason)})" if it.reason else "") + "</i>" if it.decision else "")
        self.reason.clear()
        self.reason.setCurrentText("")
        self._suggested_reason = it.reason
        self._clear_typed()
        draft = self._draft
        if draft is not None and self.meeting is not None and draft[:3] == (self.meeting.id, it.section, it.person_id):
            self.minutes.setPlainText(draft[3])
            self._draft = None
            self.message.setText("Your unsaved minutes were kept while the window was locked; save them now.")
        self.action_due.setDate(QDate.fromString(
            (_dt.date.fromisoformat(self.meeting.date) + _dt.timedelta(days=meetings.CYCLE_DAYS)).isoformat(),
            Qt.DateFormat.ISODate))
        self.load_recorded()

    def _decision_changed(self, decision: str) -> None:
        current = self.reason.currentText()
        self.reason.clear()
        if decision == "exit":
            self.reason.addItems(list(EXIT_REASONS))
            suggested = getattr(self, "_suggested_reason", None)
            self.reason.setCurrentText(current if current in EXIT_REASONS else
                                       suggested if suggested in EXIT_REASONS else "")
        else:
            self.reason.setCurrentText("" if current in EXIT_REASONS else current)

    def load_recorded(self) -> None:
        it, m = self.current_item(), self.meeting
        if it is None or m is None or not it.person_id:
            self.recorded.clear()
            return
        self._subject_gen += 1
        gen, pid = self._subject_gen, it.person_id

        def load(store):
            return (meetings.decisions(store, m.id, pid), meetings.minutes(store, meeting_id=m.id, person_id=pid),
                    [t for t in cohort.tactics(store, pid) if t["meeting_id"] == m.id],
                    actions.list_actions(store, meeting_id=m.id, person_id=pid))

        self.ctx.read(load).then(lambda r, g=gen: self._recorded(g, *r), lambda e: show_error(self, e, "Meeting"))

    def _recorded(self, gen, decisions, minutes, tactics, acts) -> None:
        if gen != self._subject_gen or self.window_.locked:
            return
        lines = [f"<b>Decision</b>: {escape(d['decision'])}" + (f" ({escape(d['reason'])})" if d["reason"] else "")
                 for d in decisions]
        lines += [f"<b>Tactic</b>: {escape(t['name'])} ({escape(t['category'])})"
                  + (f": {escape(t['notes'])}" if t["notes"] else "") for t in tactics]
        lines += [f"<b>Action</b>: {escape(a.agency)}, {escape(a.owner or 'no owner')}: {escape(a.description)}"
                  f" (due {escape(a.due_date or '—')}, {escape(a.status)})" for a in acts]
        lines += [f"<b>Minutes</b>: {escape(n['text'])}" for n in minutes]
        self.recorded.setHtml("<p><i>Recorded at this meeting</i></p>" + "<br>".join(lines) if lines else
                              "<p><i>Nothing recorded for this subject at this meeting yet.</i></p>")
        self._decided = bool(decisions)
        self._enable()

    def _writable(self) -> bool:
        return self.meeting is not None and self.current_item() is not None and bool(self.current_item().person_id)

    def _enable(self) -> None:
        has_meeting = self.meeting is not None and self.agenda is not None
        subject = self._writable()
        held = self.meeting is not None and self.meeting.status == "held"
        self.attendee_button.setEnabled(self.meeting is not None)
        self.held_button.setEnabled(self.meeting is not None and self.meeting.status == "scheduled")
        self.reopen_button.setEnabled(held)
        self.rebuild_button.setEnabled(self.meeting is not None)
        for w in (self.decide_button, self.tactic_button, self.action_button, self.minutes_button,
                  self.open_button, self.decision, self.reason, self.tactic, self.tactic_notes,
                  self.action_agency, self.action_owner, self.action_text, self.action_due, self.minutes):
            w.setEnabled(subject)
        self.decide_button.setEnabled(subject and not self._decided and not held)
        self.decision.setEnabled(subject and not self._decided and not held)
        self.reason.setEnabled(subject and not self._decided and not held)
        if held:
            self.decide_button.setToolTip("The meeting is held: its agenda is closed (Reopen to record a decision)")
        else:
            self.decide_button.setToolTip("")
        self.prev_button.setEnabled(has_meeting)
        self.next_button.setEnabled(has_meeting)

    # ------------------------------------------------------------ recording (each one can be undone)
    def _subject(self) -> tuple[meetings.Meeting, AgendaItem]:
        it = self.current_item()
        if self.meeting is None or it is None or not it.person_id:
            raise UserError("choose a subject on the agenda first")
        return self.meeting, it

    def _submit(self, edit, *, said: str, clear=None, offer_undo: bool = False) -> None:
        """Make an edit through the app's edit history (Edit > Undo takes it back); say what was done."""
        def done(changed: bool) -> None:
            if not changed:
                return
            self.message.setText(said)
            if clear is not None:
                clear()
            if offer_undo:
                self.window_.offer_undo(said)
            self.load_recorded()

        self.ctx.history.submit(edit, parent=self, done=done)

    def record_decision(self) -> None:
        try:
            m, it = self._subject()
        except UserError as e:
            show_error(self, e, "Record the decision")
            return
        decision = self.decision.currentText()
        if not decision or self.decision.currentIndex() < 0:
            self.message.setText("Choose the decision first: nothing was recorded.")
            self.decision.setFocus()
            return
        reason = self.reason.currentText().strip() or None
        edit = edits.RecordDecision(m.id, it.person_id, decision, reason, name=it.name)
        self._submit(edit, said=f"{it.name}: {decision} recorded.", offer_undo=True)

    def agree_tactic(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None or not it.person_id or self.tactic.currentData() is None:
            return
        name = self.tactic.currentText()
        edit = edits.AgreeTactic(it.person_id, self.tactic.currentData(), meeting_id=m.id, on=m.date,
                                 notes=self.tactic_notes.text().strip() or None, label=name.split(" (")[0])
        self._submit(edit, said=f"{it.name}: {name} agreed.", clear=self.tactic_notes.clear)

    def add_action(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None or not it.person_id:
            return
        agency = self.action_agency.currentText()

        def clear() -> None:
            self.action_owner.clear()
            self.action_text.clear()

        edit = edits.AddAction(it.person_id, agency, self.action_text.text(),
                               owner=self.action_owner.text().strip() or None, due=self.action_due.date().toPython(),
                               meeting_id=m.id)
        self._submit(edit, said=f"{it.name}: action added for {agency}.", clear=clear)

    def save_minutes(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None or not it.person_id:
            return
        edit = edits.AddMinutes(m.id, it.person_id, self.minutes.toPlainText(), name=it.name)
        self._submit(edit, said=f"{it.name}: minutes saved.", clear=self.minutes.clear)

    # ------------------------------------------------------------ attendees
    def add_attendee(self) -> None:
        if self.meeting is None:
            return
        got = dialogs.ask(self, "Attendee", [
            Field("name", "&Name", required=True),
            Field("agency", "&Agency", "choice", self.agencies, editable=True, required=True),
            Field("apology", "Sent &apologies", "check"),
        ], intro=self.meeting.label, ok="Add")
        if got:
            self._submit(edits.AddAttendee(self.meeting.id, got["name"], got["agency"], apology=got["apology"]),
                         said=f"{got['name']} added.")

    def _attendee_choices(self) -> dict[str, dict]:
        a = self.agenda
        if a is None or self.meeting is None or a.meeting.id != self.meeting.id:
            return {}
        return {f"{x['name']} ({x['agency']}{', apologies' if x['role'] == 'apology' else ''})": x
                for x in a.attendees}

    def correct_attendee(self) -> None:
        choices = self._attendee_choices()
        if not choices:
            self.message.setText("No attendees recorded yet.")
            return
        first = next(iter(choices.values()))
        got = dialogs.ask(self, "Correct an attendee", [
            Field("who", "&Attendee", "choice", list(choices), required=True),
            Field("name", "&Name", placeholder="leave empty to keep the name"),
            Field("agency", "A&gency", "choice", ["", *self.agencies], editable=True,
                  placeholder="leave empty to keep the agency"),
            Field("role", "&Was", "choice", ["(unchanged)", "present", "sent apologies"], default="(unchanged)"),
        ], intro=self.meeting.label, ok="Correct")
        if not got:
            return
        who = choices.get(got["who"], first)
        fields: dict = {}
        if got["name"]:
            fields["name"] = got["name"]
        if got["agency"]:
            fields["agency"] = got["agency"]
        if got["role"] in ("present", "sent apologies"):
            fields["apology"] = got["role"] == "sent apologies"
        if not fields:
            self.message.setText("Nothing to correct: nothing was changed.")
            return
        self._submit(edits.ChangeAttendee(who["id"], **fields), said=f"{who['name']} corrected.")

    def remove_attendee(self) -> None:
        choices = self._attendee_choices()
        if not choices:
            self.message.setText("No attendees recorded yet.")
            return
        got = dialogs.ask(self, "Remove an attendee", [Field("who", "&Attendee", "choice", list(choices),
                                                             required=True)],
                          intro="Take someone recorded in error off the list (Edit > Undo puts them back).",
                          ok="Remove")
        if got and got["who"] in choices:
            who = choices[got["who"]]
            self._submit(edits.RemoveAttendee(who["id"], name=who["name"]), said=f"{who['name']} removed.")

    # ------------------------------------------------------------ held and reopened
    def mark_held(self) -> None:
        """Refused before the meeting's day unless a reason is given; confirmed, listing what it will do."""
        m = self.meeting
        if m is None:
            return
        today = self.ctx.today()
        days = (_dt.date.fromisoformat(m.date) - today).days
        early = None
        if days > 0:
            got = dialogs.ask(self, "Mark held before its day?", [
                Field("reason", "&Why now", "long", required=True,
                      placeholder="e.g. the meeting was brought forward")],
                intro=f"{m.label} is {days} day(s) away. A meeting is marked held on or after its day: its "
                      "scores are kept as they stand that day and its agenda is closed. To mark it held early, "
                      "say why (it is audited).", ok="Mark held early")
            if not got:
                self.message.setText(f"Not marked held: the meeting is {days} day(s) away.")
                return
            early = got["reason"]
        steps = None

        def ask(found: list[str]) -> None:
            nonlocal steps
            steps = found
            text = (f"Mark {m.label} held? This will:\n\n" + "\n".join(f"• {x}" for x in found)
                    + "\n\nEdit > Undo, or Reopen, puts it back to scheduled.")
            if not dialogs.confirm(self, "Mark the meeting held", text, yes="Mark held"):
                self.message.setText("Not marked held.")
                return
            self.message.setText("Marking held and keeping the day's scores…")
            self._submit(edits.MarkHeld(m.id, label=m.label, today=today, early_reason=early),
                         said=f"{m.label} marked held; scores kept, agenda closed.", offer_undo=True)

        self.ctx.read(meetings.held_steps, m.id).then(ask, lambda e: show_error(self, e, "Mark the meeting held"))

    def reopen(self) -> None:
        m = self.meeting
        if m is None or m.status != "held":
            return
        got = dialogs.ask(self, "Reopen the meeting", [
            Field("reason", "&Reason", "long", required=True, placeholder="e.g. a subject's decision was missed")],
            intro=f"{m.label} goes back to scheduled so that decisions can be recorded again. The scores kept "
                  "when it was held stay, marked superseded; marking it held again keeps new ones. Audited.",
            ok="Reopen")
        if got:
            self._submit(edits.ReopenMeeting(m.id, got["reason"], label=m.label, today=self.ctx.today()),
                         said=f"{m.label} reopened.", offer_undo=True)

    def _open_subject(self) -> None:
        it = self.current_item()
        if it is not None and it.person_id:
            self.window_.open_person(it.person_id)

    # ------------------------------------------------------------ Page
    def clear(self) -> None:
        self._gen += 1
        self._subject_gen += 1
        self.meeting = None
        self.agenda = None
        self.items = {}
        self.schedule_model.clear()
        self.tree.clear()
        self.summary.clear()
        self.recorded.clear()
        text = self.minutes.toPlainText().strip()
        it = self.current_item()
        if text and self.meeting is not None and it is not None:
            # the idle lock does not wait for an answer: keep the text (never written anywhere) for after unlock
            self._draft = (self.meeting.id, it.section, it.person_id, text)
        self._clear_typed()
        self.heading.setText("")
        self.attendees.setText("")
        self.message.setText("")
        self._enable()

    def save_state(self) -> None:
        save_header(self.schedule_view)
        for sp in self.splitters:
            save_splitter(sp)

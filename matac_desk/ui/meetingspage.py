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
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..meeting import actions, agenda, cohort, force, meetings
from ..meeting.agenda import Agenda
from ..meeting.cohort import EXIT_REASONS
from ..domain import UserError
from . import dialogs
from .context import show_error
from .dialogs import Field
from .models import Column, RowsModel
from .widgets import ACCENT, attach_model, button, save_header, table_view, text_label
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
    decision: str | None = None
    reason: str | None = None


def _score(v) -> str:
    return "—" if v is None else f"{v:g}"


def agenda_items(a: Agenda) -> dict[str, list[AgendaItem]]:
    """The agenda as lines to walk through, section by section (Qt-free formatting)."""
    out: dict[str, list[AgendaItem]] = {k: [] for k, _ in SECTIONS}
    for p in a.new_partners:
        kids = ", ".join(c.text() for c in p.children)
        out["new_partners"].append(AgendaItem(
            "new_partners", p.perpetrator_id, p.perpetrator_name,
            f"{p.perpetrator_name}: new partner {p.partner_name} ({p.first_linked})",
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
            "nominations", n.person_id, n.name, f"{n.name}: score {_score(s.score if s else None)} ({why})",
            (f"Score {s.score:g} = R {s.r} + F {s.f} + G {s.g} + V {s.v}, rank {s.rank}; {s.incidents} incident(s) "
             f"against {s.victims} victim(s), latest {escape(s.latest_incident)}" if s else "Not scored.")
            + (f"<br><b>Referred</b>: {escape(refs)}" if refs else ""), "adopt"))
    for r in a.review:
        change = f", {r.change_text}" if r.change_text else ""
        out["review"].append(AgendaItem(
            "review", r.person_id, r.name, f"{r.name}: score {_score(r.score)}{change}",
            f"Score {_score(r.score)} (R {_score(r.r)} F {_score(r.f)} G {_score(r.g)} V {_score(r.v)}), entry "
            f"{_score(r.entry_score)}, adopted {escape(r.adopted_on)}; offender manager "
            f"{escape(r.om_name or 'not allocated')}; {r.open_actions} open action(s), {r.overdue_actions} overdue; "
            f"{r.new_partners} new partner(s); latest incident {escape(r.latest_incident or '—')}", "continue"))
    for x in a.actions:
        due = f"due {x.due_date}" if x.due_date else "no due date"
        late = f", <span style='color:{ACCENT['error']}'>{x.days_overdue} days overdue</span>" if x.overdue else ""
        out["actions"].append(AgendaItem(
            "actions", x.person_id, x.subject_name, f"{x.subject_name}: {x.description} ({x.agency}, {due})",
            f"<b>{escape(x.agency)}</b> ({escape(x.owner or 'no owner')}): {escape(x.description)}; {due}{late}; "
            f"status {escape(x.status)}"))
    for e in a.proposed_exits:
        out["proposed_exits"].append(AgendaItem(
            "proposed_exits", e.person_id, e.name, f"{e.name}: {e.reason}",
            f"Proposed exit: {escape(e.reason)}. Suggested exit reason: {escape(e.suggested_exit_reason)}.",
            "exit", e.suggested_exit_reason))
    for p in a.prompts:
        out["prompts"].append(AgendaItem(
            "prompts", p.person_id, p.person_name, f"{p.forum}: {p.person_name}",
            f"<b>{escape(p.forum)}</b> referral to consider: {escape(p.reason)}"))
    return out


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

        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split)

        # ---- the schedule
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("<b>Schedule</b>"))
        self.schedule_model = RowsModel(_SCHEDULE_COLUMNS,
                                        accent=lambda m: "ok" if m.status == "held" else None)
        self.schedule_view = table_view("meetings_schedule", "Meeting schedule")
        attach_model(self.schedule_view, self.schedule_model)
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
        head.addWidget(self.heading, 1)
        self.attendee_button = button("A&ttendee…", self.add_attendee, tip="Add an attendee or an apology")
        self.held_button = button("Mark &held", self.mark_held, tip="The meeting took place: keep today's scores")
        self.rebuild_button = button("Re&build agenda", self.load_agenda)
        for b in (self.attendee_button, self.held_button, self.rebuild_button):
            head.addWidget(b)
        rl.addLayout(head)
        self.attendees = text_label("Attendees")
        self.attendees.setTextFormat(Qt.TextFormat.RichText)
        rl.addWidget(self.attendees)

        walk = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Agenda")
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._item_chosen(cur))
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
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Agenda item")
        self.summary.setMaximumHeight(120)
        sl.addWidget(self.summary)

        box = QGroupBox("Record for this subject")
        form = QFormLayout(box)
        drow = QHBoxLayout()
        self.decision = QComboBox()
        self.decision.addItems(list(meetings.DECISIONS))
        self.decision.setAccessibleName("Decision")
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
        trow = QHBoxLayout()
        self.tactic = QComboBox()
        self.tactic.setAccessibleName("Tactic from the toolkit")
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
        self.minutes.setMaximumHeight(self.fontMetrics().height() * 5)
        mrow = QVBoxLayout()
        mrow.addWidget(self.minutes)
        self.minutes_button = button("Save &minutes", self.save_minutes)
        mrow.addWidget(self.minutes_button, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Minutes:", mrow)
        sl.addWidget(box)
        self.recorded = QTextBrowser()
        self.recorded.setAccessibleName("Recorded at this meeting")
        sl.addWidget(self.recorded, 1)
        self.message = text_label("Meeting message")
        sl.addWidget(self.message)
        walk.addWidget(subject)
        walk.setStretchFactor(0, 2)
        walk.setStretchFactor(1, 3)
        em = self.fontMetrics().averageCharWidth()
        walk.setSizes([em * 40, em * 86])
        rl.addWidget(walk, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([em * 36, em * 132])
        self.summary.setMaximumHeight(self.fontMetrics().height() * 5)
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
        if m is None or (self.meeting is not None and m.id == self.meeting.id):
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

    def _show_meeting(self) -> None:
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
                child.setToolTip(0, it.text)
                top.addChild(child)
                if self._keep == (it.section, it.person_id):
                    keep_item = child
                elif self._keep and same_person is None and self._keep[1] == it.person_id:
                    same_person = child   # he moved section (adopted: from nominations to the cohort review)
            top.setExpanded(True)
        self._keep = None
        first = keep_item or same_person or self._first_item()
        if first is not None:
            self.tree.setCurrentItem(first)
        else:
            self._item_chosen(None)
        self._enable()

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
        """Go to the previous or next subject on the agenda."""
        items = self._all_items()
        cur = self.tree.currentItem()
        if not items:
            return
        i = items.index(cur) if cur in items else -1
        j = min(max(i + delta, 0), len(items) - 1)
        self.tree.setCurrentItem(items[j])

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
        if it.decision:
            self.decision.setCurrentText(it.decision)
        self.reason.setCurrentText(it.reason or "")
        self.minutes.clear()
        self.action_due.setDate(QDate.fromString(
            (_dt.date.fromisoformat(self.meeting.date) + _dt.timedelta(days=meetings.CYCLE_DAYS)).isoformat(),
            Qt.DateFormat.ISODate))
        self.load_recorded()

    def _decision_changed(self, decision: str) -> None:
        current = self.reason.currentText()
        self.reason.clear()
        if decision == "exit":
            self.reason.addItems(list(EXIT_REASONS))
            if current in EXIT_REASONS:
                self.reason.setCurrentText(current)
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
        self.attendee_button.setEnabled(self.meeting is not None)
        self.held_button.setEnabled(self.meeting is not None and self.meeting.status == "scheduled")
        self.rebuild_button.setEnabled(self.meeting is not None)
        for w in (self.decide_button, self.tactic_button, self.action_button, self.minutes_button,
                  self.open_button, self.decision, self.reason, self.tactic, self.tactic_notes,
                  self.action_agency, self.action_owner, self.action_text, self.action_due, self.minutes):
            w.setEnabled(subject)
        self.decide_button.setEnabled(subject and not self._decided)
        self.prev_button.setEnabled(has_meeting)
        self.next_button.setEnabled(has_meeting)

    # ------------------------------------------------------------ recording
    def _subject(self) -> tuple[meetings.Meeting, AgendaItem]:
        it = self.current_item()
        if self.meeting is None or it is None or not it.person_id:
            raise UserError("choose a subject on the agenda first")
        return self.meeting, it

    def _record(self, fn, *args: Any, what: str, kinds: tuple[str, ...], said: str, clear=None, **kw: Any) -> None:
        try:
            m, it = self._subject()
        except UserError as e:
            show_error(self, e, what)
            return

        def done(_r) -> None:
            self.message.setText(said.format(name=it.name))
            if clear is not None:
                clear()
            self.load_recorded()

        self.ctx.change(fn, *args, kinds=kinds, what=what, parent=self, done=done, **kw)

    def record_decision(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None:
            return
        decision = self.decision.currentText()
        reason = self.reason.currentText().strip() or None
        self._record(meetings.record_decision, m.id, it.person_id, decision, reason=reason,
                     what="Record the decision", kinds=("cohort", "meetings"),
                     said=f"{{name}}: {decision} recorded.")

    def agree_tactic(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None or self.tactic.currentData() is None:
            return
        self._record(cohort.agree_tactic, it.person_id, self.tactic.currentData(), meeting_id=m.id, on=m.date,
                     notes=self.tactic_notes.text().strip() or None, what="Agree a tactic", kinds=("cohort",),
                     said=f"{{name}}: {self.tactic.currentText()} agreed.", clear=self.tactic_notes.clear)

    def add_action(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None:
            return

        def clear() -> None:
            self.action_owner.clear()
            self.action_text.clear()

        self._record(actions.add_action, it.person_id, self.action_agency.currentText(), self.action_text.text(),
                     owner=self.action_owner.text().strip() or None, due=self.action_due.date().toPython(),
                     meeting_id=m.id, what="Add an action", kinds=("actions",),
                     said="{name}: action added for " + self.action_agency.currentText() + ".", clear=clear)

    def save_minutes(self) -> None:
        m, it = self.meeting, self.current_item()
        if m is None or it is None:
            return
        self._record(meetings.add_minutes, m.id, it.person_id, self.minutes.toPlainText(), what="Save the minutes",
                     kinds=("minutes",), said="{name}: minutes saved.", clear=self.minutes.clear)

    def add_attendee(self) -> None:
        if self.meeting is None:
            return
        got = dialogs.ask(self, "Attendee", [
            Field("name", "&Name", required=True),
            Field("agency", "&Agency", "choice", self.agencies, editable=True, required=True),
            Field("apology", "Sent &apologies", "check"),
        ], intro=self.meeting.label, ok="Add")
        if got:
            self.ctx.change(meetings.add_attendee, self.meeting.id, got["name"], got["agency"], apology=got["apology"],
                            kinds=("meetings",), what="Add an attendee", parent=self)

    def mark_held(self) -> None:
        if self.meeting is None:
            return
        mid = self.meeting.id
        self.message.setText("Marking held and keeping today's scores…")
        self.ctx.change(meetings.mark_held, mid, kinds=("meetings", "scores"), what="Mark the meeting held",
                        parent=self, done=lambda _r: self.message.setText("Meeting marked held; scores kept."))

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
        self.minutes.clear()
        self.heading.setText("")
        self.attendees.setText("")
        self.message.setText("")
        self._enable()

    def save_state(self) -> None:
        save_header(self.schedule_view)

"""The person page: identity, the subject's details edited in place, incidents either way, and the MATAC case file.

Opening a person reads the profile, the case file and what his details
may be set to off the GUI thread and writes one ``person.viewed`` audit
entry (:func:`matac_desk.services.casefile.view`, which works on a read-only store
too). The tabs:

- **Overview**: the offending timeline (each incident as perpetrator, its
  height the gravity), the subject's details (offender manager, division,
  MAPPA, MARAC, IOM, risk level and factors), edited in place
  (:mod:`.subjectform`), and his MATAC history (membership, decisions,
  referrals);
- **As perpetrator**, **As victim**: every offence either way;
- **Score**: the score's trend over the snapshots (a chart), its
  explanation and history;
- **Victims and partners** and **Children**: read when first shown
  (:func:`matac_desk.services.relations.relations`, the same rows the printed
  profile lists), new partners in the period marked;
- **Orders and disclosures**: orders and bail conditions, Clare's Law
  records, added and corrected in place (:mod:`.orderstab`);
- tactics, actions, minutes, intelligence links, aliases (added and
  removed in place), data-quality warnings (marked resolved) and the audit
  of who viewed or changed the record, each entry in words
  (:func:`matac_desk.services.auditwords.describe`; its event code and detail
  in the tooltip and in columns the header's menu shows).

Every correction is an :mod:`matac_desk.services.edits` edit through the window's
edit history (Edit > Undo, Ctrl+Z). **Profile PDF…** and **Print…**
(Ctrl+P on this page) ask for the recipient, render the profile in the
background (a disclosure, audited) and save, print or open it through
the same :class:`~.pdfexport.PdfExporter` as the Packs page.
Double-clicking a person in a table opens that person; Back returns.
"""

from __future__ import annotations

import datetime as _dt
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..services import casefile, edits, people, relations
from ..meeting import cohort
from ..services.casefile import CaseFile, Choices
from ..domain import UserError
from ..services.people import PersonProfile, Warning
from . import dialogs, pdfexport
from .charts import Point, Stem, TimelineChart, TrendChart
from .context import CHANGED_ALL, Context, show_error
from .explain import explanation_html, history_html
from .models import Column, IdRole, RowRole, RowsModel
from .casefiletabs import CaseFileTab
from .orderstab import OrdersTab
from .subjectform import SubjectForm
from .tasks import Task
from ..services import auditwords
from ..storage import audit
from .widgets import (ACCENT, EmptyHint, accent_label, button, save_header, side_tabs, sortable_table, stretch_column,
                      text_label)

__all__ = ["PersonPage", "RELATIONS_KINDS"]

_KIND = {"partner": "partner", "ex-partner": "ex-partner", "family": "family", "other": "other"}
# What his victims, partners and children are read from: a change of another kind keeps them on a reload.
RELATIONS_KINDS = ("persons", "links", "imports")


def _incident_columns(other: str) -> list[Column]:
    return [
        Column("Date", lambda r: r.date + (f" {r.time}" if r.time else "")),
        Column("Incident", lambda r: r.ref),
        Column("Offence", lambda r: r.offence),
        Column(other, lambda r: r.other_name, tooltip=lambda r: f"{r.other_name} ({r.other_id}); double-click to open"),
        Column("Relationship", lambda r: f"{r.relationship} ({_KIND[r.relationship_kind]})" if r.relationship
               else _KIND[r.relationship_kind]),
        Column("DASH", lambda r: r.dash_risk),
        Column("Division", lambda r: r.division),
    ]


_LINK_COLUMNS = [
    Column("Person", lambda r: r.other_name, tooltip=lambda r: "Double-click to open"),
    Column("Id", lambda r: r.other_id),
    Column("Relationship", lambda r: r.relationship or _KIND[r.relationship_kind]),
    Column("Kind", lambda r: _KIND[r.relationship_kind]),
    Column("First seen", lambda r: r.first_seen),
    Column("Source", lambda r: r.source),
    Column("Grade", lambda r: r.grading or "", tooltip=lambda r: "3×5×2: source, intelligence, handling (C: sharing "
           "with conditions, withheld from partner packs)"),
]

_ALIAS_COLUMNS = [Column("Name", lambda a: a.name), Column("Source", lambda a: a.source)]

_WARNING_COLUMNS = [
    Column("Warning", lambda w: w.detail),
    Column("Held before", lambda w: w.old_value),
    Column("Now", lambda w: w.new_value),
    Column("Detected", lambda w: w.detected_at[:10]),
    Column("Resolved", lambda w: (w.resolved_at or "")[:10] or "open"),
]

_PARTNER_COLUMNS = [
    Column("Name", lambda p: ("NEW  " if p.new else "") + p.name,
           tooltip=lambda p: ("A new partner in the period. " if p.new else "") + "Double-click to open"),
    Column("Id", lambda p: p.person_id),
    Column("Born", lambda p: p.dob),
    Column("Relationship", lambda p: p.relationship or p.kind if not p.relationship or p.relationship == p.kind
           else f"{p.relationship} ({p.kind})"),
    Column("First", lambda p: p.first),
    Column("Latest", lambda p: p.last),
    Column("Incidents", lambda p: p.incidents, numeric=True),
    Column("Known from", lambda p: p.sources),
]

_CHILD_COLUMNS = [
    Column("Name", lambda c: c.name, tooltip=lambda c: "Double-click to open"),
    Column("Id", lambda c: c.person_id),
    Column("Born", lambda c: c.dob),
    Column("Age", lambda c: c.age, numeric=True),
    Column("Linked to", lambda c: c.linked_to),
]

_TACTIC_COLUMNS = [
    Column("Agreed", lambda t: t["agreed_on"]),
    Column("Tactic", lambda t: t["name"]),
    Column("Category", lambda t: t["category"]),
    Column("Status", lambda t: t["status"]),
    Column("Notes", lambda t: t["notes"]),
]

_ACTION_COLUMNS = [
    Column("Due", lambda a: a.due_date),
    Column("Status", lambda a: a.status + (f" ({a.days_overdue} days overdue)" if a.overdue else "")),
    Column("Agency", lambda a: a.agency),
    Column("Owner", lambda a: a.owner),
    Column("Action", lambda a: a.description),
    Column("Meeting", lambda a: a.meeting_date),
]

_MINUTES_COLUMNS = [
    Column("Meeting", lambda n: n["date"]),
    Column("Chair", lambda n: n["chair"]),
    Column("Minutes", lambda n: n["text"], tooltip=lambda n: n["text"]),
]

_AUDIT_COLUMNS = [
    Column("When", lambda e: e["at"][:19].replace("T", " ")),
    Column("Who", lambda e: e["actor"]),
    Column("What happened", auditwords.describe,
           tooltip=lambda e: f"Event: {e['action']}" + (f"\nDetail: {e['detail'][:2000]}" if e["detail"] else "")),
    Column("Reason", lambda e: e["reason"]),
    Column("Recipient", lambda e: e["recipient"]),
    # the entry as the log holds it, shown from the header's menu
    Column("Event", lambda e: e["action"], hidden=True),
    Column("Detail", lambda e: audit.short_detail(e["detail"], 80),
           tooltip=lambda e: (e["detail"] or "")[:2000] or None, hidden=True),
]


def _matac_html(cf: CaseFile, today: str) -> str:
    """At a glance: cohort status, orders in force, Clare's Law, tactics and actions; then the history (facts only)."""
    out = [f"<p><b>{'In the cohort' if cf.in_cohort else 'Not in the cohort'}</b></p>"]
    in_force = [o for o in cf.orders if cohort.in_force(o, today)]
    if in_force:
        out.append("<p><b>Orders in force</b><br>" + "<br>".join(
            f"{escape(o['type'])} " + (f"to {escape(o['end'])}" if o["end"] else "(open-ended)")
            + (f", protecting {escape(o['protected_name'])}" if o["protected_name"] else "") for o in in_force)
            + "</p>")
    if cf.disclosures:
        d = cf.disclosures[0]
        out.append(f"<p><b>Clare's Law</b><br>{escape(d['date'])}: {escape(d['kind'])} to "
                   f"{escape(d['to_name'] or 'someone not named')}, {escape(d['decision'])}"
                   + (f" (and {len(cf.disclosures) - 1} earlier)" if len(cf.disclosures) > 1 else "") + "</p>")
    live = cf.live_tactics
    if live:
        out.append("<p><b>Tactics</b><br>" + "<br>".join(
            f"{escape(t['name'])} ({escape(t['status'])})" for t in live) + "</p>")
    open_actions = cf.open_actions
    if open_actions:
        overdue = sum(a.overdue for a in open_actions)
        out.append(f"<p><b>Actions</b><br>{len(open_actions)} open"
                   + (f", <span style='color:{ACCENT['error']}'><b>{overdue} overdue</b></span>" if overdue else "")
                   + "</p>")
    if cf.membership:
        out.append("<p><b>Membership</b><br>" + "<br>".join(
            f"{escape(m.date)}: {escape(m.event)}" + (f", score {m.score:g}" if m.score is not None else "")
            + (f" ({escape(m.reason)})" if m.reason else "") for m in cf.membership) + "</p>")
    if cf.decisions:
        out.append("<p><b>Meeting decisions</b><br>" + "<br>".join(
            f"{escape(x['date'])}: {escape(x['decision'])}" + (f" ({escape(x['reason'])})" if x["reason"] else "")
            for x in cf.decisions) + "</p>")
    if cf.referrals:
        out.append("<p><b>Referrals</b><br>" + "<br>".join(
            f"{escape(r.date)}: {escape(r.agency)} ({escape(r.status)}): {escape(r.reason)}" for r in cf.referrals)
            + "</p>")
    if not (cf.membership or cf.decisions or cf.referrals):
        out.append("<p>No nomination, decision or referral is recorded.</p>")
    return "".join(out)


def _timeline(case: CaseFile) -> tuple[list[Stem], str, str, list[tuple[str, str]]]:
    """The timeline's stems from the score explanation's incidents: from his first (or a year back) to the day."""
    e = case.explanation
    stems = [Stem(ln.date, ln.gravity, f"{ln.date} · {ln.ref}: {'; '.join(ln.offences)} (gravity {ln.gravity}; "
                                       f"{ln.status})", ln.status == "scored")
             for ln in e.incidents if ln.date <= e.as_of]
    year_back = (_dt.date.fromisoformat(e.as_of) - _dt.timedelta(days=365)).isoformat()
    start = min([s.date for s in stems] + [year_back])
    marks = [(m.date, m.event) for m in case.membership if m.event in ("adopted", "exited")]
    return stems, start, e.as_of, marks


def _relations_title(n: int | None, title: str) -> str:
    return title if n is None else f"{title} ({n})"


class PersonPage(QWidget):
    """Shows one person; ``back_requested`` when there is nothing to go back to but the results."""

    back_requested = Signal()

    graph_requested = Signal(str)
    actions_requested = Signal(str)
    meeting_requested = Signal()     # an empty tactics, actions or minutes tab: to the next meeting
    links_requested = Signal(str)    # an empty links tab: to Duplicates & links, to add one for him

    def __init__(self, ctx: Context, open_person_in_window=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.profile: PersonProfile | None = None
        self.case: CaseFile | None = None
        self.choices: Choices | None = None
        self.relations: relations.Relations | None = None
        self._relations_loading: str | None = None
        self._relations_outdated = False      # read them again when he is next shown
        self.history: list[str] = []
        self._pending: str | None = None
        self.today = _dt.date.today

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        # The style's arrow icon, not a "←" glyph: finding a font for it cost 0.3 s on first show.
        self.back = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "&Back")
        self.back.setAccessibleName("Back")
        self.back.setToolTip("Back to the previous person or the search results (Alt+Left)")
        self.back.clicked.connect(self.go_back)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Back), self, activated=self.go_back)
        top.addWidget(self.back)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setAccessibleName("Person")
        top.addWidget(self.title, 1)
        self.score_badge = QLabel()
        self.score_badge.setTextFormat(Qt.TextFormat.RichText)
        self.score_badge.setAccessibleName("Score")
        top.addWidget(self.score_badge)
        self.pdf_button = button("Profile PD&F…", lambda: self.export_profile(), accessible="Export the profile PDF",
                                 tip="Save his perpetrator profile as a PDF (asks for the recipient; recorded "
                                     "as a disclosure)")
        self.print_button = button("Pr&int…", lambda: self.print_profile(), accessible="Print the profile",
                                   tip="Print his perpetrator profile (Ctrl+P; asks for the recipient; recorded "
                                       "as a disclosure)")
        self.graph_button = QPushButton("&Graph")
        self.graph_button.setAccessibleName("Relationship graph")
        self.graph_button.setToolTip("Open the relationship graph on this person")
        self.graph_button.clicked.connect(lambda: self.profile and self.graph_requested.emit(self.profile.id))
        for b in (self.pdf_button, self.print_button, self.graph_button):
            top.addWidget(b)
        lay.addLayout(top)

        self.identity = QLabel()
        self.identity.setWordWrap(True)
        self.identity.setTextFormat(Qt.TextFormat.RichText)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setAccessibleName("Identity")
        lay.addWidget(self.identity)
        self.merged = accent_label("", "warning")
        self.merged.setTextFormat(Qt.TextFormat.RichText)
        self.merged.linkActivated.connect(self.show_person)
        self.merged.hide()
        lay.addWidget(self.merged)
        self.warning_line = accent_label("", "warning")
        self.warning_line.hide()
        lay.addWidget(self.warning_line)
        lay.addLayout(self._export_strip())

        self.tabs = side_tabs("Person details")
        self.perp_model = RowsModel(_incident_columns("Victim"), person_id=lambda r: r.other_id)
        self.victim_model = RowsModel(_incident_columns("Perpetrator"), person_id=lambda r: r.other_id)
        self.alias_model = RowsModel(_ALIAS_COLUMNS)
        self.link_model = RowsModel(_LINK_COLUMNS, person_id=lambda r: r.other_id)
        self.warning_model = RowsModel(_WARNING_COLUMNS)
        self.partner_model = RowsModel(_PARTNER_COLUMNS, person_id=lambda p: p.person_id,
                                       accent=lambda p: "warning" if p.new else None)
        self.child_model = RowsModel(_CHILD_COLUMNS, person_id=lambda c: c.person_id)
        self.tactic_model = RowsModel(_TACTIC_COLUMNS)
        self.action_model = RowsModel(_ACTION_COLUMNS, accent=lambda a: "error" if a.overdue else None)
        self.minutes_model = RowsModel(_MINUTES_COLUMNS)
        self.audit_model = RowsModel(_AUDIT_COLUMNS)

        self.overview = self._overview()
        self.perp_view = self._table("person_perpetrator", "Incidents as perpetrator", self.perp_model)
        self.victim_view = self._table("person_victim", "Incidents as victim", self.victim_model)
        self.score_tab = self._score_tab()
        self.partner_view = self._table("person_partners", "Victims and partners", self.partner_model)
        self.partner_note = text_label("About victims and partners")
        self.partner_tab = self._with_note(self.partner_note, self.partner_view)
        self.child_view = self._table("person_children", "Children", self.child_model)
        self.child_note = text_label("About children")
        self.child_note.setText("Children (under 18) linked to him or to his partners, two steps out in the "
                                "relationship picture.")
        self.child_tab = self._with_note(self.child_note, self.child_view)
        self.orders_tab = OrdersTab(ctx)
        self.case_file_tab = CaseFileTab(ctx)   # plan, Clare's Law, orders in detail, victim support, equality
        self.tactic_view = self._table("person_tactics", "Tactics", self.tactic_model)
        self.action_view = self._table("person_actions", "Actions", self.action_model)
        self.action_view.doubleClicked.connect(lambda _i: self.profile and self.actions_requested.emit(self.profile.id))
        self.minutes_view = self._table("person_minutes", "Minutes", self.minutes_model)
        self.link_view = self._table("person_links", "Intelligence links", self.link_model)
        self.alias_view = self._table("person_aliases", "Aliases", self.alias_model)
        self.add_alias_button = button("&Add alias…", self.add_alias, tip="Another name he is known by (searchable)")
        self.remove_alias_button = button("&Remove", self.remove_alias, accessible="Remove the selected alias",
                                          tip="The selected alias was recorded in error")
        self.alias_box = self._with_buttons(self.alias_view, (self.add_alias_button, self.remove_alias_button))
        self.warning_view = self._table("person_warnings", "Data-quality warnings", self.warning_model)
        self.resolve_button = QPushButton("Mark &resolved")
        self.resolve_button.setAccessibleName("Mark the selected warning resolved")
        self.resolve_button.setToolTip("The warning was checked and dealt with")
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.warn_box = self._with_buttons(self.warning_view, (self.resolve_button,), right=True)
        self.audit_view = self._table("person_audit_log", "Audit of views and changes", self.audit_model)
        stretch_column(self.audit_view, 2)        # what happened
        # an empty section says what goes there and where it is added, instead of an empty grid
        self.tactic_box = EmptyHint(self.tactic_view, "No tactics agreed for him yet. Tactics are agreed at a "
                                    "MATAC meeting, from the toolkit.", "Open the next &meeting",
                                    lambda: self.meeting_requested.emit())
        self.action_box = EmptyHint(self.action_view, "No partnership actions for him yet. Actions are raised at a "
                                    "MATAC meeting, each with an agency, an owner and a due date.",
                                    "Open the next &meeting", lambda: self.meeting_requested.emit())
        self.minutes_box = EmptyHint(self.minutes_view, "No minutes about him yet. Minutes are written at a MATAC "
                                     "meeting, subject by subject.", "Open the next &meeting",
                                     lambda: self.meeting_requested.emit())
        self.link_box = EmptyHint(self.link_view, "No intelligence links: partners, family and associates known "
                                  "from intelligence rather than from incidents. Add one by hand or import a file.",
                                  "&Add a link…", lambda: self.profile and self.links_requested.emit(self.profile.id))
        # (widget, title; "{}" takes the count)
        self.tab_specs = [
            (self.overview, "&Overview"), (self.perp_view, "As &perpetrator ({})"),
            (self.victim_view, "As &victim ({})"), (self.score_tab, "&Score"),
            (self.partner_tab, "Victims and pa&rtners"), (self.child_tab, "C&hildren"),
            (self.orders_tab, "Or&ders and disclosures ({})"), (self.case_file_tab, "Case &file"),
            (self.tactic_box, "&Tactics ({})"),
            (self.action_box, "A&ctions ({})"), (self.minutes_box, "Mi&nutes ({})"),
            (self.link_box, "Intelligence &links ({})"), (self.alias_box, "&Aliases ({})"),
            (self.warn_box, "Data &quality ({} open)"), (self.audit_view, "A&udit ({})"),
        ]
        self.tab_widgets = [w for w, _ in self.tab_specs]
        for w in self.tab_widgets:
            self.tabs.addTab(w, "")
        self.tabs.currentChanged.connect(self._tab_shown)
        lay.addWidget(self.tabs, 1)
        self._set_tab_titles()
        self._enable()

    # ------------------------------------------------------------ building
    def _overview(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(6, 6, 6, 6)
        self.timeline = TimelineChart()
        v.addWidget(self.timeline)
        row = QHBoxLayout()
        box = QGroupBox("Subject details")
        box.setAccessibleName("Subject details")
        bl = QVBoxLayout(box)
        self.subject_form = SubjectForm(self.ctx)
        bl.addWidget(self.subject_form)
        bl.addStretch(1)
        row.addWidget(box, 3)
        hist = QGroupBox("At a glance")
        hl = QVBoxLayout(hist)
        self.matac_text = QTextBrowser()
        self.matac_text.setAccessibleName("At a glance: orders, Clare's Law, tactics, actions, cohort history")
        hl.addWidget(self.matac_text)
        row.addWidget(hist, 2)
        v.addLayout(row, 1)
        return page

    def _score_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(6, 6, 6, 6)
        self.trend = TrendChart()
        v.addWidget(self.trend)
        self.score_text = QTextBrowser()
        self.score_text.setAccessibleName("Score explanation and history")
        v.addWidget(self.score_text, 1)
        return page

    def _export_strip(self) -> QHBoxLayout:
        self.exporter = pdfexport.PdfExporter(self.ctx, self, title="Export the profile")
        self.exporter.started.connect(self._export_started)
        self.exporter.progressed.connect(
            lambda *a: pdfexport.show_progress(self.export_progress, self.export_message, *a))
        self.exporter.reported.connect(lambda message, error: self._export_note(message, error=error))
        row = QHBoxLayout()
        self.export_progress = QProgressBar()
        self.export_progress.setAccessibleName("Profile export progress")
        self.export_progress.setMaximumWidth(260)
        self.export_message = text_label("Profile export message")
        self.export_error = accent_label("", "error")
        self.export_error.setAccessibleName("Profile export problem")
        self.export_cancel = button("Cancel", self.exporter.cancel, accessible="Cancel the profile export")
        self.export_open = button("Open the PDF", self.exporter.open_last, accessible="Open the exported profile")
        for w in (self.export_progress, self.export_message, self.export_error, self.export_cancel, self.export_open):
            row.addWidget(w, 1 if w in (self.export_message, self.export_error) else 0)
            w.hide()
        return row

    def _table(self, name: str, accessible: str, model: RowsModel) -> QTableView:
        view = sortable_table(name, accessible, model)
        view.activated.connect(lambda index, v=view: self._open_other(v, index))
        view.doubleClicked.connect(lambda index, v=view: self._open_other(v, index))
        return view

    @staticmethod
    def _with_note(note: QLabel, view: QTableView) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(6, 6, 6, 6)
        v.addWidget(note)
        v.addWidget(view, 1)
        return box

    @staticmethod
    def _with_buttons(view: QTableView, buttons, *, right: bool = False) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(view, 1)
        row = QHBoxLayout()
        if right:
            row.addStretch(1)
        for b in buttons:
            row.addWidget(b)
        if not right:
            row.addStretch(1)
        v.addLayout(row)
        return box

    def _set_tab_titles(self) -> None:
        p, c, r = self.profile, self.case, self.relations
        counts = {
            self.perp_view: len(p.as_perpetrator) if p else 0, self.victim_view: len(p.as_victim) if p else 0,
            self.orders_tab: (len(c.orders) + len(c.disclosures)) if c else 0,
            self.tactic_view: len(c.tactics) if c else 0, self.action_view: len(c.actions) if c else 0,
            self.minutes_view: len(c.minutes) if c else 0, self.link_view: len(p.links) if p else 0,
            self.alias_box: len(p.aliases) if p else 0, self.warn_box: len(p.open_warnings) if p else 0,
            self.audit_view: len(c.audit) if c else 0,
        }
        for i, (w, title) in enumerate(self.tab_specs):
            if w is self.partner_tab:
                text = _relations_title(len(r.partners) if r else None, title)
            elif w is self.child_tab:
                text = _relations_title(len(r.children) if r else None, title)
            else:
                text = title.format(counts.get(w, 0)) if "{}" in title else title
            self.tabs.setTabText(i, text)

    def _editable(self) -> bool:
        return self.profile is not None and self.profile.merged_into is None and not self.ctx.store.read_only

    def _enable(self) -> None:
        on = self.profile is not None
        edit = self._editable()
        for b in (self.pdf_button, self.print_button, self.graph_button):
            b.setEnabled(on and not (b is not self.graph_button and self.exporter.busy))
        self.add_alias_button.setEnabled(edit)
        self.remove_alias_button.setEnabled(edit and bool(self.profile.alias_records))
        self.resolve_button.setEnabled(edit and bool(self.profile.open_warnings))

    # ------------------------------------------------------------ showing
    def show_person(self, person_id: str, *, push: bool = True) -> None:
        """Open a person (audited) off the GUI thread."""
        if push and self.profile is not None and self.profile.id != person_id:
            self.history.append(self.profile.id)
        self.title.setText("<h2 style='margin:0'>Opening…</h2>")
        self._relations_outdated = True
        self._read(person_id, audited=True)

    def reload(self, changed: frozenset = CHANGED_ALL) -> None:
        """The store changed under an open person (``changed``: the kinds): read it again (the same view, not
        audited again). His victims, partners and children are kept unless what they come from changed."""
        if self.profile is not None:
            if Context.concerns(changed, *RELATIONS_KINDS):
                self._relations_outdated = True
            self._read(self.profile.id, audited=False)

    def _read(self, person_id: str, *, audited: bool) -> None:
        """Read his profile, case file and the choices for his details off the GUI thread, then show them.

        ``audited``: a view opened (one ``person.viewed`` entry); not when the same view is read again.
        """
        self._pending = person_id
        today = self.ctx.today()

        def load(store):
            if audited:
                prof, case = casefile.view(store, person_id, today)
            else:
                prof, case = people.load_profile(store, person_id), casefile.case_file(store, person_id, today)
            return prof, case, casefile.choices(store)

        self.ctx.read(load).then(lambda r: self._show(person_id, *r), lambda e: self._failed(person_id, e))

    def _failed(self, person_id: str, e: BaseException) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        self.title.setText("")
        show_error(self, e, "Open person")
        if self.profile is None:
            self.back_requested.emit()
        else:                                   # what was shown before stays
            self._pending = self.profile.id
            self._show(self.profile.id, self.profile, self.case, self.choices)

    def _show(self, person_id: str, prof: PersonProfile, case: CaseFile | None, choices: Choices | None = None) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        same = self.profile is not None and self.profile.id == prof.id
        self.profile = prof
        self.case = case
        self.choices = choices
        self.title.setText(f"<h2 style='margin:0'>{escape(prof.name)}</h2>")
        age = prof.age(self.today())
        born = f"born {prof.dob}" + (f" (age {age})" if age is not None else "") if prof.dob else \
            "date of birth not recorded"
        victims = len({line.other_id for line in prof.as_perpetrator})
        facts = [f"<b>Id</b> {escape(prof.id)}", escape(born),
                 f"perpetrator in {len({x.ref for x in prof.as_perpetrator}):,} incident(s) against "
                 f"{victims:,} victim(s)",
                 f"victim in {len({x.ref for x in prof.as_victim}):,} incident(s)",
                 f"first recorded {escape(prof.created_at[:10])}"]
        if prof.merged_from:
            facts.append("also held as " + ", ".join(escape(m) for m in prof.merged_from))
        self.identity.setText(" · ".join(facts))
        if prof.merged_into:
            self.merged.setText(f"This record was merged into <a href='{escape(prof.merged_into)}'>"
                                f"{escape(prof.merged_into)}</a>; open that record for the full picture.")
            self.merged.show()
        else:
            self.merged.hide()
        open_w = prof.open_warnings
        if open_w:
            self.warning_line.setText(f"{len(open_w)} open data-quality warning(s): "
                                      + "; ".join(w.detail for w in open_w[:3]))
            self.warning_line.show()
        else:
            self.warning_line.hide()
        self.perp_model.set_rows(prof.as_perpetrator)
        self.victim_model.set_rows(prof.as_victim)
        self.link_model.set_rows(prof.links)
        self.alias_model.set_rows(prof.alias_records)
        self.warning_model.set_rows(prof.warnings)
        self._show_case(case)
        if not same or self._relations_outdated:
            self._forget_relations()           # read again when its tab is shown
        self._enable()
        self._set_tab_titles()
        if not same and self.tabs.currentWidget() is self.overview and not prof.as_perpetrator and prof.as_victim \
                and not (case and (case.in_cohort or case.details.get("updated_at"))):
            self.tabs.setCurrentWidget(self.victim_view)
        self._tab_shown(self.tabs.currentIndex())

    def _show_case(self, case: CaseFile | None) -> None:
        if case is None:
            self.score_badge.setText("")
            for w in (self.score_text, self.matac_text):
                w.clear()
            for m in (self.tactic_model, self.action_model, self.minutes_model, self.audit_model):
                m.clear()
            self.timeline.clear()
            self.trend.clear()
            self.subject_form.clear()
            self.orders_tab.clear()
            self.case_file_tab.clear()
            return
        s = case.explanation.score
        moved = case.change
        change = f" {escape(moved.text())}" if moved is not None and moved.since else ""
        member = " · <b>cohort</b>" if case.in_cohort else ""
        as_of = f" as of {escape(moved.as_of)}" if moved is not None else ""
        self.score_badge.setText(
            (f"Score <b>{s.score:g}</b>{as_of} (R {s.r} F {s.f} G {s.g} V {s.v}){change}" if s else "not scored")
            + (" · serial" if case.explanation.serial else "") + member)
        self.score_text.setHtml(explanation_html(case.explanation) + "<h4>Score history</h4>"
                                + history_html(case.history, case.change or case.trend))
        self.trend.set_points([Point(h.snapshot.as_of, h.score.score if h.score else None, h.snapshot.label or "")
                               for h in case.history])
        self.timeline.set_incidents(*_timeline(case))
        self.matac_text.setHtml(_matac_html(case, self.ctx.today().isoformat()))
        self.tactic_model.set_rows(case.tactics)
        self.action_model.set_rows(case.actions)
        self.minutes_model.set_rows(case.minutes)
        self.audit_model.set_rows(list(reversed(case.audit)))
        prof = self.profile
        editable = self._editable()
        note = ""
        if prof.merged_into:
            note = f"This record was merged into {prof.merged_into}: change his details on that record."
        elif self.ctx.store.read_only:
            note = "The store is open read-only (another copy has it open): nothing can be changed here."
        elif not case.is_subject:
            note = "Recorded only as a victim or a linked person: subject details are kept for perpetrators."
        c = self.choices or Choices([], [])
        self.subject_form.show_subject(case.person_id, case.details, c.offender_managers, c.divisions,
                                       editable=editable and case.is_subject, note=note)
        linked = {line.other_id: line.other_name for line in prof.as_perpetrator}
        linked.update({lk.other_id: lk.other_name for lk in prof.links if lk.other_id not in linked})
        self.orders_tab.show_records(case.person_id, case.orders, case.disclosures,
                                     sorted(linked.items(), key=lambda kv: (kv[1].casefold(), kv[0])),
                                     editable=editable)

    # ------------------------------------------------------------ the lazy tabs
    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) in (self.partner_tab, self.child_tab):
            self.load_relations()
        if self.tabs.widget(index) is self.case_file_tab and self.case is not None:
            self.case_file_tab.show_person(self.case.person_id, editable=self._editable())

    def load_relations(self) -> Task | None:
        """Read his victims, partners and children (for their tabs) once per person shown."""
        if self.case is None:
            return None
        pid = self.case.person_id
        if (self.relations is not None and self.relations.person_id == pid) or self._relations_loading == pid:
            return None
        self._relations_loading = pid
        self.partner_note.setText("Reading his victims and partners…")
        task = self.ctx.read(relations.relations, pid, as_of=self.ctx.today())
        task.then(lambda r, p=pid: self._show_relations(p, r), lambda e, p=pid: self._relations_failed(p, e))
        return task

    def _show_relations(self, pid: str, rel: relations.Relations) -> None:
        if self._relations_loading != pid or self.case is None or self.case.person_id != pid:
            return
        self._relations_loading = None
        self.relations = rel
        self.partner_model.set_rows(rel.partners)
        self.child_model.set_rows(rel.children)
        new = sum(p.new for p in rel.partners)
        self.partner_note.setText(
            "Every victim (from incidents) and intimate partner (from incidents and intelligence links), over all "
            f"his records. New partners since {rel.since} are marked NEW and listed first"
            + (f": {new} in this period." if new else "; there are none in this period."))
        self._set_tab_titles()

    def _forget_relations(self) -> None:
        self.relations = None
        self._relations_loading = None
        self._relations_outdated = False
        self.partner_model.clear()
        self.child_model.clear()

    def _relations_failed(self, pid: str, e: BaseException) -> None:
        if self._relations_loading != pid:
            return
        self._relations_loading = None
        self.partner_note.setText("")
        show_error(self, e, "Victims and partners")

    # ------------------------------------------------------------ navigating
    def _open_other(self, view: QTableView, index) -> None:
        pid = view.model().data(index, IdRole)
        if pid:
            self.show_person(pid)

    def go_back(self) -> None:
        if self.history:
            self.show_person(self.history.pop(), push=False)
        else:
            self.back_requested.emit()

    # ------------------------------------------------------------ editing in place
    def _submit(self, edit: edits.Edit) -> None:
        self.ctx.history.submit(edit, parent=self)

    def resolve_selected(self) -> None:
        rows = self.warning_view.selectionModel().selectedRows()
        open_w = self.profile.open_warnings if self.profile else []
        warning: Warning | None = None
        if rows:
            warning = self.warning_model.data(rows[0], RowRole)
        elif len(open_w) == 1:
            warning = open_w[0]
        if warning is None or warning.resolved_at:
            show_error(self, UserError("select an open warning first"), "Mark resolved")
            return
        self._submit(edits.ResolveWarning(self.profile.id, warning.id))

    def add_alias(self) -> None:
        if not self._editable():
            return
        got = dialogs.ask(self, "Add an alias", [
            dialogs.Field("forename", "&Forename"), dialogs.Field("surname", "&Surname"),
            dialogs.Field("source", "S&ource", placeholder="where it was seen, e.g. custody record"),
        ], intro="Another name he is known by. It is searchable at once.", ok="Add")
        if got is not None:
            self._submit(edits.AddAlias(self.profile.id, got["forename"], got["surname"], got["source"] or None))

    def remove_alias(self) -> None:
        rows = self.alias_view.selectionModel().selectedRows()
        aliases = self.profile.alias_records if self.profile else []
        alias = self.alias_model.data(rows[0], RowRole) if rows else (aliases[0] if len(aliases) == 1 else None)
        if alias is None:
            show_error(self, UserError("select the alias to remove first"), "Remove alias")
            return
        self._submit(edits.RemoveAlias(self.profile.id, alias.id))

    # ------------------------------------------------------------ the profile PDF
    def _disclosure(self, title: str) -> dict | None:
        """Who receives the profile, why, which version; None (and nothing written) when cancelled or blank."""
        if self.profile is None or self.exporter.busy:
            return None
        kw = pdfexport.ask_disclosure(
            self, title, default_reason="a MATAC perpetrator profile",
            intro=f"The profile of {self.profile.name} is a disclosure: it is recorded in the audit log "
                  "with its recipient and reason. Every page is marked OFFICIAL-SENSITIVE.")
        if kw is None:
            return None
        if not kw["recipient"]:
            self._export_note(error="Say who receives the profile: every profile is recorded with its recipient.")
            return None
        return kw

    def export_profile(self, *, path: str | None = None) -> Task | None:
        """Ask for the recipient and where to save, then render his profile in the background."""
        kw = self._disclosure("Export the profile")
        if kw is None:
            return None
        if path is None:
            path = pdfexport.save_path(self, "Export the profile",
                                       "profile-redacted.pdf" if kw["redact"] else "profile.pdf")
            if not path:
                return None
        return self.exporter.export("profile", self.profile.id, kw, path)

    def print_profile(self) -> Task | None:
        """Ctrl+P here: ask for the recipient, choose a printer, render, and send it to the printer."""
        kw = self._disclosure("Print the profile")
        if kw is None:
            return None
        return self.exporter.print_("profile", self.profile.id, kw, default_name="profile-print.pdf")

    def _export_note(self, message: str = "", *, error: str = "", busy: bool = False) -> None:
        self.export_message.setText(message)
        self.export_message.setVisible(bool(message))
        self.export_error.setText(error)
        self.export_error.setVisible(bool(error))
        self.export_progress.setVisible(busy)
        self.export_cancel.setVisible(busy)
        self.export_open.setVisible(not busy and self.exporter.last_path is not None and not error)
        self._enable()

    def _export_started(self) -> None:
        self.export_progress.setRange(0, 0)
        self._export_note("Rendering the profile…", busy=True)


    # ------------------------------------------------------------ page
    def clear(self) -> None:
        self.profile = None
        self.case = None
        self.choices = None
        self._forget_relations()
        self._pending = None
        self.history.clear()
        self._show_case(None)
        self.title.setText("")
        self.identity.setText("")
        self.merged.hide()
        self.warning_line.hide()
        for m in (self.perp_model, self.victim_model, self.link_model, self.alias_model, self.warning_model):
            m.clear()
        self.partner_note.setText("")
        self.exporter.forget()
        self._export_note()
        self._set_tab_titles()
        self._enable()

    def save_state(self) -> None:
        for v in (self.perp_view, self.victim_view, self.link_view, self.alias_view, self.warning_view,
                  self.partner_view, self.child_view, self.orders_tab.order_view, self.orders_tab.disclosure_view,
                  self.tactic_view, self.action_view, self.minutes_view, self.audit_view):
            save_header(v)

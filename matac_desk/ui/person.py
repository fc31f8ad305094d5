"""The person page: identity, incidents either way, links, aliases, warnings, and the MATAC case file.

Opening a person reads the profile and the case file off the GUI thread
and writes one ``person.viewed`` audit entry (:func:`matac_desk.casefile.view`,
which works on a read-only store too). The case file tabs: the score with
its explanation and history, MATAC (membership, decisions, subject
details, referrals, orders and Clare's Law disclosures), tactics, actions,
minutes, and the audit of who viewed or changed the record. Double-clicking
the other party of an incident or a link opens that person; Back returns.
"""

from __future__ import annotations

import datetime as _dt
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import casefile, people
from ..casefile import CaseFile
from ..domain import UserError
from ..people import PersonProfile, Warning
from .explain import explanation_html, history_html
from .context import Context, show_error
from .models import Column, IdRole, RowsModel, RowRole
from .widgets import accent_label, save_header, sortable_table

__all__ = ["PersonPage"]

_KIND = {"partner": "partner", "ex-partner": "ex-partner", "family": "family", "other": "other"}


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
]

_ALIAS_COLUMNS = [Column("Name", lambda r: r[0]), Column("Source", lambda r: r[1])]

_WARNING_COLUMNS = [
    Column("Warning", lambda w: w.detail),
    Column("Held before", lambda w: w.old_value),
    Column("Now", lambda w: w.new_value),
    Column("Detected", lambda w: w.detected_at[:10]),
    Column("Resolved", lambda w: (w.resolved_at or "")[:10] or "open"),
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
    Column("What", lambda e: e["action"]),
    Column("Detail", lambda e: e["detail"]),
    Column("Reason", lambda e: e["reason"]),
    Column("Recipient", lambda e: e["recipient"]),
]


def _matac_html(cf: CaseFile) -> str:
    """Membership, decisions, subject details, referrals, orders and disclosures (facts, not opinion)."""
    d = cf.details
    out = [f"<p><b>{'In the cohort' if cf.in_cohort else 'Not in the cohort'}</b></p>"]
    if cf.membership:
        out.append("<p><b>Membership</b><br>" + "<br>".join(
            f"{escape(m.date)}: {escape(m.event)}" + (f", score {m.score:g}" if m.score is not None else "")
            + (f" ({escape(m.reason)})" if m.reason else "") for m in cf.membership) + "</p>")
    if cf.decisions:
        out.append("<p><b>Meeting decisions</b><br>" + "<br>".join(
            f"{escape(x['date'])}: {escape(x['decision'])}" + (f" ({escape(x['reason'])})" if x["reason"] else "")
            for x in cf.decisions) + "</p>")
    flags = [label for key, label in (("marac", "MARAC"), ("iom", "IOM"), ("risk_weapons", "weapons"),
                                       ("risk_substance_misuse", "substance misuse"),
                                       ("risk_mental_health", "mental health")) if d.get(key)]
    facts = []
    if d.get("mappa_category") or d.get("mappa_level"):
        facts.append(f"MAPPA category {d.get('mappa_category') or '—'}, level {d.get('mappa_level') or '—'}")
    if d.get("risk_level"):
        facts.append(f"risk {escape(d['risk_level'])}")
    if flags:
        facts.append("flags: " + ", ".join(flags))
    if d.get("division"):
        facts.append(f"division {escape(d['division'])}")
    if facts:
        out.append("<p><b>Subject details</b><br>" + "; ".join(facts) + "</p>")
    if cf.referrals:
        out.append("<p><b>Referrals</b><br>" + "<br>".join(
            f"{escape(r.date)}: {escape(r.agency)} ({escape(r.status)}): {escape(r.reason)}" for r in cf.referrals)
            + "</p>")
    out.append("<p><b>Orders</b><br>" + ("<br>".join(
        f"{escape(o['type'])} from {escape(o['start'])}" + (f" to {escape(o['end'])}" if o["end"] else "")
        + (f", protecting {escape(o['protected_name'])}" if o["protected_name"] else "")
        + (f": {escape(o['conditions'])}" if o["conditions"] else "") for o in cf.orders) or "none recorded")
        + "</p>")
    out.append("<p><b>Clare's Law disclosures</b><br>" + ("<br>".join(
        f"{escape(x['date'])}: {escape(x['kind'])} to {escape(x['to_name'] or '')}, {escape(x['decision'])}"
        for x in cf.disclosures) or "none recorded") + "</p>")
    return "".join(out)


class PersonPage(QWidget):
    """Shows one person; ``back_requested`` when there is nothing to go back to but the results."""

    back_requested = Signal()

    graph_requested = Signal(str)
    actions_requested = Signal(str)

    def __init__(self, ctx: Context, open_person_in_window=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.profile: PersonProfile | None = None
        self.case: CaseFile | None = None
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
        self.graph_button = QPushButton("&Graph")
        self.graph_button.setAccessibleName("Relationship graph")
        self.graph_button.setToolTip("Open the relationship graph on this person")
        self.graph_button.clicked.connect(lambda: self.profile and self.graph_requested.emit(self.profile.id))
        top.addWidget(self.graph_button)
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

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Person details")
        self.perp_model = RowsModel(_incident_columns("Victim"), person_id=lambda r: r.other_id)
        self.victim_model = RowsModel(_incident_columns("Perpetrator"), person_id=lambda r: r.other_id)
        self.alias_model = RowsModel(_ALIAS_COLUMNS)
        self.link_model = RowsModel(_LINK_COLUMNS, person_id=lambda r: r.other_id)
        self.warning_model = RowsModel(_WARNING_COLUMNS)
        self.perp_view = self._table("person_perpetrator", "Incidents as perpetrator", self.perp_model)
        self.victim_view = self._table("person_victim", "Incidents as victim", self.victim_model)
        self.link_view = self._table("person_links", "Intelligence links", self.link_model)
        self.alias_view = self._table("person_aliases", "Aliases", self.alias_model)
        self.warning_view = self._table("person_warnings", "Data-quality warnings", self.warning_model)
        warn_box = QWidget()
        wl = QVBoxLayout(warn_box)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.warning_view)
        row = QHBoxLayout()
        row.addStretch(1)
        self.resolve_button = QPushButton("Mark &resolved")
        self.resolve_button.setAccessibleName("Mark the selected warning resolved")
        self.resolve_button.setToolTip("The warning was checked and dealt with")
        self.resolve_button.clicked.connect(self.resolve_selected)
        row.addWidget(self.resolve_button)
        wl.addLayout(row)
        self.score_text = QTextBrowser()
        self.score_text.setAccessibleName("Score explanation and history")
        self.matac_text = QTextBrowser()
        self.matac_text.setAccessibleName("MATAC: membership, decisions, orders and disclosures")
        self.tactic_model = RowsModel(_TACTIC_COLUMNS)
        self.action_model = RowsModel(_ACTION_COLUMNS, accent=lambda a: "error" if a.overdue else None)
        self.minutes_model = RowsModel(_MINUTES_COLUMNS)
        self.audit_model = RowsModel(_AUDIT_COLUMNS)
        self.tactic_view = self._table("person_tactics", "Tactics", self.tactic_model)
        self.action_view = self._table("person_actions", "Actions", self.action_model)
        self.action_view.doubleClicked.connect(lambda _i: self.profile and self.actions_requested.emit(self.profile.id))
        self.minutes_view = self._table("person_minutes", "Minutes", self.minutes_model)
        self.audit_view = self._table("person_audit", "Audit of views and changes", self.audit_model)
        self.tab_widgets = [self.perp_view, self.victim_view, self.score_text, self.matac_text, self.tactic_view,
                            self.action_view, self.minutes_view, self.link_view, self.alias_view, warn_box,
                            self.audit_view]
        for w in self.tab_widgets:
            self.tabs.addTab(w, "")
        lay.addWidget(self.tabs, 1)
        self._set_tab_titles()

    def _table(self, name: str, accessible: str, model: RowsModel) -> QTableView:
        view = sortable_table(name, accessible, model)
        view.activated.connect(lambda index, v=view: self._open_other(v, index))
        view.doubleClicked.connect(lambda index, v=view: self._open_other(v, index))
        return view

    def _set_tab_titles(self) -> None:
        p, c = self.profile, self.case
        counts = (len(p.as_perpetrator), len(p.as_victim), None, None, len(c.tactics) if c else 0,
                  len(c.actions) if c else 0, len(c.minutes) if c else 0, len(p.links), len(p.aliases),
                  len(p.open_warnings), len(c.audit) if c else 0) if p else (0, 0, None, None, 0, 0, 0, 0, 0, 0, 0)
        titles = ("As &perpetrator ({})", "As &victim ({})", "&Score", "&MATAC", "&Tactics ({})", "A&ctions ({})",
                  "Mi&nutes ({})", "Intelligence &links ({})", "&Aliases ({})", "Data &quality ({} open)",
                  "A&udit ({})")
        for i, (t, n) in enumerate(zip(titles, counts)):
            self.tabs.setTabText(i, t.format(n) if n is not None else t)

    # ------------------------------------------------------------ showing
    def show_person(self, person_id: str, *, push: bool = True) -> None:
        """Open a person (audited) off the GUI thread."""
        if push and self.profile is not None and self.profile.id != person_id:
            self.history.append(self.profile.id)
        self._pending = person_id
        self.title.setText("<h2 style='margin:0'>Opening…</h2>")
        self.ctx.read(casefile.view, person_id, self.ctx.today()).then(
            lambda r, pid=person_id: self._show(pid, *r),
            lambda e, pid=person_id: self._failed(pid, e))

    def reload(self) -> None:
        """The store changed under an open person: read it again (the same view, not audited again)."""
        if self.profile is None:
            return
        pid = self.profile.id
        self._pending = pid
        today = self.ctx.today()

        def load(store):
            return people.load_profile(store, pid), casefile.case_file(store, pid, today)

        self.ctx.read(load).then(lambda r, p=pid: self._show(p, *r), lambda e, p=pid: self._failed(p, e))

    def _failed(self, person_id: str, e: BaseException) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        self.title.setText("")
        show_error(self, e, "Open person")
        if self.profile is None:
            self.back_requested.emit()
        else:
            self._show(self.profile.id, self.profile, self.case)

    def _show(self, person_id: str, prof: PersonProfile, case: CaseFile | None) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        self.profile = prof
        self.case = case
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
        self.alias_model.set_rows(prof.aliases)
        self.warning_model.set_rows(prof.warnings)
        self._show_case(case)
        self.resolve_button.setEnabled(bool(open_w))
        self._set_tab_titles()
        if self.tabs.currentIndex() == 0 and not prof.as_perpetrator and prof.as_victim:
            self.tabs.setCurrentIndex(1)

    def _show_case(self, case: CaseFile | None) -> None:
        if case is None:
            self.score_badge.setText("")
            for w in (self.score_text, self.matac_text):
                w.clear()
            for m in (self.tactic_model, self.action_model, self.minutes_model, self.audit_model):
                m.clear()
            return
        s = case.explanation.score
        arrow = {"up": "▲", "down": "▼", "same": "unchanged", "new": "new", "none": ""}[case.trend.direction]
        change = f" {case.trend.change:+g}" if case.trend.change else ""
        cohort = " · <b>cohort</b>" if case.in_cohort else ""
        self.score_badge.setText(
            (f"Score <b>{s.score:g}</b> (R {s.r} F {s.f} G {s.g} V {s.v}) {arrow}{change}" if s else "not scored")
            + (" · serial" if case.explanation.serial else "") + cohort)
        self.score_text.setHtml(explanation_html(case.explanation) + "<h4>Score history</h4>"
                                + history_html(case.history, case.trend))
        self.matac_text.setHtml(_matac_html(case))
        self.tactic_model.set_rows(case.tactics)
        self.action_model.set_rows(case.actions)
        self.minutes_model.set_rows(case.minutes)
        self.audit_model.set_rows(list(reversed(case.audit)))

    def _open_other(self, view: QTableView, index) -> None:
        pid = view.model().data(index, IdRole)
        if pid:
            self.show_person(pid)

    def go_back(self) -> None:
        if self.history:
            self.show_person(self.history.pop(), push=False)
        else:
            self.back_requested.emit()

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
        self.ctx.read(people.resolve_warning, warning.id).then(
            lambda _r: self.ctx.notify("data_quality"), lambda e: show_error(self, e, "Mark resolved"))

    def clear(self) -> None:
        self.profile = None
        self.case = None
        self._pending = None
        self.history.clear()
        self._show_case(None)
        self.title.setText("")
        self.identity.setText("")
        self.merged.hide()
        self.warning_line.hide()
        for m in (self.perp_model, self.victim_model, self.link_model, self.alias_model, self.warning_model):
            m.clear()
        self._set_tab_titles()

    def save_state(self) -> None:
        for v in (self.perp_view, self.victim_view, self.link_view, self.alias_view, self.warning_view,
                  self.tactic_view, self.action_view, self.minutes_view, self.audit_view):
            save_header(v)


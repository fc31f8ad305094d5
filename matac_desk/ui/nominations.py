"""The Nominations and cohort page: who could be adopted, who is managed, and the decisions on each.

Two sortable tables over rows from :mod:`matac_desk.services.selection` (sorted in
the model: they hold tens of rows, not a proxy over the store), filtered
by division. Adopt, do not adopt and exit are recorded at the meeting
chosen in "Decide at" (the next scheduled one by default) through
:func:`matac_desk.meeting.meetings.record_decision`; Refer records a partner
referral of the person selected or of anyone held, typed by name, alias,
date of birth or id in a person field (:mod:`.personfield`). The side panel explains the selected person's score
(:func:`matac_desk.analysis.scoring.explain`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
)

from ..meeting import force, meetings
from ..analysis import nominations, scoring
from ..services import selection
from ..meeting.cohort import EXIT_REASONS
from ..services.selection import SelectionRow
from . import dialogs
from .context import show_error
from .dialogs import Field
from .explain import explanation_html
from .models import Column, IdRole, RowRole, RowsModel
from .widgets import remember_splitter, button, save_header, sortable_table, text_label
from .window import Page

__all__ = ["NominationsPage"]


def _num(title: str, get, tip: str | None = None) -> Column:
    return Column(title, get, numeric=True, tooltip=(lambda r: tip) if tip else None)


_SCORE_COLUMNS = [
    _num("Score", lambda r: r.score),
    _num("R", lambda r: r.r, "Recency: how recent the latest incident is"),
    _num("F", lambda r: r.f, "Frequency: how many incidents in the window"),
    _num("G", lambda r: r.g, "Gravity: the most serious offence"),
    _num("V", lambda r: r.v, "Victims: how many different victims"),
    Column("Change", lambda r: r.trend_text, sort=lambda r: r.change,
           tooltip=lambda r: (f"Score as of {r.as_of} against the latest snapshot before it"
                              if r.change is not None else "No earlier snapshot scored him")),
]

NOMINATION_COLUMNS = [
    _num("Rank", lambda r: r.rank),
    Column("Name", lambda r: r.name, sort=lambda r: r.name.casefold()),
    Column("Id", lambda r: r.person_id),
    *_SCORE_COLUMNS,
    Column("Serial", lambda r: "serial" if r.serial else "", sort=lambda r: r.serial),
    Column("Division", lambda r: r.division),
    _num("Incidents", lambda r: r.incidents),
    _num("Victims", lambda r: r.victims),
    Column("Latest", lambda r: r.latest_incident),
    Column("Why", lambda r: r.reasons + (f" ({r.referral_agencies})" if r.referral_agencies else "")),
]

COHORT_COLUMNS = [
    Column("Name", lambda r: r.name, sort=lambda r: r.name.casefold()),
    Column("Id", lambda r: r.person_id),
    *_SCORE_COLUMNS,
    _num("Entry", lambda r: r.entry_score, "Score when adopted"),
    Column("Adopted", lambda r: r.adopted_on),
    Column("Serial", lambda r: "serial" if r.serial else "", sort=lambda r: r.serial),
    Column("Division", lambda r: r.division),
    Column("Offender manager", lambda r: r.om_name),
    Column("Latest", lambda r: r.latest_incident),
]


class NominationsPage(Page):
    key = "nominations"
    title = "Nominations && cohort"
    listens = frozenset({"persons", "cohort", "meetings", "scores", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._gen = 0
        self._explain_gen = 0
        self.meetings: list[meetings.Meeting] = []
        self.agencies: list[str] = []   # offered for a referral (force.agency_choices), filled by reload
        lay = QVBoxLayout(self)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("&Division:"))
        self.division = QComboBox()
        self.division.setAccessibleName("Division filter")
        self.division.addItem("All divisions", None)
        self.division.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.itemAt(0).widget().setBuddy(self.division)
        bar.addWidget(self.division)
        top_label = QLabel("&Top:")
        bar.addWidget(top_label)
        self.top = QSpinBox()
        self.top.setRange(1, 500)
        self.top.setValue(20)
        self.top.setAccessibleName("How many top scores to nominate")
        self.top.setToolTip("How many of the highest-scoring serial perpetrators outside the cohort to list; it "
                            "starts at the agenda's number (Settings, Thresholds: Top scores nominated)")
        self._top_set = False
        self.top.editingFinished.connect(self.refresh)
        top_label.setBuddy(self.top)
        bar.addWidget(self.top)
        bar.addSpacing(16)
        decide_label = QLabel("Decide &at:")
        bar.addWidget(decide_label)
        self.meeting = QComboBox()
        self.meeting.setAccessibleName("Meeting the decisions are recorded at")
        self.meeting.setMinimumContentsLength(28)
        decide_label.setBuddy(self.meeting)
        bar.addWidget(self.meeting)
        bar.addStretch(1)
        self.status = QLabel()
        self.status.setAccessibleName("Nominations status")
        bar.addWidget(self.status)
        lay.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Nominations and cohort")
        self.nom_model = RowsModel(NOMINATION_COLUMNS, person_id=lambda r: r.person_id,
                                   accent=lambda r: "info" if "referral" in r.reasons else None)
        self.cohort_model = RowsModel(COHORT_COLUMNS, person_id=lambda r: r.person_id)
        self.nom_view = self._table("nominations_table", "Nominations", self.nom_model)
        self.cohort_view = self._table("cohort_table", "Cohort", self.cohort_model)
        self.tabs.addTab(self.nom_view, "&Nominations")
        self.tabs.addTab(self.cohort_view, "&Cohort")
        self.tabs.currentChanged.connect(lambda _i: self._selection_changed())
        split.addWidget(self.tabs)
        self.explain = QTextBrowser()
        self.explain.setAccessibleName("Score explanation")
        self.explain.setOpenLinks(False)
        self.explain.setPlaceholderText("Select a person to see how the score was made.")
        split.addWidget(self.explain)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        # the table takes most of a 1366-pixel window (its Why column is read first); the explanation wraps
        remember_splitter(split, "nominations_split", [self.fontMetrics().averageCharWidth() * 150,
                                                       self.fontMetrics().averageCharWidth() * 44])
        lay.addWidget(split, 1)

        row = QHBoxLayout()
        self.adopt_button = button("&Adopt", self.adopt, tip="Adopt into the cohort at the chosen meeting")
        self.reject_button = button("Do &not adopt…", self.do_not_adopt, tip="Record the decision and its reason")
        self.refer_button = button("&Refer…", self.refer, tip="Record a partner agency's referral of the person "
                                                              "selected, or of anyone held, by name or id")
        self.exit_button = button("E&xit…", self.exit_subject, tip="Take the subject out of the cohort, with a reason")
        self.open_button = button("&Open person", self.open_selected)
        self.graph_button = button("&Graph", self.graph_selected, tip="Show the relationship graph")
        for b in (self.adopt_button, self.reject_button, self.refer_button, self.exit_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.open_button)
        row.addWidget(self.graph_button)
        lay.addLayout(row)
        self.message = text_label("Last decision")
        lay.addWidget(self.message)
        self._selection_changed()

    def _table(self, name: str, accessible: str, model: RowsModel) -> QTableView:
        view = sortable_table(name, accessible, model)
        view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        view.doubleClicked.connect(lambda _i: self.open_selected())
        return view

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        self._gen += 1
        gen = self._gen
        self.status.setText("Scoring…")
        division = self.division.currentData()
        today = self.ctx.today()
        top = self.top.value() if self._top_set else None

        def load(store, cancelled):
            setting = selection.nominations_top_n(store)
            noms = selection.nomination_rows(store, today, top or setting, division, cancelled=cancelled)
            members = selection.cohort_rows(store, today, division, cancelled=cancelled)
            divisions = force.load(store).divisions or tuple(force.divisions_in_data(store))
            ms = [m for m in meetings.meetings(store) if m.status == "scheduled" and m.date >= today.isoformat()]
            return noms, members, divisions, ms, force.agency_choices(store), setting

        self.ctx.read(load, cancellable=True).then(lambda r, g=gen: self._show(g, *r),
                                                  lambda e: (self.status.setText(""),
                                                             show_error(self, e, "Nominations")))

    def _show(self, gen, noms, members, divisions, ms, agencies, setting=None) -> None:
        if gen != self._gen or self.window_.locked:
            return
        if setting is not None and not self._top_set:
            self.top.blockSignals(True)
            self.top.setValue(setting)
            self.top.blockSignals(False)
            self._top_set = True
        self.agencies = agencies
        self.nom_model.set_rows(noms)
        self.cohort_model.set_rows(members)
        for view, model in ((self.nom_view, self.nom_model), (self.cohort_view, self.cohort_model)):
            header = view.horizontalHeader()
            if header.isSortIndicatorShown():
                model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.tabs.setTabText(0, f"&Nominations ({len(noms)})")
        self.tabs.setTabText(1, f"&Cohort ({len(members)})")
        self._fill_divisions(divisions)
        chosen = self.meeting.currentData()
        self.meeting.clear()
        self.meetings = ms
        for m in ms:
            self.meeting.addItem(m.label, m.id)
        if not ms:
            self.meeting.addItem("no meeting scheduled", None)
        i = self.meeting.findData(chosen)
        self.meeting.setCurrentIndex(max(i, 0))
        agenda_note = "" if setting is None or self.top.value() == setting else \
            f" · the agenda lists the top {setting} (Settings)"
        self.status.setText(f"{len(noms)} nominated · {len(members)} in the cohort · scores as of "
                            f"{self.ctx.today().isoformat()}{agenda_note}")
        self._selection_changed()

    def _fill_divisions(self, divisions) -> None:
        current = self.division.currentData()
        have = [self.division.itemData(i) for i in range(1, self.division.count())]
        if list(divisions) == have:
            return
        self.division.blockSignals(True)
        while self.division.count() > 1:
            self.division.removeItem(1)
        for d in divisions:
            self.division.addItem(d, d)
        self.division.setCurrentIndex(max(self.division.findData(current), 0))
        self.division.blockSignals(False)

    # ------------------------------------------------------------ selection
    def current_view(self) -> QTableView:
        return self.nom_view if self.tabs.currentIndex() == 0 else self.cohort_view

    def selected(self) -> SelectionRow | None:
        view = self.current_view()
        rows = view.selectionModel().selectedRows() if view.selectionModel() else []
        return view.model().data(rows[0], RowRole) if rows else None

    def select_person(self, person_id: str) -> bool:
        """Select a person in whichever table holds him; True when found."""
        for tab, (view, model) in enumerate(((self.nom_view, self.nom_model), (self.cohort_view, self.cohort_model))):
            for i in range(model.rowCount()):
                if model.data(model.index(i, 0), IdRole) == person_id:
                    self.tabs.setCurrentIndex(tab)
                    view.selectRow(i)
                    return True
        return False

    def _selection_changed(self) -> None:
        row = self.selected()
        nominating = self.tabs.currentIndex() == 0
        self.adopt_button.setEnabled(bool(row) and nominating and not (row and row.in_cohort))
        self.reject_button.setEnabled(bool(row) and nominating)
        self.refer_button.setEnabled(True)      # anyone held can be referred; the selected person is offered
        self.exit_button.setEnabled(bool(row) and not nominating)
        self.open_button.setEnabled(bool(row))
        self.graph_button.setEnabled(bool(row))
        if row is None:
            self.explain.clear()
            return
        self._explain_gen += 1
        gen = self._explain_gen
        self.ctx.read(scoring.explain, row.person_id, self.ctx.today()).then(
            lambda e, g=gen: self._explained(g, e), lambda e: show_error(self, e, "Explain the score"))

    def _explained(self, gen: int, e: scoring.Explanation) -> None:
        if gen == self._explain_gen and not self.window_.locked:
            self.explain.setHtml(explanation_html(e))

    # ------------------------------------------------------------ decisions
    def _decide(self, decision: str, reason: str | None = None) -> None:
        row = self.selected()
        if row is None:
            return
        meeting_id = self.meeting.currentData()
        today = self.ctx.today()

        def done(written: dict) -> None:
            self.message.setText(f"{row.name}: {decision} recorded at {written['meeting']}.")

        self.ctx.change(selection.decide, row.person_id, decision, reason=reason, meeting_id=meeting_id,
                        today=today, kinds=("cohort", "meetings"), what="Record the decision", parent=self, done=done)

    def adopt(self) -> None:
        self._decide("adopt")

    def do_not_adopt(self) -> None:
        row = self.selected()
        if row is None:
            return
        got = dialogs.ask(self, "Do not adopt", [Field("reason", "&Reason", "long", required=True,
                                                       placeholder="Why the meeting does not adopt him")],
                          intro=f"Record that the meeting does not adopt {row.name}.", ok="Record")
        if got:
            self._decide("do not adopt", got["reason"])

    def exit_subject(self) -> None:
        row = self.selected()
        if row is None:
            return
        got = dialogs.ask(self, "Exit from the cohort",
                          [Field("reason", "&Exit reason", "choice", EXIT_REASONS, default=EXIT_REASONS[0])],
                          intro=f"{row.name} leaves the cohort; the exit score is kept for the outcomes.",
                          ok="Record exit")
        if got:
            self._decide("exit", got["reason"])

    def refer(self) -> None:
        """A partner agency's referral of anyone held: the person selected, or another typed by name or id."""
        row = self.selected()
        got = dialogs.ask(self, "Partner referral", [
            Field("person", "&Person", "person", default=(row.person_id, row.name) if row else None, required=True),
            Field("agency", "&Agency", "choice", self.agencies, editable=True, required=True),
            Field("referrer", "Refe&rrer"),
            Field("reason", "R&eason", "long", required=True),
            Field("date", "&Date", "date", default=self.ctx.today()),
        ], intro="A partner agency refers a person for MATAC: the one selected, or anyone held, by name, alias, "
                 "date of birth or id. The referral stays among the nominations until a meeting decides on it.",
            ok="Record referral", ctx=self.ctx)
        if not got:
            return
        pid = got["person"]
        who = row.name if row is not None and row.person_id == pid else pid
        self.ctx.change(nominations.refer, pid, got["agency"], got["referrer"] or None, got["reason"],
                        got["date"], kinds=("cohort",), what="Record the referral", parent=self,
                        done=lambda _r: self.message.setText(f"Referral of {who} by {got['agency']} recorded."))

    def open_selected(self) -> None:
        row = self.selected()
        if row:
            self.window_.open_person(row.person_id)

    def graph_selected(self) -> None:
        row = self.selected()
        if row:
            self.window_.open_graph(row.person_id)

    # ------------------------------------------------------------ Page
    def clear(self) -> None:
        self._gen += 1
        self._explain_gen += 1
        self.nom_model.clear()
        self.cohort_model.clear()
        self.explain.clear()
        self.message.setText("")
        self.status.setText("")

    def save_state(self) -> None:
        save_header(self.nom_view)
        save_header(self.cohort_view)

"""The Workload and outcomes page: offender managers' caseloads against the limits, and what MATAC achieved.

Workload: :func:`matac_desk.meeting.workload.caseloads` (overloaded officers in the
warning colour, with a bar chart of cases against the limit) and
:func:`~matac_desk.meeting.workload.training_flags`. Outcomes:
:func:`matac_desk.meeting.outcomes.cohort_outcomes` (before and after adoption, as
bars) and :func:`~matac_desk.meeting.outcomes.subject_outcomes`, one row per
adoption period.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..meeting import outcomes, workload
from .charts import Bar, BarChart, text_beside_chart
from .context import show_error
from .evaluationtab import EvaluationTab
from .models import Column, RowsModel
from .widgets import attach_model, remember_splitter, save_header, save_splitter, sortable_table, table_view, \
    text_label
from .window import Page

__all__ = ["WorkloadPage"]

_CASELOAD_COLUMNS = [
    Column("Offender manager", lambda c: c.name),
    Column("Division", lambda c: c.division),
    Column("MATAC cases", lambda c: c.cohort_cases, numeric=True),
    Column("Other cases", lambda c: c.other_cases, numeric=True),
    Column("All cases", lambda c: c.cases, numeric=True),
    Column("High risk", lambda c: c.high_risk, numeric=True),
    Column("High-risk share", lambda c: f"{c.high_risk_share:.0%}", sort=lambda c: c.high_risk_share, numeric=True),
    Column("Flags", lambda c: "; ".join(x for x, on in (("too many cases", c.over_cases),
                                                        ("high-risk share too high", c.over_high_risk)) if on)),
    Column("MOSOVO", lambda c: "trained" if c.mosovo_trained else "waiting" if c.mosovo_waiting else "not trained"),
]

_TRAINING_COLUMNS = [
    Column("Subject", lambda r: r["name"], tooltip=lambda r: r["person_id"]),
    Column("MAPPA level", lambda r: r["mappa_level"], numeric=True),
    Column("Offender manager", lambda r: r["om_name"]),
    Column("Problem", lambda r: r["problem"]),
]


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.0%}"


_PERIOD_COLUMNS = [
    Column("Subject", lambda p: p.name, tooltip=lambda p: p.person_id),
    Column("Adopted", lambda p: p.adopted_on),
    Column("Exited", lambda p: p.exited_on or ""),
    Column("Exit reason", lambda p: p.exit_reason or ""),
    Column("Follow-up days", lambda p: p.follow_up_days, numeric=True),
    Column("Incidents before", lambda p: p.before.incidents, numeric=True),
    Column("after", lambda p: p.after.incidents, numeric=True),
    Column("Harm before", lambda p: p.before.harm, numeric=True),
    Column("after ", lambda p: p.after.harm, numeric=True),
    Column("New victims", lambda p: p.new_victims, numeric=True),
    Column("Entry score", lambda p: p.entry_score, numeric=True),
    Column("Now / exit", lambda p: p.exit_or_latest_score, numeric=True),
    Column("Enough follow-up", lambda p: p.enough_follow_up),
]


class WorkloadPage(Page):
    key = "workload"
    title = "Workload && outcomes"
    listens = frozenset({"cohort", "meetings", "persons", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._gen = 0
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workload and outcomes")
        lay.addWidget(self.tabs)

        # ---- workload
        w = QWidget()
        wl = QVBoxLayout(w)
        self.limits = text_label("Workload limits")
        wl.addWidget(self.limits)
        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)     # the table and the chart: the table gets the room
        self.caseload_model = RowsModel(_CASELOAD_COLUMNS, accent=lambda c: "warning" if c.overloaded else None)
        self.caseload_view = sortable_table("workload_caseloads", "Caseloads", self.caseload_model)
        top.addWidget(self.caseload_view)
        box = QGroupBox("Cases per offender manager")
        bl = QVBoxLayout(box)
        self.caseload_chart = BarChart("Cases per offender manager")
        bl.addWidget(self.caseload_chart)
        bl.addStretch(1)
        top.addWidget(box)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        em = self.fontMetrics().averageCharWidth()
        remember_splitter(top, "workload_top", [em * 120, em * 46])
        self.splitters = [top]
        split.addWidget(top)
        tbox = QGroupBox("MAPPA level 2 and 3 subjects without a MOSOVO-trained offender manager")
        tbl = QVBoxLayout(tbox)
        self.training_model = RowsModel(_TRAINING_COLUMNS, person_id=lambda r: r["person_id"])
        self.training_view = table_view("workload_training", "Training flags")
        attach_model(self.training_view, self.training_model)
        self.training_view.doubleClicked.connect(
            lambda i: self.window_.open_person(self.training_model.row(i.row())["person_id"]))
        tbl.addWidget(self.training_view)
        split.addWidget(tbox)
        split.setSizes([self.fontMetrics().height() * 24, self.fontMetrics().height() * 8])
        wl.addWidget(split, 1)
        self.tabs.addTab(w, "&Workload")

        # ---- outcomes
        o = QWidget()
        ol = QVBoxLayout(o)
        orow, self.outcome_text, self.outcome_chart = text_beside_chart(
            "Cohort outcomes", "Before and after adoption", "Before and after adoption")
        ol.addLayout(orow)
        self.period_model = RowsModel(_PERIOD_COLUMNS, person_id=lambda p: p.person_id,
                                      accent=lambda p: None if p.enough_follow_up else "info")
        self.period_view = sortable_table("outcomes_periods", "Subject outcomes", self.period_model)
        self.period_view.doubleClicked.connect(
            lambda i: self.window_.open_person(self.period_model.row(i.row()).person_id))
        ol.addWidget(self.period_view, 1)
        self.tabs.addTab(o, "&Outcomes")
        self.evaluation = EvaluationTab(self)
        self.tabs.addTab(self.evaluation, "Against a &comparison")

    def reload(self) -> None:
        self._gen += 1
        gen = self._gen
        today = self.ctx.today()

        def load(store):
            return (workload.limits(store), workload.caseloads(store, today), workload.training_flags(store, today),
                    outcomes.cohort_outcomes(store, today), outcomes.subject_outcomes(store, today))

        self.ctx.read(load).then(lambda r, g=gen: self._show(g, *r), lambda e: show_error(self, e, "Workload"))
        self.evaluation.reload()

    def _show(self, gen, limits, caseloads, training, cohort_outcome, periods) -> None:
        if gen != self._gen or self.window_.locked:
            return
        over = [c for c in caseloads if c.overloaded]
        self.limits.setText(f"Limits: fewer than {limits['max_cases']} cases per offender manager and high-risk cases "
                            f"under {limits['max_high_risk_share']:.0%} of a caseload. "
                            + (f"{len(over)} offender manager(s) over a limit: give them no new subjects."
                               if over else "No offender manager is over a limit."))
        self.caseload_model.set_rows(caseloads)
        self.caseload_chart.set_bars([Bar(c.name, c.cases, flagged=c.overloaded) for c in caseloads],
                                     limit=limits["max_cases"], limit_label=f"limit {limits['max_cases']}")
        self.training_model.set_rows(training)
        c = cohort_outcome
        short = len(c.too_short)
        self.outcome_text.setText(
            f"<h3 style='margin:0'>The cohort as of {escape(c.as_of)}</h3>"
            f"<p>{c.subjects} subject(s) over {c.periods} adoption period(s) with at least {c.min_follow_up_days} "
            f"days of follow-up; each compared with the same length of time before adoption.</p>"
            f"<p>DA incidents: {c.incidents_before} before, {c.incidents_after} after ({_pct(c.incident_change)})<br>"
            f"Harm: {c.harm_before} before, {c.harm_after} after ({_pct(c.harm_change)})<br>"
            f"Victims: {c.victims_before} before, {c.victims_after} after; {c.new_victims} new victim(s) among "
            f"{c.subjects_with_new_victims} subject(s)<br>"
            f"Mean score: {c.mean_entry_score if c.mean_entry_score is not None else '—'} at entry, "
            f"{c.mean_exit_or_latest_score if c.mean_exit_or_latest_score is not None else '—'} now or at exit</p>"
            + (f"<p><i>{short} period(s) too short to judge yet (shown in blue below).</i></p>" if short else ""))
        self.outcome_chart.set_bars([Bar("Incidents", c.incidents_before, c.incidents_after),
                                     Bar("Harm", c.harm_before, c.harm_after),
                                     Bar("Victims", c.victims_before, c.victims_after)])
        self.period_model.set_rows(periods)

    def clear(self) -> None:
        self._gen += 1
        for m in (self.caseload_model, self.training_model, self.period_model):
            m.clear()
        self.caseload_chart.set_bars([])
        self.outcome_chart.set_bars([])
        self.limits.setText("")
        self.outcome_text.setText("")
        self.evaluation.clear()

    def save_state(self) -> None:
        for sp in self.splitters:
            save_splitter(sp)
        for v in (self.caseload_view, self.training_view, self.period_view):
            save_header(v)
        self.evaluation.save_state()

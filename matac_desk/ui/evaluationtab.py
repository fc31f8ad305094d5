"""The Outcomes page's "Against a comparison" tab: did MATAC work, beside similar perpetrators not adopted.

Everything shown comes from :func:`matac_desk.meeting.evaluation.evaluate`
and :func:`~matac_desk.meeting.evaluation.tactic_effects` (read on the
background connection): the plain-words finding with its interval, a
before/after chart per group, the balance of the groups at entry, each
measure's figures and the per-tactic table (by category, never ranked,
each with its interval and a warning where there are too few subjects).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from ..meeting import evaluation
from .charts import Bar, text_beside_chart
from .context import show_error
from .models import Column, RowsModel
from .widgets import save_header, sortable_table

__all__ = ["EvaluationTab", "WINDOWS"]

WINDOWS = (("12 months", 365), ("6 months", 182))


def _v(x, unit: str = "") -> str:
    return "—" if x is None else f"{x:+.1f}{unit}"


def _n(x):
    """A total as an integer; a mean (days to the first incident) as it is; no value as a dash."""
    if x is None:
        return "—"
    return int(x) if float(x).is_integer() else x


_MEASURE_COLUMNS = [
    Column("Measure", lambda e: evaluation.MEASURE_LABELS[e.measure]),
    Column("Pairs", lambda e: e.n_pairs, numeric=True),
    Column("Adopted before", lambda e: _n(e.adopted_before), numeric=True),
    Column("after", lambda e: _n(e.adopted_after), numeric=True),
    Column("Change", lambda e: _v(e.adopted_change, " d" if e.measure == "days_to_first" else "%"),
           sort=lambda e: e.adopted_change if e.adopted_change is not None else 0, numeric=True),
    Column("Comparison before", lambda e: _n(e.comparison_before), numeric=True),
    Column("after ", lambda e: _n(e.comparison_after), numeric=True),
    Column("Change ", lambda e: _v(e.comparison_change, " d" if e.measure == "days_to_first" else "%"),
           sort=lambda e: e.comparison_change if e.comparison_change is not None else 0, numeric=True),
    Column("Difference", lambda e: _v(e.difference, " d" if e.measure == "days_to_first" else " pts"),
           sort=lambda e: e.difference if e.difference is not None else 0, numeric=True),
    Column("95% interval", lambda e: "—" if e.low is None else f"{e.low:+.1f} to {e.high:+.1f}"),
]

_BALANCE_COLUMNS = [
    Column("Group", lambda b: b.group),
    Column("Subjects", lambda b: b.n, numeric=True),
    Column("Mean entry score", lambda b: b.mean_score, numeric=True),
    Column("Mean incidents", lambda b: b.mean_incidents, numeric=True),
    Column("Mean victims", lambda b: b.mean_victims, numeric=True),
    Column("Serial", lambda b: "—" if b.serial_share is None else f"{b.serial_share:.0%}"),
]

_TACTIC_COLUMNS = [
    Column("Category", lambda t: t.category),
    Column("Tactic", lambda t: t.tactic),
    Column("Subjects", lambda t: t.n, numeric=True),
    Column("Harm difference", lambda t: _v(t.mean_difference), sort=lambda t: t.mean_difference or 0, numeric=True),
    Column("95% interval", lambda t: "—" if t.low is None else f"{t.low:+.1f} to {t.high:+.1f}"),
    Column("Note", lambda t: t.warning),
]


class EvaluationTab(QWidget):
    """Adopted subjects against a matched comparison group, with the window chosen here."""

    def __init__(self, page):
        super().__init__()
        self.page = page
        self._gen = 0
        self._chosen = False
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("&Window before and after the decision:"))
        self.window_box = QComboBox()
        self.window_box.setAccessibleName("Window")
        for label, days in WINDOWS:
            self.window_box.addItem(label, days)
        top.itemAt(0).widget().setBuddy(self.window_box)
        top.addWidget(self.window_box)
        top.addStretch(1)
        lay.addLayout(top)
        row, self.finding, self.chart = text_beside_chart(
            "Finding against the comparison group", "DA incidents before and after the decision",
            "DA incidents before and after, per group")
        lay.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        self.measure_model = RowsModel(_MEASURE_COLUMNS)
        self.measure_view = sortable_table("evaluation_measures", "Measures, per group", self.measure_model)
        self.balance_model = RowsModel(_BALANCE_COLUMNS)
        self.balance_view = sortable_table("evaluation_balance", "Balance of the groups at entry", self.balance_model)
        self.tactic_model = RowsModel(_TACTIC_COLUMNS)   # the Note says when n is small: no colour needed
        self.tactic_view = sortable_table("evaluation_tactics", "Tactics against the comparison", self.tactic_model)
        for title, view in (("Each measure", self.measure_view), ("Balance at entry", self.balance_view),
                            ("Tactics: harm change against each subject's own comparison "
                             "(negative is less harm; listed by category, not ranked)", self.tactic_view)):
            box = QGroupBox(title)
            bl = QVBoxLayout(box)
            bl.addWidget(view)
            split.addWidget(box)
        line = self.fontMetrics().height() + 8
        split.setSizes([line * 8, line * 4, line * 9])   # five measures, two groups, the tactics get the rest
        lay.addWidget(split, 1)
        self.window_box.currentIndexChanged.connect(self._window_chosen)

    def _window_chosen(self, _index: int) -> None:
        self._chosen = True
        self.reload()

    def _show_window(self, days: int) -> None:
        i = self.window_box.findData(days)
        if i < 0:
            self.window_box.addItem(f"{days} days", days)
            i = self.window_box.count() - 1
        self.window_box.blockSignals(True)
        self.window_box.setCurrentIndex(i)
        self.window_box.blockSignals(False)

    def reload(self) -> None:
        self._gen += 1
        gen = self._gen
        today = self.page.ctx.today()
        # The store's own setting until the coordinator picks another window here.
        days = self.window_box.currentData() if self._chosen else None

        def load(store):
            ev = evaluation.evaluate(store, today, window_days=days)
            return ev, evaluation.tactic_effects(store, evaluation=ev)

        self.page.ctx.read(load).then(lambda r, g=gen: self._show(g, *r),
                                      lambda e: show_error(self, e, "Outcomes"))

    def _show(self, gen, ev: evaluation.Evaluation, tactics) -> None:
        if gen != self._gen or self.page.window_.locked:
            return
        self._show_window(ev.window_days)
        e = ev.estimates["incidents"]
        unmatched = len(ev.unmatched)
        self.finding.setText(
            f"<h3 style='margin:0'>Against a comparison group, as of {escape(ev.as_of)}</h3>"
            f"<p>{escape(ev.sentence())}</p>"
            f"<p>{ev.adoptions} adoption{'s' if ev.adoptions != 1 else ''}: {len(ev.pairs)} matched and measured, "
            f"{unmatched} with no similar perpetrator to compare, {ev.too_recent} whose window has not ended. "
            f"Each subject is compared with a perpetrator scored at the same meeting within {ev.distance:g} points "
            f"of the adoption threshold who was not adopted.</p>"
            + (f"<p><i>The adopted group's own before/after ({ev.naive_change:+.0f}% incidents) is not the "
               f"effect: people are adopted at their peak and fall back by themselves.</i></p>"
               if ev.naive_change is not None else ""))
        self.chart.set_bars([Bar("Adopted", e.adopted_before, e.adopted_after),
                             Bar("Comparison", e.comparison_before, e.comparison_after)] if e.n_pairs else [])
        self.measure_model.set_rows([ev.estimates[m] for m in evaluation.MEASURES] if e.n_pairs else [])
        self.balance_model.set_rows(ev.balance if e.n_pairs else [])
        self.tactic_model.set_rows(tactics)
        for view in (self.measure_view, self.balance_view, self.tactic_view):
            view.resizeColumnsToContents()

    def clear(self) -> None:
        self._gen += 1
        for m in (self.measure_model, self.balance_model, self.tactic_model):
            m.clear()
        self.chart.set_bars([])
        self.finding.setText("")

    def save_state(self) -> None:
        for v in (self.measure_view, self.balance_view, self.tactic_view):
            save_header(v)

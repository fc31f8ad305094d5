"""The Outcomes page's comparison tab shows what evaluation.evaluate says, for the window chosen."""

from __future__ import annotations

import pytest

from matac_desk.meeting import evaluation

from gui_support import TODAY, _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401

pytestmark = pytest.mark.gui


def test_the_tab_shows_the_finding_groups_and_tactics_for_each_window(qtbot, demo_store, isolated_qsettings,  # noqa: F811
                                                                     qtmodeltester):
    w = make_window(qtbot, demo_store)
    page = w.show_page("workload")
    tab = page.evaluation
    # First shown with the store's own window setting (the demo keeps six months: it holds one year of meetings).
    assert tab.window_box.currentData() == evaluation.settings(demo_store).window_days == 182
    for index in range(tab.window_box.count()):
        tab.window_box.setCurrentIndex(index)
        days = tab.window_box.currentData()
        ev = evaluation.evaluate(demo_store, TODAY, window_days=days)
        assert ev.sentence()[:60] in tab.finding.text().replace("&#x27;", "'")
        e = ev.estimates["incidents"]
        if e.n_pairs:
            assert [(b.label, b.value, b.second) for b in tab.chart.bars] == [
                ("Adopted", e.adopted_before, e.adopted_after), ("Comparison", e.comparison_before,
                                                                 e.comparison_after)]
            assert [x.measure for x in tab.measure_model.rows()] == list(evaluation.MEASURES)
            assert [b.group for b in tab.balance_model.rows()] == ["adopted", "comparison"]
            qtmodeltester.check(tab.measure_model)
        else:
            assert tab.chart.bars == [] and tab.measure_model.rowCount() == 0
        assert [(t.category, t.tactic) for t in tab.tactic_model.rows()] == [
            (t.category, t.tactic) for t in evaluation.tactic_effects(demo_store, evaluation=ev)]
    # The demo's year of meetings gives six-month windows something to compare.
    tab.window_box.setCurrentIndex([d for _l, d in evaluation_windows()].index(182))
    assert tab.measure_model.rowCount() == len(evaluation.MEASURES)
    assert tab.grab().width() > 0


def evaluation_windows():
    from matac_desk.ui.evaluationtab import WINDOWS
    return WINDOWS

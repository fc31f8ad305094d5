"""Workload and outcomes page, and every new page's table models under qtmodeltester."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from matac_desk.meeting import outcomes, workload
from matac_desk.ui.widgets import ACCENT

from gui_support import TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, seeded = meeting_store
    return make_window(qtbot, store), store, seeded


def test_workload_flags_the_overloaded_officer_and_charts_cases(window):
    w, store, _seeded = window
    p = w.show_page("workload")
    loads = workload.caseloads(store, TODAY)
    assert [c.om_id for c in p.caseload_model.rows()] == [c.om_id for c in loads]
    over = [i for i, c in enumerate(p.caseload_model.rows()) if c.overloaded]
    assert over, "the seeded store has one overloaded officer"
    idx = p.caseload_model.index(over[0], 0)
    assert p.caseload_model.data(idx, Qt.ItemDataRole.ForegroundRole) == QColor(ACCENT["warning"])
    assert [(b.label, b.value, b.flagged) for b in p.caseload_chart.bars] == [(c.name, c.cases, c.overloaded)
                                                                            for c in loads]
    assert p.caseload_chart.limit == workload.limits(store)["max_cases"]
    assert [r["person_id"] for r in p.training_model.rows()] == [r["person_id"]
                                                                 for r in workload.training_flags(store, TODAY)]
    assert p.caseload_chart.grab().width() > 0


def test_outcomes_show_before_and_after(window):
    w, store, _seeded = window
    p = w.show_page("workload")
    c = outcomes.cohort_outcomes(store, TODAY)
    assert [(b.label, b.value, b.second) for b in p.outcome_chart.bars] == [
        ("Incidents", c.incidents_before, c.incidents_after), ("Harm", c.harm_before, c.harm_after),
        ("Victims", c.victims_before, c.victims_after)]
    assert len(p.period_model.rows()) == len(outcomes.subject_outcomes(store, TODAY))
    assert f"{c.incidents_before} before" in p.outcome_text.text()


def _models(w):
    d, n, m, a, wl = (w.pages[k] for k in ("dashboard", "nominations", "meetings", "actions", "workload"))
    person = w.pages["people"].person
    return {"partners": d.partner_model, "nominations": n.nom_model, "cohort": n.cohort_model,
            "schedule": m.schedule_model, "actions": a.model, "caseloads": wl.caseload_model,
            "training": wl.training_model, "periods": wl.period_model, "tactics": person.tactic_model,
            "person actions": person.action_model, "minutes": person.minutes_model, "audit": person.audit_model}


@pytest.mark.parametrize("name", ["partners", "nominations", "cohort", "schedule", "actions", "caseloads",
                                  "training", "periods", "tactics", "person actions", "minutes", "audit"])
def test_table_models_pass_qtmodeltester(window, qtmodeltester, name):
    w, _store, seeded = window
    for key in ("nominations", "meetings", "actions", "workload"):
        w.show_page(key)
    w.open_person(seeded.cohort[0])
    model = _models(w)[name]
    assert model.rowCount() > 0, name
    qtmodeltester.check(model)

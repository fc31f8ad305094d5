"""The person page's Case file tab: read when shown, and each change through the services."""

from __future__ import annotations

import pytest

from matac_desk.meeting import clares_law, plans
from matac_desk.ui import dialogs

from gui_support import (TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store,  # noqa: F401
                         open_cohort_person)

pytestmark = pytest.mark.gui


def test_case_file_tab(open_cohort_person, monkeypatch, qtbot, tmp_path):  # noqa: F811
    import datetime as dt
    w, person, store, _seeded, pid = open_cohort_person(0)
    tab = person.case_file_tab
    person.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.file is not None and tab.file.person_id == pid)
    assert tab.equality_text.text().startswith("Sex: ")
    answers = iter([{"pillar": "Supervision", "text": "Weekly home visits", "owner": "Police"}])
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: next(answers))
    tab.set_pillar()
    qtbot.waitUntil(lambda: tab.file.plan is not None and tab.file.plan["supervision"] == "Weekly home visits")
    assert "Weekly home visits" in tab.plan_text.text() and "(Police)" in tab.plan_text.text()
    before = len(tab.file.applications)
    today = dt.date.today()
    victims = [v["victim_id"] for v in tab.file.victim_support]
    answers = iter([{"route": "right to know", "relation": "police", "at_risk": victims[0], "received": today,
                     "by": "DS Khan"}])
    tab.new_application()
    qtbot.waitUntil(lambda: len(tab.file.applications) == before + 1)
    assert clares_law.applications(store, subject_id=pid)[0]["route"] == "right to know"
    # a refused review (a date in the past) changes nothing and says why in one line
    shown = []
    monkeypatch.setattr("matac_desk.ui.context.show_error", lambda parent, e, what: shown.append(str(e)))
    answers = iter([{"next": today - dt.timedelta(days=3)}])
    version = plans.plan(store, pid).version
    tab.review()
    qtbot.waitUntil(lambda: bool(shown))
    assert "is in the past" in shown[0] and plans.plan(store, pid).version == version


def test_screenshots(open_cohort_person, qtbot, tmp_path):  # noqa: F811
    """Not an assertion of looks: the tab at two sizes, for a person to look at (kept in tmp_path)."""
    w, person, _store, _seeded, pid = open_cohort_person(0)
    tab = person.case_file_tab
    person.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.file is not None)
    for size in ((1366, 768), (1920, 1080)):
        w.resize(*size)
        qtbot.wait(50)
        assert w.grab().save(str(tmp_path / f"casefile-{size[0]}.png"))


def test_dashboard_case_file_panel(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    from matac_desk.meeting import reminders
    from matac_desk.ui.casefiletabs import reminder_rows
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    w.show_page("dashboard")
    panel = w.pages["dashboard"].case_file_panel
    expected = reminder_rows(reminders.reminders(store, TODAY))
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(expected))
    assert expected and [r["kind"] for r in panel.model.rows()] == [r["kind"] for r in expected]
    urgent = [r["urgent"] for r in expected]
    assert urgent == sorted(urgent, reverse=True)


def test_returns_box_on_the_packs_page(qtbot, meeting_store, isolated_qsettings, tmp_path):  # noqa: F811
    import datetime as dt
    from matac_desk.ui.returnsbox import ended_quarters
    assert ended_quarters(dt.date(2026, 11, 1), 3) == ["2026Q3", "2026Q2", "2026Q1"]
    assert ended_quarters(dt.date(2026, 1, 5), 1) == ["2025Q4"]
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    box = w.pages["packs"].returns
    box.save_return(path=str(tmp_path / "r.csv"))
    assert "Say who receives" in box.message.text() and not (tmp_path / "r.csv").exists()
    box.recipient.setText("OPCC performance team")
    box.save_return(path=str(tmp_path / "r.csv"))
    qtbot.waitUntil(lambda: "Saved r.csv" in box.message.text())
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("OFFICIAL") and "Total" in text
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'disclosure.return'") == 1
    box.dimension.setCurrentText("sex")
    box.show_nominated()
    qtbot.waitUntil(lambda: box.model.rowCount() > 0)
    assert box.model.rows()[-1]["group"] == "All"


def test_right_to_know_from_a_new_partner_alert(qtbot, meeting_store, isolated_qsettings, monkeypatch):  # noqa: F811
    from matac_desk.meeting import clares_law
    from matac_desk.ui.casefiletabs import start_right_to_know
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    w.show_page("dashboard")
    alerts = w.pages["dashboard"].partner_model
    qtbot.waitUntil(lambda: alerts.rowCount() > 0)
    alert = alerts.row(0)
    seen = {}

    def answer(parent, title, fields, **kw):
        seen.update({f.key: f.default for f in fields})
        return {"route": seen["route"], "relation": seen["relation"], "at_risk": seen["at_risk"],
                "received": dt.date.today(), "by": "DS Khan"}
    import datetime as dt
    monkeypatch.setattr(dialogs, "ask", answer)
    start_right_to_know(w, alert)
    assert seen["route"] == "right to know" and seen["at_risk"].endswith(f"({alert.partner_id})")
    qtbot.waitUntil(lambda: bool(clares_law.applications(store, subject_id=alert.perpetrator_id)))
    a = clares_law.applications(store, subject_id=alert.perpetrator_id)[0]
    assert (a["route"], a["at_risk_id"]) == ("right to know", alert.partner_id)


def test_case_file_tab_takes_mistakes_back(open_cohort_person, monkeypatch, qtbot):  # noqa: F811
    w, person, store, _seeded, pid = open_cohort_person(0)
    tab = person.case_file_tab
    person.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.file is not None)
    plans.set_pillar(store, pid, "supervision", "First", "Police")
    plans.set_pillar(store, pid, "supervision", "Second", "Police")
    first = plans.history(store, pid)[-2].version
    tab.reload()
    qtbot.waitUntil(lambda: tab.file.plan is not None and tab.file.plan["supervision"] == "Second")
    asked = {}

    def answer(parent, title, fields, **kw):
        asked["choices"] = fields[0].choices
        return {"version": next(c for c in fields[0].choices if c.startswith(f"{first}:")), "reason": "typo"}
    monkeypatch.setattr(dialogs, "ask", answer)
    tab.restore_version()
    qtbot.waitUntil(lambda: tab.file.plan["supervision"] == "First")
    assert plans.plan(store, pid).change == f"version {first} restored"

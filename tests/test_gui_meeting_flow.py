"""End to end on a store after two meetings: a new partner alert opens the graph; a meeting records as it happens."""

from __future__ import annotations

import pytest

from matac_desk.meeting import actions, cohort, meetings

from gui_support import TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, seeded = meeting_store
    return make_window(qtbot, store), store, seeded


def test_a_new_partner_alert_opens_the_graph_on_the_perpetrator(window):
    w, store, seeded = window
    dash = w.pages["dashboard"]
    perp, partner = seeded.new_partner
    rows = dash.partner_model.rows()
    assert (perp, partner) in [(p.perpetrator_id, p.partner_id) for p in rows]
    assert "new partner" in dash.partners_text.text()
    row = next(i for i, p in enumerate(rows) if p.perpetrator_id == perp)
    dash.partner_view.doubleClicked.emit(dash.partner_model.index(row, 0))
    page = w.current_page()
    assert page.key == "graph"
    assert page.layout_.centre == perp
    kinds = {n.id: n.kind for n in page.layout_.nodes}
    assert kinds[partner] == "new partner"
    assert any(e.new and partner in (e.a, e.b) for e in page.layout_.edges)
    assert page.view.nodes[partner].pen().widthF() > page.view.nodes[perp].pen().widthF()


def test_the_dashboard_counts_down_to_the_next_meeting(window):
    w, store, seeded = window
    dash = w.pages["dashboard"]
    assert dash.attention.next_meeting.id == seeded.next_meeting
    assert dash.attention.days_to_meeting == 7
    assert "in <b>7 days</b>" in dash.meeting_text.text()
    assert "overdue action" in dash.overdue_text.text()
    dash.overdue_button.click()
    assert w.current_page().key == "actions"
    assert w.current_page().overdue_only.isChecked()
    assert all(a.overdue for a in w.current_page().model.rows())


def test_walk_the_agenda_and_record_a_decision_an_action_a_tactic_and_minutes(window):
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    assert page.key == "meetings"
    assert page.meeting.id == seeded.next_meeting
    assert page.items["new_partners"] and page.items["nominations"] and page.items["review"]
    # walk: the first item, then next and back
    first = page.current_item()
    assert first.section == "new_partners"
    page.step(1)
    assert page.current_item() != first
    page.step(-1)
    assert page.current_item() == first
    # a nomination: adopt it
    nominee = page.items["nominations"][0].person_id
    assert page.select_item("nominations", nominee)
    assert page.decision.currentText() == "adopt"
    page.record_decision()
    assert cohort.in_cohort(store, nominee, meetings.meeting(store, seeded.next_meeting).date)
    assert [d["decision"] for d in meetings.decisions(store, seeded.next_meeting, nominee)] == ["adopt"]
    # the agenda was rebuilt and kept the place; the decision shows, and cannot be recorded twice
    assert page.current_item().person_id == nominee
    assert "Decision</b>: adopt" in page.recorded.toHtml() or "adopt" in page.recorded.toPlainText()
    assert not page.decide_button.isEnabled()
    # an action, a tactic and minutes for him
    page.action_agency.setCurrentText("Housing")
    page.action_owner.setText("Lee Barnes")
    page.action_text.setText("Check the tenancy")
    page.add_action()
    mine = actions.list_actions(store, person_id=nominee, meeting_id=seeded.next_meeting)
    assert [(a.agency, a.owner, a.description) for a in mine] == [("Housing", "Lee Barnes", "Check the tenancy")]
    page.tactic.setCurrentIndex(0)
    page.agree_tactic()
    assert [t["meeting_id"] for t in cohort.tactics(store, nominee)] == [seeded.next_meeting]
    page.minutes.setPlainText("Adopted; partner to be offered an IDVA.")
    page.save_minutes()
    assert [m["text"] for m in meetings.minutes(store, meeting_id=seeded.next_meeting, person_id=nominee)] == [
        "Adopted; partner to be offered an IDVA."]
    text = page.recorded.toPlainText()
    assert "Check the tenancy" in text and "IDVA" in text


@pytest.mark.parametrize("decision, reason, message", [
    ("do not adopt", "", "needs a reason"),
    ("exit", "", "needs a reason"),
])
def test_a_decision_without_its_reason_is_refused_and_nothing_is_written(window, monkeypatch, decision, reason,
                                                                         message):
    w, store, seeded = window
    shown = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.warning", lambda _p, _t, text: shown.append(text))
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    section = "nominations" if decision == "do not adopt" else "review"
    pid = page.items[section][0].person_id
    page.select_item(section, pid)
    page.decision.setCurrentText(decision)
    page.reason.setCurrentText(reason)
    before = store.scalar("SELECT count(*) FROM decisions")
    page.record_decision()
    assert len(shown) == 1 and message in shown[0]
    assert store.scalar("SELECT count(*) FROM decisions") == before


def test_mark_held_takes_a_snapshot_and_the_schedule_shows_it(window):
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    snaps = store.scalar("SELECT count(*) FROM score_snapshots")
    page.mark_held()
    assert meetings.meeting(store, seeded.next_meeting).status == "held"
    assert store.scalar("SELECT count(*) FROM score_snapshots") == snaps + 1
    assert not page.held_button.isEnabled()


def test_schedule_a_meeting_and_add_an_attendee_through_the_forms(window, monkeypatch):
    w, store, seeded = window
    import datetime as dt
    from matac_desk.ui import dialogs
    w.show_page("meetings")
    page = w.current_page()
    day = TODAY + dt.timedelta(days=63)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"date": day, "area": "", "chair": "DI Carter"})
    page.schedule_one()
    m = meetings.find_meeting(store, day)
    assert page.meeting.id == m.id
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"name": "Ann Lee", "agency": "Housing", "apology": True})
    page.add_attendee()
    assert meetings.attendees(store, m.id) == [{"name": "Ann Lee", "agency": "Housing", "role": "apology"}]
    assert "Apologies" in page.attendees.text()

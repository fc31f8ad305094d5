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
    # nothing pre-selected: the agenda's suggestion is a hint, and recording with no choice does nothing
    assert page.decision.currentIndex() == -1 and "suggests: adopt" in page.suggestion.text()
    assert [page.decision.itemText(i) for i in range(page.decision.count())] == ["adopt", "do not adopt"]
    page.record_decision()
    assert meetings.decisions(store, seeded.next_meeting, nominee) == []
    assert "Choose the decision first" in page.message.text()
    page.decision.setCurrentText("adopt")
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


def test_mark_held_is_refused_before_the_day_unless_a_reason_is_given_then_confirmed(window, monkeypatch):
    from matac_desk.ui import dialogs
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)      # seven days away
    page = w.current_page()
    snaps = store.scalar("SELECT count(*) FROM score_snapshots")
    asked, confirmed = [], []
    monkeypatch.setattr(dialogs, "ask", lambda _p, title, fields, **k: asked.append((title, k["intro"])) or None)
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: confirmed.append(a[2]) or True)
    page.mark_held()
    assert "7 day(s) away" in asked[0][1] and confirmed == []
    assert meetings.meeting(store, seeded.next_meeting).status == "scheduled"
    assert "Not marked held" in page.message.text()
    # early, with a reason: confirmed, listing what it will do
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"reason": "Brought forward for the bank holiday"})
    page.mark_held()
    assert "keep every person's score" in confirmed[0] and "close the agenda" in confirmed[0]
    assert meetings.meeting(store, seeded.next_meeting).status == "held"
    assert store.scalar("SELECT count(*) FROM score_snapshots") == snaps + 1
    assert not page.held_button.isEnabled() and page.reopen_button.isEnabled()
    assert not page.decide_button.isEnabled()       # the agenda is closed
    assert w.undo_action.text() == f"&Undo mark {page.meeting.label} held"


def test_a_past_meeting_marked_held_only_when_confirmed_then_reopened(window, monkeypatch):
    from matac_desk.ui import dialogs
    w, store, seeded = window
    past = meetings.schedule_meeting(store, TODAY)   # today: no early reason asked
    w.open_meeting(past)
    page = w.current_page()
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: pytest.fail("no reason is asked on the day"))
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: False)
    page.mark_held()
    assert meetings.meeting(store, past).status == "scheduled" and page.message.text() == "Not marked held."
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    page.mark_held()
    assert meetings.meeting(store, past).status == "held"
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"reason": "A subject was missed"})
    page.reopen()
    assert meetings.meeting(store, past).status == "scheduled"
    snap = store.conn.execute("SELECT label, superseded_at FROM score_snapshots WHERE meeting_id = ?",
                              [past]).fetchone()
    assert "superseded" in snap[0] and snap[1]
    assert page.held_button.isEnabled() and not page.reopen_button.isEnabled()
    # undo the reopening: held again, with new scores kept
    w.undo_action.trigger()
    assert meetings.meeting(store, past).status == "held"


def test_a_decision_undone_and_redone_from_the_edit_menu_and_the_status_bar_link(window):
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    item = page.items["nominations"][0]
    page.select_item("nominations", item.person_id)
    page.decision.setCurrentText("adopt")
    page.record_decision()
    day = meetings.meeting(store, seeded.next_meeting).date
    assert cohort.in_cohort(store, item.person_id, day)
    assert w.undo_action.text() == f"&Undo adopt {item.name}"
    assert w.undo_link.isVisible() and f"Undo adopt {item.name}" in w.undo_link.text()
    # for a cohort subject the choices are continue, escalate, exit
    assert page.current_item().person_id == item.person_id and page.current_item().member
    w.undo_link.linkActivated.emit("undo")
    assert not cohort.in_cohort(store, item.person_id, day)
    assert meetings.decisions(store, seeded.next_meeting, item.person_id) == []
    assert w.redo_action.text() == f"&Redo adopt {item.name}"
    w.redo_action.trigger()
    assert cohort.in_cohort(store, item.person_id, day)


def test_cohort_subjects_are_offered_continue_escalate_exit(window):
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    it = page.items["review"][0]
    page.select_item("review", it.person_id)
    assert [page.decision.itemText(i) for i in range(page.decision.count())] == ["continue", "escalate", "exit"]
    assert page.decision.currentIndex() == -1
    page.decision.setCurrentText("escalate")
    page.record_decision()
    assert [d["decision"] for d in meetings.decisions(store, seeded.next_meeting, it.person_id)] == ["escalate"]


def test_an_action_added_at_the_meeting_is_undone(window):
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    it = page.items["review"][0]
    page.select_item("review", it.person_id)
    page.action_agency.setCurrentText("Housing")
    page.action_text.setText("Check the tenancy")
    page.add_action()
    assert [a.description for a in actions.list_actions(store, person_id=it.person_id,
                                                        meeting_id=seeded.next_meeting)] == ["Check the tenancy"]
    assert w.undo_action.text() == "&Undo add action for Housing"
    w.undo_action.trigger()
    assert actions.list_actions(store, person_id=it.person_id, meeting_id=seeded.next_meeting) == []


@pytest.mark.parametrize("answer, saved, moved", [("save", True, True), ("discard", False, True),
                                                  ("cancel", False, False)])
def test_unsaved_minutes_are_asked_about_on_next(window, monkeypatch, answer, saved, moved):
    from matac_desk.ui import dialogs
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    it = page.items["review"][0]
    page.select_item("review", it.person_id)
    page.minutes.setPlainText("Engaging with Drive; continue.")
    asked = []
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda _p, _t, text: asked.append(text) or answer)
    page.step(1)
    assert len(asked) == 1 and f"the minutes for {it.name}" in asked[0]
    texts = [m["text"] for m in meetings.minutes(store, meeting_id=seeded.next_meeting, person_id=it.person_id)]
    assert texts == (["Engaging with Drive; continue."] if saved else [])
    assert (page.current_item().person_id != it.person_id) == moved
    if not moved:
        assert page.minutes.toPlainText() == "Engaging with Drive; continue."   # still there


def test_unsaved_minutes_are_asked_about_on_quit_and_on_another_page(window, monkeypatch):
    from matac_desk.ui import dialogs
    w, store, seeded = window
    w.open_meeting(seeded.next_meeting)
    page = w.current_page()
    page.select_item("review", page.items["review"][0].person_id)
    page.minutes.setPlainText("Typed, not saved.")
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *a: "cancel")
    w.show_page("actions")
    assert w.current_page() is page
    assert not w.close()                       # Ctrl+Q: cancelled, the window stays with the text
    assert w.isVisible() and page.minutes.toPlainText() == "Typed, not saved."
    w.lock_now()
    assert not w.locked
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *a: "discard")
    w.show_page("actions")
    assert w.current_page().key == "actions"


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
    got = meetings.attendees(store, m.id)
    assert [(a["name"], a["agency"], a["role"]) for a in got] == [("Ann Lee", "Housing", "apology")]
    # corrected, then removed, through the forms
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"who": "Ann Lee (Housing, apologies)", "name": "",
                                                         "agency": "Probation", "role": "present"})
    page.correct_attendee()
    assert [(a["agency"], a["role"]) for a in meetings.attendees(store, m.id)] == [("Probation", "attendee")]
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"who": "Ann Lee (Probation)"})
    page.remove_attendee()
    assert meetings.attendees(store, m.id) == [] and page.attendees.text() == "No attendees recorded."
    w.undo_action.trigger()      # put back
    assert [a["name"] for a in meetings.attendees(store, m.id)] == ["Ann Lee"] and "Ann Lee" in page.attendees.text()

"""The meeting's consequential steps: held refused before its day, reopened with its snapshot kept and
superseded, and every meeting edit undone and redone through the services, audited, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.analysis import nominations
from matac_desk.domain import UserError
from matac_desk.meeting import actions, cohort, meetings
from matac_desk.services import edits
from matac_desk.storage import audit

NOW = "2026-01-01T00:00:00+00:00"
DAY = dt.date(2026, 1, 7)


@pytest.fixture
def world(store):
    with store.transaction():
        store.conn.executemany("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                               [("P1", "Lee", "Smith", NOW, NOW), ("P2", "Dean", "Hall", NOW, NOW)])
        store.conn.execute("INSERT INTO referrals (person_id, agency, date, reason) VALUES ('P2', 'Probation',"
                           " '2026-01-02', 'Escalating stalking')")
    mid = meetings.schedule_meeting(store, DAY.isoformat(), chair="DCI Hart")
    return store, mid


def _actions(store, entity_id):
    return [(e["action"], e["reason"]) for e in audit.entries(store.conn) if e["entity_id"] == entity_id]


def test_held_is_refused_before_the_day_and_allowed_early_with_a_reason(world):
    store, mid = world
    with pytest.raises(UserError, match=r"6 day\(s\) away.*on or after its day"):
        meetings.mark_held(store, mid, today=DAY - dt.timedelta(days=6))
    assert meetings.meeting(store, mid).status == "scheduled"
    assert store.scalar("SELECT count(*) FROM score_snapshots") == 0
    meetings.mark_held(store, mid, today=DAY - dt.timedelta(days=1), early_reason="Chair on leave on the day")
    assert meetings.meeting(store, mid).status == "held"
    entry = [e for e in audit.entries(store.conn) if e["action"] == "meeting.held"][-1]
    assert "Chair on leave" in str(entry["detail"])
    with pytest.raises(UserError, match="already held"):
        meetings.mark_held(store, mid, today=DAY)


def test_held_on_the_day_closes_the_agenda_and_reopen_supersedes_the_snapshot(world):
    store, mid = world
    first = meetings.mark_held(store, mid, today=DAY)["snapshot_id"]
    with pytest.raises(UserError, match="held: its agenda is closed"):
        meetings.record_decision(store, mid, "P1", "adopt", score=10)
    with pytest.raises(UserError, match="needs a reason"):
        meetings.reopen_meeting(store, mid, "  ")
    assert meetings.reopen_meeting(store, mid, "Decision on P1 missed", today=DAY) == {"superseded": [first]}
    assert meetings.meeting(store, mid).status == "scheduled"
    kept = nominations.get_snapshot(store, first)
    assert kept.label.endswith("(superseded: meeting reopened 2026-01-07)")
    assert [s.id for s in nominations.list_snapshots(store)] == []      # it counts in no trend
    assert [s.id for s in nominations.list_snapshots(store, superseded=True)] == [first]
    assert ("meeting.reopened", "Decision on P1 missed") in _actions(store, str(mid))
    with pytest.raises(UserError, match="not held"):
        meetings.reopen_meeting(store, mid, "again")
    second = meetings.mark_held(store, mid, today=DAY)["snapshot_id"]
    assert [s.id for s in nominations.list_snapshots(store)] == [second]


def test_decisions_offered_depend_on_the_cohort(world):
    store, mid = world
    assert meetings.decision_choices(False) == ("adopt", "do not adopt")
    assert meetings.decision_choices(True) == ("continue", "escalate", "exit")
    with pytest.raises(UserError, match="not in the cohort"):
        meetings.record_decision(store, mid, "P1", "escalate", score=3)
    meetings.record_decision(store, mid, "P1", "adopt", score=10)
    second = meetings.schedule_meeting(store, "2026-02-04")
    meetings.record_decision(store, second, "P1", "escalate", score=12)
    assert cohort.in_cohort(store, "P1", "2026-02-05")
    assert [d["decision"] for d in meetings.decisions(store, person_id="P1")] == ["adopt", "escalate"]


def test_a_decision_undone_takes_back_the_cohort_entry_and_reopens_the_referral(world):
    store, mid = world
    edit = edits.RecordDecision(mid, "P2", "adopt", name="Dean Hall")
    assert edit.text == "adopt Dean Hall"
    assert edit.apply(store)
    assert cohort.in_cohort(store, "P2", DAY)
    assert store.scalar("SELECT status FROM referrals WHERE person_id = 'P2'") == "adopted"
    edit.revert(store)
    assert not cohort.in_cohort(store, "P2", DAY)
    assert meetings.decisions(store, mid) == []
    assert store.scalar("SELECT status FROM referrals WHERE person_id = 'P2'") == "open"
    assert ("meeting.decision_removed", "undo") in [(e["action"], e["reason"]) for e in audit.entries(store.conn)]
    edit.apply(store)   # redo
    assert cohort.in_cohort(store, "P2", DAY)
    assert store.scalar("SELECT status FROM referrals WHERE person_id = 'P2'") == "adopted"


def test_a_decision_is_not_taken_back_once_the_meeting_is_held_or_a_later_one_depends_on_it(world):
    store, mid = world
    edit = edits.RecordDecision(mid, "P1", "adopt")
    edit.apply(store)
    meetings.mark_held(store, mid, today=DAY)
    with pytest.raises(UserError, match="reopen it"):
        edit.revert(store)
    meetings.reopen_meeting(store, mid, "a mistake", today=DAY)
    later = meetings.schedule_meeting(store, "2026-02-04")
    meetings.record_decision(store, later, "P1", "exit", reason="custody", score=1)
    with pytest.raises(UserError, match="changed after this decision"):
        edit.revert(store)
    assert cohort.in_cohort(store, "P1", DAY)     # nothing taken back


def test_held_undone_reopens_and_redone_holds_again(world):
    store, mid = world
    edit = edits.MarkHeld(mid, label="MATAC meeting 1", today=DAY)
    assert edit.text == "mark MATAC meeting 1 held"
    edit.apply(store)
    edit.revert(store)
    assert meetings.meeting(store, mid).status == "scheduled"
    edit.apply(store)
    assert meetings.meeting(store, mid).status == "held"
    assert len(nominations.list_snapshots(store)) == 1
    assert len(nominations.list_snapshots(store, superseded=True)) == 2


def test_action_added_updated_and_both_undone(world):
    store, mid = world
    add = edits.AddAction("P1", "Housing", "Check the tenancy", due="2026-01-21", meeting_id=mid)
    add.apply(store)
    aid = add.action_id
    upd = edits.UpdateAction(aid, person_id="P1", status="done", note="Checked", on="2026-01-14")
    assert upd.text == f"close action {aid}"
    upd.apply(store)
    with pytest.raises(UserError, match="updated since it was added"):
        add.revert(store)
    upd.revert(store)
    a = actions.list_actions(store, person_id="P1")[0]
    assert a.status == "open" and actions.action_history(store, aid) == []
    add.revert(store)
    assert actions.list_actions(store, person_id="P1") == []


def test_attendees_added_corrected_and_removed_with_undo(world):
    store, mid = world
    add = edits.AddAttendee(mid, "Ann Lee", "Housing")
    add.apply(store)
    aid = add.attendee_id
    change = edits.ChangeAttendee(aid, agency="Probation", apology=True)
    change.apply(store)
    assert meetings.attendees(store, mid) == [{"id": aid, "name": "Ann Lee", "agency": "Probation", "role": "apology"}]
    change.revert(store)
    assert meetings.attendees(store, mid)[0]["agency"] == "Housing"
    gone = edits.RemoveAttendee(aid, name="Ann Lee")
    gone.apply(store)
    assert meetings.attendees(store, mid) == []
    gone.revert(store)
    assert [a["name"] for a in meetings.attendees(store, mid)] == ["Ann Lee"]
    with pytest.raises(UserError, match="needs a name and an agency"):
        meetings.update_attendee(store, gone.attendee_id, name=" ")


def test_tactic_and_minutes_undone(world):
    store, mid = world
    t = edits.AgreeTactic("P1", "Drive programme", meeting_id=mid, on=DAY, label="Drive programme")
    t.apply(store)
    assert [x["name"] for x in cohort.tactics(store, "P1")] == ["Drive programme"]
    t.revert(store)
    assert cohort.tactics(store, "P1") == []
    m = edits.AddMinutes(mid, "P1", "Agreed to refer to Drive.", name="Lee Smith")
    assert m.text == "save minutes for Lee Smith"
    m.apply(store)
    m.revert(store)
    assert meetings.minutes(store, meeting_id=mid) == []


def test_cli_held_refused_before_the_day_early_with_a_reason_and_reopen(tmp_path, monkeypatch, capsys):
    from matac_desk.app import main
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "s.mdesk"
    s = Store.create(path, PASSPHRASE)
    with s.transaction():
        s.conn.execute("INSERT INTO persons (id, forename, surname, name_key, created_at, updated_at)"
                       " VALUES ('P1', 'Kieran', 'Chapman', 'kieran chapman', ?, ?)", [NOW, NOW])
    day = (dt.date.today() + dt.timedelta(days=4)).isoformat()
    meetings.schedule_meeting(s, day)
    s.close()
    store = str(path)
    assert main(["meeting", store, "decide", "--meeting", day, "Kieran Chapman", "do not adopt",
                 "--reason", "Managed by IOM"]) == 0
    assert "P1 — do not adopt" in capsys.readouterr().out
    assert main(["meeting", store, "held", "--meeting", day]) == 1
    err = capsys.readouterr().err
    assert "4 day(s) away" in err and "Traceback" not in err and "--early --reason REASON" in err
    # the action before the store, as people type it, means the same
    assert main(["meeting", "held", store, "--meeting", day]) == 1
    assert "4 day(s) away" in capsys.readouterr().err
    assert main(["meeting", store, "held", "--meeting", day, "--early"]) == 1
    assert "--early needs --reason" in capsys.readouterr().err
    assert main(["meeting", store, "held", "--meeting", day, "--early", "--reason", "Chair away on the day"]) == 0
    assert main(["meeting", "reopen", store, "--meeting", day, "--reason", "Missed a subject", "--yes"]) == 0
    assert "1 snapshot(s) kept, marked superseded" in capsys.readouterr().out
    with Store.open(path, PASSPHRASE) as s:
        assert meetings.find_meeting(s, day).status == "scheduled"


def test_a_merge_is_undone_and_redone_through_the_edit_history(world):
    from matac_desk.analysis import duplicates
    store, _mid = world
    edit = edits.Merge("P1", "P2", "same date of birth and address")
    assert edit.text == "merge P2 into P1"
    edit.apply(store)
    assert duplicates.root_of(store, "P2") == "P1"
    edit.revert(store)
    assert duplicates.root_of(store, "P2") == "P2"
    edit.apply(store)
    assert duplicates.root_of(store, "P2") == "P1"

"""Scheduling, attendance, decisions and minutes."""

import pytest

from matac_desk.meeting import cohort, meetings
from matac_desk.domain import UserError


@pytest.fixture
def people(store):
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.executemany("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                               [("P1", "Lee", "Smith", now, now), ("P2", "Dean", "Hall", now, now)])
        store.conn.execute("INSERT INTO referrals (person_id, agency, date, reason) VALUES ('P2', 'Probation',"
                           " '2026-01-02', 'Escalating stalking')")
    return store


def test_schedule_next_and_year(store):
    first = meetings.schedule_meeting(store, "2026-01-07", chair="DCI Hart")
    assert meetings.next_meeting_date(store).isoformat() == "2026-02-04"
    second = meetings.schedule_meeting(store)
    assert meetings.meeting(store, second).date == "2026-02-04"
    ids = meetings.schedule_year(store, "2026-01-07")  # two of the thirteen exist already
    assert len(ids) == 11
    ms = meetings.meetings(store)
    assert [m.number for m in ms] == list(range(1, 14)) and ms[-1].date == "2026-12-09"
    assert meetings.meeting(store, first).label == "MATAC meeting 1, 2026-01-07"
    with pytest.raises(UserError, match="already scheduled"):
        meetings.schedule_meeting(store, "2026-01-07")
    assert meetings.next_meeting(store, "2026-01-08").date == "2026-02-04"
    assert meetings.previous_meeting(store, "2026-02-04").date == "2026-01-07"
    with pytest.raises(UserError, match="no meeting on 2026-01-08"):
        meetings.find_meeting(store, "2026-01-08")


def test_areas_number_their_own_series(store):
    meetings.schedule_meeting(store, "2026-01-07", area="North")
    meetings.schedule_meeting(store, "2026-01-08", area="South")
    meetings.schedule_meeting(store, "2026-02-04", area="North")
    assert [(m.area, m.number) for m in meetings.meetings(store)] == [("North", 1), ("South", 1), ("North", 2)]
    assert meetings.next_meeting_date(store, "South").isoformat() == "2026-02-05"


def test_decisions_drive_the_cohort_and_close_referrals(people):
    store = people
    m1 = meetings.schedule_meeting(store, "2026-01-07")
    m2 = meetings.schedule_meeting(store, "2026-02-04")
    meetings.record_decision(store, m1, "P1", "adopt", score=16)
    w = meetings.record_decision(store, m1, "P2", "do not adopt", reason="Managed under MAPPA already", score=11)
    assert w["referrals_closed"] == 1
    assert store.scalar("SELECT status FROM referrals") == "not adopted"
    assert cohort.cohort_ids(store, "2026-01-07") == {"P1"}
    with pytest.raises(UserError, match="already decided"):
        meetings.record_decision(store, m1, "P1", "continue", score=16)
    with pytest.raises(UserError, match="already in the cohort"):
        meetings.record_decision(store, m2, "P1", "adopt", score=16)
    with pytest.raises(UserError, match="not in the cohort"):
        meetings.record_decision(store, m2, "P2", "exit", reason="custody", score=1)
    with pytest.raises(UserError, match="needs a reason"):
        meetings.record_decision(store, m2, "P2", "do not adopt")
    meetings.record_decision(store, m2, "P1", "exit", reason="custody", score=12)
    assert [(e.event, e.score, e.reason) for e in cohort.membership_history(store, "P1")] == [
        ("adopted", 16, None), ("exited", 12, "custody")]
    assert [d["decision"] for d in meetings.decisions(store, person_id="P1")] == ["adopt", "exit"]


def test_attendees_and_minutes(people):
    store = people
    m = meetings.schedule_meeting(store, "2026-01-07", chair="DCI Hart")
    meetings.add_attendee(store, m, "Sam Okafor", "Probation")
    meetings.add_attendee(store, m, "Jo Price", "Housing", apology=True)
    assert [a["role"] for a in meetings.attendees(store, m)] == ["apology", "attendee"]
    meetings.add_minutes(store, m, "P1", "Engaging poorly; consider DVPN if further incident.")
    meetings.add_minutes(store, m, None, "Quorate.")
    (mine,) = meetings.minutes(store, person_id="P1")
    assert mine["chair"] == "DCI Hart"
    with pytest.raises(UserError, match="empty"):
        meetings.add_minutes(store, m, "P1", "  ")

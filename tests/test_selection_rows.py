"""Rows of the nominations and cohort tables, and decisions at the chosen or next meeting (Qt-free)."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.meeting import cohort, meetings
from matac_desk.analysis import nominations, scoring
from matac_desk.services import selection
from matac_desk.domain import UserError

from scoring_support import A, load, row


@pytest.fixture
def small(store, tmp_path):
    """P1 and P2 serial (two victims each), P3 one incident (not serial); P2 in the South."""
    load(store, tmp_path, [
        row("R1", 10, "Common assault", "P1", "V1"), row("R2", 40, "Stalking", "P1", "V2"),
        row("R3", 70, "Harassment", "P1", "V1"),
        row("R4", 20, "Common assault", "P2", "V3", division="South"),
        row("R5", 200, "Criminal damage", "P2", "V4", division="South"),
        row("R6", 5, "Threats to kill", "P3", "V5"),
    ])
    return store


def test_nominations_are_the_serial_perpetrators_by_rank_with_their_parts(small):
    rows = selection.nomination_rows(small, A)
    scores = {s.perpetrator_id: s for s in scoring.score_all(small, A)}
    assert [r.person_id for r in rows] == ["P1", "P2"]          # P3 is not serial
    for r in rows:
        s = scores[r.person_id]
        assert (r.rank, r.score, r.r, r.f, r.g, r.v, r.incidents, r.victims, r.serial) == (
            s.rank, s.score, s.r, s.f, s.g, s.v, s.incidents, s.victims, True)
        assert r.reasons == "top score" and r.direction == "none" and r.trend_text == ""


def test_a_referral_is_nominated_and_says_who_referred(small):
    nominations.refer(small, "P3", "Housing", None, "ASB", date=A)
    rows = {r.person_id: r for r in selection.nomination_rows(small, A)}
    assert rows["P3"].reasons == "referral" and rows["P3"].referral_agencies == "Housing"
    assert rows["P3"].referrals == 1


@pytest.mark.parametrize("division, expected", [(None, ["P1", "P2"]), ("south", ["P2"]), ("North", ["P1"])])
def test_the_division_filter(small, division, expected):
    assert [r.person_id for r in selection.nomination_rows(small, A, division=division)] == expected


def test_trend_between_two_snapshots(small):
    nominations.take_snapshot(small, as_of=A - dt.timedelta(days=60))
    nominations.take_snapshot(small, as_of=A)
    old = scoring.score_person(small, "P1", A - dt.timedelta(days=60)).score
    new = scoring.score_person(small, "P1", A).score
    r = next(x for x in selection.nomination_rows(small, A) if x.person_id == "P1")
    assert r.change == new - old
    arrow = "▲" if new > old else "▼" if new < old else "="
    assert r.trend_text.startswith(arrow)


def test_adopting_moves_him_from_nominations_to_the_cohort_even_before_the_meeting_day(small):
    later = meetings.schedule_meeting(small, A + dt.timedelta(days=7))
    written = selection.decide(small, "P1", "adopt", today=A)
    assert written["meeting_id"] == later and written["meeting"].endswith(str(A + dt.timedelta(days=7)))
    assert [r.person_id for r in selection.nomination_rows(small, A)] == ["P2"]
    rows = selection.cohort_rows(small, A)
    assert [(r.person_id, r.in_cohort) for r in rows] == [("P1", True)]
    assert rows[0].adopted_on == (A + dt.timedelta(days=7)).isoformat()


@pytest.mark.parametrize("past_meeting", [False, True])
def test_no_meeting_scheduled(small, past_meeting):
    if past_meeting:
        meetings.schedule_meeting(small, A - dt.timedelta(days=1))
    with pytest.raises(UserError, match="no meeting is scheduled"):
        selection.decide(small, "P1", "adopt", today=A)
    assert small.scalar("SELECT count(*) FROM decisions") == 0


def test_exit_needs_a_reason_and_writes_nothing_without_one(small):
    mid = meetings.schedule_meeting(small, A)
    selection.decide(small, "P1", "adopt", meeting_id=mid)
    nxt = meetings.schedule_meeting(small, A + dt.timedelta(days=28))
    with pytest.raises(UserError, match="exit needs a reason"):
        selection.decide(small, "P1", "exit", meeting_id=nxt)
    assert cohort.in_cohort(small, "P1", A + dt.timedelta(days=28))
    selection.decide(small, "P1", "exit", reason=cohort.EXIT_REASONS[0], meeting_id=nxt)
    assert not cohort.in_cohort(small, "P1", A + dt.timedelta(days=28))

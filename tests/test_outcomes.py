"""Outcomes on hand-built histories: equal windows, edges, harm, new victims, short follow-ups apart."""

import datetime as dt

from matac_desk.meeting import cohort, outcomes

from scoring_support import load


def r(ref, date, offence, perp, victim):
    return [ref, date, offence, perp, "", victim, "North"]


def test_before_and_after_in_equal_windows(store, tmp_path):
    load(store, tmp_path, [
        r("R1", "2026-01-15", "Common assault", "P1", "V1"),                 # before the window: not counted
        r("R2", "2026-02-01", "Assault occasioning actual bodily harm", "P1", "V1"),  # first day of 'before': 4
        r("R3", "2026-05-31", "Common assault", "P1", "V2"),                 # last day of 'before': max(3, 2) = 3
        r("R3", "2026-05-31", "Criminal damage", "P1", "V2"),
        r("R4", "2026-06-01", "Harassment", "P1", "V2"),                     # adoption day: neither window
        r("R5", "2026-06-02", "Harassment", "P1", "V3"),                     # first day 'after': 2, a new victim
        r("R6", "2026-09-29", "Common assault", "P1", "V1"),                 # last day 'after': 3, V1 not new
        r("R7", "2026-09-30", "Stalking", "P1", "V4"),                       # after the day asked about
        r("S1", "2026-08-01", "Common assault", "P2", "V9"),
    ])
    cohort.record_event(store, "P1", "adopted", "2026-06-01", score=15)
    cohort.record_event(store, "P2", "adopted", "2026-09-01", score=12)
    as_of = dt.date(2026, 9, 29)
    p1, p2 = outcomes.subject_outcomes(store, as_of)
    assert (p1.person_id, p1.follow_up_days, p1.enough_follow_up) == ("P1", 120, True)
    assert (p1.before.start, p1.before.end, p1.after.start, p1.after.end) == (
        "2026-02-01", "2026-05-31", "2026-06-02", "2026-09-29")
    assert (p1.before.incidents, p1.before.harm, p1.before.victims) == (2, 7, 2)
    assert (p1.after.incidents, p1.after.harm, p1.after.victims) == (2, 5, 2)
    assert p1.new_victims == 1 and p1.entry_score == 15 and p1.exit_or_latest_score is not None
    assert (p2.person_id, p2.follow_up_days, p2.enough_follow_up) == ("P2", 28, False)

    total = outcomes.cohort_outcomes(store, as_of)
    assert (total.periods, total.subjects) == (1, 1)
    assert (total.incidents_before, total.incidents_after, total.harm_before, total.harm_after) == (2, 2, 7, 5)
    assert total.incident_change == 0 and round(total.harm_change, 4) == round(-2 / 7, 4)
    assert [p.person_id for p in total.too_short] == ["P2"]


def test_exit_closes_the_period_and_reentry_opens_another(store, tmp_path):
    load(store, tmp_path, [r("R1", "2026-03-01", "Common assault", "P1", "V1"),
                           r("R2", "2026-07-01", "Common assault", "P1", "V2")])
    cohort.record_event(store, "P1", "adopted", "2026-02-01", score=14)
    cohort.record_event(store, "P1", "exited", "2026-06-01", score=6, reason="custody")
    cohort.record_event(store, "P1", "adopted", "2026-08-01", score=13)
    first, second = outcomes.subject_outcomes(store, dt.date(2026, 12, 1))
    assert (first.exited_on, first.follow_up_days, first.exit_or_latest_score) == ("2026-06-01", 120, 6)
    assert (first.before.incidents, first.after.incidents) == (0, 1)
    assert (second.adopted_on, second.follow_up_days, second.before.incidents) == ("2026-08-01", 122, 1)  # R2 only: R1 is before the 122-day window
    assert outcomes.cohort_outcomes(store, dt.date(2026, 12, 1)).periods == 2


def test_minimum_follow_up_is_a_setting(store, tmp_path):
    load(store, tmp_path, [r("R1", "2026-03-01", "Common assault", "P1", "V1")])
    cohort.record_event(store, "P1", "adopted", "2026-09-01", score=10)
    assert not outcomes.subject_outcomes(store, dt.date(2026, 10, 1))[0].enough_follow_up
    store.set_setting("outcomes.min_follow_up_days", 30)
    assert outcomes.subject_outcomes(store, dt.date(2026, 10, 1))[0].enough_follow_up

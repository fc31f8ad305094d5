"""Outcomes against a comparison group: synthetic stores with a known effect, no effect, and regression to the mean.

Each store holds 240 perpetrators whose offending is a steady personal rate
plus, for some, a burst in the half-year before the meeting (so those
picked at their peak fall back by themselves: regression to the mean).
At the meeting everyone is scored through the real scorer and snapshot;
among those scoring at or above a cut, a random half is adopted (as
capacity decides in practice) and the rest stay as the comparison pool.
Offending after the meeting follows the steady rate, multiplied by
``1 - effect`` for the adopted.
"""

import datetime as dt
import random

import pytest

from matac_desk.analysis import nominations
from matac_desk.domain import UserError
from matac_desk.meeting import cohort, evaluation, meetings

from scoring_support import load

A = dt.date(2025, 6, 2)
AS_OF = A + dt.timedelta(days=400)


def _dates(rng, rate_per_year, start, days):
    """Poisson arrivals over ``days`` from ``start``."""
    out, t = [], 0.0
    while rate_per_year > 0:
        t += rng.expovariate(rate_per_year / 365.0)
        if t >= days:
            return out
        out.append(start + dt.timedelta(days=int(t)))
    return out


def build(store, tmp_path, *, effect: float, seed: int = 7, persons: int = 240):
    rng = random.Random(seed)
    people = []
    before_rows = []
    for i in range(persons):
        pid = f"P{i:04d}"
        rate = rng.choice([0.6, 1.0, 1.5, 2.0, 3.0])
        burst = rng.random() < 0.4
        victims = [f"V{i:04d}{k}" for k in range(rng.choice([1, 2, 3]))]
        people.append((pid, rate, victims))
        days = _dates(rng, rate, A - dt.timedelta(days=730), 729)
        if burst:
            days += _dates(rng, 5.0, A - dt.timedelta(days=180), 179)
        for n, d in enumerate(sorted(days)):
            before_rows.append([f"B{pid}-{n}", d.isoformat(), rng.choice(["Common assault", "Harassment",
                                "Assault occasioning actual bodily harm"]), pid, "", rng.choice(victims), "North"])
    load(store, tmp_path, before_rows, name="before.csv")
    mid = meetings.schedule_meeting(store, A)
    snap = nominations.take_snapshot(store, A, meeting_id=mid)
    scores = nominations.snapshot_scores(store, snap.id)
    cut = sorted((s.score for s in scores), reverse=True)[len(scores) // 3]
    eligible = [s.perpetrator_id for s in scores if s.score >= cut]
    rng.shuffle(eligible)
    adopted = set(eligible[: len(eligible) // 2])
    for pid in sorted(adopted):
        cohort.record_event(store, pid, "adopted", A, meeting_id=mid)
    after_rows = []
    for pid, rate, victims in people:
        r = rate * (1 - effect) if pid in adopted else rate
        for n, d in enumerate(_dates(rng, r, A + dt.timedelta(days=1), 399)):
            after_rows.append([f"A{pid}-{n}", d.isoformat(), "Common assault", pid, "", rng.choice(victims), "North"])
    load(store, tmp_path, after_rows, name="after.csv")
    return adopted


def test_a_built_in_effect_is_recovered_within_its_interval(store, tmp_path):
    build(store, tmp_path, effect=0.5)
    ev = evaluation.evaluate(store, AS_OF)
    e = ev.estimates["incidents"]
    assert e.n_pairs >= 20
    assert e.low < e.high
    # The adopted group's incidents fell further than the comparison's, and the interval excludes no effect.
    assert e.high < 0 and not e.covers_zero
    # The comparison's change is the counterfactual: without MATAC the adopted would have kept
    # (100 + c)% of their incidents; halving that is a difference of -0.5 * (100 + c) points.
    expected = -0.5 * (100 + e.comparison_change)
    assert e.low <= expected <= e.high, (expected, e.low, e.high)
    assert "is what MATAC may have added" in ev.sentence()


def test_no_effect_gives_an_interval_that_covers_zero_while_the_naive_figure_falls(store, tmp_path):
    build(store, tmp_path, effect=0.0)
    ev = evaluation.evaluate(store, AS_OF)
    e = ev.estimates["incidents"]
    assert e.n_pairs >= 20
    # Regression to the mean: the adopted group's own before/after shows a fall with no effect at all ...
    assert ev.naive_change is not None and ev.naive_change < -15
    # ... which the comparison group shows too, so the difference in differences covers zero.
    assert e.covers_zero, (e.difference, e.low, e.high)
    assert "includes no difference at all" in ev.sentence()


def test_matching_is_without_replacement_and_balanced(store, tmp_path):
    adopted = build(store, tmp_path, effect=0.3)
    ev = evaluation.evaluate(store, AS_OF)
    comps = [p.comparison.person_id for p in ev.pairs]
    assert len(comps) == len(set(comps))
    assert not set(comps) & adopted
    assert all(p.adopted.serial == p.comparison.serial for p in ev.pairs)
    assert all(abs(p.adopted.score - p.comparison.score) <= ev.distance for p in ev.pairs)
    a, c = ev.balance
    assert (a.group, c.group, a.n, c.n) == ("adopted", "comparison", len(ev.pairs), len(ev.pairs))
    assert abs(a.mean_score - c.mean_score) <= ev.distance
    assert len(ev.pairs) + len(ev.unmatched) == ev.adoptions


def test_pairs_whose_window_has_not_ended_are_not_measured(store, tmp_path):
    build(store, tmp_path, effect=0.3)
    early = evaluation.evaluate(store, A + dt.timedelta(days=100))
    assert early.pairs == [] and early.too_recent > 0
    assert "nothing to compare" in early.sentence()
    six = evaluation.evaluate(store, A + dt.timedelta(days=200), window_days=182)
    assert six.pairs and six.too_recent == 0


def test_few_pairs_say_the_numbers_are_too_small(store, tmp_path):
    build(store, tmp_path, effect=0.5, persons=45)
    ev = evaluation.evaluate(store, AS_OF)
    assert 0 < ev.estimates["incidents"].n_pairs < evaluation.MIN_PAIRS_TO_CONCLUDE
    assert "too small to conclude" in ev.sentence()


def test_tactics_are_measured_against_each_subjects_own_comparison(store, tmp_path):
    adopted = sorted(build(store, tmp_path, effect=0.4))
    tactic = cohort.toolkit(store)[0]
    for pid in adopted[:6]:
        cohort.agree_tactic(store, pid, tactic["id"], on=A + dt.timedelta(days=3))
    effects = evaluation.tactic_effects(store, AS_OF)
    one = next(t for t in effects if t.tactic == tactic["name"])
    assert 1 <= one.n <= 6
    assert "too few" in one.warning
    assert one.low is None or one.low <= one.mean_difference <= one.high
    assert any(t.tactic == f"all {tactic['category']}" for t in effects)


@pytest.mark.parametrize("text,days", [("12m", 365), ("6m", 182), ("365d", 365), ("90", 90)])
def test_windows_parse(text, days):
    assert evaluation.parse_window(text) == days


@pytest.mark.parametrize("text", ["twelve", "0m", "-3m", "12y", "10000d"])
def test_bad_windows_are_refused(text):
    with pytest.raises(UserError):
        evaluation.parse_window(text)


def test_a_store_without_adoptions_has_nothing_to_compare(store):
    ev = evaluation.evaluate(store, AS_OF)
    assert (ev.adoptions, ev.pairs, ev.unmatched) == (0, [], [])
    assert "nothing to compare" in ev.sentence()
    assert evaluation.tactic_effects(store, AS_OF, evaluation=ev) == []


def test_the_quarterly_return_carries_the_headline_and_hides_it_below_five_pairs(store, tmp_path):
    from matac_desk.meeting import returns
    build(store, tmp_path, effect=0.5)
    ev = evaluation.evaluate(store, AS_OF)
    lines = returns.outcome_headline(store, AS_OF.isoformat())
    assert lines == [ev.sentence("incidents"), ev.sentence("harm")]
    assert any("matched pairs" in line for line in lines)
    # Before any window has ended, no figure at all (the return's small-number rule).
    early = returns.outcome_headline(store, (A + dt.timedelta(days=30)).isoformat())
    assert len(early) == 1 and "fewer than 5 matched pairs" in early[0] and "%" not in early[0]

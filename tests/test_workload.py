"""Offender-manager workload flags at the edges of the standard, allocation and MOSOVO training."""

import pytest

from matac_desk.meeting import cohort, workload
from matac_desk.domain import UserError

DAY = "2026-10-01"


def _people(store, n, prefix="S"):
    now = "2026-01-01T00:00:00+00:00"
    ids = [f"{prefix}{i:03d}" for i in range(n)]
    with store.transaction():
        store.conn.executemany("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                               [(i, "Test", i, now, now) for i in ids])
    return ids


def _adopt(store, ids, om_id, high=()):
    for pid in ids:
        cohort.record_event(store, pid, "adopted", "2026-09-01")
        cohort.set_subject_details(store, pid, om_id=om_id, risk_level="high" if pid in high else "standard")


@pytest.mark.parametrize("cohort_cases, other, over", [(49, 0, False), (50, 0, True), (10, 39, False), (10, 40, True)])
def test_case_limit_edge(store, cohort_cases, other, over):
    om = workload.add_om(store, "DC Amy Reid", "North", other_cases=other)
    _adopt(store, _people(store, cohort_cases), om)
    (load,) = workload.caseloads(store, DAY)
    assert load.cases == cohort_cases + other
    assert load.over_cases is over and load.overloaded is over


@pytest.mark.parametrize("cases, high, over", [(10, 1, False), (10, 2, True), (20, 3, False), (20, 4, True),
                                               (49, 9, False), (49, 10, True)])
def test_high_risk_share_edge(store, cases, high, over):
    om = workload.add_om(store, "DC Amy Reid", "North")
    ids = _people(store, cases)
    _adopt(store, ids, om, high=set(ids[:high]))
    (load,) = workload.caseloads(store, DAY)
    assert (load.high_risk, load.over_high_risk) == (high, over)


def test_limits_are_configurable(store):
    om = workload.add_om(store, "DC Amy Reid", "North", other_cases=30)
    assert not workload.caseloads(store, DAY)[0].overloaded
    workload.set_limits(store, max_cases=30)
    assert workload.caseloads(store, DAY)[0].over_cases
    with pytest.raises(UserError, match="fraction between 0 and 1"):
        workload.set_limits(store, max_high_risk_share=20)
    del om


def test_suggestion_skips_overloaded_and_other_divisions(store):
    busy = workload.add_om(store, "DC Busy", "North", other_cases=50)
    light = workload.add_om(store, "DC Light", "North", other_cases=5)
    lighter_elsewhere = workload.add_om(store, "DC South", "South", other_cases=1)
    medium = workload.add_om(store, "DC Medium", "North", other_cases=8)
    assert workload.suggest_om(store, "north", DAY).om_id == light
    (pid,) = _people(store, 1)
    cohort.record_event(store, pid, "adopted", "2026-09-01")
    with pytest.raises(UserError, match="DC Busy is overloaded"):
        workload.allocate(store, pid, busy, as_of=DAY)
    workload.allocate(store, pid, light, as_of=DAY)
    assert cohort.subject_details(store, pid)["division"] == "North"
    del lighter_elsewhere, medium


def test_no_suggestion_when_everyone_is_overloaded(store):
    workload.add_om(store, "DC Busy", "North", other_cases=60)
    assert workload.suggest_om(store, "North", DAY) is None


def test_every_mappa_2_or_3_subject_with_an_untrained_om_is_flagged(store):
    trained = workload.add_om(store, "DC Trained", "North", mosovo_completed_on="2025-03-01")
    waiting = workload.add_om(store, "DC Waiting", "North", mosovo_waiting=True)
    untrained = workload.add_om(store, "DC New", "North")
    ids = _people(store, 6)
    for pid in ids:
        cohort.record_event(store, pid, "adopted", "2026-09-01")
    cohort.set_subject_details(store, ids[0], om_id=trained, mappa_level=3)
    cohort.set_subject_details(store, ids[1], om_id=waiting, mappa_level=2)
    cohort.set_subject_details(store, ids[2], om_id=untrained, mappa_level=3)
    cohort.set_subject_details(store, ids[3], mappa_level=2)                 # no OM at all
    cohort.set_subject_details(store, ids[4], om_id=untrained, mappa_level=1)  # level 1: not required
    cohort.set_subject_details(store, ids[5], om_id=untrained)               # not under MAPPA
    flags = {f["person_id"]: f["problem"] for f in workload.training_flags(store, DAY)}
    assert flags == {ids[1]: "offender manager waiting for a MOSOVO place",
                     ids[2]: "offender manager not MOSOVO trained",
                     ids[3]: "no offender manager allocated"}


def test_high_risk_without_a_stated_level_comes_from_mappa_or_dash(store):
    om = workload.add_om(store, "DC A", "North")
    ids = _people(store, 3)
    for pid in ids:
        cohort.record_event(store, pid, "adopted", "2026-09-01")
        cohort.set_subject_details(store, pid, om_id=om)
    cohort.set_subject_details(store, ids[0], mappa_level=2)
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, created_at, updated_at) VALUES ('V', ?, ?)", [now, now])
        store.conn.execute("INSERT INTO incidents (ref, date) VALUES ('R1', '2026-06-01'), ('R2', '2025-06-01')")
        store.conn.execute("INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key,"
                           " dash_risk) VALUES ('R1', ?, 'V', 'x', 'x', 'high'), ('R2', ?, 'V', 'x', 'x', 'high')",
                           [ids[1], ids[2]])
    assert workload.high_risk_ids(store, set(ids), DAY) == {ids[0], ids[1]}  # ids[2]: over a year ago

"""Cohort membership history, subject details, orders, disclosures and tactics."""

import datetime as dt

import pytest

from matac_desk.meeting import cohort
from matac_desk.domain import UserError


@pytest.fixture
def person(store):
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.executemany("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                               [("P1", "Lee", "Smith", now, now), ("V1", "Zoë", "Nowak", now, now),
                                ("P1B", "Lee", "Smyth", now, now)])
        store.conn.execute("UPDATE persons SET merged_into = 'P1' WHERE id = 'P1B'")
    return "P1"


def test_membership_history_and_reentry(store, person):
    cohort.record_event(store, person, "nominated", "2026-01-05")
    cohort.record_event(store, person, "adopted", "2026-01-10", score=15)
    assert cohort.cohort_ids(store, "2026-01-09") == set()
    assert cohort.cohort_ids(store, "2026-01-10") == {"P1"}
    with pytest.raises(UserError, match="already in the cohort"):
        cohort.record_event(store, person, "adopted", "2026-02-01")
    with pytest.raises(UserError, match="an exit needs a reason"):
        cohort.record_event(store, person, "exited", "2026-03-01", reason="bored")
    cohort.record_event(store, person, "exited", "2026-06-01", score=9, reason="custody")
    assert not cohort.in_cohort(store, person, "2026-06-01")
    cohort.record_event(store, "P1B", "adopted", "2026-09-01", score=12)  # merged record: the root re-enters
    assert [m.event for m in cohort.membership_history(store, person)] == ["nominated", "adopted", "exited", "adopted"]
    (member,) = cohort.cohort(store, "2026-10-01")
    assert (member.person_id, member.adopted_on, member.entry_score) == ("P1", "2026-09-01", 12)


def test_exit_requires_membership(store, person):
    with pytest.raises(UserError, match="not in the cohort"):
        cohort.record_event(store, person, "exited", "2026-01-01", reason="custody")


def test_unknown_person(store):
    with pytest.raises(UserError, match="no person with id 'X9'"):
        cohort.record_event(store, "X9", "nominated", "2026-01-01")


def test_subject_details_change_and_validation(store, person):
    changed = cohort.set_subject_details(store, person, mappa_category=3, mappa_level=2, marac=True, risk_weapons=True)
    assert changed["mappa_level"] == (None, 2)
    d = cohort.subject_details(store, person)
    assert (d["mappa_category"], d["mappa_level"], d["marac"], d["iom"], d["risk_weapons"]) == (3, 2, True, False, True)
    assert cohort.set_subject_details(store, person, mappa_level=2) == {}
    for bad, msg in (({"mappa_level": 4}, "MAPPA level"), ({"mappa_category": 5}, "MAPPA category"),
                     ({"colour": "red"}, "unknown subject detail"), ({"om_id": 99}, "no offender manager")):
        with pytest.raises(UserError, match=msg):
            cohort.set_subject_details(store, person, **bad)


def test_orders_in_force(store, person):
    cohort.add_order(store, person, "DVPO", "2026-01-01", "2026-01-28", protected_person_id="V1")
    cohort.add_order(store, person, "restraining order", "2026-02-01", None, protected_person_id="V1",
                     conditions="No contact with V1")
    assert [o["type"] for o in cohort.orders(store, person, in_force_on="2026-01-28")] == ["DVPO"]
    assert [o["type"] for o in cohort.orders(store, person, in_force_on="2026-01-29")] == []
    assert [o["type"] for o in cohort.orders(store, person, in_force_on="2027-01-01")] == ["restraining order"]
    assert cohort.orders(store, person)[0]["protected_name"] == "Zoë Nowak"
    with pytest.raises(UserError, match="cannot end before it starts"):
        cohort.add_order(store, person, "DVPO", "2026-02-01", "2026-01-01")
    with pytest.raises(UserError, match="unknown order type"):
        cohort.add_order(store, person, "ASBO", "2026-02-01")


@pytest.mark.parametrize("start, end, day, status", [
    ("2026-02-01", None, "2026-01-31", "from 2026-02-01"),
    ("2026-02-01", None, "2026-02-01", "in force"),
    ("2026-02-01", None, "2030-01-01", "in force"),
    ("2026-02-01", "2026-02-28", "2026-02-28", "in force"),     # in force on its last day
    ("2026-02-01", "2026-02-28", "2026-03-01", "ended"),
])
def test_an_orders_status_on_a_day(start, end, day, status):
    o = {"start": start, "end": end}
    assert cohort.order_status(o, day) == status
    assert cohort.in_force(o, day) is (status == "in force")
    assert cohort.order_status(o, dt.date.fromisoformat(day)) == status      # a date works too


def test_disclosures(store, person):
    cohort.record_disclosure(store, person, "right to know", "2026-03-01", disclosed_to_id="V1", decision="disclosed")
    (d,) = cohort.disclosures(store, person)
    assert (d["kind"], d["to_name"], d["decision"]) == ("right to know", "Zoë Nowak", "disclosed")
    with pytest.raises(UserError, match="say to whom"):
        cohort.record_disclosure(store, person, "right to ask", "2026-03-01")


def test_tactics_from_the_toolkit(store, person):
    names = [t["name"] for t in cohort.toolkit(store)]
    assert "Drive programme" in names and "Clare's Law right-to-know disclosure" in names
    assert [t["category"] for t in cohort.toolkit(store)][0] == "support and diversion"
    tid = cohort.add_tactic_to_toolkit(store, "disruption", "Licensing enquiries")
    st = cohort.agree_tactic(store, person, "drive programme", on="2026-03-01")
    cohort.agree_tactic(store, person, tid, on="2026-03-02")
    cohort.set_tactic_status(store, st, "in progress")
    assert [(t["name"], t["status"]) for t in cohort.tactics(store, person)] == [
        ("Drive programme", "in progress"), ("Licensing enquiries", "agreed")]
    with pytest.raises(UserError, match="no tactic 'Juggling'"):
        cohort.agree_tactic(store, person, "Juggling")
    with pytest.raises(UserError, match="already has"):
        cohort.add_tactic_to_toolkit(store, "disruption", "Licensing enquiries")

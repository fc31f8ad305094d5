"""The tactics toolkit: adding a tactic, retiring and restoring one, how often each was agreed."""

from __future__ import annotations

import pytest

from matac_desk.meeting import cohort
from matac_desk.domain import UserError


@pytest.fixture
def person(store):
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                           ["P1", "Lee", "Smith", now, now])
    return "P1"


def _audit_since(store, last):
    return store.conn.execute("SELECT action, entity_id FROM audit_log WHERE id > ? ORDER BY id", [last]).fetchall()


def test_a_retired_tactic_is_not_offered_and_cannot_be_agreed(store, person):
    tid = cohort._tactic_id(store, "Vehicle enquiries")
    cohort.agree_tactic(store, person, tid, on="2026-03-01")
    last = store.scalar("SELECT max(id) FROM audit_log")
    row = cohort.set_tactic_active(store, "vehicle enquiries", False)
    assert (row["id"], row["active"]) == (tid, False)
    assert _audit_since(store, last) == [("toolkit.retired", str(tid))]
    assert "Vehicle enquiries" not in [t["name"] for t in cohort.toolkit(store)]
    assert "Vehicle enquiries" in [t["name"] for t in cohort.toolkit(store, include_inactive=True)]
    with pytest.raises(UserError, match="'Vehicle enquiries' is retired"):
        cohort.agree_tactic(store, person, tid, on="2026-04-01")
    assert [t["name"] for t in cohort.tactics(store, person)] == ["Vehicle enquiries"]   # what was agreed stays
    assert cohort.toolkit_usage(store) == {tid: 1}


def test_retiring_twice_changes_nothing_and_restoring_brings_it_back(store, person):
    tid = cohort.set_tactic_active(store, "Arrest", False)["id"]
    last = store.scalar("SELECT max(id) FROM audit_log")
    cohort.set_tactic_active(store, tid, False)
    assert _audit_since(store, last) == []
    assert cohort.set_tactic_active(store, tid, True)["active"] is True
    assert _audit_since(store, last) == [("toolkit.restored", str(tid))]
    cohort.agree_tactic(store, person, "Arrest", on="2026-04-01")


def test_adding_a_tactic_tidies_and_refuses_a_second_of_the_same_name(store):
    tid = cohort.add_tactic_to_toolkit(store, "safeguarding", "  Sanctuary   scheme ", " locks and alarms ")
    row = next(t for t in cohort.toolkit(store) if t["id"] == tid)
    assert (row["category"], row["name"], row["description"]) == ("safeguarding", "Sanctuary scheme",
                                                                  "locks and alarms")
    with pytest.raises(UserError, match="already has 'Sanctuary scheme'$"):
        cohort.add_tactic_to_toolkit(store, "disruption", "sanctuary SCHEME")
    cohort.set_tactic_active(store, tid, False)
    with pytest.raises(UserError, match=r"\(retired: restore it\)"):
        cohort.add_tactic_to_toolkit(store, "safeguarding", "Sanctuary scheme")
    with pytest.raises(UserError, match="unknown toolkit category"):
        cohort.add_tactic_to_toolkit(store, "punishment", "Stocks")
    with pytest.raises(UserError, match="no tactic 'Juggling'"):
        cohort.set_tactic_active(store, "Juggling", False)

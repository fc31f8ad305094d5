"""The force's name and divisions, kept in the store's settings."""

from __future__ import annotations

import pytest

from matac_desk import force
from matac_desk.domain import UserError
from matac_desk.force import ForceSettings


def test_defaults_are_empty(store):
    assert force.load(store) == ForceSettings("", ())


def test_save_tidies_and_round_trips(store):
    saved = force.save(store, ForceSettings("  Northshire   Police ", ("North", "", "  Central  ", "South")))
    assert saved == ForceSettings("Northshire Police", ("North", "Central", "South"))
    assert force.load(store) == saved


def test_each_change_is_audited_once(store):
    force.save(store, ForceSettings("Northshire Police", ("North",)))
    before = store.scalar("SELECT count(*) FROM audit_log")
    force.save(store, ForceSettings("Northshire Police", ("North", "South")))
    rows = store.conn.execute("SELECT action, entity_id FROM audit_log WHERE id > (SELECT max(id) - 1 FROM audit_log)")
    assert rows.fetchall() == [("settings.changed", "force.divisions")]
    assert store.scalar("SELECT count(*) FROM audit_log") == before + 1


@pytest.mark.parametrize("settings, message", [
    (ForceSettings("x" * 101, ()), "force name is longer than 100"),
    (ForceSettings("F", ("North", "north ")), "division 'north' is listed twice"),
    (ForceSettings("F", tuple(f"D{i}" for i in range(61))), "61 divisions: at most 60"),
])
def test_bad_settings_change_nothing(store, settings, message):
    force.save(store, ForceSettings("Kept", ("A",)))
    with pytest.raises(UserError, match=message):
        force.save(store, settings)
    assert force.load(store) == ForceSettings("Kept", ("A",))


def test_divisions_in_data_most_used_first(store):
    with store.transaction():
        for ref, div in [("a", "South"), ("b", "North"), ("c", "South"), ("d", None), ("e", "")]:
            store.conn.execute("INSERT INTO incidents (ref, date, division) VALUES (?, '2026-01-01', ?)", [ref, div])
    assert force.divisions_in_data(store) == ["South", "North"]

"""The force's name and divisions, kept in the store's settings."""

from __future__ import annotations

import pytest

from matac_desk.meeting import force
from matac_desk.domain import UserError
from matac_desk.meeting.force import ForceSettings


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


def test_agencies_default_until_the_force_saves_its_own(store):
    assert force.load(store).agencies == force.DEFAULT_AGENCIES
    saved = force.save(store, ForceSettings("F", (), ("Police", "  Northshire   Homes ", "", "Drive")))
    assert saved.agencies == ("Police", "Northshire Homes", "Drive")
    assert force.load(store).agencies == ("Police", "Northshire Homes", "Drive")
    force.save(store, ForceSettings("F", (), ()))
    assert force.load(store).agencies == ()          # an empty list saved is kept empty


def test_saving_agencies_is_one_audited_setting(store):
    force.save(store, ForceSettings("F", ("North",), ("Police",)))
    before = store.scalar("SELECT max(id) FROM audit_log")
    force.save(store, ForceSettings("F", ("North",), ("Police", "Housing")))
    assert store.conn.execute("SELECT action, entity_id FROM audit_log WHERE id > ?", [before]).fetchall() == [
        ("settings.changed", "force.agencies")]


@pytest.mark.parametrize("agencies, message", [
    (("Housing", "housing "), "agency 'housing' is listed twice"),
    (("x" * 101,), "longer than 100 characters"),
    (tuple(f"A{i}" for i in range(61)), "61 agencies: at most 60"),
])
def test_bad_agencies_change_nothing(store, agencies, message):
    force.save(store, ForceSettings("Kept", ("A",), ("Police",)))
    with pytest.raises(UserError, match=message):
        force.save(store, ForceSettings("Changed", ("B",), agencies))
    assert force.load(store) == ForceSettings("Kept", ("A",), ("Police",))


def _agency_rows(store):
    from matac_desk.meeting import actions, meetings
    from matac_desk.analysis import nominations
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, name_key, created_at, updated_at) VALUES ('P1', 'p', 'x', 'x')")
    mid = meetings.schedule_meeting(store, "2026-11-05")
    meetings.add_attendee(store, mid, "Sam", "Probation")
    meetings.add_attendee(store, mid, "Jo", "Northshire Homes")
    meetings.add_attendee(store, mid, "Kim", "northshire  homes")
    actions.add_action(store, "P1", "Northshire Homes", "Tenancy review")
    nominations.refer(store, "P1", "MARAC", None, "repeat case", "2026-10-01")


def test_agency_choices_are_the_list_then_the_data(store):
    _agency_rows(store)
    assert force.agencies_in_data(store) == ["Northshire Homes", "MARAC", "Probation"]
    force.save(store, ForceSettings("F", (), ("Police", "probation")))
    assert force.agency_choices(store) == ["Police", "probation", "MARAC", "Northshire Homes"]

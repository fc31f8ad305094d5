"""The optional serial rule: victims "unconnected to each other" (family, or sharing an address, count as one)."""

from __future__ import annotations

import dataclasses

import pytest
from scoring_support import A, load, merge, row

from matac_desk.analysis import scoring

ADULT = "1980-05-05"
ON = scoring.ScoringConfig(serial_unconnected_victims=True)


def _serial(store, cfg):
    ranked = {s.perpetrator_id: s.serial for s in scoring.score_all(store, A, cfg)}
    e = scoring.explain(store, "P", A, cfg)
    assert ranked["P"] == e.serial == e.score.serial
    return e


def _family(store, a, b):
    with store.transaction():
        store.conn.execute("INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen,"
                           " source) VALUES (?, ?, 'sister', 'family', '2020-01-01', 'test')", [a, b])


def test_off_by_default(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Harassment", "P", "W2")])
    _family(store, "W1", "W2")
    assert scoring.ScoringConfig().serial_unconnected_victims is False
    e = _serial(store, scoring.ScoringConfig())
    assert e.serial and e.serial_groups == ()
    assert "unconnected" not in scoring.rules_sentence(scoring.ScoringConfig())


def test_two_sisters_count_as_one_victim(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Harassment", "P", "W2")])
    assert _serial(store, ON).serial                      # not connected yet: two victims
    _family(store, "W2", "W1")
    e = _serial(store, ON)
    assert not e.serial and e.serial_groups == (("W1", "W2"),)
    assert e.score.v == 3 and e.score.victims == 2        # V is not the serial rule's business
    assert "W1 and W2 counted as one: family or shared an address" in "\n".join(e.lines())
    assert "unconnected victims" in e.rules


def test_family_recorded_on_an_involvement_between_them(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Harassment", "P", "W2"),
                           row("I3", 300, "Common assault", "W1", "W2", relationship="sister")])
    assert not _serial(store, ON).serial


def test_victims_at_one_address_on_one_day_share_it(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "M", address="1 High St", postcode="NE1 1AA"),
                           row("I2", 10, "Harassment", "P", "D", address=" 1  HIGH st ", postcode="ne11aa")])
    e = _serial(store, ON)
    assert not e.serial and e.serial_groups == (("D", "M"),)


def test_the_same_address_on_other_days_is_not_sharing_it(store, tmp_path):
    """Successive partners at his address are different victims: the rule needs the same day."""
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1", address="1 High St"),
                           row("I2", 200, "Harassment", "P", "W2", address="1 High St")])
    assert _serial(store, ON).serial


def test_a_third_unconnected_victim_keeps_him_serial(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Harassment", "P", "W2"),
                           row("I3", 30, "Harassment", "P", "X")])
    _family(store, "W1", "W2")
    e = _serial(store, ON)
    assert e.serial and e.serial_groups == (("W1", "W2"), ("X",))
    three = dataclasses.replace(ON, serial_min_victims=3)
    assert not _serial(store, three).serial


def test_merged_victim_records_are_resolved(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Harassment", "P", "W2b")])
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, name_key, created_at, updated_at) VALUES ('W2', '', 'x', 'x')")
    _family(store, "W1", "W2")
    assert _serial(store, ON).serial
    merge(store, "W2b", "W2")
    assert not _serial(store, ON).serial


@pytest.mark.parametrize("text, value", [("on", True), ("OFF", False), ("yes", True), ("0", False)])
def test_the_setting_is_saved(store, text, value):
    assert scoring.set_config_value(store, "serial_unconnected_victims", text).config.serial_unconnected_victims \
        is value


def test_a_bad_value_is_refused(store):
    with pytest.raises(scoring.UserError, match="serial_unconnected_victims: 'maybe': say on or off"):
        scoring.set_config_value(store, "serial_unconnected_victims", "maybe")

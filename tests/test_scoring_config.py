"""The scoring configuration: validation, versions, audit, and that a change changes the ranking."""

from __future__ import annotations

import dataclasses
import json

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError

BAD = [
    ({"window_days": -1}, "window_days: must be a whole number"),
    ({"min_age": 1.5}, "min_age: must be a whole number"),
    ({"weight_g": -1}, "weight_g: a weight is a number from 0 to 100"),
    ({"weight_r": float("nan")}, "weight_r"),
    ({"recency_bands": ((0, 30, 5), (32, 729, 1))}, "recency_bands: band 2 starts at 32; it must start at 31"),
    ({"recency_bands": ((0, 30, 5), (31, 400, 1))}, "the bands stop at 400 days but the window runs to 729"),
    ({"recency_bands": ((1, 729, 5),)}, "recency_bands: band 1 starts at 1; it must start at 0"),
    ({"frequency_bands": ((1, 1, 1), (2, 9, 2))}, "frequency_bands: the last band must be open-ended"),
    ({"victim_bands": ((1, None, 1), (2, None, 2))}, "only the last band can be open-ended"),
    ({"victim_bands": ((1, 3, 1), (4, 2, 2), (3, None, 3))}, "ends (2) before it starts (4)"),
    ({"frequency_bands": ((1, None, 101),)}, "points run from 0 to 100"),
    ({"gravity": (scoring.GravityEntry("Rape", 5), scoring.GravityEntry(" RAPE ", 4))}, "gravity: ' RAPE ' is listed twice"),
]


@pytest.mark.parametrize("change, message", BAD, ids=[m for _, m in BAD])
def test_bad_configurations_are_one_line_errors(change, message):
    with pytest.raises(UserError) as err:
        dataclasses.replace(scoring.ScoringConfig(), **change).validate()
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_default_configuration_is_the_issue_s_rules():
    cfg = scoring.ScoringConfig().validate()
    assert [cfg.recency(d) for d in (0, 30, 31, 90, 91, 180, 181, 365, 366, 729, 730)] == \
        [5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0]
    assert [cfg.frequency(n) for n in (1, 2, 3, 4, 5, 7, 8, 50)] == [1, 2, 3, 3, 4, 4, 5, 5]
    assert [cfg.victims(n) for n in (1, 2, 3, 4, 9)] == [1, 3, 4, 5, 5]
    assert len(cfg.gravity) == 25
    assert sorted(cfg.gravity_points().values()).count(5) == 9


def test_json_round_trip_is_exact():
    cfg = scoring.ScoringConfig(weight_v=0.25, serial_window_days=1000)
    again = scoring.ScoringConfig.from_json(json.loads(json.dumps(cfg.settings())),
                                            json.loads(json.dumps(cfg.gravity_json())))
    assert again == cfg


def test_unknown_setting_in_stored_json_is_an_error():
    with pytest.raises(UserError, match="unknown scoring setting"):
        scoring.ScoringConfig.from_json({"window": 3}, None)


@pytest.mark.parametrize("text, bands", [
    ("0-30=5, 31-90=4", ((0, 30, 5), (31, 90, 4))),
    ("1=1; 2=3; 3=4; 4+=5", ((1, 1, 1), (2, 2, 3), (3, 3, 4), (4, None, 5))),
])
def test_parse_bands(text, bands):
    assert scoring.parse_bands(text) == bands
    assert scoring.parse_bands(scoring.format_bands(bands)) == bands


@pytest.mark.parametrize("text", ["0-30", "a-b=3", "", "1-2=x"])
def test_parse_bands_rejects(text):
    with pytest.raises(UserError):
        scoring.parse_bands(text)


def _audit(store, action):
    return store.conn.execute("SELECT entity_id, detail, reason FROM audit_log WHERE action = ? ORDER BY id",
                              [action]).fetchall()


def test_a_change_changes_the_ranking_and_is_recorded(store, tmp_path):
    # PA: 400 days ago, rape: R1 F1 G5 V1 = 8. PB: 3 days ago, harassment: R5 F1 G2 V1 = 9.
    load(store, tmp_path, [row("I1", 400, "Rape", "PA", "V1"), row("I2", 3, "Harassment", "PB", "V2")])
    assert scoring.active_config(store).version is None
    assert [s.perpetrator_id for s in scoring.score_all(store, A)] == ["PB", "PA"]
    v2 = scoring.set_config_value(store, "weight_g", "3", reason="gravity matters most here")
    assert (v2.version, v2.config.weight_g) == (2, 3)   # version 1 is the default, saved first
    ranked = scoring.score_all(store, A)
    assert [(s.perpetrator_id, s.score, s.config_version) for s in ranked] == [("PA", 18, 2), ("PB", 13, 2)]
    entries = _audit(store, "scoring.config_changed")
    assert [e[0] for e in entries] == ["1", "2"]
    assert json.loads(entries[1][1]) == {"version": 2, "previous": 1, "changed": ["weight_g"]}
    assert entries[1][2] == "gravity matters most here"
    # Old versions stay as they were; the old ranking can be reproduced with version 1.
    assert [s.perpetrator_id for s in scoring.score_all(store, A, version=1)] == ["PB", "PA"]


def test_saving_the_same_configuration_makes_no_new_version(store):
    one = scoring.ensure_active_config(store)
    again = scoring.save_config(store, scoring.ScoringConfig())
    assert (one.version, again.version) == (1, 1)
    assert len(scoring.config_history(store)) == 1


def test_restore_makes_a_new_version_with_the_old_settings(store):
    scoring.set_config_value(store, "recency_bands", "0-30=5, 31-365=3, 366-1094=1")
    scoring.set_config_value(store, "window_days", "1094")
    restored = scoring.restore_config(store, 1)
    assert restored.version == 4
    assert restored.config == scoring.load_config(store, 1).config
    assert [h.active for h in scoring.config_history(store)] == [False, False, False, True]


@pytest.mark.parametrize("key, value, message", [
    ("windw_days", "3", "no scoring setting called 'windw_days'"),
    ("window_days", "two", "window_days: 'two' is not a whole number"),
    ("window_days", "1000", "the bands stop at 729 days but the window runs to 1000 days"),
    ("weight_r", "x", "weight_r: 'x' is not a number"),
])
def test_set_config_value_errors_change_nothing(store, key, value, message):
    with pytest.raises(UserError, match=message):
        scoring.set_config_value(store, key, value)
    assert scoring.active_config(store).config == scoring.ScoringConfig()
    assert len(scoring.config_history(store)) <= 1

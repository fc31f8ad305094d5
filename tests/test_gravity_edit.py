"""Editing the scoring configuration as a form does: several numbers at once, and the gravity table in place."""

from __future__ import annotations

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError
from matac_desk.analysis.scoring import GravityEntry


def _versions(store):
    return store.scalar("SELECT count(*) FROM scoring_configs")


def test_several_settings_make_one_version_and_keep_the_rest(store):
    scoring.set_gravity_points(store, "Theft from the person", 2)
    v = _versions(store)
    new = scoring.set_config_values(store, {"window_days": 364, "recency_bands": "0-30=5, 31-364=1",
                                            "weight_v": "1.5"}, reason="a shorter look-back")
    assert _versions(store) == v + 1 and new.reason == "a shorter look-back"
    cfg = scoring.active_config(store).config
    assert (cfg.window_days, cfg.recency_bands, cfg.weight_v) == (364, ((0, 30, 5), (31, 364, 1)), 1.5)
    assert cfg.gravity_points()["theft from the person"] == 2
    (entry,) = [e for e in store.conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'scoring.config_changed' ORDER BY id DESC LIMIT 1")]
    assert {"window_days", "recency_bands", "weight_v"} <= set(__import__("json").loads(entry[0])["changed"])


@pytest.mark.parametrize("values, message", [
    ({"window_days": 800}, "recency_bands: the bands stop at 729 days but the window runs to 800"),
    ({"serial_min_victims": -1}, "serial_min_victims: must be a whole number"),
    ({"weights": 2}, "no scoring setting called 'weights'"),
    ({"weight_f": "heavy"}, "weight_f: 'heavy' is not a number"),
])
def test_a_bad_value_saves_no_version(store, values, message):
    scoring.ensure_active_config(store)
    v = _versions(store)
    with pytest.raises(UserError, match=message):
        scoring.set_config_values(store, {"min_age": 17} | values)
    assert _versions(store) == v and scoring.active_config(store).config.min_age == 16


def test_gravity_edits_change_add_and_remove_in_one_version(store):
    scoring.ensure_active_config(store)
    v = _versions(store)
    new = scoring.edit_gravity(store, {
        "ASSAULT occasioning actual bodily harm": GravityEntry("Assault occasioning actual bodily harm", 5),
        "Theft from the person": GravityEntry("Theft  from the person", 2),
        "Criminal damage": None,
    }, reason="force policy")
    assert _versions(store) == v + 1 and new.reason == "force policy"
    table = {e.key: e for e in scoring.active_config(store).config.gravity}
    assert table["assault occasioning actual bodily harm"].points == 5
    assert table["theft from the person"].offence == "Theft from the person"
    assert "criminal damage" not in table
    assert list(table)[-1] == "theft from the person"          # added at the end
    assert len(table) == len(scoring.load_gravity_profile("default"))


def test_gravity_edits_that_cannot_work_save_nothing(store):
    scoring.ensure_active_config(store)
    v = _versions(store)
    for changes, message in [({"Murder": GravityEntry("Murder", 101)}, "'Murder': points run from 0 to 100"),
                             ({"Stalking": GravityEntry("Stalking", None, -3)}, "days must be 0 or more"),
                             ({"Juggling": None}, "'Juggling' is not in the table"),
                             ({"Murder": GravityEntry("Manslaughter", 5)}, "the row for 'Murder' names"),
                             ({"Harassment": GravityEntry("Harassment")}, "neither points nor days")]:
        with pytest.raises(UserError, match=message):
            scoring.edit_gravity(store, changes)
    assert _versions(store) == v


def test_an_edited_table_changes_the_ranking(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Theft from the person", "P1", "V1"),
                           row("I2", 10, "Public order offence", "P2", "V2")])
    before = {s.perpetrator_id: s.g for s in scoring.score_all(store, A)}
    assert before == {"P1": 1, "P2": 2}
    new = scoring.edit_gravity(store, {"Theft from the person": GravityEntry("Theft from the person", 4)})
    after = scoring.score_all(store, A)
    assert [(s.perpetrator_id, s.g, s.config_version) for s in after] == [("P1", 4, new.version),
                                                                           ("P2", 2, new.version)]

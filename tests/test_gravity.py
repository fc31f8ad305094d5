"""Gravity tables: the shipped profiles, CSV import, mapping an unmapped offence."""

from __future__ import annotations

import io
import json

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError


def test_default_profile_is_the_issue_s_table():
    points = scoring.ScoringConfig().gravity_points()
    assert points["murder"] == 5 and points["wounding or inflicting gbh"] == 5
    assert points["assault occasioning actual bodily harm"] == 4 and points["burglary dwelling"] == 4
    assert points["controlling or coercive behaviour"] == 3 and points["disclosing private sexual images"] == 3
    assert points["public order offence"] == 2 and points["non-crime domestic incident"] == 1
    assert len(points) == 25


@pytest.mark.parametrize("offence, days, points", [
    ("murder", 5475, 5), ("false imprisonment", 1095, 5), ("controlling or coercive behaviour", 182, 4),
    ("breach of protective order", 84, 3), ("harassment", 10, 2), ("public order offence", 2, 2),
    ("non-crime domestic incident", 0, 1),
])
def test_chi_profile_days_become_points_by_the_day_bands(offence, days, points):
    table = {e.key: e for e in scoring.load_gravity_profile("chi")}
    assert table[offence].days == days
    cfg = scoring.ScoringConfig(gravity=scoring.load_gravity_profile("chi"))
    assert cfg.gravity_points()[offence] == points


@pytest.mark.parametrize("text, message", [
    ("offence\nRape\n", "must name an 'offence' column and a 'points' or 'days' column"),
    ("offence,points\nRape,five\n", "line 2: points 'five' is not a whole number"),
    ("offence,points\nRape,5\n rape ,4\n", "line 3: 'rape' is listed twice (first on line 2)"),
    ("offence,days\nRape,-3\n", "line 2: days must be 0 or more"),
    ("offence,points\n,3\n", "line 2: the offence is empty"),
    ("offence,points,days\nRape,,\n", "'Rape' has neither points nor days"),
    ("offence,points\nRape,500\n", "points must run from 0 to 100"),
    ("# only a comment\n", "the gravity table is empty"),
    ("offence,points\n", "has a header but no offences"),
])
def test_bad_gravity_csv_is_a_one_line_error(text, message):
    with pytest.raises(UserError) as err:
        scoring.read_gravity_csv(io.StringIO(text), name="force.csv")
    assert message in str(err.value) and str(err.value).startswith("force.csv")


def test_comments_and_both_columns():
    entries = scoring.read_gravity_csv(io.StringIO("# note\nOffence,Points,Days\nRape,5,\nStalking,,10\n"))
    assert entries == (scoring.GravityEntry("Rape", 5, None), scoring.GravityEntry("Stalking", None, 10))


def test_mapping_an_unmapped_offence(store, tmp_path):
    load(store, tmp_path, [row("I1", 3, "Theft from the person", "P1", "V1"),
                           row("I2", 4, "Theft from the person", "P2", "V2"),
                           row("I3", 5, "Assault on emergency worker", "P1", "V1")])
    unmapped = scoring.unmapped_offences(store)
    assert [(u.offence, u.incidents) for u in unmapped] == [("Theft from the person", 2),
                                                           ("Assault on emergency worker", 1)]
    e = scoring.explain(store, "P1", A)
    assert (e.score.g, e.unmapped) == (1, ("Assault on emergency worker", "Theft from the person"))
    new = scoring.set_gravity_points(store, "theft  FROM the person", 3, reason="force policy")
    assert new.version == 2
    assert [u.key for u in scoring.unmapped_offences(store)] == ["assault on emergency worker"]
    assert {s.perpetrator_id: s.g for s in scoring.score_all(store, A)} == {"P1": 3, "P2": 3}
    (entry,) = store.conn.execute("SELECT detail FROM audit_log WHERE action = 'scoring.config_changed'"
                                  " AND entity_id = '2'").fetchall()
    assert json.loads(entry[0])["offence"] == "theft from the person"
    # Mapping it to the same points again changes nothing.
    assert scoring.set_gravity_points(store, "Theft from the person", 3).version == 2


def test_remapping_keeps_the_offence_in_place(store):
    new = scoring.set_gravity_points(store, "RAPE", 4)
    assert [e.offence for e in new.config.gravity][:6] == [e.offence for e in scoring.ScoringConfig().gravity][:6]
    assert new.config.gravity_points()["rape"] == 4


def test_import_a_force_table_and_switch_profiles(store, tmp_path):
    path = tmp_path / "force.csv"
    path.write_text("offence,points\nCommon assault,2\nRape,5\n", encoding="utf-8")
    v = scoring.import_gravity(store, path)
    assert (v.config.gravity_source, len(v.config.gravity)) == ("imported force.csv", 2)
    v = scoring.use_gravity_profile(store, "chi")
    assert v.config.gravity_source == "chi" and v.config.gravity[0].days == 5475
    with pytest.raises(UserError, match="no gravity profile called 'cps'"):
        scoring.use_gravity_profile(store, "cps")
    with pytest.raises(UserError, match="no such file"):
        scoring.import_gravity(store, tmp_path / "missing.csv")
    assert [h.version for h in scoring.config_history(store)] == [1, 2, 3]


def test_export_then_import_is_the_same_table(store, tmp_path):
    cfg = scoring.ScoringConfig(gravity=scoring.load_gravity_profile("chi"))
    path = scoring.write_gravity_csv(tmp_path / "out.csv", cfg.gravity)
    assert scoring.read_gravity_csv(path) == cfg.gravity

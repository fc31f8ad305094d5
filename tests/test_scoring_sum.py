"""gravity_mode = sum: each counted incident's highest gravity added up over the window, then banded."""

from __future__ import annotations

import dataclasses

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError

ADULT = "1980-05-05"
ROWS = [row("I1", 10, "Harassment", "P", "W", dob=ADULT, victim_dob=ADULT),                        # 2 (10 days)
        row("I2", 40, "ASSLT OCC ABH", "P", "W", dob=ADULT, victim_dob=ADULT, code="8N"),          # 4 (365)
        row("I3", 50, "Common assault", "P", "W", dob=ADULT, victim_dob=ADULT),                    # 3 (10)
        row("I3", 50, "Harassment", "P", "W", dob=ADULT, victim_dob=ADULT),                        # 2: not added
        row("I4", 60, "Rape", "P", "C", dob=ADULT, victim_dob="2015-01-01"),                       # a child: out
        row("I5", 800, "Murder", "P", "W", dob=ADULT, victim_dob=ADULT)]                           # outside


def _agree(store, cfg):
    (s,) = scoring.score_all(store, A, cfg)
    e = scoring.explain(store, "P", A, cfg)
    s.rank = None
    assert s == e.score
    return e


def test_max_mode_is_the_default(store, tmp_path):
    load(store, tmp_path, ROWS)
    e = _agree(store, scoring.ScoringConfig())
    assert (e.score.g, e.gravity_total) == (4, None)


def test_sum_of_points(store, tmp_path):
    load(store, tmp_path, ROWS)
    cfg = scoring.ScoringConfig(gravity_mode="sum")
    e = _agree(store, cfg)
    # 2 + 4 + 3 = 9 -> band 8-12 -> 3; R 5 (10 days), F 3 (3 incidents), V 1
    assert (e.gravity_total, e.score.g, e.score.score) == (9, 3, 12)
    assert e.gravity_values == (("I1", 2), ("I2", 4), ("I3", 3))
    assert "G 3: sum of each incident's highest gravity 9 = 2 (I1) + 4 (I2) + 3 (I3)" in "\n".join(e.lines())
    narrow = dataclasses.replace(cfg, gravity_sum_bands=((0, 8, 1), (9, None, 7)))
    assert _agree(store, narrow).score.g == 7


def test_the_chi_profile_sums_days(store, tmp_path):
    load(store, tmp_path, ROWS)
    stored = scoring.use_gravity_profile(store, "chi")
    assert (stored.config.gravity_mode, stored.config.gravity_sum_bands) == ("sum", scoring.SUM_BANDS_DAYS)
    e = _agree(store, None)
    # harassment 10 + ABH (by code 8N) 365 + common assault 10 = 385 days -> 365-1,824 -> 4
    assert (e.gravity_total, e.score.g) == (385, 4)
    assert ("I2", 365) in e.gravity_values and any("code 8N" in m and m.endswith(", 365 days of harm") for m in e.matches)
    # the incident lines keep points (days banded), so that the timeline reads 1 to 5
    assert {ln.ref: ln.gravity for ln in e.incidents if ln.status == "scored"} == {"I1": 2, "I2": 4, "I3": 2}
    back = scoring.use_gravity_profile(store, "default")
    assert (back.config.gravity_mode, back.config.gravity_sum_bands) == ("max", scoring.SUM_BANDS_POINTS)
    assert _agree(store, None).score.g == 4


def test_sum_bands_keep_the_index_spread():
    """Ten harassments stay below one assault with injury, and that below one rape."""
    bands = scoring.SUM_BANDS_DAYS
    assert scoring.band_points(bands, 10) < scoring.band_points(bands, 100) < scoring.band_points(bands, 365) \
        < scoring.band_points(bands, 1825)


def test_sum_settings_are_checked_and_saved(store):
    with pytest.raises(UserError, match="gravity_mode: 'most' is not a mode"):
        scoring.set_config_value(store, "gravity_mode", "most")
    v = scoring.set_config_values(store, {"gravity_mode": "SUM", "gravity_sum_bands": "0-5=1, 6+=2"})
    assert (v.config.gravity_mode, v.config.gravity_sum_bands) == ("sum", ((0, 5, 1), (6, None, 2)))
    with pytest.raises(UserError, match="gravity_sum_bands: the last band must be open-ended"):
        scoring.set_config_value(store, "gravity_sum_bands", "0-5=1")

"""Domestic abuse is between two people each aged 16 or over (DA Act 2021 s.1): the age rule, person by person.

A = 2026-11-01; the incidents are 10 days before it, on 2026-10-22. Every case
is scored twice, by score_all (SQL) and by explain (row by row), and the two
must agree; the explanation says what was left out and what was assumed.
"""

from __future__ import annotations

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring

ADULT = "1980-05-05"
CASES = [
    # (case, rows, expected (score, r, f, g, v, incidents, victims, serial) or None, not counted, assumed)
    ("a child victim (8) is not a victim of his DA score: F, G, V and serial leave her out",
     [row("I1", 10, "Harassment", "P", "W", dob=ADULT, victim_dob="1985-01-01"),
      row("I2", 20, "Common assault", "P", "C", dob=ADULT, victim_dob="2018-01-01")],
     (9, 5, 1, 2, 1, 1, 1, False), ["victim under 16 (age 8) in I2 (C)"], []),
    ("a victim aged 15 years 364 days is under 16: nothing counts",
     [row("I1", 10, "Rape", "P", "Y", dob=ADULT, victim_dob="2010-10-23")],
     None, ["victim under 16 (age 15) in I1 (Y)"], []),
    ("a victim 16 on the very day counts",
     [row("I1", 10, "Rape", "P", "Y", dob=ADULT, victim_dob="2010-10-22")],
     (12, 5, 1, 5, 1, 1, 1, False), [], []),
    ("an unknown date of birth counts, and is said to be assumed",
     [row("I1", 10, "Harassment", "P", "U", dob=ADULT)],
     (9, 5, 1, 2, 1, 1, 1, False), [], ["U (victim)"]),
    ("neither date of birth known: both assumed",
     [row("I1", 10, "Harassment", "P", "U")],
     (9, 5, 1, 2, 1, 1, 1, False), [], ["P (perpetrator)", "U (victim)"]),
    ("one incident, an adult and a child victim: it counts through the adult, G from her offence only",
     [row("I1", 10, "Rape", "P", "C", dob=ADULT, victim_dob="2018-01-01"),
      row("I1", 10, "Common assault", "P", "W", dob=ADULT, victim_dob="1990-01-01")],
     (10, 5, 1, 3, 1, 1, 1, False), ["victim under 16 (age 8) in I1 (C)"], []),
    ("a perpetrator of 15 years 364 days: not counted, said so",
     [row("I1", 10, "Harassment", "P", "W", dob="2010-10-23", victim_dob="1990-01-01"),
      row("I2", 5, "Harassment", "P", "W2", dob="2010-10-23", victim_dob="1990-01-01")],
     (9, 5, 1, 2, 1, 1, 1, False), ["perpetrator under 16 (age 15) in I1"], []),
    ("a child victim cannot make a father serial (she would have made V 3)",
     [row("I1", 10, "Harassment", "P", "W", dob=ADULT, victim_dob="1985-01-01"),
      row("I2", 400, "Harassment", "P", "C", dob=ADULT, victim_dob="2018-01-01"),
      row("I3", 500, "Harassment", "P", "C", dob=ADULT, victim_dob="2018-01-01")],
     (9, 5, 1, 2, 1, 1, 1, False), ["victim under 16 (age 7) in I2 (C)", "victim under 16 (age 7) in I3 (C)"], []),
]


@pytest.mark.parametrize("name, rows, expected, not_counted, assumed", CASES, ids=[c[0] for c in CASES])
def test_the_age_rule(store, tmp_path, name, rows, expected, not_counted, assumed):
    load(store, tmp_path, rows)
    got = {s.perpetrator_id: (s.score, s.r, s.f, s.g, s.v, s.incidents, s.victims, s.serial)
           for s in scoring.score_all(store, A)}
    e = scoring.explain(store, "P", A)
    one = e.score
    if expected is None:
        assert got == {} and one is None
    else:
        assert got == {"P": expected}
        assert (one.score, one.r, one.f, one.g, one.v, one.incidents, one.victims, one.serial) == expected
    assert list(e.not_counted) == not_counted
    assert list(e.assumed) == assumed
    text = "\n".join(e.lines())
    for n in not_counted:
        assert f"not counted: {n}" in text
    if assumed:
        assert "date of birth not recorded, assumed 16 or over: " + ", ".join(assumed) in text


def test_the_child_stays_in_the_incident_s_victims(store, tmp_path):
    """Left out of the score, not out of the record: the incident line still names her."""
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W", dob=ADULT, victim_dob="1985-01-01"),
                           row("I2", 20, "Common assault", "P", "C", dob=ADULT, victim_dob="2018-01-01")])
    lines = {ln.ref: ln for ln in scoring.explain(store, "P", A).incidents}
    assert lines["I2"].victim_ids == ("C",) and lines["I2"].status == "under 16"
    assert lines["I2"].not_counted == ("victim under 16 (age 8) in I2 (C)",)
    assert lines["I1"].status == "scored"


def test_min_age_is_a_setting(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "Y", dob=ADULT, victim_dob="2009-01-01")])
    assert scoring.score_person(store, "P", A).victims == 1          # 17: counted at 16
    cfg = scoring.ScoringConfig(min_age=18)
    assert scoring.score_all(store, A, cfg) == [] and scoring.score_person(store, "P", A, cfg) is None
    assert scoring.explain(store, "P", A, cfg).not_counted == ("victim under 18 (age 17) in I1 (Y)",)


@pytest.mark.parametrize("dob, day, age", [("2010-07-25", "2026-07-24", 15), ("2010-07-24", "2026-07-24", 16),
                                           ("2008-02-29", "2024-02-28", 15), ("2008-02-29", "2024-02-29", 16),
                                           (None, "2024-01-01", None), ("not a date", "2024-01-01", None)])
def test_age_on_the_day(dob, day, age):
    assert scoring.age_on(dob, day) == age


def test_the_rules_sentence_names_the_windows_and_the_age():
    text = scoring.rules_sentence(scoring.ScoringConfig())
    assert text.startswith("R, F, V and G over 730 days; serial over 1,095 days: 2+ victims and 2+ incidents.")
    assert "both people were 16 or over on the day" in text
    text = scoring.rules_sentence(scoring.ScoringConfig(min_age=18, serial_window_days=729, gravity_mode="sum"))
    assert "serial over 730 days" in text and "18 or over" in text and "sum of each incident's highest" in text

"""The default RFGV rules on tricky data, imported through the real importer.

Every expected number below is worked out by hand from the rules in issue 3
(and the module docstring of matac_desk.analysis.scoring): A = 2026-11-01.
"""

from __future__ import annotations

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring

# (case, rows, {person: (score, r, f, g, v, incidents, victims, serial)} ; absent = not scored)
CASES = [
    ("one incident today: R5 F1 G3 (common assault) V1",
     [row("I1", 0, "Common assault", "P1", "V1")],
     {"P1": (10, 5, 1, 3, 1, 1, 1, False)}),
    ("window edge: 729 days is in (R1), 730 days is out",
     [row("I1", 729, "Harassment", "P1", "V1"), row("I2", 730, "Rape", "P2", "V2")],
     {"P1": (5, 1, 1, 2, 1, 1, 1, False)}),
    ("recency edges 30/31 days: R5 and R4",
     [row("I1", 30, "Harassment", "P1", "V1"), row("I2", 31, "Harassment", "P2", "V2")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, False), "P2": (8, 4, 1, 2, 1, 1, 1, False)}),
    ("recency edges 90/91, 180/181, 365/366 days",
     [row("I1", 90, "Harassment", "P1", "V1"), row("I2", 91, "Harassment", "P2", "V2"),
      row("I3", 180, "Harassment", "P3", "V3"), row("I4", 181, "Harassment", "P4", "V4"),
      row("I5", 365, "Harassment", "P5", "V5"), row("I6", 366, "Harassment", "P6", "V6")],
     {"P1": (8, 4, 1, 2, 1, 1, 1, False), "P2": (7, 3, 1, 2, 1, 1, 1, False),
      "P3": (7, 3, 1, 2, 1, 1, 1, False), "P4": (6, 2, 1, 2, 1, 1, 1, False),
      "P5": (6, 2, 1, 2, 1, 1, 1, False), "P6": (5, 1, 1, 2, 1, 1, 1, False)}),
    ("an incident after A is ignored: R from the earlier one, F 1",
     [row("I1", -1, "Murder", "P1", "V1"), row("I2", 100, "Harassment", "P1", "V2")],
     {"P1": (7, 3, 1, 2, 1, 1, 1, False)}),
    ("only incidents after A: not scored",
     [row("I1", -5, "Common assault", "P1", "V1")],
     {}),
    ("two offences in one incident: F 1, G the higher (ABH 4)",
     [row("I1", 10, "Common assault", "P1", "V1"),
      row("I1", 10, "Assault occasioning actual bodily harm", "P1", "V1")],
     {"P1": (11, 5, 1, 4, 1, 1, 1, False)}),
    ("two victims in one incident: F 1, V 2 -> 3 points; serial needs two incidents",
     [row("I1", 10, "Criminal damage", "P1", "V1"), row("I1", 10, "Criminal damage", "P1", "V2")],
     {"P1": (11, 5, 1, 2, 3, 1, 2, False)}),
    ("the same row twice in the extract counts once",
     [row("I1", 10, "Stalking", "P1", "V1"), row("I1", 10, "Stalking", "P1", "V1")],
     {"P1": (10, 5, 1, 3, 1, 1, 1, False)}),
    ("offence names match case-insensitively with spaces collapsed",
     [row("I1", 10, "  THREATS   to kill ", "P1", "V1")],
     {"P1": (11, 5, 1, 4, 1, 1, 1, False)}),
    ("an unmapped offence scores 1",
     [row("I1", 10, "Theft from the person", "P1", "V1")],
     {"P1": (8, 5, 1, 1, 1, 1, 1, False)}),
    ("counter-allegation: each is scored only where he is the perpetrator",
     [row("I1", 10, "Wounding or inflicting GBH", "P1", "P2"), row("I2", 10, "Common assault", "P2", "P1")],
     {"P1": (12, 5, 1, 5, 1, 1, 1, False), "P2": (10, 5, 1, 3, 1, 1, 1, False)}),
    ("frequency 3-4 -> 3 and victims 3 -> 4, serial",
     [row("I1", 1, "Harassment", "P1", "V1"), row("I2", 2, "Harassment", "P1", "V2"),
      row("I3", 3, "Harassment", "P1", "V3"), row("I4", 4, "Harassment", "P1", "V1")],
     {"P1": (14, 5, 3, 2, 4, 4, 3, True)}),
    ("frequency 5 -> 4; victims 4 -> 5",
     [row(f"I{k}", k, "Harassment", "P1", f"V{min(k, 4)}") for k in range(1, 6)],
     {"P1": (16, 5, 4, 2, 5, 5, 4, True)}),
    ("frequency 7 -> 4, 8 -> 5",
     [row(f"A{k}", k, "Harassment", "P7", "V1") for k in range(1, 8)]
     + [row(f"B{k}", k, "Harassment", "P8", "V2") for k in range(1, 9)],
     {"P7": (12, 5, 4, 2, 1, 7, 1, False), "P8": (13, 5, 5, 2, 1, 8, 1, False)}),
    ("serial: the second victim's incident at 1094 days counts (not for the score)",
     [row("I1", 10, "Harassment", "P1", "V1"), row("I2", 1094, "Harassment", "P1", "V2")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, True)}),
    ("serial: at 1095 days it does not",
     [row("I1", 10, "Harassment", "P1", "V1"), row("I2", 1095, "Harassment", "P1", "V2")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, False)}),
    ("serial needs two victims: two incidents, one victim",
     [row("I1", 10, "Harassment", "P1", "V1"), row("I2", 20, "Harassment", "P1", "V1")],
     {"P1": (10, 5, 2, 2, 1, 2, 1, False)}),
    ("G counts only incidents in the window: an old rape does not",
     [row("I1", 10, "Harassment", "P1", "V1"), row("I2", 800, "Rape", "P1", "V1")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, False)}),
    # 100 days before A is 2026-07-24.
    ("under 16 on the day: 16th birthday the day after the incident -> ignored",
     [row("I1", 100, "Rape", "P1", "V1", dob="2010-07-25"), row("I2", 10, "Harassment", "P1", "V2",
                                                                  dob="2010-07-25")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, False)}),
    ("16th birthday on the incident day -> counted",
     [row("I1", 100, "Rape", "P1", "V1", dob="2010-07-24"), row("I2", 10, "Harassment", "P1", "V2",
                                                                  dob="2010-07-24")],
     {"P1": (15, 5, 2, 5, 3, 2, 2, True)}),
    ("born 29 February 2008: 16 on 29 February 2024, so under 16 on 28 February 2024",
     [row("I1", 977, "Rape", "P1", "V1", dob="2008-02-29"), row("I2", 10, "Harassment", "P1", "V2",
                                                                 dob="2008-02-29")],
     {"P1": (9, 5, 1, 2, 1, 1, 1, False)}),
    ("under 16 for every incident: not scored",
     [row("I1", 10, "Common assault", "P1", "V1", dob="2012-01-01")],
     {}),
]


@pytest.mark.parametrize("name, rows, expected", CASES, ids=[c[0] for c in CASES])
def test_scores_match_hand_worked_numbers(store, tmp_path, name, rows, expected):
    load(store, tmp_path, rows)
    got = {s.perpetrator_id: (s.score, s.r, s.f, s.g, s.v, s.incidents, s.victims, s.serial)
           for s in scoring.score_all(store, A)}
    assert got == expected
    # The row-by-row implementation agrees, person by person.
    for pid, parts in expected.items():
        one = scoring.score_person(store, pid, A)
        assert (one.score, one.r, one.f, one.g, one.v, one.incidents, one.victims, one.serial) == parts


def test_the_dates_the_cases_rely_on():
    """977 days before 2026-11-01 is 2024-02-28 (hand-checked), the day before a 16th birthday."""
    assert row("X", 100, "x", "p", "v")[1] == "2026-07-24"
    assert row("X", 977, "x", "p", "v")[1] == "2024-02-28"
    assert row("X", 976, "x", "p", "v")[1] == "2024-02-29"


def test_scored_the_next_day_he_was_16(store, tmp_path):
    load(store, tmp_path, [row("I1", 976, "Harassment", "P1", "V1", dob="2008-02-29"),
                           row("I2", 10, "Harassment", "P1", "V2", dob="2008-02-29")])
    s = scoring.score_person(store, "P1", A)
    assert (s.incidents, s.victims, s.serial) == (1, 1, True)  # 976 days: outside the window, inside serial


def test_latest_incident_and_division(store, tmp_path):
    load(store, tmp_path, [row("I1", 40, "Harassment", "P1", "V1", division="South"),
                           row("I2", 5, "Harassment", "P1", "V1", division="Central")])
    (s,) = scoring.score_all(store, A)
    assert (s.latest_incident, s.division, s.rank) == ("2026-10-27", "Central", 1)


def test_importing_the_same_file_twice_changes_nothing(store, tmp_path):
    rows = [row("I1", 10, "Stalking", "P1", "V1"), row("I2", 20, "Harassment", "P1", "V2")]
    load(store, tmp_path, rows, "a.csv")
    first = scoring.score_all(store, A)
    load(store, tmp_path, rows, "b.csv")
    assert scoring.score_all(store, A) == first
    assert (first[0].incidents, first[0].victims) == (2, 2)

"""Merged person records score as one person, and their victims count once."""

from __future__ import annotations

import pytest
from scoring_support import A, load, merge, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError

ROWS = [
    row("I1", 5, "Harassment", "P1", "V1"),
    row("I2", 50, "Common assault", "P1b", "V2"),        # P1b is P1 (merged)
    row("I3", 100, "Threats to kill", "P1c", "V2b"),     # P1c -> P1b -> P1; V2b is V2
    row("I4", 10, "Harassment", "Q", "V3"),
]


def test_merged_records_score_as_their_root(store, tmp_path):
    load(store, tmp_path, ROWS)
    merge(store, "P1b", "P1")
    merge(store, "P1c", "P1b")       # a chain of two steps
    merge(store, "V2b", "V2")
    got = {s.perpetrator_id: (s.score, s.r, s.f, s.g, s.v, s.incidents, s.victims, s.serial)
           for s in scoring.score_all(store, A)}
    # P1: three incidents (F3), latest 5 days (R5), threats to kill (G4), victims V1 and V2 (V 2 -> 3)
    assert got == {"P1": (15, 5, 3, 4, 3, 3, 2, True), "Q": (9, 5, 1, 2, 1, 1, 1, False)}


@pytest.mark.parametrize("asked", ["P1", "P1b", "P1c"])
def test_explain_any_record_explains_the_root(store, tmp_path, asked):
    load(store, tmp_path, ROWS)
    merge(store, "P1b", "P1")
    merge(store, "P1c", "P1b")
    e = scoring.explain(store, asked, A)
    assert e.person_id == "P1"
    assert e.records == ("P1", "P1b", "P1c")
    # V2b is not merged here: three victims (V 4), R5 F3 G4 -> 16
    assert (e.score.score, e.frequency_refs, e.victim_ids) == (16, ("I1", "I2", "I3"), ("V1", "V2", "V2b"))
    assert e.gravity_refs == ("I3",) and e.gravity_offences == ("Threats to kill",)


def test_victims_merged_into_one_count_once(store, tmp_path):
    load(store, tmp_path, [row("I1", 5, "Harassment", "P", "V1"), row("I2", 6, "Harassment", "P", "V1b")])
    assert scoring.score_person(store, "P", A).victims == 2
    merge(store, "V1b", "V1")
    (s,) = scoring.score_all(store, A)
    assert (s.victims, s.v, s.serial) == (1, 1, False)
    assert scoring.score_person(store, "P", A).victims == 1


def test_merged_record_takes_the_roots_date_of_birth(store, tmp_path):
    # Y turned 16 on 2026-10-30. The duplicate record Yb has no date of birth; the root's says
    # he was 15 on 2026-10-26, the day of the rape recorded against Yb.
    load(store, tmp_path, [row("I1", 1, "Harassment", "Y", "V1", dob="2010-10-30"),
                           row("I2", 6, "Rape", "Yb", "V2")])
    assert scoring.score_person(store, "Yb", A).g == 5          # not merged yet: no date of birth
    merge(store, "Yb", "Y")
    (s,) = scoring.score_all(store, A)
    assert (s.perpetrator_id, s.incidents, s.g, s.victims) == ("Y", 1, 2, 1)
    statuses = {ln.ref: ln.status for ln in scoring.explain(store, "Yb", A).incidents}
    assert statuses == {"I1": "scored", "I2": "under 16"}


def test_a_merge_loop_still_ends_somewhere(store, tmp_path):
    load(store, tmp_path, [row("I1", 5, "Harassment", "L1", "V1"), row("I2", 6, "Harassment", "L2", "V2")])
    merge(store, "L1", "L2")
    merge(store, "L2", "L1")
    ranked = scoring.score_all(store, A)
    assert [(s.perpetrator_id, s.incidents) for s in ranked] == [("L1", 2)]


def test_unknown_person_is_a_one_line_error(store):
    with pytest.raises(UserError, match="no person with id 'NOPE'"):
        scoring.explain(store, "NOPE", A)

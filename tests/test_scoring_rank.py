"""Ranking: score, then latest incident, then incidents, then id; ties in every key."""

from __future__ import annotations

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring

CASES = [
    ("higher score first",
     [row("I1", 10, "Harassment", "PB", "V1"), row("I2", 10, "Rape", "PA", "V2")],
     ["PA", "PB"]),
    ("same score: later latest incident first (same R band)",
     # PA: latest 20 days ago, PB: 10 days ago; both R5 F1 G2 V1 = 9
     [row("I1", 20, "Harassment", "PA", "V1"), row("I2", 10, "Harassment", "PB", "V2")],
     ["PB", "PA"]),
    ("same score and latest: more incidents first",
     # PA: two incidents (F2) G2 V1 R5 = 10; PB: one incident G3 (F1) V1 R5 = 10; both latest 5 days ago
     [row("I1", 5, "Harassment", "PA", "V1"), row("I2", 7, "Harassment", "PA", "V1"),
      row("I3", 5, "Common assault", "PB", "V2")],
     ["PA", "PB"]),
    ("same score, latest and incidents: id ascending",
     [row("I1", 5, "Harassment", "PC", "V1"), row("I2", 5, "Harassment", "PA", "V2"),
      row("I3", 5, "Harassment", "PB", "V3")],
     ["PA", "PB", "PC"]),
    ("ids compare as text: P10 before P9",
     [row("I1", 5, "Harassment", "P9", "V1"), row("I2", 5, "Harassment", "P10", "V2")],
     ["P10", "P9"]),
]


@pytest.mark.parametrize("name, rows, order", CASES, ids=[c[0] for c in CASES])
def test_rank_order(store, tmp_path, name, rows, order):
    load(store, tmp_path, rows)
    ranked = scoring.score_all(store, A)
    assert [s.perpetrator_id for s in ranked] == order
    assert [s.rank for s in ranked] == list(range(1, len(order) + 1))


def test_weights_change_the_order(store, tmp_path):
    # PA: R1 (400 days) F1 G5 V1 = 8; PB: R5 F1 G2 V1 = 9. With weight_g = 3, PA = 18 and PB = 13.
    load(store, tmp_path, [row("I1", 400, "Rape", "PA", "V1"), row("I2", 3, "Harassment", "PB", "V2")])
    assert [s.perpetrator_id for s in scoring.score_all(store, A)] == ["PB", "PA"]
    cfg = scoring.ScoringConfig(weight_g=3)
    ranked = scoring.score_all(store, A, cfg)
    assert [(s.perpetrator_id, s.score) for s in ranked] == [("PA", 18), ("PB", 13)]


def test_fractional_weights(store, tmp_path):
    # PA: R5 F1 G2 V1 -> 0.5*5 + 1 + 2 + 1 = 6.5; PB: R1 F1 G5 V1 -> 0.5 + 1 + 5 + 1 = 7.5
    load(store, tmp_path, [row("I1", 3, "Harassment", "PA", "V1"), row("I2", 400, "Rape", "PB", "V2")])
    ranked = scoring.score_all(store, A, scoring.ScoringConfig(weight_r=0.5))
    assert [(s.perpetrator_id, s.score) for s in ranked] == [("PB", 7.5), ("PA", 6.5)]
    assert scoring.score_person(store, "PA", A, scoring.ScoringConfig(weight_r=0.5)).score == 6.5

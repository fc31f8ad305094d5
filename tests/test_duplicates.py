"""Probable duplicate persons: the record linker's levels, blocking, explanations, decisions; never automatic."""

from __future__ import annotations

import numpy as np
import pytest

from matac_desk.analysis import duplicates, linkage
from matac_desk.analysis.duplicates import (explain_pair, find_duplicates, mark_not_duplicate, mark_not_duplicates,
                                            merge, undo_decision)
from matac_desk.domain import UserError
from matac_desk.services.demo import DemoSpec, fill_store

from conftest import TODAY
from graphdata import incident, link, person


def _levels(a, b):
    """The level of each field for two (forename, surname, dob) records, compared alone."""
    recs = linkage.Records.build([("A", *a, "A"), ("B", *b, "B")])
    c = linkage.compare(recs, np.array([0]), np.array([1]))
    return {f: linkage.LEVELS[f][int(v[0])].name for f, v in c.levels.items()}


@pytest.mark.parametrize("a, b, field, level", [
    (("Siobhán", "O'Neill", None), ("SIOBHAN", "ONEILL", None), "surname", "the same"),
    (("Bill", "Nowak", None), ("William", "Nowak", None), "forename", "nickname or other spelling"),
    (("Mohammed", "Khan", None), ("Muhammad", "Khan", None), "forename", "nickname or other spelling"),
    (("Aisha", "Khan", None), ("Ayesha", "Khan", None), "forename", "nickname or other spelling"),
    (("Leanne", "Khan", None), ("Leanne", "Khan-Clarke", None), "surname", "one part of a double-barrelled name"),
    (("Rebecca", "Campbell", None), ("Rebecca", "Campblel", None), "surname", "one letter off"),
    (("Nicola", "White", None), ("Nicola", "Whyte", None), "surname", "one letter off"),
    (("Emma", "Smith", None), ("Lucy", "Smith", None), "forename", "different"),
    (("Kelly", "Hall", None), ("Hall", "Kelly", None), "order", "forename and surname swapped"),
    (("Emma", "Hall", "1990-03-05"), ("Emma", "Hall", "1990-05-03"), "dob", "day and month swapped"),
    (("Emma", "Hall", "1990-03-05"), ("Emma", "Hall", "1980-03-05"), "dob", "one digit differs"),
    (("Emma", "Hall", "1990-03-05"), ("Emma", "Hall", None), "dob", "not recorded on one record"),
    (("John", "Hall", "1960-03-05"), ("John", "Hall", "1990-07-01"), "dob", "20 or more years apart (a generation)"),
    (("John", "Hall Sr", "1960-03-05"), ("John", "Hall Jr", "1990-07-01"), "generation",
     "Jr against Sr (father and son?)"),
    (("Emma", "Hall", "1990-03-05"), ("Lucy", "Hall", "1990-03-05"), "forename",
     "different, with the same surname and date of birth (twins?)"),
])
def test_comparison_levels(a, b, field, level):
    assert _levels(a, b)[field] == level


def test_blocking_meets_a_pair_whatever_single_field_varies():
    rows = [("A", "Emma", "Nowak", "1990-03-05"), ("B", "Emma", "Nowak", "1990-05-03"),   # dob swapped
            ("C", "Jade", "Okafor", "1985-01-01"), ("D", "Jade", "Taylor", "1985-01-01"),   # married name
            ("E", "Lucy", "Brown", None), ("F", "Lucy", "Brown", "1970-01-01"),             # dob missing
            ("G", "Nowak", "Piotr", "1970-02-02"), ("H", "Piotr", "Nowak", "1971-02-02")]   # swapped + year
    recs = linkage.Records.build([(*r, r[0]) for r in rows])
    met = set()
    for _rule, a, b in linkage.candidate_pairs(recs):
        met |= {tuple(sorted((recs.record[x], recs.record[y]))) for x, y in zip(a, b)}
    assert {("A", "B"), ("C", "D"), ("E", "F"), ("G", "H")} <= met
    assert ("A", "C") not in met and ("A", "H") in met     # nothing in common: never compared; a surname sound


def test_blocks_past_the_limit_are_refined_not_dropped(monkeypatch):
    monkeypatch.setattr(linkage, "MAX_BLOCK", 3)
    keys = np.array([7, 7, 7, 7, 7, 9, 9, -1])
    second = np.array([1, 1, 2, 2, 2, 5, 6, 1])
    refined = linkage._refined(keys, second)
    a, b = linkage._pairs_within(refined)
    assert sorted(zip(a.tolist(), b.tolist())) == [(0, 1), (2, 3), (2, 4), (3, 4), (5, 6)]


def test_the_seeded_duplicates_in_demo_data_are_found(store):
    _, data = fill_store(store, DemoSpec(seed=7, incidents=2500, as_of=TODAY))
    seeded = {tuple(sorted(pair[:2])) for pair in data.duplicates}
    found = {(p.a_id, p.b_id): p for p in find_duplicates(store)}
    assert len(seeded) >= 10
    assert seeded <= set(found)
    # anything else listed is explained and not a parent and child or a pair of strangers
    for key, p in found.items():
        assert p.evidence and p.evidence[-1].field == "prior"
        assert abs(sum(e.weight for e in p.evidence) - p.weight) < 0.6


def test_same_name_and_far_apart_dob_is_not_a_pair(store):
    with store.transaction():
        for i in range(6):
            person(store, f"S{i}", "Emma", "Smith", f"19{5 + i}0-01-0{i + 1}")
    assert find_duplicates(store) == []


def test_alias_names_count_and_dismissal(store):
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
        person(store, "B", "Jade", "Okafor", "1990-01-01")       # married name, her maiden name as an alias
        person(store, "C", "Kerry", "Brown", "1991-06-07")
        for i in range(40):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
        store.conn.execute("INSERT INTO aliases (person_id, forename, surname, name_key) VALUES"
                           " ('B', 'Jade', 'Taylor', 'jade taylor')")
    [pair] = find_duplicates(store)
    assert (pair.a_id, pair.b_id) == ("A", "B")
    assert "surname: Taylor = Taylor" in pair.explanation
    mark_not_duplicate(store, "B", "A", "different mothers' names")
    assert find_duplicates(store) == []


def test_merged_records_are_not_listed_and_their_names_count(store):
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
        person(store, "B", "Jade", "Taylor", "1990-01-01")
        person(store, "C", "JADE", "TAYLOR", "1990-01-01")
        person(store, "D", "Jade", "Okafor", "1990-01-01")
        for i in range(40):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
    pairs = {(p.a_id, p.b_id) for p in find_duplicates(store)}
    assert {("A", "B"), ("A", "C"), ("B", "C")} <= pairs
    merge(store, "D", "A", "married name")
    pairs = {(p.a_id, p.b_id) for p in find_duplicates(store)}
    assert ("A", "D") not in pairs and {("B", "C"), ("B", "D"), ("C", "D")} <= pairs
    assert {(p.a_id, p.b_id) for p in find_duplicates(store, ["C"])} <= {("B", "C"), ("C", "D")}


def test_explain_names_every_field_and_adds_up(store):
    with store.transaction():
        person(store, "A", "William", "Nowak", "1990-03-05")
        person(store, "B", "Bill", "Nowak", "1990-05-03")
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
        incident(store, "R-1", "2026-01-01", "P", "A")
        incident(store, "R-2", "2026-02-01", "P", "B")
    pair = explain_pair(store, "B", "A")
    text = pair.explanation
    assert "surname: Nowak = Nowak, +" in text
    assert "forename: William ~ Bill (nickname or other spelling), +" in text
    assert "date of birth: 05/03/1990 vs 03/05/1990 (day and month swapped), +" in text
    assert "shares a perpetrator: P, +" in text
    assert "base rate" in text
    total = sum(e.weight for e in pair.evidence)
    assert pair.score == pytest.approx(float(linkage.probability(total)), abs=0.02)
    with pytest.raises(UserError, match="no person 'NOPE'"):
        explain_pair(store, "A", "NOPE")


def test_twins_father_and_son_score_low(store):
    with store.transaction():
        person(store, "T1", "Emma", "Nowak", "1990-03-05")
        person(store, "T2", "Lucy", "Nowak", "1990-03-05")
        person(store, "F1", "John", "Hall Sr", "1961-04-04")
        person(store, "F2", "John", "Hall Jr", "1989-09-09")
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
    twins, father = explain_pair(store, "T1", "T2"), explain_pair(store, "F1", "F2")
    assert twins.score < 0.25 and father.score < 0.01      # a store of 34 persons: every pair is likelier
    assert "forename: Emma ≠ Lucy (different, with the same surname and date of birth (twins?)), -" in twins.explanation
    assert "Jr/Sr: Jr against Sr (father and son?), -" in father.explanation
    assert find_duplicates(store) == []


def test_decisions_feed_the_weights(store):
    with store.transaction():
        for i in range(60):
            person(store, f"X{i}", f"Fn{i}", f"Sn{i}", f"19{40 + i}-0{1 + i % 9}-1{i % 9}")
        for i in range(8):   # married names, merged by the coordinator
            person(store, f"M{i}", f"Mary{i}", f"Old{i}", f"198{i}-02-02")
            person(store, f"N{i}", f"Mary{i}", f"New{i}", f"198{i}-02-02")
    _, before = duplicates.train_model(store)
    for i in range(8):
        merge(store, f"M{i}", f"N{i}", "married")
    _, after = duplicates.train_model(store)
    diff = linkage.S_DIFF
    assert after.weight("surname", diff) > before.weight("surname", diff)
    assert after.labels == (8, 0)
    # "not the same" pairs raise u of the levels they land on
    with store.transaction():
        for i in range(8):
            person(store, f"T{i}", f"Twin{i}", "Same", f"197{i}-03-03")
            person(store, f"U{i}", f"Other{i}", "Same", f"197{i}-03-03")
    _, before = duplicates.train_model(store)
    mark_not_duplicates(store, [(f"T{i}", f"U{i}") for i in range(8)], "twins")
    _, after = duplicates.train_model(store)
    assert after.weight("dob", linkage.D_EXACT) < before.weight("dob", linkage.D_EXACT)
    assert after.labels == (8, 8)


def test_bulk_not_the_same_is_one_decision_and_undone_exactly(store):
    with store.transaction():
        for x in ("A", "B", "C"):
            person(store, x, "Jade", "Taylor", "1990-01-01")
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
    assert len(find_duplicates(store)) == 3
    n = mark_not_duplicates(store, [("B", "A"), ("A", "C")], "three sisters' records")
    assert [(p.a_id, p.b_id) for p in find_duplicates(store)] == [("B", "C")]
    rows = store.conn.execute("SELECT action FROM audit_log WHERE action LIKE 'person.not_dup%'").fetchall()
    assert len(rows) == 2
    assert undo_decision(store, n, "wrong") == 2
    assert len(find_duplicates(store)) == 3
    with pytest.raises(UserError, match="already undone"):
        undo_decision(store, n)
    with pytest.raises(UserError, match="say why"):
        mark_not_duplicates(store, [("A", "B")], " ")
    assert store.scalar("SELECT count(*) FROM not_duplicates") == 0


def test_threshold_setting(store):
    assert duplicates.threshold(store) == duplicates.DEFAULT_THRESHOLD
    duplicates.set_threshold(store, 0.9)
    assert duplicates.threshold(store) == 0.9
    with pytest.raises(UserError, match="from 0.5 to below 1"):
        duplicates.set_threshold(store, 1.5)


def test_incremental_compares_only_the_persons_given(store):
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
        person(store, "B", "Jade", "Taylor", "1990-01-01")
        person(store, "C", "Kerry", "Brown", "1985-05-05")
        person(store, "D", "Kerry", "Brown", "1985-05-05")
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
    assert {(p.a_id, p.b_id) for p in find_duplicates(store)} == {("A", "B"), ("C", "D")}
    assert {(p.a_id, p.b_id) for p in find_duplicates(store, ["D"])} == {("C", "D")}


def test_cancel_stops_the_comparison(store):
    from matac_desk.domain import Cancelled
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
    with pytest.raises(Cancelled):
        find_duplicates(store, cancelled=lambda: True)


def test_an_associate_counts_only_when_names_agree(store):
    with store.transaction():
        person(store, "V1", "Kerry", "Brown", "1990-01-01")
        person(store, "V2", "Amina", "Okafor", "1992-05-07")
        person(store, "V3", "Kerry", "Brown", None)
        incident(store, "R-1", "2026-01-01", "P", "V1")
        incident(store, "R-2", "2026-02-01", "P", "V2")
        incident(store, "R-3", "2026-03-01", "P", "V3")
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
    # two victims of one perpetrator, with nothing else in common: not listed; with the same name, listed
    assert [(p.a_id, p.b_id) for p in find_duplicates(store)] == [("V1", "V3")]
    assert "shares a perpetrator: P, +" in explain_pair(store, "V1", "V3").explanation
    assert "shares" not in explain_pair(store, "V1", "V2").explanation


def test_the_new_partner_alert_says_why_she_may_also_be_another_record(store):
    import datetime as dt
    from matac_desk.analysis.graph import new_partners
    with store.transaction():
        person(store, "Q", "Rebecca", "Okafor", "1992-04-09")
        person(store, "Q2", "Becky", "Okafor", "1992-09-04")      # nickname, day and month swapped
        person(store, "Q3", "Ruth", "Okafor", "1992-04-09")       # her twin sister: not her
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
        incident(store, "R-1", "2026-10-10", "P", "Q", "girlfriend")
    [np_] = new_partners(store, dt.date(2026, 10, 1), dt.date(2026, 10, 29), scope="all")
    assert np_.possible_duplicates == ("Q2",)
    [why] = np_.possible_duplicates_why
    assert why.startswith("Q2 Becky Okafor, ")
    assert "forename: Rebecca ~ Becky (nickname or other spelling), +" in why
    assert "(day and month swapped), +" in why
    assert np_.as_row()["possible_duplicates_why"] == why

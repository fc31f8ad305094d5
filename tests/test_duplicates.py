"""Probable duplicate persons: same date of birth and a (nearly) same name, or an alias; never automatic."""

from __future__ import annotations

import pytest

from matac_desk.services.demo import DemoSpec, fill_store
from matac_desk.domain import name_key
from matac_desk.analysis.duplicates import find_duplicates, mark_not_duplicate, merge, name_match, within_one_edit

from conftest import TODAY
from graphdata import person


@pytest.mark.parametrize("a, b, reason", [
    (("Siobhán", "O'Neill"), ("SIOBHAN", "ONEILL"), "same name apart from spaces"),
    (("Zoë", "Smith-Jones"), ("zoe", "smith jones"), "same name (apart from accents, capitals or punctuation)"),
    (("Kelly", "Hall"), ("Hall", "Kelly"), "forename and surname swapped"),
    (("Leanne", "Khan"), ("Leanne", "Khan-Clarke"), "one name has an extra part (double-barrelled or middle name)"),
    (("Rebecca", "Campbell"), ("Rebecca", "Campblel"), "letters transposed"),
    (("Rebecca", "Campbell"), ("Rebecca", "Campbel"), "one letter inserted (a typing slip?)"),
    (("Nicola", "White"), ("Nicola", "Whyte"), "one letter substituted (a typing slip?)"),
    (("Emma", "Smith"), ("Lucy", "Smith"), None),
    (("Jack", "Williams"), ("Jake", "Williamson"), None),
    (("Al", "Li"), ("Al", "Lu"), None),  # too short for one letter to mean a typo
])
def test_name_match(a, b, reason):
    got = name_match(name_key(*a), name_key(*b))
    assert (got[1] if got else None) == reason


@pytest.mark.parametrize("a, b, kind", [
    ("abc", "abc", "same"), ("abcd", "abdc", "transposed"), ("abcd", "abxd", "substituted"),
    ("abcd", "abd", "inserted"), ("abd", "abcd", "inserted"), ("abcd", "badc", None), ("abcd", "ab", None),
])
def test_within_one_edit(a, b, kind):
    assert within_one_edit(a, b) == kind


def test_the_seeded_duplicates_in_demo_data_and_nothing_else(store):
    _, data = fill_store(store, DemoSpec(seed=7, incidents=2500, as_of=TODAY))
    seeded = {tuple(sorted(pair[:2])) for pair in data.duplicates}
    found = {(p.a_id, p.b_id) for p in find_duplicates(store)}
    assert len(seeded) >= 10
    assert found == seeded


def test_same_name_different_dob_is_not_a_pair(store):
    with store.transaction():
        for i in range(6):
            person(store, f"S{i}", "Emma", "Smith", f"199{i}-01-01")
        person(store, "T1", "Emma", "Smith", None)
        person(store, "T2", "Emma", "Smith", None)
    assert find_duplicates(store) == []


def test_alias_match_and_dismissal_and_merge(store):
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
        person(store, "B", "Jade", "Okafor", "1990-01-01")       # married name
        person(store, "C", "Jade", "Brown", "1990-01-01")
        store.conn.execute("INSERT INTO aliases (person_id, forename, surname, name_key) VALUES"
                           " ('B', 'Jade', 'Taylor', 'jade taylor')")
    [pair] = find_duplicates(store)
    assert (pair.a_id, pair.b_id, pair.reason) == ("A", "B", "an alias or merged record has the same name")
    mark_not_duplicate(store, "B", "A", "different mothers' names")
    assert find_duplicates(store) == []


def test_merged_records_are_not_listed_and_their_names_count(store):
    with store.transaction():
        person(store, "A", "Jade", "Taylor", "1990-01-01")
        person(store, "B", "Jade", "Taylor", "1990-01-01")
        person(store, "C", "JADE", "TAYLOR", "1990-01-01")
        person(store, "D", "Jade", "Okafor", "1990-01-01")
    assert len(find_duplicates(store)) == 3
    merge(store, "D", "A", "married name")
    pairs = {(p.a_id, p.b_id) for p in find_duplicates(store)}
    assert pairs == {("B", "C"), ("B", "D"), ("C", "D")}
    assert {(p.a_id, p.b_id) for p in find_duplicates(store, ["C"])} == {("B", "C"), ("C", "D")}

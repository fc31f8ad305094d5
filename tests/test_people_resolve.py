"""Search orders the exact match first, then names starting with the query, then the rest, case and accents
folded; a person is named by id or by a name only he has, and an ambiguous name lists the ids it could be."""

from __future__ import annotations

import pytest

from matac_desk.domain import UserError, name_key
from matac_desk.services import people

PERSONS = [
    ("NM0000001", "ADAM", "DVORAK", "1980-01-01"),
    ("NM0000002", "Bea", "Dvořák", "1981-01-01"),
    ("NM0000003", "Carl", "Dvorakova", None),
    ("NM0000004", "Ann", "Smith-Dvorak", None),
    ("NM0000005", "Dvorak", "Jones", None),
    ("NM0000006", "Kieran", "Chapman", "1990-05-05"),
    ("NM0000007", "Kieran", "Chapmans", None),
]


@pytest.fixture
def store_(store):
    with store.transaction():
        for pid, fn, sn, dob in PERSONS:
            store.conn.execute("INSERT INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
                               " VALUES (?,?,?,?,?, 'now', 'now')", [pid, fn, sn, dob, name_key(fn, sn)])
    return store


def test_exact_then_prefix_then_the_rest_ignoring_capitals_and_accents(store_):
    found = people.search_ids(store_, "dvorak")
    # the surname exactly (capitals and accents folded, by forename), then a word starting with it
    # (by surname: Dvorakova, Jones, Smith-Dvorak)
    assert found == ["NM0000001", "NM0000002", "NM0000003", "NM0000005", "NM0000004"]


@pytest.mark.parametrize("text, expected", [
    ("NM0000006", "NM0000006"),
    ("nm0000006", "NM0000006"),
    ("Kieran Chapman", "NM0000006"),        # a name only he has exactly, though "Chapmans" also matches
    ("carl dvorakova", "NM0000003"),
])
def test_resolve_by_id_or_unique_name(store_, text, expected):
    assert people.resolve(store_, text) == expected


def test_an_ambiguous_or_unknown_name_lists_the_ids_or_says_none(store_):
    with pytest.raises(UserError, match=r"2 persons match 'dvorak adam|persons match") as e:
        people.resolve(store_, "dvorak")
    assert "NM0000001 ADAM DVORAK (born 1980-01-01)" in str(e.value) and "give the id" in str(e.value)
    with pytest.raises(UserError, match="no person matches 'Nobody Here'"):
        people.resolve(store_, "Nobody Here")

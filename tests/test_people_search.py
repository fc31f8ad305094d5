"""Search as you type over persons: trigram FTS over ids, folded names and aliases; short-query fallback; order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from matac_desk.services import people
from matac_desk.domain import Cancelled, UserError, name_key
from matac_desk.storage.store import Store

from conftest import PASSPHRASE

PERSONS = [
    # id, forename, surname, dob
    ("NM0000101", "Siobhán", "O'Neill", "1990-02-03"),
    ("NM0000102", "Siobhan", "Oneill", "1985-07-01"),
    ("NM0000203", "Łukasz", "Nowak", "1979-11-30"),
    ("NM0000304", "John", "Smith", "2001-01-01"),
    ("NM0000305", "Joanna", "Smithson", None),
    ("AB/77", "Zoë", "Ali", "1995-05-05"),
    ("XY0000999", "Kwame", "Mensah", "1970-03-03"),
]


def _fill(store):
    with store.transaction():
        for pid, fn, sn, dob in PERSONS:
            store.conn.execute(
                "INSERT INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
                " VALUES (?,?,?,?,?, 'now', 'now')", [pid, fn, sn, dob, name_key(fn, sn)])
        store.conn.execute("INSERT INTO aliases (person_id, forename, surname, name_key, source)"
                           " VALUES ('XY0000999', 'Kojo', 'Boateng', ?, 'custody record')",
                           [name_key("Kojo", "Boateng")])
    return store


@pytest.fixture
def people_store(store):
    """For tests that change the store."""
    return _fill(store)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One store for the read-only tests (creating a store costs a key derivation)."""
    s = _fill(Store.create(tmp_path_factory.mktemp("people") / "people.mdesk", PASSPHRASE))
    yield s
    s.close()


def ids(store, q, **kw):
    return people.search_ids(store, q, **kw)


@pytest.mark.parametrize("query, expected", [
    ("siobhan", ["NM0000101", "NM0000102"]),          # diacritics folded either way
    ("SIOBHÁN", ["NM0000101", "NM0000102"]),
    ("o'neill", ["NM0000101", "NM0000102"]),          # "o neill": "neill" anywhere, a word starting "o"
    ("lukasz", ["NM0000203"]),                        # Ł folds to l
    ("łukasz now", ["NM0000203"]),                    # several words, all must match
    ("kasz", ["NM0000203"]),                          # any run of three characters
    ("boateng", ["XY0000999"]),                       # an alias
    ("kojo", ["XY0000999"]),
    ("0000304", ["NM0000304"]),                       # part of an id
    ("nm00003", ["NM0000304", "NM0000305"]),          # ids case-insensitively
    ("ab/77", ["AB/77"]),                             # an id with punctuation, as typed
    ("smith", ["NM0000304", "NM0000305"]),
    ("jo smith", ["NM0000304", "NM0000305"]),         # a short word must start a word
    ("jo smithson", ["NM0000305"]),
    ("mensah kojo", ["XY0000999"]),                   # one word in the name, one in an alias
    ("zzz", []),
    ("", [p[0] for p in sorted(PERSONS, key=lambda p: (p[2].casefold(), p[1].casefold()))]),
])
def test_search_finds(shared, query, expected):
    found = ids(shared, query)
    if query:
        assert sorted(found) == sorted(expected)
    else:
        assert found == expected


@pytest.mark.parametrize("query, expected", [
    ("n", ["NM0000101", "NM0000102", "NM0000203", "NM0000304", "NM0000305"]),  # id prefix, and Nowak
    ("nm", ["NM0000101", "NM0000102", "NM0000203", "NM0000304", "NM0000305"]),
    ("jo", ["NM0000304", "NM0000305"]),               # forename prefix
    ("sm", ["NM0000304", "NM0000305"]),               # surname word start
    ("ko", ["XY0000999"]),                            # alias word start
    ("zo", ["AB/77"]),                                # Zoë folded
    ("ab", ["AB/77"]),
    ("x", ["XY0000999"]),
    ("q", []),
])
def test_short_queries_fall_back_to_prefixes(shared, query, expected):
    assert sorted(ids(shared, query)) == expected


@pytest.mark.parametrize("sort, descending, expected", [
    ("id", False, ["AB/77", "NM0000101", "NM0000102", "NM0000203", "NM0000304", "NM0000305", "XY0000999"]),
    ("id", True, ["XY0000999", "NM0000305", "NM0000304", "NM0000203", "NM0000102", "NM0000101", "AB/77"]),
    ("dob", False, ["NM0000305", "XY0000999", "NM0000203", "NM0000102", "NM0000101", "AB/77", "NM0000304"]),
    ("name", True, ["NM0000305", "NM0000304", "NM0000102", "NM0000101", "NM0000203", "XY0000999", "AB/77"]),
])
def test_store_sorts(shared, sort, descending, expected):
    assert ids(shared, "", sort=sort, descending=descending) == expected


def test_unknown_sort_is_a_user_error(shared):
    with pytest.raises(UserError, match="cannot sort persons by 'age'"):
        ids(shared, "", sort="age")


def test_cancelled_search_is_interrupted_in_the_store(people_store):
    with people_store.transaction():
        people_store.conn.executemany(
            "INSERT INTO persons (id, name_key, created_at, updated_at) VALUES (?, ?, 'now', 'now')",
            [(f"BULK{i:05d}", f"person {i}") for i in range(3000)])
    calls = []

    def cancelled():  # false when asked before the query starts, true once SQLite is working
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled):
        people.search_ids(people_store, "", sort="last_incident", cancelled=cancelled)
    assert len(calls) >= 2
    assert ids(people_store, "smith") == ["NM0000304", "NM0000305"]  # the connection is usable afterwards


def test_index_follows_changes_to_persons_and_aliases(people_store):
    conn = people_store.conn
    conn.execute("UPDATE persons SET surname = 'Kowalski', name_key = ? WHERE id = 'NM0000304'",
                 [name_key("John", "Kowalski")])
    assert ids(people_store, "kowalski") == ["NM0000304"]
    assert ids(people_store, "smith") == ["NM0000305"]
    conn.execute("INSERT INTO aliases (person_id, name_key) VALUES ('NM0000203', 'lucas novak')")
    assert ids(people_store, "novak") == ["NM0000203"]
    conn.execute("UPDATE aliases SET name_key = 'luke newman' WHERE name_key = 'lucas novak'")
    assert ids(people_store, "novak") == [] and ids(people_store, "newman") == ["NM0000203"]
    conn.execute("UPDATE aliases SET person_id = 'NM0000101' WHERE name_key = 'luke newman'")
    assert ids(people_store, "newman") == ["NM0000101"]
    assert ids(people_store, "kojo") == ["XY0000999"]  # other aliases untouched
    conn.execute("DELETE FROM aliases WHERE name_key = 'luke newman'")
    assert ids(people_store, "newman") == []
    conn.execute("DELETE FROM persons WHERE id = 'NM0000305'")
    assert ids(people_store, "smiths") == []


def test_rebuild_search_index_restores_it(people_store):
    people_store.conn.execute("DELETE FROM people_search")
    assert ids(people_store, "mensah") == []
    assert people.rebuild_search_index(people_store) == len(PERSONS)
    assert ids(people_store, "mensah") == ["XY0000999"]
    assert ids(people_store, "boateng") == ["XY0000999"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12))
def test_any_typed_text_is_a_valid_query(shared, text):
    """Quotes, FTS operators, brackets: whatever is typed, the search answers (possibly nothing)."""
    found = people.search_ids(shared, text)
    assert set(found) <= {p[0] for p in PERSONS}


def test_the_search_index_migration_keeps_every_person_findable(tmp_path, monkeypatch):
    """0007 makes the index again without column sizes; a store made before it finds the same people after."""
    from matac_desk.storage import schema
    from matac_desk.intake.importer import import_extract
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE, TODAY, write_csv
    path = tmp_path / "old.mdesk"
    monkeypatch.setattr(schema.migrations, "_migrations",
                        [m for m in schema.migrations._migrations if m.name != "0007_people_search_columnsize"])
    with Store.create(path, PASSPHRASE) as s:
        import_extract(s, write_csv(tmp_path / "a.csv", ["incident_ref", "incident_date", "offence", "perpetrator_id",
                                                         "perpetrator_forename", "perpetrator_surname", "victim_id",
                                                         "victim_forename", "victim_surname"],
                                    [["R1", "2026-01-01", "Harassment", "P1", "Siobhán", "O'Brien", "V1", "Zoë", "Lee"]]),
                       today=TODAY)
        before = {q: people.search_ids(s, q) for q in ("siobhan", "brie", "zoe", "P1")}
        assert "people_search_docsize" in s.db.table_names()
    monkeypatch.undo()
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() == "0007_people_search_columnsize"
        assert "people_search_docsize" not in s.db.table_names()
        assert {q: people.search_ids(s, q) for q in before} == before and before["siobhan"] == ["P1"]
        assert s.scalar("SELECT count(*) FROM people_search") == s.scalar("SELECT count(*) FROM persons") == 2

"""Undoing an import: the store comes back exactly; refused (changing nothing, no backup) when later imports or
work done since build on it, when it was undone already, or when it was made before imports kept what they replace."""

from __future__ import annotations

import json

import pytest

from matac_desk.domain import UserError
from matac_desk.intake import undo
from matac_desk.intake.importer import import_extract
from matac_desk.intake.links import add_link, import_links
from matac_desk.services import equality, imports
from matac_desk.storage import retention
from matac_desk.storage.backups import list_backups
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, TODAY, write_csv

HEADER = ["incident_ref", "incident_date", "offence", "offence_code", "perpetrator_id", "perpetrator_forename",
          "perpetrator_surname", "perpetrator_dob", "victim_id", "victim_forename", "victim_surname", "relationship",
          "address", "dash_risk", "perpetrator_sex"]

FIRST = [
    ["R1", "2026-01-05", "Common assault", "", "P1", "Darren", "Okafor", "1985-03-02", "V1", "Amy", "Ross",
     "girlfriend", "1 Acacia Road", "standard", "M"],
    ["R2", "2026-02-07", "Harassment", "", "P1", "Darren", "Okafor", "1985-03-02", "V2", "Beth", "Cole",
     "wife", "", "", ""],
    ["R3", "2026-03-01", "Stalking", "", "P2", "Gary", "Hunt", "1979-11-30", "V2", "Beth", "Cole", "ex", "", "", ""],
]
# Inserts (P9, V9, R9 and its involvement), updates (P1's name and date of birth, R1's address, R1's DASH
# risk, P2's sex) and one rejected row.
SECOND = [
    ["R1", "2026-01-05", "Common assault", "", "P1", "Daniel", "Okafor", "1985-03-12", "V1", "Amy", "Ross",
     "girlfriend", "2 Birch Close", "high", ""],
    ["R3", "2026-03-01", "Stalking", "", "P2", "Gary", "Hunt", "1979-11-30", "V2", "Beth", "Cole", "ex", "", "", "M"],
    ["R9", "2026-04-01", "Criminal damage", "", "P9", "Neil", "Ward", "1990-06-06", "V9", "Jo", "Ward", "wife",
     "9 Elm Street", "medium", ""],
    ["R10", "not a date", "Harassment", "", "P9", "Neil", "Ward", "", "V1", "Amy", "Ross", "", "", "", ""],
]


def extract(tmp_path, name: str, rows) -> object:
    return write_csv(tmp_path / name, HEADER, rows)


def contents(store: Store) -> dict[str, list]:
    """Every table an import or an undo writes, as sets of rows (the audit salt, set when a person is first
    named in the log, is not the person's data)."""
    conn = store.conn
    out = {}
    for table in ("persons", "incidents", "involvements", "aliases", "data_quality", "rejected_rows", "links",
                  "import_undo"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "audit_salt"]
        out[table] = sorted(map(tuple, conn.execute(f"SELECT {', '.join(cols)} FROM {table}")), key=repr)
    out["people_search"] = sorted(map(tuple, conn.execute(
        "SELECT rowid, id, name_key, aliases, sort_name FROM people_search")), key=repr)
    return out


def backups_of(store: Store) -> list[str]:
    return [b.path.name for b in list_backups(store.path)]


def audit_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM audit_log")


@pytest.fixture
def two(store, tmp_path):
    """A store after two imports: the first, then one that adds and changes rows (batch 2)."""
    import_extract(store, extract(tmp_path, "first.csv", FIRST), today=TODAY)
    before = contents(store)
    summary = import_extract(store, extract(tmp_path, "second.csv", SECOND), today=TODAY)
    # P2's sex is set by the equality columns: kept to undo, though not counted as a person updated
    assert (summary.persons_new, summary.persons_updated, summary.incidents_updated, summary.updated) == (2, 1, 1, 1)
    assert summary.name_changes == 1 and summary.rejected == 1
    return store, before


def test_undoing_a_fresh_import_restores_the_store_exactly(two):
    store, before = two
    assert contents(store) != before
    assert store.scalar("SELECT forename FROM persons WHERE id = 'P1'") == "Daniel"
    assert store.scalar("SELECT sex FROM persons WHERE id = 'P2'") == "M"
    plan = undo.undo_plan(store, 2)
    assert plan.allowed and plan.reason == ""
    assert plan.removed == {"persons": 2, "incidents": 1, "involvements": 1, "links": 0}
    assert plan.restored == {"persons": 2, "incidents": 1, "involvements": 1, "links": 0}
    assert (plan.notes, plan.rejects) == (2, 1)    # P1's name and date of birth; the row with no date
    assert "2 person(s) it added will be deleted" in plan.lines()
    backups = backups_of(store)

    done = undo.undo_import(store, 2, "the extract was from the wrong period")

    assert contents(store) == before
    assert done.backup.startswith(undo.BACKUP_LABEL) and done.backup in backups_of(store)
    assert len(backups_of(store)) == len(backups) + 1
    [b, _] = imports.batches(store)
    assert b.id == 2 and b.undone_at and b.undone_by and b.undo_reason == "the extract was from the wrong period"
    assert b.state.startswith("undone ")
    entry = store.conn.execute("SELECT entity, entity_id, batch_id, reason, detail FROM audit_log"
                               " WHERE action = 'import.undone'").fetchone()
    assert entry[:4] == ("import_batch", "2", 2, "the extract was from the wrong period")
    detail = json.loads(entry[4])
    assert detail["removed"] == {"persons": 2, "incidents": 1, "involvements": 1}
    assert detail["restored"] == {"persons": 2, "incidents": 1, "involvements": 1}
    for word in ("P1", "P9", "Neil", "Darren", "Daniel", "Okafor", "Elm", "Birch"):
        assert word not in entry[4]   # counts and pseudonyms only
    assert store.scalar("SELECT count(*) FROM people_search WHERE people_search MATCH 'neil'") == 0
    assert store.scalar("SELECT count(*) FROM people_search WHERE people_search MATCH 'darren'") == 1


def test_the_import_can_be_made_again_after_an_undo(two, tmp_path):
    store, _ = two
    undo.undo_import(store, 2, "column mapped wrong")
    again = import_extract(store, extract(tmp_path, "second.csv", SECOND), today=TODAY)
    assert (again.persons_new, again.updated, again.rejects_kept) == (2, 1, 1)
    assert store.scalar("SELECT forename FROM persons WHERE id = 'P1'") == "Daniel"


def test_a_name_put_back_by_hand_counts_as_undone_already(two):
    store, before = two
    [entry] = [c for c in imports.person_changes_of(store, 2) if c.kind == "name_changed"]
    imports.put_back(store, entry.id, reason="wrong person")
    undo.undo_import(store, 2, "wrong file")
    assert contents(store) == before


def test_a_value_changed_again_by_hand_refuses_the_undo(two):
    store, _ = two
    equality.set_fields(store, "P2", sex="F")
    ok, why = undo.can_undo(store, 2)
    assert not ok and "changed again since, by hand (1 person(s))" in why
    with pytest.raises(UserError, match="overwrite that work"):
        undo.undo_import(store, 2, "wrong file")


def _later_changes_name(store, tmp_path):
    import_extract(store, extract(tmp_path, "third.csv", [
        ["R9", "2026-04-01", "Criminal damage", "", "P9", "Neill", "Ward", "", "V9", "Jo", "Ward", "wife", "", "",
         ""]]), today=TODAY)


def _later_names_a_person_it_added(store, tmp_path):
    import_extract(store, extract(tmp_path, "third.csv", [
        ["R20", "2026-05-01", "Harassment", "", "P9", "", "", "", "V20", "", "", "", "", "", ""]]), today=TODAY)


def _later_changes_a_row_it_changed(store, tmp_path):
    import_extract(store, extract(tmp_path, "third.csv", [
        ["R1", "2026-01-05", "Common assault", "8/1", "P1", "", "", "", "V1", "", "", "girlfriend", "", "high",
         ""]]), today=TODAY)


def _later_sets_only_an_equality_field(store, tmp_path):
    # P1's sex: no batch column changes, only the later import's kept values show it
    import_extract(store, extract(tmp_path, "third.csv", [
        ["R1", "2026-01-05", "Common assault", "", "P1", "", "", "", "V1", "", "", "girlfriend", "", "high",
         "X"]]), today=TODAY)


def _later_links_a_person_it_added(store, tmp_path):
    write_csv(tmp_path / "links.csv", ["person_a_id", "person_b_id", "relationship", "first_seen", "source"],
              [["P9", "V1", "partner", "2026-05-01", "intel"]])
    import_links(store, tmp_path / "links.csv", today=TODAY)


@pytest.mark.parametrize("later", [_later_changes_name, _later_names_a_person_it_added, _later_changes_a_row_it_changed,
                                   _later_sets_only_an_equality_field, _later_links_a_person_it_added])
def test_a_later_import_that_touched_its_rows_refuses_the_undo_and_changes_nothing(two, tmp_path, later):
    store, before = two
    later(store, tmp_path)
    third = store.scalar("SELECT max(id) FROM import_batches")
    name = store.scalar("SELECT file_name FROM import_batches WHERE id = ?", [third])
    ok, why = undo.can_undo(store, 2)
    assert not ok and f"import {third} ({name})" in why and "undo that first" in why
    held, backups, entries = contents(store), backups_of(store), audit_count(store)
    with pytest.raises(UserError, match=f"import 2 \\(second.csv\\) cannot be undone while later imports build on it: "
                                        f"import {third} "):
        undo.undo_import(store, 2, "wrong file")
    assert contents(store) == held and backups_of(store) == backups and audit_count(store) == entries
    # undone newest first, both go
    undo.undo_import(store, third, "wrong file")
    undo.undo_import(store, 2, "wrong file")
    assert contents(store) == before


def test_a_later_import_that_touched_nothing_of_it_does_not_hold_it(two, tmp_path):
    store, _ = two
    import_extract(store, extract(tmp_path, "third.csv", [
        ["R30", "2026-06-01", "Harassment", "", "P30", "Ian", "Moss", "", "V30", "", "", "", "", "", ""]]),
        today=TODAY)
    assert undo.can_undo(store, 2) == (True, "")
    undo.undo_import(store, 2, "wrong file")
    assert store.scalar("SELECT count(*) FROM persons WHERE id IN ('P30', 'V30')") == 2
    assert store.scalar("SELECT count(*) FROM persons WHERE id IN ('P9', 'V9')") == 0


def _nominated(store):
    from matac_desk.analysis import nominations
    nominations.refer(store, "P9", "Probation", None, "concern raised", date=TODAY)


def _adopted(store):
    from matac_desk.meeting import meetings
    m = meetings.schedule_meeting(store, TODAY)
    meetings.record_decision(store, m, "P9", "adopt")


def _linked_by_hand(store):
    add_link(store, "P9", "V1", "partner", TODAY, "intelligence report", today=TODAY)


def _action(store):
    from matac_desk.meeting import actions
    actions.add_action(store, "P9", "Police", "Check the address")


def _snapshot(store):
    from matac_desk.analysis import nominations
    nominations.take_snapshot(store, TODAY, "November MATAC")


@pytest.mark.parametrize("work, words", [
    (_nominated, "1 referral(s)"),
    (_snapshot, "1 saved score(s) in snapshots"),
    (_adopted, "meeting decision(s)"),
    (_linked_by_hand, "1 intelligence link(s) entered by hand"),
    (_action, "1 partnership action(s)"),
])
def test_work_done_since_on_a_person_it_added_refuses_the_undo(two, work, words):
    store, _ = two
    work(store)
    held, backups, entries = contents(store), backups_of(store), audit_count(store)
    ok, why = undo.can_undo(store, 2)
    assert not ok and "added persons that work done since refers to" in why and words in why
    with pytest.raises(UserError, match="while that work stands"):
        undo.undo_import(store, 2, "wrong file")
    assert contents(store) == held and backups_of(store) == backups and audit_count(store) == entries


def test_an_import_undone_already_is_refused(two):
    store, _ = two
    undo.undo_import(store, 2, "wrong file")
    entries, backups = audit_count(store), backups_of(store)
    ok, why = undo.can_undo(store, 2)
    assert not ok and why.startswith("import 2 (second.csv) was undone already, on ")
    with pytest.raises(UserError, match="was undone already"):
        undo.undo_import(store, 2, "again")
    assert audit_count(store) == entries and backups_of(store) == backups
    # the first import, which nothing builds on now, can go too
    undo.undo_import(store, 1, "start again")
    assert store.scalar("SELECT count(*) FROM persons") == store.scalar("SELECT count(*) FROM incidents") == 0


@pytest.mark.parametrize("reason, message", [
    ("", "needs a reason"),
    ("  ", "needs a reason"),
    ("Neil Ward was imported twice", "must not hold a person's name"),
])
def test_the_reason_is_required_and_names_no_one(two, reason, message):
    store, _ = two
    held, backups = contents(store), backups_of(store)
    with pytest.raises(UserError, match=message):
        undo.undo_import(store, 2, reason)
    assert contents(store) == held and backups_of(store) == backups


def test_an_import_made_before_values_were_kept_is_refused_when_it_changed_rows(two):
    store, _ = two
    with store.transaction():   # as a store migrated from before 0014 holds it
        store.conn.execute("DELETE FROM import_undo")
        store.conn.execute("UPDATE import_batches SET undo_kept = 0")
    ok, why = undo.can_undo(store, 2)
    assert not ok and "made before MATAC Desk kept the values an import replaces" in why
    assert "backup taken before it" in why
    # the first one only added rows (nothing to put back): it can still be undone once the second is
    assert undo.undo_plan(store, 1).refusals[0].startswith("import 1 (first.csv) cannot be undone while later")


def test_an_old_import_that_only_added_rows_can_be_undone(store, tmp_path):
    import_extract(store, extract(tmp_path, "first.csv", FIRST), today=TODAY)
    with store.transaction():
        store.conn.execute("UPDATE import_batches SET undo_kept = 0")
    assert undo.can_undo(store, 1) == (True, "")
    undo.undo_import(store, 1, "wrong file")
    assert store.scalar("SELECT count(*) FROM involvements") == 0


def test_its_rejected_rows_pass_to_a_later_import_of_the_same_file(store, tmp_path):
    path = extract(tmp_path, "second.csv", SECOND)
    import_extract(store, path, today=TODAY)
    again = import_extract(store, path, today=TODAY)        # the same file: its rejected line is kept once
    assert (again.rejects_kept, again.rejects_already_kept, again.unchanged) == (0, 1, 3)
    plan = undo.undo_plan(store, 1)
    assert plan.allowed and (plan.rejects, plan.rejects_handed) == (0, 1)
    assert plan.later_unchanged == ((2, "second.csv"),)
    assert any("import 2 (second.csv) came after it and held some rows already in the store unchanged" in line
               for line in plan.lines())
    undo.undo_import(store, 1, "loaded twice")
    assert [r.row_number for r in imports.rejected_rows(store, 2)] == [5]


def test_a_links_import_is_undone_too(store, tmp_path):
    import_extract(store, extract(tmp_path, "first.csv", FIRST), today=TODAY)
    add_link(store, "P1", "V1", "partner", "2026-01-01", "intel", today=TODAY)
    before = contents(store)
    write_csv(tmp_path / "links.csv", ["person_a_id", "person_b_id", "relationship", "first_seen", "source",
                                       "person_b_forename", "grading"],
              [["P1", "V1", "boyfriend", "2026-01-01", "intel", "", ""],            # changes the link held
               ["P2", "N1", "partner", "2026-02-01", "intel", "Nina", ""]])         # adds a person and a link
    summary = import_links(store, tmp_path / "links.csv", today=TODAY)
    assert (summary.new, summary.updated, summary.persons_new) == (1, 1, 1)
    plan = undo.undo_plan(store, summary.batch_id)
    assert plan.removed == {"persons": 1, "incidents": 0, "involvements": 0, "links": 1}
    assert plan.restored["links"] == 1
    undo.undo_import(store, summary.batch_id, "wrong source")
    assert contents(store) == before


def test_an_erasure_takes_the_values_kept_to_undo_with_the_person(two):
    store, _ = two
    assert store.scalar("SELECT count(*) FROM import_undo WHERE person_id = 'P1'") == 1
    preview = retention.erasure_preview(store, "P1")
    assert ("earlier value(s) kept to undo an import", 1) in preview.counts
    retention.erase_person(store, "P1", "retention period over")
    assert store.scalar("SELECT count(*) FROM import_undo WHERE person_id = 'P1'") == 0
    assert store.scalar("SELECT count(*) FROM import_undo WHERE incident_ref = 'R1'") == 0    # R1 went with him
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert undo.can_undo(store, 2) == (True, "")
    undo.undo_import(store, 2, "wrong file")
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_migration_0014_marks_earlier_imports_as_keeping_nothing(tmp_path, monkeypatch):
    from matac_desk.storage import schema
    path = tmp_path / "old.mdesk"
    monkeypatch.setattr(schema.migrations, "_migrations",
                        [m for m in schema.migrations._migrations if m.name < "0014"])
    with Store.create(path, PASSPHRASE) as s:
        with s.transaction():
            s.conn.execute("INSERT INTO import_batches (started_at, finished_at, actor, file_name, file_sha256,"
                           " rows_read, rows_updated) VALUES ('2026-01-01', '2026-01-01', 'x', 'old.csv', 'ab', 3, 1)")
        assert "import_undo" not in s.db.table_names()
    monkeypatch.undo()
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() == "0014_import_undo" and "import_undo" in s.db.table_names()
        assert s.conn.execute("SELECT undo_kept, undone_at FROM import_batches").fetchone() == (0, None)
        ok, why = undo.can_undo(s, 1)
        assert not ok and "import 1 (old.csv) was made before" in why


def test_a_row_changed_twice_by_one_import_keeps_the_value_before_the_first_change(store, tmp_path, monkeypatch):
    """A person in two chunks with two names, and two equality fields set (one statement each): the value kept is
    the one held before the import, once (the table keeps one row per changed row and import)."""
    from matac_desk.intake import importer
    header = HEADER + ["perpetrator_ethnicity"]
    import_extract(store, write_csv(tmp_path / "first.csv", header, [r + [""] for r in FIRST]), today=TODAY)
    before = contents(store)
    monkeypatch.setattr(importer, "CHUNK", 1)      # every row its own chunk: P1 is written once per row
    rows = [["R1", "2026-01-05", "Common assault", "", "P1", "Daniel", "Okafor", "", "V1", "", "", "girlfriend", "",
             "high", "", ""],
            ["R2", "2026-02-07", "Harassment", "", "P1", "Dan", "Okafor", "", "V2", "", "", "wife", "", "", "", ""],
            ["R3", "2026-03-01", "Stalking", "", "P2", "", "", "", "V2", "", "", "ex", "", "", "M", "W1"]]
    summary = import_extract(store, write_csv(tmp_path / "second.csv", header, rows), today=TODAY,
                             accept_person_changes=True)
    assert store.conn.execute("SELECT forename FROM persons WHERE id = 'P1'").fetchone() == ("Dan",)
    assert store.conn.execute("SELECT sex, ethnicity FROM persons WHERE id = 'P2'").fetchone() == ("M", "W1")
    kept = dict(store.conn.execute("SELECT person_id, before ->> 'forename' FROM import_undo WHERE batch_id = ?"
                                   " AND person_id IS NOT NULL", [summary.batch_id]))
    assert kept == {"P1": "Darren", "P2": "Gary"}
    undo.undo_import(store, summary.batch_id, "wrong file")
    assert contents(store) == before

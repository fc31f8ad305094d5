"""Who an import changes: known persons whose name or date of birth a file would change, counted in the preview,
held above the limit, kept as data-quality entries and put back from them; and the CLI's import options."""

from __future__ import annotations

import json

import pytest

from matac_desk.app import main
from matac_desk.domain import UserError
from matac_desk.intake.importer import PersonChangesHeld, import_extract, person_change_limit
from matac_desk.services import imports
from matac_desk.services.people import search_ids
from matac_desk.storage.backups import list_backups
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, TODAY, write_csv

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename",
          "perpetrator_surname", "perpetrator_dob", "victim_id", "victim_forename", "victim_surname"]


def rows(n: int, *, renamed: int = 0, redated: int = 0, prefix: str = "R") -> list[list[str]]:
    out = []
    for i in range(n):
        fn, sn = ("John", "Smith") if i < renamed else ("Siobhán", f"Müller{i}")
        dob = "1980-02-02" if i < redated else "1980-01-01"
        out.append([f"{prefix}{i}", "2026-05-01", "Common assault", f"P{i}", fn, sn, dob, f"V{i}", "Amy", f"Lee{i}"])
    return out


def snapshot(store) -> bytes:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.path.read_bytes()


@pytest.fixture
def known(store, tmp_path):
    """50 perpetrators and 50 victims held: 100 known persons."""
    import_extract(store, write_csv(tmp_path / "first.csv", HEADER, rows(50)), today=TODAY)
    return store


def test_the_limit_is_two_percent_and_at_least_ten():
    assert [person_change_limit(n) for n in (0, 100, 500, 501, 1000, 10_000)] == [10, 10, 10, 10, 20, 200]


def test_the_preview_counts_who_would_change_with_examples(known, tmp_path):
    path = write_csv(tmp_path / "second.csv", HEADER, rows(50, renamed=12, redated=3))
    p = imports.preview(path, None, store=known, today=TODAY)
    ch = p.changes
    assert (ch.known, len(ch.names), len(ch.dobs), ch.limit, ch.held) == (100, 12, 3, 10, True)
    assert ch.names[0] == ("P0", "Siobhán Müller0", "John Smith")
    assert ch.dobs[0] == ("P0", "1980-01-01", "1980-02-02")
    # a blank name in the file keeps the one held: no change
    blank = [r[:4] + ["", "", ""] + r[7:] for r in rows(50)]
    assert imports.preview(write_csv(tmp_path / "b.csv", HEADER, blank), None, store=known,
                           today=TODAY).changes.names == []


def test_a_file_that_would_rename_many_known_persons_is_held(known, tmp_path):
    path = write_csv(tmp_path / "second.csv", HEADER, rows(50, renamed=11))
    before, backups_before = snapshot(known), list_backups(known.path)
    with pytest.raises(PersonChangesHeld) as e:
        import_extract(known, path, today=TODAY)
    message = str(e.value)
    assert "would change the name of 11 of the 100 known persons it names (more than 10" in message
    assert "P0, P1, P10, P2, P3" in message and "Smith" not in message and len(message.encode()) < 1000
    assert snapshot(known) == before and list_backups(known.path) == backups_before


def test_accepted_changes_are_kept_and_can_be_put_back(known, tmp_path):
    path = write_csv(tmp_path / "second.csv", HEADER, rows(50, renamed=11, redated=2))
    s = import_extract(known, path, today=TODAY, accept_person_changes=True)
    assert (s.name_changes, s.known_persons, s.dob_warnings) == (11, 100, 2)
    changes = imports.person_changes_of(known, s.batch_id)
    names = [c for c in changes if c.kind == "name_changed"]
    assert len(names) == 11 and (names[0].person_id, names[0].old_value, names[0].new_value) == (
        "P0", "Siobhán Müller0", "John Smith")
    assert search_ids(known, "muller0") == []
    imports.put_back(known, names[0].id, reason="wrong file")
    assert known.conn.execute("SELECT forename, surname, name_key FROM persons WHERE id = 'P0'").fetchone() == (
        "Siobhán", "Müller0", "siobhan muller0")
    assert search_ids(known, "muller0") == ["P0"]
    with pytest.raises(UserError, match="was resolved on"):
        imports.put_back(known, names[0].id)
    assert imports.put_back_batch(known, s.batch_id) == 12   # 10 names and 2 dates of birth
    held = known.conn.execute("SELECT forename, surname, dob FROM persons WHERE id IN ('P1', 'P9') ORDER BY id")
    assert held.fetchall() == [("Siobhán", "Müller1", "1980-01-01"), ("Siobhán", "Müller9", "1980-01-01")]
    assert known.scalar("SELECT count(*) FROM audit_log WHERE action = 'person.put_back'") == 13


def test_a_name_changed_again_since_is_not_put_back(known, tmp_path):
    s = import_extract(known, write_csv(tmp_path / "b.csv", HEADER, rows(50, renamed=1)), today=TODAY)
    (entry,) = imports.person_changes_of(known, s.batch_id)
    known.conn.execute("UPDATE persons SET forename = 'Jon' WHERE id = 'P0'")
    with pytest.raises(UserError, match="changed again since"):
        imports.put_back(known, entry.id)
    assert known.scalar("SELECT forename FROM persons WHERE id = 'P0'") == "Jon"


def test_a_few_changes_go_in_without_asking(known, tmp_path):
    s = import_extract(known, write_csv(tmp_path / "b.csv", HEADER, rows(50, renamed=10)), today=TODAY)
    assert (s.name_changes, s.unchanged, s.persons_updated) == (10, 50, 10)


# --------------------------------------------------------------------------- the CLI

@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_refuses_without_accept_and_lists_in_a_dry_run(env, tmp_path, capsys):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", store)
    run(capsys, "import", store, write_csv(tmp_path / "a.csv", HEADER, rows(50)))
    second = write_csv(tmp_path / "b.csv", HEADER, rows(50, renamed=12))
    code, out, err = run(capsys, "import", store, second)
    assert code == 1 and err.count("\n") == 1 and "held, nothing was imported" in err
    code, out, err = run(capsys, "import", store, second, "--dry-run")
    assert code == 0 and "Dry run of" in out and "name would change        12" in out
    assert "P0                    name  Siobhán Müller0 -> John Smith" in out
    with Store.open(store, PASSPHRASE) as s:
        assert s.scalar("SELECT count(*) FROM import_batches") == 1
        entry = s.conn.execute("SELECT detail FROM audit_log WHERE action = 'view.listing' ORDER BY id DESC"
                               " LIMIT 1").fetchone()[0]
        assert json.loads(entry)["listing"] == "import-person-changes"
    code, out, err = run(capsys, "import", store, second, "--accept-person-changes")
    assert code == 0 and "12 name change(s) of known persons kept" in out
    code, out, _ = run(capsys, "import-changes", store)
    assert code == 0 and out.count("name") >= 12 and "Siobhán Müller0" in out
    code, out, _ = run(capsys, "import-changes", store, "--put-back-all", "--reason", "wrong file")
    assert code == 0 and "Put back 12 change(s)" in out
    with Store.open(store, PASSPHRASE) as s:
        assert s.scalar("SELECT count(*) FROM persons WHERE forename = 'John'") == 0


def test_cli_reject_limit_and_max_rejects(env, tmp_path, capsys):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", store)
    bad = rows(20) + [[f"X{i}", "soon", "x", f"Q{i}", "", "", "", f"W{i}", "", ""] for i in range(12)]
    path = write_csv(tmp_path / "a.csv", HEADER, bad)
    code, out, err = run(capsys, "import", store, path)
    assert code == 1 and "12 of 32 data lines rejected (more than 20%)" in err and "--max-rejects" in err
    code, out, err = run(capsys, "import", store, path, "--max-rejects", "5")
    assert code == 1 and "more than 5 rejected lines" in err
    code, out, err = run(capsys, "import", store, path, "--max-rejects", "12")
    assert code == 0
    assert "lines read               33  = header 1 + rows imported 20 + blank 0 + rejected 12" in out
    assert "encoding         utf-8: every byte is UTF-8" in out


def test_cli_dry_run_writes_nothing(env, tmp_path, capsys):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", store)
    path = write_csv(tmp_path / "a.csv", HEADER, rows(3) + [["Z", "soon", "x", "P9", "????", "", "", "V9", "", ""]])
    code, out, _ = run(capsys, "import", store, path, "--dry-run")
    assert code == 0 and "would import              3" in out and "would reject              1" in out
    with Store.open(store, PASSPHRASE) as s:
        assert s.scalar("SELECT count(*) FROM import_batches") == 0
    path = write_csv(tmp_path / "q.csv", HEADER, rows(3) + [["Z", "2026-05-01", "x", "P9", "????", "", "", "V9", "", ""]])
    code, out, _ = run(capsys, "import", store, path)
    assert code == 0 and "1 row(s) hold a name made only of '?'" in out and "line(s) 5" in out


def test_a_new_person_named_twice_differently_is_no_known_persons_change(store, tmp_path, monkeypatch):
    import matac_desk.intake.importer as importer
    monkeypatch.setattr(importer, "CHUNK", 5)    # the two spellings land in different chunks, one upsert each
    data = rows(20) + [[f"S{i}", "2026-05-02", "Harassment", f"P{i}", "John", "Smith", "", f"V{i}", "", ""]
                       for i in range(12)]
    s = import_extract(store, write_csv(tmp_path / "a.csv", HEADER, data), today=TODAY)
    assert s.name_changes == 0 and store.scalar("SELECT count(*) FROM data_quality") == 0
    assert store.scalar("SELECT forename FROM persons WHERE id = 'P0'") == "John"   # the last row wins, as before

"""Creating, opening and migrating the encrypted store."""

import shutil
import sqlite3
import subprocess

import pytest

from matac_desk.storage import schema
from matac_desk.intake.importer import import_extract
from matac_desk.storage.store import Store, StoreError

from conftest import PASSPHRASE, TODAY, write_csv


def test_create_then_open(tmp_path):
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() == schema.migrations._migrations[-1].name
        assert s.scalar("PRAGMA foreign_keys") == 1
        assert s.scalar("PRAGMA journal_mode") == "wal"
        assert s.scalar("PRAGMA temp_store") == 2  # memory: nothing decrypted spills to disk


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "not a MATAC Desk store (the file is empty or truncated)"),
    (lambda p: p.write_bytes(b"hello world, not a database at all" * 100),
     "the file is truncated, or not a MATAC Desk store (3,400 bytes: not a whole number of pages; a store cut "
     "short while being copied or written looks like this)"),
    (lambda p: p.write_bytes(b"hello world, not a database at all, " * 512),
     "wrong passphrase, or the file is damaged or not a MATAC Desk store"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(),
     "this is an unencrypted SQLite file, not a MATAC Desk store"),
])
def test_files_that_are_not_stores(tmp_path, make, message):
    path = tmp_path / "x.mdesk"
    make(path)
    with pytest.raises(StoreError) as e:
        Store.open(path, PASSPHRASE)
    assert str(e.value) == f"{path}: {message}"


def test_wrong_passphrase_is_one_line(tmp_path):
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()
    with pytest.raises(StoreError) as e:
        Store.open(path, "not the passphrase")
    assert str(e.value) == f"{path}: wrong passphrase, or the file is damaged or not a MATAC Desk store"
    assert "\n" not in str(e.value)


def test_another_programs_encrypted_database_is_not_a_store(tmp_path):
    import sqlcipher3
    path = tmp_path / "other.db"
    c = sqlcipher3.connect(str(path))
    c.execute(f"PRAGMA key = '{PASSPHRASE}'")
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="not a MATAC Desk store"):
        Store.open(path, PASSPHRASE)


@pytest.mark.parametrize("passphrase, message", [
    ("short", "at least 10 characters"),
    ("aaaaaaaaaaaaaaa", "too easy to guess"),
])
def test_weak_passphrase_refused_on_create(tmp_path, passphrase, message):
    with pytest.raises(StoreError, match=message):
        Store.create(tmp_path / "s.mdesk", passphrase)
    assert not (tmp_path / "s.mdesk").exists()


def test_create_refuses_existing_file_and_missing_folder(tmp_path):
    (tmp_path / "s.mdesk").write_text("x")
    with pytest.raises(StoreError, match="a file is already there"):
        Store.create(tmp_path / "s.mdesk", PASSPHRASE)
    with pytest.raises(StoreError, match="no such folder"):
        Store.create(tmp_path / "nope" / "s.mdesk", PASSPHRASE)


def test_open_missing(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Store.open(tmp_path / "missing.mdesk", PASSPHRASE)


def test_an_old_store_is_backed_up_then_migrated(tmp_path, monkeypatch):
    path = tmp_path / "s.mdesk"
    with Store.create(path, PASSPHRASE) as s:
        import_extract(s, write_csv(tmp_path / "a.csv", ["incident_ref", "incident_date", "offence", "perpetrator_id",
                                                         "victim_id"], [["R1", "2026-01-01", "Harassment", "P1", "V1"]]),
                       today=TODAY)

    def later_step(db):
        db.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY, note TEXT)")

    monkeypatch.setattr(schema.migrations, "_migrations", list(schema.migrations._migrations))
    schema.migrations(name="9999_later_feature")(later_step)
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() == "9999_later_feature"
        assert "later_feature" in s.db.table_names()
        assert s.scalar("SELECT count(*) FROM involvements") == 1
        assert s.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "store.migrated"
    backups = list((tmp_path / "s.mdesk.backups").glob("pre-9999_later_feature-*.mdesk"))
    assert len(backups) == 1
    monkeypatch.undo()
    with Store.open(backups[0], PASSPHRASE, migrate=False) as old:  # the copy is the store as it was
        assert "later_feature" not in old.db.table_names()
        assert old.scalar("SELECT count(*) FROM involvements") == 1


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(schema.migrations, "_migrations", list(schema.migrations._migrations))
    schema.migrations(name="9998_broken")(broken)
    with pytest.raises(RuntimeError):
        Store.open(path, PASSPHRASE)
    monkeypatch.undo()
    with Store.open(path, PASSPHRASE) as s:
        assert "half_done" not in s.db.table_names()
        assert s.scalar("PRAGMA integrity_check") == "ok"


def test_store_file_holds_no_readable_name_or_id(tmp_path):
    path = tmp_path / "s.mdesk"
    header = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_surname", "victim_id",
              "victim_surname", "address"]
    rows = [[f"SECRETREF{i}", "2026-01-01", "Harassment", f"NOMINAL{i:04d}", "Featherstonehaugh", f"VICTIM{i:04d}",
             "Cholmondeley", "14 Secretive Lane"] for i in range(300)]
    with Store.create(path, PASSPHRASE) as s:
        import_extract(s, write_csv(tmp_path / "a.csv", header, rows), today=TODAY)
        # while open, the WAL holds the latest pages: it is encrypted too
        files = [p for p in tmp_path.iterdir() if p.name.startswith("s.mdesk") and p.is_file()]
        blobs = b"".join(p.read_bytes() for p in files)
    blobs += path.read_bytes()
    for secret in (b"Featherstonehaugh", b"Cholmondeley", b"NOMINAL0001", b"VICTIM0002", b"SECRETREF1", b"Secretive",
                   b"Harassment", b"CREATE TABLE"):
        assert secret not in blobs
    if shutil.which("strings"):  # the same check as a person would make it
        out = subprocess.run(["strings", "-n", "6", str(path)], capture_output=True, text=True).stdout
        assert "Featherstonehaugh" not in out and "NOMINAL" not in out


def test_transactions_are_all_or_nothing(store):
    with pytest.raises(ZeroDivisionError):
        with store.transaction():
            store.conn.execute("INSERT INTO settings VALUES ('a', '1')")
            with store.transaction():  # nested: a savepoint
                store.conn.execute("INSERT INTO settings VALUES ('b', '2')")
            1 / 0
    assert store.scalar("SELECT count(*) FROM settings WHERE key IN ('a', 'b')") == 0
    store.set_setting("force", {"name": "Northshire"})
    assert store.get_setting("force") == {"name": "Northshire"}


def test_read_only_reads_with_temp_tables_but_changes_nothing(tmp_path):
    import datetime as dt
    from matac_desk.storage import audit
    from matac_desk.analysis import scoring
    path = tmp_path / "s.mdesk"
    with Store.create(path, PASSPHRASE) as s:
        import_extract(s, write_csv(tmp_path / "a.csv", ["incident_ref", "incident_date", "offence", "perpetrator_id",
                                                         "victim_id"], [["R1", "2026-01-01", "Harassment", "P1", "V1"]]),
                       today=TODAY)
    with Store.open(path, PASSPHRASE, read_only=True) as ro:
        assert [x.perpetrator_id for x in scoring.score_all(ro, as_of=dt.date(2026, 2, 1))] == ["P1"]
        before = ro.scalar("SELECT count(*) FROM audit_log")
        audit.audit_view(ro, "P1", "checking")                 # a view is still logged
        assert ro.scalar("SELECT count(*) FROM audit_log") == before + 1
        for sql in ("DELETE FROM persons", "INSERT INTO settings VALUES ('x', '1')", "CREATE TABLE t (x)",
                    "DROP TABLE links", "UPDATE audit_log SET actor = 'x'"):
            with pytest.raises(Exception, match="not authorized"):
                ro.conn.execute(sql)
        with pytest.raises(StoreError, match="read-only"):
            with ro.transaction():
                pass
    with Store.open(path, PASSPHRASE) as s:
        assert s.scalar("SELECT count(*) FROM persons") == 2

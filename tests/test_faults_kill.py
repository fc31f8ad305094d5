"""SIGKILL at random points of an import and of a migration: the store always opens, passes
``integrity_check``, keeps its audit chain, and holds all or none of the interrupted change."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from matac_desk import audit
from matac_desk.demo import DemoSpec, write_csv
from matac_desk.importer import import_extract
from matac_desk.store import Store
from conftest import PASSPHRASE, TODAY

pytestmark = pytest.mark.slow

KILLS = 8
ROWS = 50_000
ENV = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_IMPORT_THREADS="1")


def _state(path: Path) -> dict:
    s = Store.open(path, PASSPHRASE, migrate=False)
    try:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        assert s.scalar("PRAGMA foreign_key_check") is None
        assert audit.verify(s.conn) == []
        return {
            "involvements": s.scalar("SELECT count(*) FROM involvements"),
            "persons": s.scalar("SELECT count(*) FROM persons"),
            "incidents": s.scalar("SELECT count(*) FROM incidents"),
            "batches": s.scalar("SELECT count(*) FROM import_batches"),
            "rejected": s.scalar("SELECT count(*) FROM rejected_rows"),
            "imports_audited": s.scalar("SELECT count(*) FROM audit_log WHERE action = 'import'"),
            "migrations": [r[0] for r in s.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")],
            "tables": {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")},
            "inv_copy": s.scalar("SELECT count(*) FROM inv_copy")
            if s.scalar("SELECT 1 FROM sqlite_master WHERE name = 'inv_copy'") else None,
        }
    finally:
        s.close()


def _copy_store(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.rmtree(dst.with_name(dst.name + ".backups"), ignore_errors=True)
    shutil.copyfile(src, dst)


def _spread(rng: random.Random, i: int, whole: float) -> float:
    """The i-th of KILLS random moments, one in each slice of the run (the last may fall after it ends)."""
    return max(0.05, whole * 1.1 * (i + rng.random()) / KILLS)


def _kill_after(cmd: list[str], delay: float) -> int:
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    big = folder / "big.csv"
    write_csv(big, DemoSpec(seed=11, incidents=ROWS, as_of=TODAY), max_rows=ROWS)
    small = folder / "small.csv"
    write_csv(small, DemoSpec(seed=3, incidents=300, as_of=TODAY), max_rows=300)
    store_path = folder / "base.mdesk"
    s = Store.create(store_path, PASSPHRASE)
    import_extract(s, small, today=TODAY, backup=False)
    s.close()
    return folder, store_path, big


def _kill_many(source: Path, folder: Path, command, seed: int) -> tuple[dict, dict, list[tuple[int, dict]]]:
    """Run ``command(path)`` once to the end on a copy of ``source``, then KILLS times on fresh copies,
    killed at moments spread over its run. Returns the state before, after, and after each kill."""
    before = _state(source)
    done = folder / "done.mdesk"
    _copy_store(source, done)
    t = time.perf_counter()
    subprocess.run(command(done), env=ENV, check=True, capture_output=True)
    whole = time.perf_counter() - t
    after = _state(done)
    rng = random.Random(seed)
    work = folder / "work.mdesk"
    killed = []
    for i in range(KILLS):
        _copy_store(source, work)
        code = _kill_after(command(work), _spread(rng, i, whole))
        killed.append((code, _state(work)))
        Store.open(work, PASSPHRASE, migrate=False).close()  # and it opens for writing again (no stale lock)
    return before, after, killed


def test_sigkill_during_import(base, tmp_path):
    folder, base_path, big = base
    before, after, killed = _kill_many(
        base_path, tmp_path, lambda p: [sys.executable, "-m", "matac_desk", "import", str(p), str(big)], 20261101)
    assert after["involvements"] > before["involvements"]
    for i, (code, state) in enumerate(killed):
        assert state in (before, after), f"kill {i} left a partial import"
        if code != -signal.SIGKILL:  # it finished before the kill
            assert state == after
    assert any(state == before for _code, state in killed)


MIGRATE = textwrap.dedent("""
    import sys
    from matac_desk.schema import migrations
    from matac_desk.store import Store

    @migrations(name="9999_fault_test")
    def heavy(db):
        db.execute("CREATE TABLE inv_copy AS SELECT * FROM involvements")
        db.execute("CREATE INDEX inv_copy_offence ON inv_copy(offence_key, incident_ref)")
        db.execute("UPDATE persons SET name_key = name_key || ''")
        db.execute("CREATE TABLE persons_copy AS SELECT * FROM persons")

    Store.open(sys.argv[1], sys.argv[2]).close()
""")


def test_sigkill_during_migration(base, tmp_path):
    folder, base_path, big = base
    loaded = tmp_path / "loaded.mdesk"
    _copy_store(base_path, loaded)
    s = Store.open(loaded, PASSPHRASE)
    import_extract(s, big, today=TODAY, backup=False)
    s.close()
    before, after, killed = _kill_many(
        loaded, tmp_path, lambda p: [sys.executable, "-c", MIGRATE, str(p), PASSPHRASE], 7)
    assert "9999_fault_test" not in before["migrations"]
    assert after["migrations"][-1] == "9999_fault_test" and "inv_copy" in after["tables"]
    data = ("involvements", "persons", "incidents", "batches", "rejected", "imports_audited")
    for code, state in killed:
        applied = "9999_fault_test" in state["migrations"]
        assert ("inv_copy" in state["tables"]) is applied and ("persons_copy" in state["tables"]) is applied
        assert [state[k] for k in data] == [before[k] for k in data]
        assert state["inv_copy"] == (before["involvements"] if applied else None)
    assert any("9999_fault_test" not in state["migrations"] for _code, state in killed)

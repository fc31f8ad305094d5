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


def test_sigkill_during_import(base):
    folder, base_path, big = base
    before = _state(base_path)
    # The whole import once, to know "all" and how long it takes.
    done_path = folder / "done.mdesk"
    _copy_store(base_path, done_path)
    cmd = [sys.executable, "-m", "matac_desk", "import", str(done_path), str(big)]
    t = time.perf_counter()
    subprocess.run(cmd, env=ENV, check=True, capture_output=True)
    whole = time.perf_counter() - t
    after = _state(done_path)
    assert after["involvements"] > before["involvements"]
    rng = random.Random(20261101)
    seen = {"none": 0, "all": 0}
    work = folder / "work.mdesk"
    for i in range(KILLS):
        _copy_store(base_path, work)
        delay = _spread(rng, i, whole)
        code = _kill_after([sys.executable, "-m", "matac_desk", "import", str(work), str(big)], delay)
        state = _state(work)
        if code != -signal.SIGKILL:  # finished before the kill
            assert state == after
            seen["all"] += 1
            continue
        assert state in (before, after), f"kill {i} after {delay:.2f}s left a partial import"
        seen["none" if state == before else "all"] += 1
        Store.open(work, PASSPHRASE).close()  # and it opens for writing again (no stale lock)
    assert seen["none"] >= 1, seen


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
    before = _state(loaded)
    assert "9999_fault_test" not in before["migrations"]
    cmd = [sys.executable, "-c", MIGRATE]
    done = tmp_path / "done.mdesk"
    _copy_store(loaded, done)
    t = time.perf_counter()
    subprocess.run(cmd + [str(done), PASSPHRASE], env=ENV, check=True, capture_output=True)
    whole = time.perf_counter() - t
    after = _state(done)
    assert after["migrations"][-1] == "9999_fault_test" and "inv_copy" in after["tables"]
    rng = random.Random(7)
    seen = {"none": 0, "all": 0}
    work = tmp_path / "work.mdesk"
    for i in range(KILLS):
        _copy_store(loaded, work)
        delay = _spread(rng, i, whole)
        _kill_after(cmd + [str(work), PASSPHRASE], delay)
        state = _state(work)
        applied = "9999_fault_test" in state["migrations"]
        assert ("inv_copy" in state["tables"]) is applied and ("persons_copy" in state["tables"]) is applied
        if applied:
            s = Store.open(work, PASSPHRASE, migrate=False)
            try:
                assert s.scalar("SELECT count(*) FROM inv_copy") == before["involvements"]
            finally:
                s.close()
        assert {k: v for k, v in state.items() if k not in ("migrations", "tables")} == \
            {k: v for k, v in before.items() if k not in ("migrations", "tables")}
        seen["all" if applied else "none"] += 1
    assert seen["none"] >= 1, seen

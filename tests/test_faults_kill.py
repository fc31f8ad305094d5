"""SIGKILL at random points of an import, a migration, a merge, an unmerge and a pack export: the store
always opens, passes ``integrity_check``, keeps its audit chain, and holds all or none of the interrupted
change; an export leaves its PDF whole or absent, and never a PDF without its disclosure entry.

Each command runs once to the end, timed, then KILLS times on fresh copies of the store, killed at
seeded random moments spread over that time. Each run is a fork of a warm Python that has the program
loaded already (security_support.Forker), so the moments fall in the command, not in Python's start-up.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pypdf
import pytest

from matac_desk.storage import audit
from matac_desk.storage.backups import backup_opens, list_backups
from matac_desk.services.demo import DemoSpec, write_csv
from matac_desk.intake.importer import import_extract
from matac_desk.storage.files import remove_stale_partials
from matac_desk.storage.store import Store, backups_folder
from conftest import PASSPHRASE, TODAY
from pack_support import demo_store
from security_support import Forker, checked_open, copy_store, kill_moments

pytestmark = pytest.mark.slow

KILLS = 8        # import and migration: each run is long
KILLS_MANY = 12  # merge, unmerge and pack: shorter runs, more kills
ROWS = 50_000
GROUP = 25_000   # records already merged into the record a merge moves: a merge long enough to be hit inside


def _state(path: Path) -> dict:
    s = checked_open(path)
    try:
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


def _backups_whole(path: Path) -> list[str]:
    """The labels of the store's backups; every one listed opens and passes the quick check."""
    found = list_backups(path)
    assert all(backup_opens(b.path, PASSPHRASE) for b in found), "a half-written backup under a backup's name"
    return sorted(b.label for b in found)


@pytest.fixture(scope="module")
def forker(tmp_path_factory):
    f = Forker(tmp_path_factory.mktemp("forker") / "stderr.log")
    yield f
    f.close()


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


def _spread(seed: int, kills: int = KILLS):
    """Kill moments spread over the whole run (the last slices may fall after its end)."""
    return lambda whole, _backed_up: kill_moments(seed, kills, 0.0, whole * 1.1)


def _kill_many(forker: Forker, source: Path, folder: Path, command, state, moments):
    """Run ``command(path)`` once to the end on a copy of ``source``, then on fresh copies, killed at the
    ``moments(cpu seconds of the run, cpu seconds when its backup was made)``. Returns the state before,
    after, and (exit status, state) per kill."""
    before = state(source)
    done = folder / "done.mdesk"
    copy_store(source, done)
    whole, backed_up = forker.run_to_end(command(done), mark=backups_folder(done))
    after = state(done)
    work = folder / "work.mdesk"
    killed = []
    for moment in moments(whole, backed_up):
        copy_store(source, work)
        code = forker.kill_at(command(work), moment)
        killed.append((code, state(work)))  # state() opens it for writing: no stale lock either
    return before, after, killed


def test_sigkill_during_import(forker, base, tmp_path):
    folder, base_path, big = base
    before, after, killed = _kill_many(
        # the two demo extracts give the same person ids other names: the changes are accepted, to import at all
        forker, base_path, tmp_path, lambda p: ["cli", "import", str(p), str(big), "--accept-person-changes"], _state,
        _spread(20261101))
    assert after["involvements"] > before["involvements"]
    for i, (code, state) in enumerate(killed):
        assert state in (before, after), f"kill {i} left a partial import"
        if code == 0:  # it finished before the kill
            assert state == after
    assert any(state == before for _code, state in killed)


MIGRATE = textwrap.dedent("""
    import sys
    from matac_desk.storage.schema import migrations
    from matac_desk.storage.store import Store, backups_folder

    @migrations(name="9999_fault_test")
    def heavy(db):
        db.execute("CREATE TABLE inv_copy AS SELECT * FROM involvements")
        db.execute("CREATE INDEX inv_copy_offence ON inv_copy(offence_key, incident_ref)")
        db.execute("UPDATE persons SET name_key = name_key || ''")
        db.execute("CREATE TABLE persons_copy AS SELECT * FROM persons")

    Store.open(sys.argv[1], sys.argv[2]).close()
""")


def test_sigkill_during_migration(forker, base, tmp_path):
    folder, base_path, big = base
    loaded = tmp_path / "loaded.mdesk"
    copy_store(base_path, loaded)
    s = Store.open(loaded, PASSPHRASE)
    import_extract(s, big, today=TODAY, backup=False, accept_person_changes=True)
    s.close()
    before, after, killed = _kill_many(
        forker, loaded, tmp_path, lambda p: ["script", MIGRATE, str(p), PASSPHRASE], _state, _spread(7))
    assert "9999_fault_test" not in before["migrations"]
    assert after["migrations"][-1] == "9999_fault_test" and "inv_copy" in after["tables"]
    data = ("involvements", "persons", "incidents", "batches", "rejected", "imports_audited")
    for code, state in killed:
        applied = "9999_fault_test" in state["migrations"]
        assert ("inv_copy" in state["tables"]) is applied and ("persons_copy" in state["tables"]) is applied
        assert [state[k] for k in data] == [before[k] for k in data]
        assert state["inv_copy"] == (before["involvements"] if applied else None)
    assert any("9999_fault_test" not in state["migrations"] for _code, state in killed)


# ---------------------------------------------------------------- merge and unmerge

def _merge_state(path: Path) -> dict:
    """What a merge of B into A changes: every merged_into, the merge history and its audit entries."""
    s = checked_open(path)
    try:
        return {
            "merged_into": dict(s.conn.execute(
                "SELECT coalesce(merged_into, '(root)'), count(*) FROM persons GROUP BY 1")),
            "b": s.scalar("SELECT merged_into FROM persons WHERE id = 'B'"),
            "merges": s.conn.execute(
                "SELECT id, keep_id, merged_id, (SELECT count(*) FROM json_each(previous)), undone_at IS NOT NULL"
                " FROM person_merges ORDER BY id").fetchall(),
            "audited": [(e["action"], json.loads(e["detail"])["merge"])
                        for e in audit.entries(s.conn, action="person.*")],
            "backups": _backups_whole(path),
            "backup_partial": bool(list(backups_folder(path).glob("*.partial*"))),  # killed while backing up
        }
    finally:
        s.close()


@pytest.fixture(scope="module")
def group_store(base):
    """The base store plus A, and B with GROUP records already merged into it."""
    folder, base_path, _big = base
    path = folder / "group.mdesk"
    copy_store(base_path, path)
    now = "2026-01-01T00:00:00+00:00"
    s = Store.open(path, PASSPHRASE)
    with s.transaction():
        s.conn.execute("INSERT INTO persons (id, forename, surname, name_key, created_at, updated_at) VALUES"
                       " ('A', 'Ann', 'Kept', 'ann kept', ?1, ?1), ('B', 'Ann', 'Kept', 'ann kept', ?1, ?1)", [now])
        s.conn.executemany(
            "INSERT INTO persons (id, forename, surname, name_key, merged_into, created_at, updated_at)"
            " VALUES (?, 'Ann', ?, ?, 'B', ?, ?)",
            [(f"B{i:05}", f"Kept{i}", f"ann kept{i}", now, now) for i in range(GROUP)])
    s.close()
    return path


def _after_backup(seed: int):
    """A third of the kills spread over the run, the rest after its backup: the backup (a copy of the whole
    store, and a key derivation) takes most of a merge's time, the change itself a few hundredths of a second."""
    def moments(whole, backed_up):
        after = backed_up if 0 < backed_up < whole else whole / 2  # not seen (a very busy machine): half way
        return kill_moments(seed, KILLS_MANY // 3, 0.0, whole * 1.1) + kill_moments(
            seed + 1, KILLS_MANY - KILLS_MANY // 3, after, whole * 1.05)
    return moments


def _check_merge_kills(before, after, killed, label: str) -> None:
    def data(state):
        return {k: v for k, v in state.items() if not k.startswith("backup")}

    changed = [k for k in data(before) if before[k] != after[k]]
    assert set(changed) == {"merged_into", "b", "merges", "audited"}, changed
    assert after["backups"] == sorted(before["backups"] + [label]) and not after["backup_partial"]
    outcome = []
    for i, (code, state) in enumerate(killed):
        if data(state) == data(after):
            assert label in state["backups"], f"kill {i}: changed without its backup first"
            outcome.append("all")
        else:
            assert data(state) == data(before), f"kill {i} left part of the {label.removeprefix('pre-')}"
            assert code != 0
            outcome.append("none, backup made" if label in state["backups"] else
                           "none, while backing up" if state["backup_partial"] else "none")
    print(f"\nSIGKILL during {label.removeprefix('pre-')}: {len(killed)} kills:",
          {o: outcome.count(o) for o in sorted(set(outcome))})
    assert "none" in " ".join(outcome)


def test_sigkill_during_merge(forker, group_store, tmp_path):
    before, after, killed = _kill_many(
        forker, group_store, tmp_path, lambda p: ["cli", "merge", str(p), "A", "B", "--reason", "same person"],
        _merge_state, _after_backup(8128))
    assert before["b"] is None and after["b"] == "A"
    assert after["merged_into"].get("A") == GROUP + 1 and "B" not in after["merged_into"]
    assert after["merges"] == [(1, "A", "B", GROUP + 1, 0)] and after["audited"] == [("person.merged", 1)]
    _check_merge_kills(before, after, killed, "pre-merge")


def test_sigkill_during_unmerge(forker, group_store, tmp_path):
    merged = tmp_path / "merged.mdesk"
    copy_store(group_store, merged)
    from matac_desk.analysis.duplicates import merge
    s = Store.open(merged, PASSPHRASE)
    merge(s, "A", "B", "same person")
    s.close()
    shutil.rmtree(backups_folder(merged))  # its pre-merge backup: the backups compared are the unmerge's
    before, after, killed = _kill_many(
        forker, merged, tmp_path, lambda p: ["cli", "unmerge", str(p), "B", "--reason", "two people"],
        _merge_state, _after_backup(496))
    assert before["b"] == "A" and after["b"] is None and after["merged_into"].get("B") == GROUP
    assert after["merges"] == [(1, "A", "B", GROUP + 1, 1)]
    assert after["audited"] == [("person.merged", 1), ("person.unmerged", 1)]
    _check_merge_kills(before, after, killed, "pre-unmerge")


# ---------------------------------------------------------------- pack export

@pytest.fixture(scope="module")
def pack_store(tmp_path_factory):
    from matac_desk.meeting import meetings
    folder = tmp_path_factory.mktemp("killpack")
    s = demo_store(folder, seed=3, incidents=200)
    day = meetings.next_meeting(s, TODAY).date
    s.close()
    return folder / "demo.mdesk", day


def _disclosed(path: Path) -> list[tuple[str, int]]:
    s = checked_open(path)
    try:
        return [(json.loads(e["detail"])["reference"], json.loads(e["detail"])["pages"])
                for e in audit.entries(s.conn, action="disclosure.pack")]
    finally:
        s.close()


def _whole_pdf(data: bytes, reference: str, pages: int) -> bool:
    """A complete PDF of ``pages`` pages with ``reference`` printed on its first page."""
    import io
    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        return False
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    return len(reader.pages) == pages and reference in (reader.pages[0].extract_text() or "")


def test_sigkill_during_pack_export(forker, pack_store, tmp_path):
    """All or none, for a file outside the store and its audit entry inside it:

    - none: no new disclosure entry and no ``pack.pdf``; killed while the PDF was being written, a hidden
      ``.pack.pdf.*.partial`` with some of it stays (a kill runs no clean-up): the next export there removes it;
    - all: the entry, and ``pack.pdf`` whole, with the entry's reference and page count;
    - never a ``pack.pdf`` without its entry. (Killed in the instant between the entry's commit and the
      rename, the entry would stand for a whole PDF left in its temporary file: allowed, never seen here.)
    """
    source, day = pack_store
    before = _disclosed(source)

    def command(p: Path, out: Path) -> list[str]:
        return ["cli", "pack", str(p), "--meeting", day, "-o", str(out / "pack.pdf"), "--recipient", "Probation, North"]

    done, out = tmp_path / "done.mdesk", tmp_path / "out-done"
    out.mkdir()
    copy_store(source, done)
    whole, _ = forker.run_to_end(command(done, out))
    [(ref, pages)] = _disclosed(done)[len(before):]
    assert _whole_pdf((out / "pack.pdf").read_bytes(), ref, pages)
    assert [p.name for p in out.iterdir()] == ["pack.pdf"]

    work = tmp_path / "work.mdesk"
    outcome = []
    for i, moment in enumerate(kill_moments(20261103, KILLS_MANY, 0.0, whole * 1.1)):
        out = tmp_path / f"out-{i}"
        out.mkdir()
        copy_store(source, work)
        code = forker.kill_at(command(work, out), moment)
        new = _disclosed(work)[len(before):]
        assert _disclosed(work)[:len(before)] == before
        pdf = out / "pack.pdf"
        left = sorted(p for p in out.iterdir() if p != pdf)
        assert all(p.name.startswith(".pack.pdf.") and p.name.endswith(".partial") for p in left), left
        if pdf.exists():
            assert len(new) == 1, f"kill {i}: a pack.pdf without its disclosure entry"
            assert _whole_pdf(pdf.read_bytes(), *new[0]), f"kill {i}: pack.pdf is not whole"
            assert left == []
            outcome.append("all")
        elif new:
            [partial] = left  # the instant between the entry and the rename
            assert len(new) == 1 and _whole_pdf(partial.read_bytes(), *new[0])
            outcome.append("entry, PDF in its temporary file")
        else:
            assert code != 0
            outcome.append("none, temporary file left" if left else "none")
        assert remove_stale_partials(out) == left  # what the next export there does first
        assert [p.name for p in out.iterdir()] == (["pack.pdf"] if pdf.exists() else [])
    print(f"\nSIGKILL during pack export: {len(outcome)} kills:", {o: outcome.count(o) for o in sorted(set(outcome))})
    assert "none" in " ".join(outcome)

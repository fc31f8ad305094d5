"""A full disk during import and backup, a read-only store, a truncated or corrupted file, a wrong
passphrase: each a clear one-line message, nothing lost, and a damaged store names the backup to restore."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlcipher3

from matac_desk.storage.backups import backup, list_backups
from matac_desk.services.demo import DemoSpec, write_csv
from matac_desk.intake.importer import import_extract
from matac_desk.storage.store import Store, StoreError
from conftest import PASSPHRASE, TODAY
from security_support import cli, damage_store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(path: Path) -> tuple:
    s = Store.open(path, PASSPHRASE, migrate=False)
    try:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        return (s.scalar("SELECT count(*) FROM involvements"), s.scalar("SELECT count(*) FROM import_batches"),
                s.scalar("SELECT count(*) FROM persons"))
    finally:
        s.close()


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extracts")
    small, big = folder / "small.csv", folder / "big.csv"
    write_csv(small, DemoSpec(seed=3, incidents=200, as_of=TODAY), max_rows=200)
    write_csv(big, DemoSpec(seed=11, incidents=30_000, as_of=TODAY), max_rows=30_000)
    return small, big


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB file system (tmpfs; needs root), else the test is skipped (see the RLIMIT_FSIZE test)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _store_on(folder: Path, small: Path) -> Path:
    path = folder / "s.mdesk"
    s = Store.create(path, PASSPHRASE)
    import_extract(s, small, today=TODAY, backup=False)
    s.close()
    return path


def _backed_up_store(folder: Path, small: Path) -> tuple[Path, Path]:
    """A store and a backup of it (sound), made before it is damaged."""
    path = _store_on(folder, small)
    s = Store.open(path, PASSPHRASE)
    try:
        return path, backup(s, "manual")
    finally:
        s.close()


def test_full_disk_during_import(small_disk, extracts):
    small, big = extracts
    path = _store_on(small_disk, small)
    before = _counts(path)
    s = Store.open(path, PASSPHRASE)
    try:
        with pytest.raises(StoreError, match="the disk is full; nothing was changed"):
            # the two demo extracts give one person id different names: accepted, to reach the full disk
            import_extract(s, big, today=TODAY, backup=False, accept_person_changes=True)
    finally:
        s.close()
    assert _counts(path) == before
    # with the automatic backup first: one of the two fills the disk
    r = cli("import", str(path), str(big), "--accept-person-changes")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "disk is full" in r.stderr or "No space left" in r.stderr
    assert _counts(path) == before


def test_full_disk_during_backup(small_disk, extracts):
    small, _big = extracts
    path = _store_on(small_disk, small)
    size = path.stat().st_size
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - size // 2))
    digest = _digest(path)
    s = Store.open(path, PASSPHRASE, migrate=False)
    try:
        with pytest.raises(StoreError, match="cannot write a backup .*the store itself is unchanged"):
            backup(s, "manual")
    finally:
        s.close()
    assert list_backups(path) == []
    assert not list((small_disk / "s.mdesk.backups").glob("*.partial"))
    filler.unlink()
    assert _digest(path) == digest  # a failed backup never touches the store
    assert _counts(path)[0] > 0


LIMITED = textwrap.dedent("""
    import resource, signal, sys
    from matac_desk.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.exit(main(sys.argv[2:]))
""")


@pytest.mark.parametrize("command", ["import", "backup"])
def test_file_size_limit_during_import_and_backup(tmp_path, extracts, command):
    """Where no small disk can be mounted: writes beyond a size limit fail (EFBIG), as on a full disk."""
    small, big = extracts
    path = _store_on(tmp_path, small)
    before = _counts(path)
    limit = path.stat().st_size + 64 * 1024 if command == "import" else path.stat().st_size // 2
    args = ["import", str(path), str(big), "--accept-person-changes"] if command == "import" else ["backup", str(path)]
    env = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_IMPORT_THREADS="1")
    r = subprocess.run([sys.executable, "-c", LIMITED, str(limit), *args], capture_output=True, text=True, env=env)
    assert r.returncode == 1, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert any(w in r.stderr for w in ("could not be written", "disk is full", "cannot write a backup"))
    assert _counts(path) == before
    # A failed import leaves the store as it was and takes its pre-import backup away with it (rotated in only
    # once an import is in); a failed backup leaves nothing.
    assert [b.label for b in list_backups(path)] == []


def test_read_only_store_file(tmp_path, extracts):
    path = _store_on(tmp_path, extracts[0])
    digest = _digest(path)
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="read-only; make it writable"):
            Store.open(path, PASSPHRASE)
        r = cli("import", str(path), str(extracts[0]))
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "read-only" in r.stderr
    finally:
        path.chmod(0o644)
    assert _digest(path) == digest


def test_read_only_mount(small_disk, extracts):
    path = _store_on(small_disk, extracts[0])
    if subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True).returncode != 0:
        pytest.skip("cannot remount read-only")
    r = cli("info", str(path))
    assert r.returncode == 1 and "read-only" in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("how", ["truncated", "header", "middle"])
def test_damaged_store_names_the_backup_to_restore(tmp_path, extracts, how):
    path, saved = _backed_up_store(tmp_path, extracts[0])
    damage_store(path, how)
    # Opening and checking: a plain message, and the backup that opens with this passphrase.
    r = cli("check", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    said = r.stdout + r.stderr
    assert f"matac-desk restore {path} {saved}" in said
    assert "damaged" in said or "Something is wrong" in said
    # A change (here an import, whose backup comes first): refused before anything is written, the damaged
    # file is not backed up (a damaged copy would be the newest backup), and the good backup is named.
    r = cli("import", str(path), str(extracts[0]))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "damaged" in r.stderr and "read-only" not in r.stderr
    assert f"matac-desk restore {path} {saved}" in r.stderr
    assert [b.path for b in list_backups(path)] == [saved]
    # And the restore brings the data back, keeping the damaged file.
    r = cli("restore", str(path), str(saved), "--yes")
    assert r.returncode == 0, r.stderr
    assert _counts(path)[0] > 0
    assert any(b.label == "replaced" for b in list_backups(path))


def test_a_damaged_page_met_while_writing(tmp_path, extracts):
    """Once a read has met a page that fails its check, SQLCipher refuses every write with SQLite's "readonly
    database": said as damage, not as a read-only file."""
    path = _store_on(tmp_path, extracts[0])
    sound = path.read_bytes()
    pages = len(sound) // 4096
    # a damaged page the opening does not read (not one of the schema's): from the middle outwards
    for page in sorted(range(1, pages), key=lambda n: abs(n - pages // 2)):
        path.write_bytes(sound[:page * 4096] + os.urandom(4096) + sound[(page + 1) * 4096:])
        try:
            s = Store.open(path, PASSPHRASE)
            break
        except StoreError as e:
            assert "the store file is damaged" in str(e)
    else:
        pytest.fail("every page of the store is read when it opens")
    try:
        with pytest.raises(sqlcipher3.DatabaseError):
            s.conn.execute("PRAGMA quick_check").fetchall()  # a read of every page
        # said as damage: "a page failed its check" when the write meets it, or plain damage when the
        # transaction's first read (the audit head, for its anchor) does
        with pytest.raises(StoreError, match="the store file is damaged[ ;(]"):
            import_extract(s, extracts[0], today=TODAY, backup=False)
    finally:
        s.close()


def test_a_damaged_backup_is_passed_over(tmp_path, extracts):
    """Backups taken of a file already damaged (before the page check): the hint names the newest sound one."""
    path, good = _backed_up_store(tmp_path, extracts[0])
    damage_store(path, "middle")
    bad = good.with_name("daily-29991231-235959.mdesk")  # a newer copy of the damaged file
    shutil.copyfile(path, bad)
    damage_store(path, "header")
    r = cli("info", str(path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert f"matac-desk restore {path} {good}" in r.stderr and "1 newer one(s) are damaged too" in r.stderr


def test_wrong_passphrase(tmp_path, extracts):
    path = _store_on(tmp_path, extracts[0])
    digest = _digest(path)
    r = cli("info", str(path), env={"MATAC_DESK_PASSPHRASE": "not the passphrase"})
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "wrong passphrase" in r.stderr and "no backup of it was found" in r.stderr
    assert _digest(path) == digest
    assert _counts(path)[0] > 0

"""Say what happened when a store does not open: a full disk, read-only media, a truncated file, a wrong
passphrase, each named as such (issue 16); owner-only file modes; the page check of info and audit --verify."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from matac_desk.cli import main as cli_main
from matac_desk.storage.backups import backup, backup_opens, list_backups, restore
from matac_desk.storage.store import Store, StoreError
from conftest import PASSPHRASE
from security_support import cli


def _mode(p: Path) -> str:
    return oct(stat.S_IMODE(p.stat().st_mode))


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (needs root and mount), else the test is skipped."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _made(folder: Path) -> Path:
    path = folder / "s.mdesk"
    s = Store.create(path, PASSPHRASE)
    with s.transaction():
        s.audit("test.entry", entity="thing")
    backup(s, "manual")
    s.close()
    return path


def _fill_disk(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_a_full_disk_is_named_with_its_free_space_not_a_wrong_passphrase(small_disk):
    path = _made(small_disk)
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    _fill_disk(small_disk)
    with pytest.raises(StoreError) as e:
        Store.open(path, PASSPHRASE)
    message = str(e.value)
    assert "the disk is full (" in message and "free on it" in message and "nothing was lost" in message
    assert "wrong passphrase" not in message
    r = cli("info", str(path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "disk is full" in r.stderr and "wrong passphrase" not in r.stderr and "does not open" not in r.stderr
    # the backup's passphrase is tested on a read-only connection: the full disk does not condemn it
    assert backup_opens(list_backups(path)[0].path, PASSPHRASE)


def test_check_and_verify_work_on_read_only_media(small_disk, monkeypatch, capsys):
    path = _made(small_disk)
    if subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True).returncode != 0:
        pytest.skip("cannot remount read-only")
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["check", str(path)]) == 0
    out = capsys.readouterr()
    assert "The store is sound" in out.out and "read-only media" in out.err
    assert cli_main(["audit", str(path), "--verify"]) == 0
    assert "The audit log is intact" in capsys.readouterr().out
    with pytest.raises(StoreError, match="read-only"):
        Store.open(path, PASSPHRASE)


def test_a_truncated_store_is_named_as_such(tmp_path):
    path = _made(tmp_path)
    os.truncate(path, path.stat().st_size - 100)
    with pytest.raises(StoreError, match="the file is truncated"):
        Store.open(path, PASSPHRASE)


def test_a_wrong_passphrase_hint_is_given_once(tmp_path):
    path = _made(tmp_path)
    r = cli("info", str(path), env={"MATAC_DESK_PASSPHRASE": "not the passphrase at all"})
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "wrong passphrase" in r.stderr and r.stderr.count("latest backup") == 1, r.stderr


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows inherits the user profile's ACL")
def test_store_journals_lock_and_backups_are_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "s.mdesk"
        s = Store.create(path, PASSPHRASE)
        with s.transaction():
            s.audit("test.entry", entity="thing")
        for suffix in ("", "-wal", "-shm", ".lock"):
            assert _mode(Path(str(path) + suffix)) == "0o600", suffix
        made = backup(s, "manual")
        folder = made.parent
        assert _mode(folder) == "0o700"
        assert _mode(made) == "0o600" and _mode(made.with_name(made.name + ".anchor")) == "0o600"
        s.close()
        replaced = restore(path, made, PASSPHRASE)
        assert _mode(replaced) == "0o600" and _mode(path) == "0o600"
        # a store made before this (0644) is tightened when it is opened for writing
        path.chmod(0o644)
        Store.open(path, PASSPHRASE).close()
        assert _mode(path) == "0o600"
    finally:
        os.umask(old)


def test_info_and_verify_run_the_page_check(tmp_path, monkeypatch, capsys):
    path = _made(tmp_path)
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["info", str(path)]) == 0
    assert "Page check      ok" in capsys.readouterr().out
    size = path.stat().st_size
    with open(path, "r+b") as fh:   # one flipped byte in the last page
        fh.seek(size - 4096 + 1000)
        b = fh.read(1)
        fh.seek(size - 4096 + 1000)
        fh.write(bytes([b[0] ^ 0xFF]))
    assert cli_main(["audit", str(path), "--verify"]) == 1
    out = capsys.readouterr().out
    assert "Pages: 1 page(s) fail their check (damaged)" in out
    s = Store.open(path, PASSPHRASE, read_only=True)
    try:
        assert "fail their check" in s.info(pages=True)["pages"] and s.info()["pages"] == "not checked"
        assert s.page_check(max_bytes=1).startswith("not checked (")
    finally:
        s.close()

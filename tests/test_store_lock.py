"""One writer per store, read-only opening beside it, and a safe mode on network drives."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from matac_desk.storage.store import Store, StoreError, StoreLock, StoreLocked, network_filesystem
from conftest import PASSPHRASE
from security_support import cli

HOLD = textwrap.dedent("""
    import sys, time
    from matac_desk.storage.store import Store
    s = Store.open(sys.argv[1], sys.argv[2])
    print("open", flush=True)
    sys.stdin.readline()
    s.close()
""")


def _hold(tmp_path):
    """A new store, opened for writing by another process (another copy of the program)."""
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), PASSPHRASE], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return path, proc


@pytest.fixture
def held(tmp_path):
    path, proc = _hold(tmp_path)
    yield path
    proc.stdin.close()
    proc.wait(timeout=30)


def test_second_writer_gets_one_clear_line(held):
    with pytest.raises(StoreLocked, match=r"already open for writing in another copy of MATAC Desk \(pid \d+ on "):
        Store.open(held, PASSPHRASE)
    r = cli("import", str(held), str(held))  # any writing command
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "already open for writing" in r.stderr and "Traceback" not in r.stderr


def test_read_only_beside_the_writer(held):
    ro = Store.open(held, PASSPHRASE, read_only=True)
    try:
        assert ro.read_only and ro.scalar("SELECT count(*) FROM audit_log") >= 2
        with pytest.raises(StoreError, match="read-only"):
            ro.set_setting("x", 1)
    finally:
        ro.close()
    r = cli("audit", str(held), "--verify")  # reading commands open read-only
    assert r.returncode == 0, r.stderr


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    path, proc = _hold(tmp_path)
    proc.kill()
    proc.wait()
    Store.open(path, PASSPHRASE).close()


def test_reopen_in_the_same_process_shares_the_lock(store):
    other = store.reopen()
    other.close()
    with store.transaction():  # still ours
        store.audit("test.after_reopen")
    store.close()
    Store.open(store.path, PASSPHRASE).close()


def test_shared_tells_when_another_connection_of_this_process_holds_the_lock(store):
    lock = StoreLock(store.path)
    with lock:
        assert lock.shared()              # the store's own connection holds it too
    assert not lock.shared()              # released: held once, by the store
    store.close()
    with lock:
        assert not lock.shared()          # held by this lock alone


def test_reconnect_opens_the_same_object_again_as_it_was(store):
    path = store.path
    store.close()
    store.reconnect()
    with store.transaction():             # writable, with the writer's lock again
        store.audit("test.after_reconnect")
    with StoreLock(path) as lock:
        assert lock.shared()
    store.close()
    ro = Store.open(path, PASSPHRASE, read_only=True)
    try:
        ro.close()
        ro.reconnect()
        assert ro.read_only
        with pytest.raises(StoreError, match="read-only"):
            ro.set_setting("x", 1)
        with ro.audit_transaction():      # and it still records what is consulted
            ro.audit("test.consulted")
        assert ro.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "test.consulted"
    finally:
        ro.close()


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/share nfs4 rw,relatime 0 0
//fs01/matac /mnt/smb\\040drive cifs rw 0 0
user@host:/data /home/u/remote fuse.sshfs rw 0 0
tmpfs /mnt/share/local tmpfs rw 0 0
"""


@pytest.mark.parametrize("path, kind", [
    ("/home/u/store.mdesk", None),
    ("/mnt/share/store.mdesk", "nfs4"),
    ("/mnt/shared/store.mdesk", None),
    ("/mnt/smb drive/x/store.mdesk", "cifs"),
    ("/home/u/remote/store.mdesk", "fuse.sshfs"),
    ("/mnt/share/local/store.mdesk", None),  # the longest mount point wins
])
def test_network_filesystem(path, kind):
    assert network_filesystem(path, MOUNTS) == kind


def test_network_drive_gets_a_warning_and_no_wal(tmp_path, monkeypatch):
    monkeypatch.setattr("matac_desk.storage.store.network_filesystem", lambda p, mounts=None: "nfs4")
    s = Store.create(tmp_path / "s.mdesk", PASSPHRASE)
    try:
        assert s.scalar("PRAGMA journal_mode") == "delete"
        assert s.network_fs == "nfs4" and "network drive (nfs4)" in s.warnings[0]
        with s.transaction():
            s.audit("test.write")
    finally:
        s.close()
    monkeypatch.undo()
    s = Store.open(tmp_path / "s.mdesk", PASSPHRASE)
    try:
        assert s.scalar("PRAGMA journal_mode") == "wal" and s.warnings == []
    finally:
        s.close()

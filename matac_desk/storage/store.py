"""The encrypted store: one SQLCipher file per store, opened through sqlite-utils.

Opening a store:

1. the file must exist (``open``) or must not (``create``);
2. the passphrase is applied with ``PRAGMA key`` (SQLCipher derives the key
   with PBKDF2-HMAC-SHA512); a wrong passphrase and a file that is not a
   store both end in :class:`StoreError`, a one-line message;
3. WAL, foreign keys, and ``temp_store=MEMORY`` so that no temporary table
   or sort spill ever reaches the disk unencrypted;
4. pending migrations run; an existing store is backed up first to
   ``<store>.backups/`` (SQLite's online backup API, encrypted with the
   same passphrase).

One writer: a store opened for writing holds an OS lock on ``<store>.lock``
for as long as it is open (shared by :meth:`Store.reopen` in the same
process); a second copy of the program gets :class:`StoreLocked`, a
one-line message, or opens the store with ``read_only=True`` (no changes
but the audit log's own entries). A store on a network file system gets a
warning in ``store.warnings`` and a safe mode: a rollback journal instead
of WAL, which needs shared memory that network drives do not provide.

A connection belongs to the thread that opened it. Background work calls
:meth:`Store.reopen` to get its own connection to the same file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import shutil
import socket
import threading
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlcipher3
import sqlite_utils

from . import anchors, audit
from ..domain import UserError
from .schema import SCHEMA_NAME, migrations

__all__ = ["Store", "StoreError", "StoreLocked", "DEMO_PASSPHRASE", "MIN_PASSPHRASE_LENGTH", "check_new_passphrase",
           "StoreLock", "network_filesystem", "backups_folder", "NETWORK_FS_TYPES", "explain_db_error",
           "passphrase_context", "MIN_ZXCVBN_SCORE", "classify_open_failure", "owner_only_files",
           "PAGE_CHECK_MAX_BYTES", "INFO_PAGE_CHECK_MAX_BYTES"]

DEMO_PASSPHRASE = "matac-demo-not-secret"
# audit --verify runs SQLCipher's page check up to this size, info up to the smaller one (it reads every page:
# about 160 MiB/s, 4 s for the 626 MiB store of the 1,000,000-row benchmark, benchmarks/run.py security);
# beyond it they say it was not run.
PAGE_CHECK_MAX_BYTES = 2 * 2**30
INFO_PAGE_CHECK_MAX_BYTES = 256 * 2**20
MIN_PASSPHRASE_LENGTH = 10

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(UserError):
    """The store cannot be opened or created; the message says why in one line."""


class StoreLocked(StoreError):
    """Another copy of the program has the store open for writing."""


MIN_ZXCVBN_SCORE = 3
# Phrases famous as examples of a good passphrase, which every guesser now tries (zxcvbn context words).
_FAMOUS = ("correcthorsebatterystaple", "opensesame", "thequickbrownfoxjumpsoverthelazydog", "iloveyou")


def passphrase_context(conn=None) -> list[str]:
    """Words a guesser would try first: the login name, the program's and the police's words, and, from a
    store, the force's name and its divisions (settings ``force.name``, ``force.divisions``)."""
    words = ["matac", "matacdesk", "police", "highharm", "hhpu", "domestic", "abuse", audit.current_actor()]
    if conn is not None:
        with contextlib.suppress(Exception):
            for key in ("force.name", "force.divisions"):
                row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
                value = json.loads(row[0]) if row else None
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if isinstance(v, dict):
                        v = v.get("name")
                    if isinstance(v, str) and v.strip():
                        words.append(v.strip())
                        words += v.split()
    return [w for w in dict.fromkeys(words) if w]


def check_new_passphrase(passphrase: str, context: list[str] | tuple[str, ...] = ()) -> None:
    """Minimum strength for a new passphrase: at least 10 characters, and a zxcvbn score of 3 or more.

    zxcvbn (the estimator KeePassXC's is based on) scores how many guesses
    an attacker needs, knowing common passwords, names, keyboard walks,
    dates, l33t substitutions and ``context`` (the force's name, its
    divisions, the login name: :func:`passphrase_context`). A refusal
    quotes its warning and first suggestion.

    >>> check_new_passphrase("three random words")
    """
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise StoreError(f"the passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long; "
                         "three or more random words make a good one")
    from zxcvbn import zxcvbn
    words = [w[:100] for w in (list(context) or passphrase_context()) + list(_FAMOUS)]
    result = zxcvbn(passphrase[:100], user_inputs=words)
    compact = "".join(passphrase.split())
    if compact != passphrase:  # "pass word 2024": the spaces do not make it stronger
        squeezed = zxcvbn(compact[:100], user_inputs=words)
        if squeezed["score"] < result["score"]:
            result = squeezed
    if result["score"] < MIN_ZXCVBN_SCORE:
        fb = result.get("feedback") or {}
        said = [t.rstrip(".").replace(": ", " - ") for t in [fb.get("warning") or "",
                                                              *(fb.get("suggestions") or [])[:1]] if t]
        why = "; ".join(t[:1].lower() + t[1:] for t in said) or "it would be found after few guesses"
        # no ": " in it: the unlock dialog takes what follows a StoreError's first ": " as the message after a path
        raise StoreError(f"the passphrase is too easy to guess (strength {result['score']} of 4, at least "
                         f"{MIN_ZXCVBN_SCORE} needed; {why}); use three or more random words")


# ------------------------------------------------------------ one writer, network drives (issue 8)

NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "ncpfs", "davfs",
    "fuse.davfs2", "fuse.rclone", "ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs",
})


def network_filesystem(path: str | os.PathLike, mounts: str | None = None) -> str | None:
    """The kind of network file system ``path`` is on, or None for a local disk (or when unknown).

    Linux: the longest mount point in ``/proc/mounts`` (or ``mounts``, its
    text) that holds the path. Windows: a UNC path or a mapped network drive.
    """
    if os.name == "nt":  # pragma: no cover - Windows only
        text = str(Path(path).resolve())
        if text.startswith("\\\\"):
            return "network share"
        drive = os.path.splitdrive(text)[0]
        if drive:
            import ctypes
            if ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == 4:  # DRIVE_REMOTE
                return "network drive"
        return None
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ").replace("\\011", "\t")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    if kind and (kind in NETWORK_FS_TYPES or kind.startswith(("nfs", "smb", "cifs"))):
        return kind
    return None


class StoreLock:
    """An OS lock on ``<store>.lock``: one writer per store, released by the OS if the process dies.

    Locks are counted per process, so :meth:`Store.reopen` (another thread's
    connection) shares the lock its store already holds.
    """

    _held: dict[str, list] = {}
    _guard = threading.Lock()
    _INFO_AT = 16  # the holder's description starts here; byte 0 is the one locked on Windows

    def __init__(self, store_path: str | os.PathLike):
        self.store_path = Path(store_path)
        self.path = self.store_path.with_name(self.store_path.name + ".lock")
        self._key = os.path.realpath(self.path)
        self._mine = False

    def acquire(self) -> "StoreLock":
        with StoreLock._guard:
            entry = StoreLock._held.get(self._key)
            if entry is not None:
                entry[1] += 1
                self._mine = True
                return self
            try:
                fh = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "a+b")
                anchors.owner_only(self.path)
            except OSError as e:
                raise StoreError(f"{self.store_path}: cannot create the lock file beside it ({e.strerror})") from None
            try:
                _lock(fh)
            except OSError:
                fh.seek(self._INFO_AT)
                holder = fh.read(200).decode("utf-8", "replace").strip() or "another program"
                fh.close()
                raise StoreLocked(
                    f"{self.store_path}: already open for writing in another copy of MATAC Desk ({holder}); "
                    "close it there first, or open this one read-only"
                ) from None
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
                fh.write(b" " * self._INFO_AT + f"pid {os.getpid()} on {socket.gethostname()}".encode())
                fh.flush()
            StoreLock._held[self._key] = [fh, 1]
            self._mine = True
            return self

    def release(self) -> None:
        if not self._mine:
            return
        self._mine = False
        with StoreLock._guard:
            entry = StoreLock._held.get(self._key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del StoreLock._held[self._key]
                with contextlib.suppress(OSError):
                    _unlock(entry[0])
                entry[0].close()

    def shared(self) -> bool:
        """This process holds the lock more than once: another connection of it (:meth:`Store.reopen`) shares it."""
        with StoreLock._guard:
            entry = StoreLock._held.get(self._key)
            return entry is not None and entry[1] > 1

    def __enter__(self) -> "StoreLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


if os.name == "nt":  # pragma: no cover - Windows only
    import msvcrt

    def _lock(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def backups_folder(store_path: str | os.PathLike) -> Path:
    """``<store>.backups/`` beside the store."""
    p = Path(store_path)
    return p.with_name(p.name + ".backups")


def _read_only_file(p: Path) -> bool:
    """The file or its folder cannot be written (permissions, a read-only mount; mode bits even for root)."""
    try:
        no_write_bits = (p.stat().st_mode & 0o222) == 0
    except OSError:
        return False
    return no_write_bits or not os.access(p, os.W_OK) or not os.access(p.parent, os.W_OK)


_DAMAGED = "the store file is damaged; run matac-desk check on it, or restore a backup"
_DB_ERRORS = (
    ("disk is full", "the disk is full; nothing was changed (free some space and try again)"),
    ("disk i/o error", "the disk could not be written (disk I/O error); nothing was changed"),
    ("readonly database", "the store file cannot be written (it is read-only); nothing was changed"),
    ("database is locked", "the store is busy: another copy of MATAC Desk is writing to it; try again shortly"),
    ("malformed", _DAMAGED),
    ("not a database", _DAMAGED),
)


def explain_db_error(path: Path, e: BaseException) -> StoreError | None:
    """A one-line StoreError for a database error a user can act on (full disk, damage...), else None.

    SQLCipher refuses every write once a page has failed its check (its
    HMAC: the page is damaged) with SQLite's "readonly database" error: when
    the file and its folder can be written, that is what it means.
    """
    if not isinstance(e, sqlcipher3.DatabaseError) or isinstance(e, sqlcipher3.IntegrityError):
        return None
    text = str(e).casefold()
    for needle, message in _DB_ERRORS:
        if needle in text:
            p = Path(path)
            if needle == "readonly database" and p.is_file() and not _read_only_file(p):
                message = ("the store file is damaged (a page failed its check, so nothing can be written to it); "
                           "run matac-desk check on it, or restore a backup; nothing was changed")
            return StoreError(f"{path}: {message}")
    return None


def owner_only_files(path: Path) -> None:
    """The store, its journals and its lock readable by their owner only (0600; POSIX)."""
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            anchors.owner_only(extra)


def _free_space(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "unknown"
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if free >= size:
            return f"{free / size:.1f} {unit}"
    return f"{free} bytes"


def classify_open_failure(path: Path, e: BaseException | None) -> str:
    """Why a store did not open, in words, tried in order before concluding "wrong passphrase".

    Disk full (with the free space), read-only, locked, truncated, not a
    store, then wrong passphrase (or a damaged first page, which the
    passphrase alone cannot tell apart), from the SQLite error code or
    text, the errno and the file's size.
    """
    text = str(e or "").casefold()
    code = getattr(e, "sqlite_errorcode", None)
    en = getattr(e, "errno", None)
    folder = path.parent if str(path.parent) else Path(".")
    if code == 13 or "disk is full" in text or en == errno.ENOSPC:
        return (f"the disk is full ({_free_space(folder)} free on it): the store could not be opened, as opening it "
                "writes its journal; nothing was lost or changed; free some space and try again")
    if code == 8 or "readonly" in text or "read-only" in text or en in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ("the store file or its folder cannot be written (read-only); make it writable, or copy it to a "
                "folder you can write to; nothing was changed")
    if code in (5, 6) or "locked" in text or "busy" in text:
        return "the store is locked by another program writing to it; try again shortly; nothing was changed"
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    if size is not None and (size < 1024 or size % 512):
        return (f"the file is truncated, or not a MATAC Desk store ({size:,} bytes: not a whole number of pages; "
                "a store cut short while being copied or written looks like this)")
    if code == 10 or "disk i/o" in text:
        free = shutil.disk_usage(folder).free if folder.exists() else None
        if free is not None and free < 1024 * 1024:
            return (f"the disk is full ({_free_space(folder)} free on it): the store could not be opened; nothing "
                    "was lost or changed; free some space and try again")
        return "the disk could not be read (disk I/O error); nothing was changed"
    if code == 11 or "malformed" in text:
        return _DAMAGED
    return "wrong passphrase, or the file is damaged or not a MATAC Desk store"


def _fsync(path: Path, *, folder: bool = False) -> None:
    """Flush a file to the disk (an error is raised), or a folder's entries (best effort: not on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if folder:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def _remove_if_empty(p: Path) -> None:
    """A store file created empty by a create that then failed is not left behind to block the next try."""
    with contextlib.suppress(OSError):
        if p.stat().st_size == 0:
            p.unlink()


def _quote(passphrase: str) -> str:
    return "'" + passphrase.replace("'", "''") + "'"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """An open, unlocked, migrated store."""

    def __init__(self, path: Path, conn, passphrase: str):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._passphrase = passphrase
        self.read_only = False
        self.network_fs: str | None = None
        self.warnings: list[str] = []  # one-line notes for the user (e.g. a network drive)
        self._lock: StoreLock | None = None
        self.immutable = False         # opened on read-only media (SQLite's immutable=1)

    # ------------------------------------------------------------ opening
    @classmethod
    def create(cls, path: str | os.PathLike, passphrase: str, *, check_strength: bool = True) -> "Store":
        p = Path(path)
        if p.exists():
            raise StoreError(f"{p}: a file is already there; choose another name")
        if not p.parent.exists():
            raise StoreError(f"{p.parent}: no such folder")
        if check_strength:
            check_new_passphrase(passphrase)
        lock = StoreLock(p).acquire()
        try:
            try:  # owner-only from the start: SQLite gives its journals the store file's mode
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError as e:
                lock.release()
                raise StoreError(f"{p}: cannot create the store ({e.strerror})") from None
            conn = cls._connect(p, passphrase)
            store = cls(p, conn, passphrase)
            store._lock = lock
            store._configure()
            store.migrate(backup=False)
            with store.transaction():  # the store's id in its first entries: no two stores' chains are alike
                audit.append(conn, "store.created", entity="store",
                             detail={"store_id": anchors.store_id(conn)})
        except sqlcipher3.DatabaseError as e:
            lock.release()
            _remove_if_empty(p)
            raise explain_db_error(p, e) or StoreError(f"{p}: cannot create the store ({e})") from None
        except BaseException:
            lock.release()
            _remove_if_empty(p)
            raise
        return store

    @classmethod
    def open(cls, path: str | os.PathLike, passphrase: str, *, migrate: bool = True,
             read_only: bool = False) -> "Store":
        """Unlock and migrate a store.

        ``read_only``: no lock is taken and nothing can be changed except
        that the audit log still records what is consulted or disclosed.
        """
        p = Path(path)
        if not p.is_file():
            raise StoreError(f"{p}: no such store")
        with p.open("rb") as fh:
            head = fh.read(16)
        if head == _SQLITE_MAGIC:
            raise StoreError(f"{p}: this is an unencrypted SQLite file, not a MATAC Desk store")
        if len(head) < 16:
            raise StoreError(f"{p}: not a MATAC Desk store (the file is empty or truncated)")
        immutable = False
        if _read_only_file(p):
            if not read_only:
                raise StoreError(f"{p}: the store file (or its folder) is read-only; make it writable, or copy it "
                                 "to a folder you can write to, and open it again; nothing was changed")
            immutable = True  # read-only media: read as it is, no journal, no lock (nobody can write it)
        lock = None if read_only else StoreLock(p).acquire()
        conn = None
        try:
            conn = cls._connect(p, passphrase, immutable=immutable)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlcipher3.DatabaseError as e:
                raise StoreError(f"{p}: {classify_open_failure(p, e)}") from None
            size, page = p.stat().st_size, int(conn.execute("PRAGMA page_size").fetchone()[0] or 0)
            if page and size % page:
                raise StoreError(f"{p}: the file is truncated ({size:,} bytes, not a whole number of its "
                                 f"{page:,}-byte pages): it was cut short while being copied or written; restore a "
                                 "backup")
            store = cls(p, conn, passphrase)
            store._lock = lock
            store.immutable = immutable
            if immutable:
                wal = Path(str(p) + "-wal")
                note = (f"{p.name} is on read-only media: opened as it is; nothing can be recorded or changed")
                if wal.exists() and wal.stat().st_size:
                    note += "; its journal (-wal) beside it is not read, so the latest changes may not be seen"
                store.warnings.append(note)
            elif not read_only:
                owner_only_files(p)
            tables = set(store.db.table_names())
            if "_sqlite_migrations" not in tables or not migrations.applied(store.db):
                raise StoreError(f"{p}: not a MATAC Desk store (an encrypted database of another program)")
            store.read_only = read_only
            store._configure()
            if read_only and store.pending_migrations():
                raise StoreError(f"{p}: this store needs upgrading; open it once for writing (not read-only)")
            if migrate and not read_only:
                store.migrate(backup=True)
        except BaseException as e:
            if conn is not None:
                conn.close()
            if lock is not None:
                lock.release()
            if isinstance(e, sqlcipher3.DatabaseError):
                raise explain_db_error(p, e) or StoreError(f"{p}: the store cannot be read ({e})") from None
            raise
        return store

    @staticmethod
    def _connect(path: Path, passphrase: str, *, read_only: bool = False, immutable: bool = False):
        # check_same_thread=False only so that the importer's writer thread can
        # take the connection over while the opening thread waits for it; a
        # connection is never used by two threads at once.
        # read_only: SQLite's mode=ro (a backup tested for its passphrase writes nothing, so a full disk does not
        # condemn it); immutable: read-only media, no journal or lock at all.
        if read_only or immutable:
            uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro" + (
                "&immutable=1" if immutable else "")
            conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, timeout=10, check_same_thread=False)
        else:
            conn = sqlcipher3.connect(str(path), isolation_level=None, timeout=10, check_same_thread=False)
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        return conn

    def _configure(self) -> None:
        c = self.conn
        self.network_fs = network_filesystem(self.path)
        if self.read_only:
            pass  # the writer chose the journal mode; changing it needs the lock
        elif self.network_fs:
            # WAL needs shared memory between processes, which network drives
            # do not give: a rollback journal and full syncs instead.
            c.execute("PRAGMA journal_mode = DELETE")
            c.execute("PRAGMA synchronous = FULL")
        else:
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA synchronous = NORMAL")
        if self.network_fs:
            self.warnings.append(
                f"{self.path.name} is on a network drive ({self.network_fs}): working in safe mode (slower); "
                "keep the store on this computer's own disk if you can")
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA temp_store = MEMORY")
        c.execute("PRAGMA busy_timeout = 10000")
        if self.read_only:
            # Not "PRAGMA query_only": it refuses TEMP tables too, which the
            # scorer and workload use while only reading. The authorizer
            # refuses every change to the store's own tables instead.
            c.set_authorizer(self._read_only_authorizer)

    _MAIN_WRITES = frozenset(getattr(sqlcipher3, n) for n in (
        "SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_CREATE_TABLE", "SQLITE_CREATE_INDEX",
        "SQLITE_CREATE_TRIGGER", "SQLITE_CREATE_VIEW", "SQLITE_CREATE_VTABLE", "SQLITE_DROP_TABLE",
        "SQLITE_DROP_INDEX", "SQLITE_DROP_TRIGGER", "SQLITE_DROP_VIEW", "SQLITE_DROP_VTABLE", "SQLITE_ALTER_TABLE",
        "SQLITE_ATTACH", "SQLITE_DETACH", "SQLITE_REINDEX", "SQLITE_ANALYZE"))

    def _read_only_authorizer(self, action, arg1, arg2, dbname, source):
        if action not in self._MAIN_WRITES or dbname == "temp":
            return sqlcipher3.SQLITE_OK
        if self._audit_open and action == sqlcipher3.SQLITE_INSERT and arg1 == "audit_log":
            return sqlcipher3.SQLITE_OK
        if action == sqlcipher3.SQLITE_UPDATE and arg1 == "persons" and arg2 == audit.SALT_COLUMN:
            return sqlcipher3.SQLITE_OK  # a person's pseudonym salt, made the first time they enter the log
        return sqlcipher3.SQLITE_DENY

    _audit_open = False

    def reopen(self) -> "Store":
        """A new connection to the same store, for another thread (sharing this one's writer lock)."""
        return Store.open(self.path, self._passphrase, migrate=False, read_only=self.read_only)

    def reconnect(self) -> None:
        """Connect this same object again, after :meth:`close`, to the file now at its path (a restored backup).

        Opened as :meth:`open` opens it, with the same passphrase and mode,
        so every holder of the object sees the file as it now is. When it
        does not open the error is raised and the object stays closed.
        """
        fresh = Store.open(self.path, self._passphrase, read_only=self.read_only)
        self.conn, self.db, self._lock = fresh.conn, fresh.db, fresh._lock
        self.network_fs, self.warnings, self.immutable = fresh.network_fs, fresh.warnings, fresh.immutable
        if self.read_only:  # the authorizer of this object, whose audit_transaction opens it
            self.conn.set_authorizer(self._read_only_authorizer)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the head, outside the store (anchors.py); never stops a close
            anchors.record_anchor(self, "closed")
        if not self.read_only:
            with contextlib.suppress(Exception):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ schema
    def pending_migrations(self) -> list[str]:
        return [m.name for m in migrations.pending(self.db)]

    def schema_version(self) -> str:
        applied = migrations.applied(self.db)
        return applied[-1].name if applied else "(none)"

    def migrate(self, *, backup: bool = True) -> Path | None:
        """Apply pending migrations; copy the store first when it already holds data."""
        pending = self.pending_migrations()
        if not pending:
            return None
        copy = self.backup_file(f"pre-{pending[0]}") if backup else None
        migrations.apply(self.db)
        with self.transaction():
            audit.append(self.conn, "store.migrated", entity="store",
                         detail={"applied": pending, "backup": copy.name if copy else None,
                                 "store_id": anchors.store_id(self.conn)})
        return copy

    def backup_file(self, label: str, *, progress: Callable[[int, int, str], None] | None = None) -> Path:
        """Back the store up to ``<store>.backups/<label>-<YYYYmmdd-HHMMSS>.mdesk``.

        SQLite's online backup API copies a consistent snapshot page by page
        into a new file keyed with the same passphrase; the copy is written
        as ``.partial``, synced, then renamed, so a crash or a full disk
        never leaves a half backup under a backup's name. Rotation and
        listing are :mod:`matac_desk.storage.backups`.
        """
        folder = backups_folder(self.path)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self._check_pages()
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            anchors.owner_only(folder, folder=True)
            target = folder / f"{label}-{stamp}.mdesk"
            n = 1
            while target.exists():
                n += 1
                target = folder / f"{label}-{stamp}-{n}.mdesk"
            tmp = target.with_name(target.name + ".partial")
            try:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
                dest = self._connect(tmp, self._passphrase)
                try:
                    step = None if progress is None else (lambda status, left, total:
                                                          progress(total - left, total, "Backing up"))
                    self.conn.backup(dest, pages=4096, progress=step)
                    held = audit.head(dest)   # the head the copy holds, as it holds it
                finally:
                    dest.close()
                _fsync(tmp)
                anchors.owner_only(tmp)
                os.replace(tmp, target)
                anchors.write_backup_anchor(self, target, held)
                _fsync(folder, folder=True)
            finally:
                for suffix in ("", "-journal", "-wal", "-shm"):
                    Path(str(tmp) + suffix).unlink(missing_ok=True)
        except (OSError, sqlcipher3.DatabaseError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise StoreError(f"{folder}: cannot write a backup ({reason}); the store itself is unchanged") from None
        return target

    def _check_pages(self) -> None:
        """Refuse to back up a file with a damaged page: the copy would be damaged too (the backup API
        copies what it reads), and in rotation it would push out good backups. SQLCipher's page check
        (every page's HMAC) is cheap beside the backup: about a tenth of its time."""
        try:
            bad = self.conn.execute("PRAGMA cipher_integrity_check").fetchall()
        except sqlcipher3.DatabaseError:
            bad = ["unreadable"]
        if bad:
            raise StoreError(f"{self.path}: {_DAMAGED} (it was not backed up, so that no damaged copy takes the "
                             "place of a good backup); nothing was changed")

    def keyed_connection(self, path: str | os.PathLike):
        """A raw connection to another file keyed with this store's passphrase (backups, checks)."""
        return self._connect(Path(path), self._passphrase)

    def rekey(self, new_passphrase: str) -> None:
        """Change the passphrase: every page is re-encrypted in one transaction (PRAGMA rekey)."""
        check_new_passphrase(new_passphrase, passphrase_context(self.conn))
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; the passphrase cannot be changed")
        try:
            self.conn.execute(f"PRAGMA rekey = {_quote(new_passphrase)}")
            self._passphrase = new_passphrase
            with self.transaction():
                self.audit("store.rekeyed", entity="store")
        except sqlcipher3.DatabaseError as e:
            raise explain_db_error(self.path, e) or StoreError(f"{self.path}: cannot change the passphrase ({e})") \
                from None

    # ------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[None]:
        """One write transaction; everything inside is applied or none of it is.

        ``durable``: the commit is synced to the disk before this returns, so
        it survives a power cut too (WAL with ``synchronous=NORMAL`` may lose
        the latest commits then). For an audit entry that must exist before
        something outside the store does (a disclosure before its file).
        """
        if self.conn.in_transaction:
            with self._savepoint():
                yield
            return
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; close the other copy and open it again to make changes")
        if durable:
            was = self.scalar("PRAGMA synchronous")
            self.conn.execute("PRAGMA synchronous = FULL")
            try:
                with self.transaction():
                    yield
            finally:
                self.conn.execute(f"PRAGMA synchronous = {int(was)}")
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                base = self._head()
                yield
                new = self._head()
                if new != base and new is not None:
                    # the head this commit leaves, outside the store, before it is committed (anchors.py)
                    anchors.record_pending(self, base, new)
            except BaseException:
                if self.conn.in_transaction:  # a full disk may already have rolled it back
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
        except sqlcipher3.DatabaseError as e:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlcipher3.DatabaseError):
                    self.conn.execute("ROLLBACK")
            raise explain_db_error(self.path, e) or e

    def _head(self) -> tuple[int, str] | None:
        try:
            return audit.head(self.conn)
        except sqlcipher3.OperationalError:  # no audit log yet (a store being created)
            return None

    @contextlib.contextmanager
    def audit_transaction(self, *, durable: bool = False) -> Iterator[None]:
        """A transaction for audit entries only; allowed even when the store is opened read-only."""
        if not self.read_only or self.conn.in_transaction:
            with self.transaction(durable=durable):
                yield
            return
        self._audit_open = True
        self.read_only = False
        try:
            with self.transaction(durable=durable):
                yield
        finally:
            self.read_only = True
            self._audit_open = False

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO nested")
            self.conn.execute("RELEASE nested")
            raise
        else:
            self.conn.execute("RELEASE nested")

    def audit(self, action: str, **kw: Any) -> int:
        """Append an audit entry (inside the change's transaction); person ids are pseudonymised."""
        return audit.append(self.conn, action, **kw)

    # ------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )
            self.audit("settings.changed", entity="setting", entity_id=key)

    # ------------------------------------------------------------ reading
    def scalar(self, sql: str, params: list | tuple = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def info(self, *, pages: bool = False) -> dict[str, Any]:
        """Counts, schema version and the last import (not undone): what ``matac-desk info`` prints.

        ``pages``: run the page check too (:meth:`page_check`; ``matac-desk info`` does, the dashboard does not).
        """
        counts = {}
        for table in ("persons", "incidents", "involvements", "links", "referrals", "meetings",
                      "actions", "rejected_rows", "data_quality", "audit_log"):
            counts[table] = self.scalar(f"SELECT count(*) FROM {table}")
        last = self.conn.execute(
            "SELECT id, finished_at, file_name, rows_read, rows_new, rows_updated, rows_unchanged, rows_rejected"
            " FROM import_batches WHERE finished_at IS NOT NULL AND undone_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        last_import = None
        if last:
            keys = ("batch", "finished_at", "file", "rows_read", "new", "updated", "unchanged", "rejected")
            last_import = dict(zip(keys, last))
        return {
            "path": str(self.path),
            "schema_version": self.schema_version(),
            "counts": counts,
            "last_import": last_import,
            "pages": self.page_check(INFO_PAGE_CHECK_MAX_BYTES) if pages else "not checked",
        }

    def page_check(self, max_bytes: int | None = None) -> str:
        """SQLCipher's page check (every page's HMAC) when the file is at most ``max_bytes``
        (:data:`PAGE_CHECK_MAX_BYTES`), else says it was not run: ``ok``, the problem, or ``not checked (...)``."""
        limit = PAGE_CHECK_MAX_BYTES if max_bytes is None else max_bytes
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        if size > limit:
            return (f"not checked ({size / 2**20:,.0f} MiB is more than {limit / 2**20:,.0f} MiB; "
                    "matac-desk audit --verify and check run it)")
        return anchors.quick_page_check(self.conn)

"""Backups of a store: made, rotated, listed, restored; the store's health check; changing the passphrase.

A backup is a whole store taken through SQLite's online backup API
(:meth:`Store.backup_file`) into ``<store>.backups/<label>-<YYYYmmdd-HHMMSS>.mdesk``,
encrypted with the store's passphrase. They are made:

- before every import (``pre-import``), migration (``pre-0005_xxx``) and
  merge (``pre-merge``: the graph code calls :func:`backup`);
- once a day while the program is in use (:func:`maybe_daily_backup`, which
  the GUI calls when it opens a store);
- by hand (``matac-desk backup STORE``).

Rotation (:func:`rotate`, after every backup) keeps the latest few, then the
newest backup of each of the last N days, weeks and months
(:class:`BackupPolicy`, stored in the ``backup_policy`` setting).

Restoring (:func:`restore`) checks the backup first, takes the store's
writer lock (nobody may have it open: another copy of the program, nor a
connection of this one), keeps a copy of what it replaces
(``replaced-<time>.mdesk``, the file as it was, even damaged), then swaps
the files. The desktop client restores the store it has open with
:func:`restore_open_store`, which closes that connection first and opens
the same :class:`Store` again afterwards.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import sqlcipher3

from . import anchors, audit
from ..domain import UserError, no_progress
from .store import Store, StoreError, StoreLock, StoreLocked, backups_folder

__all__ = [
    "BackupPolicy",
    "BackupInfo",
    "SoundBackup",
    "latest_sound_backup",
    "restore_advice",
    "looks_damaged_or_locked",
    "CheckReport",
    "POLICY_KEY",
    "get_policy",
    "set_policy",
    "backup",
    "maybe_daily_backup",
    "list_backups",
    "latest_backup",
    "rotate",
    "restore",
    "restore_open_store",
    "check",
    "backup_opens",
    "restore_hint",
    "change_passphrase",
]

POLICY_KEY = "backup_policy"
_NAME_RE = re.compile(r"^(?P<label>[a-z0-9][a-z0-9_.-]*?)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.mdesk$")
_LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")
_STALE_PARTIAL_SECONDS = 3600
_REPLACED = "replaced"  # the label of the copy a restore keeps of what it replaced


@dataclass(frozen=True)
class BackupPolicy:
    """How many backups rotation keeps: the latest ``keep_last``, then one per day, week and month."""

    keep_last: int = 5
    daily: int = 7
    weekly: int = 5
    monthly: int = 12

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise UserError(f"backup policy: {name} must be a whole number, 0 or more")
        if self.keep_last < 1:
            raise UserError("backup policy: keep_last must be at least 1 (the newest backup is always kept)")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    label: str
    taken_at: _dt.datetime
    size: int

    def as_row(self) -> dict:
        return {"backup": self.path.name, "label": self.label,
                "taken": self.taken_at.strftime("%Y-%m-%d %H:%M:%S"), "size_mib": round(self.size / 2**20, 1)}


def get_policy(store: Store) -> BackupPolicy:
    value = store.get_setting(POLICY_KEY) or {}
    known = {k: v for k, v in value.items() if k in BackupPolicy.__dataclass_fields__}
    return BackupPolicy(**known)


def set_policy(store: Store, policy: BackupPolicy) -> None:
    store.set_setting(POLICY_KEY, asdict(policy))


# ---------------------------------------------------------------- making and listing

def backup(store: Store, label: str = "manual", *, progress: Callable[[int, int, str], None] = no_progress,
           policy: BackupPolicy | None = None) -> Path:
    """Back the store up now, record it in the audit log, rotate; returns the new backup's path.

    Call it before any change that cannot be undone in one transaction
    (``backup(store, "pre-merge")``). A full disk or an unwritable folder is
    a :class:`StoreError`; the store is never touched by a failed backup.
    """
    if not _LABEL_RE.match(label):
        raise ValueError(f"backup label {label!r}: lowercase letters, digits, '-', '_' and '.' only")
    path = store.backup_file(label, progress=progress)
    with store.audit_transaction():
        store.audit("backup.made", entity="backup", entity_id=path.name, detail={"label": label})
    rotate(store.path, policy or get_policy(store))
    return path


def maybe_daily_backup(store: Store, *, now: _dt.datetime | None = None) -> Path | None:
    """The daily backup: made when no backup was taken today; the GUI calls this when a store opens."""
    now = now or _dt.datetime.now()
    if any(b.taken_at.date() == now.date() for b in list_backups(store.path)):
        return None
    return backup(store, "daily")


def list_backups(store_path: str | os.PathLike) -> list[BackupInfo]:
    """The store's backups, newest first (half-written ``.partial`` files and lock files are not backups)."""
    folder = backups_folder(store_path)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _NAME_RE.match(p.name)
        if not m or not p.is_file():
            continue
        try:
            taken = _dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        found.append(BackupInfo(p, m["label"], taken, p.stat().st_size))
    found.sort(key=lambda b: (b.taken_at, int(_NAME_RE.match(b.path.name)["n"] or 1)), reverse=True)
    return found


def latest_backup(store_path: str | os.PathLike) -> BackupInfo | None:
    found = list_backups(store_path)
    return found[0] if found else None


def rotate(store_path: str | os.PathLike, policy: BackupPolicy = BackupPolicy()) -> list[Path]:
    """Delete the backups the policy does not keep; returns what was deleted.

    Kept: the newest ``keep_last``; the newest of each of the last ``daily``
    days, ``weekly`` ISO weeks and ``monthly`` months that have a backup.
    Half-written ``.partial`` files older than an hour (a killed backup)
    are removed too.
    """
    found = list_backups(store_path)
    keep = {b.path for b in found[:policy.keep_last]}
    for count, bucket in ((policy.daily, lambda d: d.date()),
                          (policy.weekly, lambda d: d.isocalendar()[:2]),
                          (policy.monthly, lambda d: (d.year, d.month))):
        seen: list = []
        for b in found:  # newest first: the first of each bucket is its newest
            key = bucket(b.taken_at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(b.path)
    removed = []
    for b in found:
        if b.path not in keep:
            _unlink_db(b.path)
            removed.append(b.path)
    folder = backups_folder(store_path)
    if folder.is_dir():
        for p in folder.glob("*.partial"):
            try:
                if time.time() - p.stat().st_mtime > _STALE_PARTIAL_SECONDS:
                    p.unlink()
            except OSError:
                pass
    return removed


def _unlink_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".lock", ".anchor"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def backup_opens(path: str | os.PathLike, passphrase: str) -> bool:
    """The file opens with this passphrase and passes SQLite's quick check.

    Read as an immutable file (nothing is written, not even a journal's
    shared memory), so that a full disk or read-only media says nothing
    against the backup or the passphrase; nobody writes a backup once made.
    """
    return _backup_state(lambda: Store._connect(Path(path), passphrase, immutable=True)) == "ok"


def _backup_state(connect: Callable[[], Any]) -> str:
    """``ok``; ``locked`` when it does not open with this key; ``damaged`` when it opens but fails the check;
    ``unreadable`` when it could not be read at all (a full disk, an I/O error: it says nothing of the key).

    ``connect()`` opens the file, keyed (read-only).
    """
    try:
        conn = connect()
    except sqlcipher3.DatabaseError as e:
        return "unreadable" if _not_about_the_key(e) else "locked"
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as e:
            return "unreadable" if _not_about_the_key(e) else "locked"
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
        return "ok" if row and row[0] == "ok" else "damaged"
    except sqlcipher3.DatabaseError:
        return "damaged"
    finally:
        conn.close()


def _not_about_the_key(e: BaseException) -> bool:
    """An error that says nothing about the passphrase: a full disk, I/O, locking, a file that cannot be opened."""
    code = getattr(e, "sqlite_errorcode", None)
    text = str(e).casefold()
    return code in (5, 6, 10, 13, 14) or any(w in text for w in ("disk", "i/o", "locked", "unable to open"))


@dataclass(frozen=True)
class SoundBackup:
    """The newest backup that opens with a passphrase and passes the quick check, and how many newer ones failed it."""
    backup: BackupInfo
    passed_over: int


def latest_sound_backup(store_path: str | os.PathLike, passphrase: str) -> SoundBackup | None:
    """The newest backup that opens with ``passphrase`` and passes the quick check, or None.

    Newer backups that open but fail the check (copies of a store already
    damaged) are passed over and counted. None as soon as the newest backup
    does not open with this passphrase: most likely it is the wrong one.
    A ``replaced`` copy (what a restore put aside, often a damaged file)
    that does not open tells nothing about the passphrase: it is passed
    over too, and the next backup decides; one that opens soundly is a
    candidate like any other.
    """
    return _latest_sound(list_backups(store_path), lambda p: Store._connect(p, passphrase, immutable=True))


def _latest_sound(found: list[BackupInfo], connect: Callable[[Path], Any], *,
                  key_is_right: bool = False) -> SoundBackup | None:
    """:func:`latest_sound_backup` over ``found``, each opened with ``connect(path)``.

    ``key_is_right``: the key opened the store itself, so a backup that
    does not open with it is only passed over.
    """
    passed, opened = 0, key_is_right
    for b in found:
        state = _backup_state(lambda p=b.path: connect(p))
        if state == "ok":
            return SoundBackup(b, passed)
        if state == "locked" and not opened and b.label != _REPLACED:
            return None
        opened = opened or state == "damaged"  # "unreadable" tells nothing of the key: passed over
        passed += 1
    return None


def restore_advice(store: Store, *, command: str | None = None) -> str:
    """After a check that failed: which backup to restore, in words (the latest sound one, not merely the newest).

    ``command`` (the command line's ``matac-desk restore STORE``) is followed
    by the backup's path, to copy.

    Every backup is opened with the store's own key and quick-checked, so
    call it off the GUI thread. Newer backups that fail (copies of the
    store once it was damaged) are passed over and said so.
    """
    found = list_backups(store.path)
    if not found:
        return "No backup of the store was found."
    sound = _latest_sound(found, lambda p: Store._connect(p, store._passphrase, immutable=True), key_is_right=True)
    if sound is None:
        return (f"None of its {len(found)} backup(s) opens with the store's passphrase and passes the check: "
                "there is no sound one to restore.")
    b = sound.backup
    skipped = (f"; the {sound.passed_over} newer one(s) do not open or fail the check (copies of a damaged store, "
               "most likely) and are passed over" if sound.passed_over else "")
    return (f"Its latest sound backup is {b.path.name} ({b.taken_at:%Y-%m-%d %H:%M}){skipped}: that is the one "
            "to restore." + (f" Restore it with: {command} {b.path}" if command else ""))


def looks_damaged_or_locked(message: str) -> bool:
    """The store did not open because of its passphrase or its file (not a lock, a missing file or the like)."""
    return any(w in message for w in ("damaged", "wrong passphrase", "truncated", "cannot be read"))


def restore_hint(store_path: str | os.PathLike, passphrase: str, message: str) -> str:
    """What to add to the message of a store that will not open: which backup to restore, if any.

    Whether a backup opens with the same passphrase tells a damaged store
    from a wrong passphrase (:func:`latest_sound_backup`). Empty for other
    failures (locked, read-only...).
    """
    if not looks_damaged_or_locked(message):
        return ""
    found = list_backups(store_path)
    if not found:
        return "; no backup of it was found"
    sound = latest_sound_backup(store_path, passphrase)
    if sound is not None:
        b = sound.backup
        skipped = (f" (the {sound.passed_over} newer one(s) are damaged too: copies of the damaged file)"
                   if sound.passed_over else "")
        return (f". Its latest sound backup ({b.taken_at:%Y-%m-%d %H:%M}) opens with this passphrase, so the store "
                f"file itself is damaged{skipped}: restore it with: matac-desk restore {store_path} {b.path}")
    return f"; its latest backup is {found[0].path} (it does not open with this passphrase either)"


# ---------------------------------------------------------------- restoring

def restore(store_path: str | os.PathLike, backup_path: str | os.PathLike, passphrase: str) -> Path | None:
    """Put a backup in the store's place; returns the copy kept of what it replaced (None: no store was there).

    The backup must open with ``passphrase`` and pass the quick check. The
    store must not be open for writing anywhere (its lock is taken). The
    replaced file is kept as it was, with its journal, even when damaged.
    """
    store_path, src = Path(store_path), Path(backup_path)
    if not src.is_file():
        raise UserError(f"{src}: no such backup")
    if not backup_opens(src, passphrase):
        raise StoreError(f"{src}: this backup does not open with the passphrase given, or it is damaged; "
                         "nothing was changed")
    folder = backups_folder(store_path)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as e:
        raise StoreError(f"{folder}: cannot be created ({e.strerror}); nothing was changed") from None
    anchors.owner_only(folder, folder=True)
    replaced_head = _head_of(store_path, passphrase)
    with StoreLock(store_path) as lock:
        if lock.shared():  # locks are counted per process: another connection of this one holds it too
            raise StoreLocked(f"{store_path}: still open in this program (a connection or a task is using it); "
                              "close it first; nothing was changed")
        replaced = None
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        tmp = store_path.with_name(store_path.name + ".restoring")
        try:
            if store_path.exists():
                _settle(store_path, passphrase)
                replaced = folder / f"{_REPLACED}-{stamp}.mdesk"
                n = 1
                while replaced.exists():
                    n += 1
                    replaced = folder / f"{_REPLACED}-{stamp}-{n}.mdesk"
                for suffix in ("-wal",):  # a damaged store's journal goes with it
                    extra = Path(str(store_path) + suffix)
                    if extra.exists() and extra.stat().st_size:
                        shutil.copyfile(extra, Path(str(replaced) + suffix))
                shutil.copyfile(store_path, replaced)
                anchors.owner_only(replaced)
            shutil.copyfile(src, tmp)
            anchors.owner_only(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(str(store_path) + suffix).unlink(missing_ok=True)
            os.replace(tmp, store_path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{store_path}: cannot restore ({e.strerror}); the store is as it was") from None
        restored = Store.open(store_path, passphrase)
        try:
            # anchors past the backup's head belong to the store as it was: set aside, and the restore says so
            aside = anchors.set_aside_after(restored, audit.head(restored.conn), replaced_head)
            with restored.transaction():
                restored.audit("store.restored", entity="backup", entity_id=src.name,
                               detail={"replaced_copy": replaced.name if replaced else None,
                                       "replaced_head": list(replaced_head) if replaced_head else None,
                                       "anchors_set_aside": aside})
        finally:
            restored.close()
    return replaced


def restore_open_store(store: Store, backup_path: str | os.PathLike) -> Path | None:
    """Restore a backup over the store this program has open; ``store`` is open again afterwards.

    The caller stops every other use of the store first (background
    connections closed, tasks finished: :func:`restore` refuses while any
    other connection of this program holds the store). ``store``'s own
    connection is closed, the backup restored with its passphrase, and the
    same object connected again: to the restored file, or to the file as it
    was when the restore failed (the restore's error is raised after that,
    even when the file does not open again: that failure is a note on it).
    Returns what :func:`restore` returns.
    """
    if store.read_only:
        raise StoreError(f"{store.path}: opened read-only; a backup cannot be restored over it")
    path, passphrase = store.path, store._passphrase
    store.close()
    try:
        replaced = restore(path, backup_path, passphrase)
    except BaseException as e:
        try:
            store.reconnect()  # to the file as it was
        except Exception as again:  # the restore's own error is the one told; this one goes with it
            e.add_note(f"{path} did not open again afterwards: {again}")
        raise
    store.reconnect()  # the same Store object: every holder of it sees the restored file
    return replaced


def _head_of(store_path: Path, passphrase: str) -> tuple[int, str] | None:
    """The chain head of the store a restore replaces (None when it does not open)."""
    if not store_path.exists():
        return None
    try:
        conn = Store._connect(store_path, passphrase, read_only=True)
        try:
            return audit.head(conn)
        finally:
            conn.close()
    except sqlcipher3.DatabaseError:
        return None


def _settle(store_path: Path, passphrase: str) -> None:
    """Fold a healthy store's WAL into the main file before it is copied; a damaged one is left as it is."""
    try:
        conn = Store._connect(store_path, passphrase)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlcipher3.DatabaseError:
        pass


# ---------------------------------------------------------------- checking

@dataclass
class CheckReport:
    """What ``matac-desk check`` found: ``ok`` when every check passed."""

    integrity: list[str] = field(default_factory=list)
    cipher: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    audit_entries: int = 0
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.cipher or self.foreign_keys or self.audit)

    def problems(self) -> list[str]:
        return ([f"integrity: {p}" for p in self.integrity] + [f"encryption: {p}" for p in self.cipher]
                + [f"foreign keys: {p}" for p in self.foreign_keys] + [f"audit log: {p}" for p in self.audit])

    def lines(self) -> list[str]:
        """The answer in plain words, one line each (what ``matac-desk check`` prints first)."""
        if self.ok:
            return [f"The store is sound: integrity ok, every page decrypts and authenticates, foreign keys hold, "
                    f"and the audit log's {self.audit_entries:,} entries are intact"
                    + (f" and match the {self.anchors} anchor(s) kept outside the store." if self.anchors else
                       "; no anchor kept outside the store was found to compare them with.")]
        return ["Something is wrong with the store:"] + [f"  {p}" for p in self.problems()]


def check(store: Store, *, progress: Callable[[int, int, str], None] = no_progress) -> CheckReport:
    """SQLite's integrity check, SQLCipher's page check, foreign keys and the audit chain.

    Reports what is wrong in words (table names and entry numbers, never
    the data itself).
    """
    report = CheckReport()
    conn = store.conn

    def run(step: int, label: str, target: list, fn) -> None:
        progress(step, 4, label)
        try:
            target.extend(fn())
        except sqlcipher3.DatabaseError as e:  # damage can stop a check half-way: say so, go on with the next
            target.append(f"the check stopped: the file cannot be read ({e})")

    def integrity():
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(50)")]
        return [] if rows == ["ok"] else rows

    def cipher():
        return [" ".join(str(c) for c in r) for r in conn.execute("PRAGMA cipher_integrity_check")]

    def foreign_keys():
        fk: dict[tuple[str, str], int] = {}
        for table, _rowid, parent, _fkid in conn.execute("PRAGMA foreign_key_check"):
            fk[(table, parent)] = fk.get((table, parent), 0) + 1
        return [f"{n:,} row(s) of {t} point to a missing {p} row" for (t, p), n in sorted(fk.items())]

    def chain():
        log = anchors.verify_log(store)   # the chain, its triggers, emptiness and every anchor found
        report.audit_entries = log.chain.entries
        report.anchors = log.anchors_checked
        return log.all_problems()

    run(0, "Integrity", report.integrity, integrity)
    run(1, "Encryption", report.cipher, cipher)
    run(2, "Foreign keys", report.foreign_keys, foreign_keys)
    run(3, "Audit log", report.audit, chain)
    progress(4, 4, "Done")
    return report


# ---------------------------------------------------------------- passphrase

def change_passphrase(store: Store, new_passphrase: str, *, current: str | None = None,
                      progress: Callable[[int, int, str], None] = no_progress) -> tuple[list[Path], list[Path]]:
    """Re-key the store, then every backup of it, to ``new_passphrase``.

    Old backups would otherwise still open with the old passphrase, which
    is often the one that leaked. Returns ``(rekeyed, failed)`` backups:
    a failed one opened with neither passphrase (it is left as it is).
    ``current``, when given (the desktop client asks for it), must be the
    store's passphrase; a new one equal to the old is refused.
    """
    old = store._passphrase
    if current is not None and not hmac.compare_digest(current.encode("utf-8"), old.encode("utf-8")):
        raise UserError("the current passphrase is not right; nothing was changed")
    if new_passphrase == old:
        raise UserError("the new passphrase is the same as the old one; nothing was changed")
    store.rekey(new_passphrase)
    found = list_backups(store.path)
    rekeyed, failed = [], []
    for i, b in enumerate(found):
        progress(i, len(found), f"Backup {i + 1} of {len(found)}")
        if backup_opens(b.path, new_passphrase):
            rekeyed.append(b.path)
            continue
        try:
            conn = Store._connect(b.path, old)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute(f"PRAGMA rekey = '{new_passphrase.replace(chr(39), chr(39) * 2)}'")
            finally:
                conn.close()
            rekeyed.append(b.path)
        except sqlcipher3.DatabaseError:
            failed.append(b.path)
    progress(len(found), len(found), "Done")
    with store.transaction():
        store.audit("backups.rekeyed", entity="store", detail={"rekeyed": len(rekeyed), "failed": len(failed)})
    return rekeyed, failed

"""The encrypted store: one SQLCipher file per store, opened through sqlite-utils.

Opening a store:

1. the file must exist (``open``) or must not (``create``);
2. the passphrase is applied with ``PRAGMA key`` (SQLCipher derives the key
   with PBKDF2-HMAC-SHA512); a wrong passphrase and a file that is not a
   store both end in :class:`StoreError`, a one-line message;
3. WAL, foreign keys, and ``temp_store=MEMORY`` so that no temporary table
   or sort spill ever reaches the disk unencrypted;
4. pending migrations run; an existing store is copied first to
   ``<store>.backups/`` (the copy is the encrypted file itself).

A connection belongs to the thread that opened it. Background work calls
:meth:`Store.reopen` to get its own connection to the same file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import sqlcipher3
import sqlite_utils

from . import audit
from .domain import UserError
from .schema import SCHEMA_NAME, migrations

__all__ = ["Store", "StoreError", "DEMO_PASSPHRASE", "MIN_PASSPHRASE_LENGTH", "check_new_passphrase"]

DEMO_PASSPHRASE = "matac-demo-not-secret"
MIN_PASSPHRASE_LENGTH = 10

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(UserError):
    """The store cannot be opened or created; the message says why in one line."""


def check_new_passphrase(passphrase: str) -> None:
    """Minimum strength for a new store's passphrase."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise StoreError(f"the passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long")
    if len(set(passphrase)) < 4:
        raise StoreError("the passphrase is too repetitive; use a phrase of several words")


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
        try:
            conn = cls._connect(p, passphrase)
        except sqlcipher3.DatabaseError as e:
            raise StoreError(f"{p}: cannot create the store ({e})") from None
        store = cls(p, conn, passphrase)
        store._configure()
        store.migrate(backup=False)
        with store.transaction():
            audit.append(conn, "store.created", entity="store")
        return store

    @classmethod
    def open(cls, path: str | os.PathLike, passphrase: str, *, migrate: bool = True) -> "Store":
        p = Path(path)
        if not p.is_file():
            raise StoreError(f"{p}: no such store")
        with p.open("rb") as fh:
            head = fh.read(16)
        if head == _SQLITE_MAGIC:
            raise StoreError(f"{p}: this is an unencrypted SQLite file, not a MATAC Desk store")
        if len(head) < 16:
            raise StoreError(f"{p}: not a MATAC Desk store (the file is empty or truncated)")
        conn = cls._connect(p, passphrase)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            conn.close()
            raise StoreError(f"{p}: wrong passphrase, or not a MATAC Desk store") from None
        store = cls(p, conn, passphrase)
        tables = set(store.db.table_names())
        if "_sqlite_migrations" not in tables or not migrations.applied(store.db):
            conn.close()
            raise StoreError(f"{p}: not a MATAC Desk store (an encrypted database of another program)")
        store._configure()
        if migrate:
            store.migrate(backup=True)
        return store

    @staticmethod
    def _connect(path: Path, passphrase: str):
        # check_same_thread=False only so that the importer's writer thread can
        # take the connection over while the opening thread waits for it; a
        # connection is never used by two threads at once.
        conn = sqlcipher3.connect(str(path), isolation_level=None, timeout=10, check_same_thread=False)
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        return conn

    def _configure(self) -> None:
        c = self.conn
        c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA temp_store = MEMORY")
        c.execute("PRAGMA busy_timeout = 10000")

    def reopen(self) -> "Store":
        """A new connection to the same store, for another thread."""
        return Store.open(self.path, self._passphrase, migrate=False)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()

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
            audit.append(self.conn, "store.migrated", entity="store", detail={"applied": pending,
                                                                              "backup": copy.name if copy else None})
        return copy

    def backup_file(self, label: str) -> Path:
        """Copy the (encrypted) file to ``<store>.backups/<label>-<time>.mdesk``."""
        folder = self.path.with_name(self.path.name + ".backups")
        folder.mkdir(exist_ok=True)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = folder / f"{label}-{stamp}.mdesk"
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tmp = target.with_suffix(".partial")
        shutil.copyfile(self.path, tmp)
        os.replace(tmp, target)
        return target

    # ------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; everything inside is applied or none of it is."""
        if self.conn.in_transaction:
            with self._savepoint():
                yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

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

    def info(self) -> dict[str, Any]:
        """Counts, schema version and the last import: what ``matac-desk info`` prints."""
        counts = {}
        for table in ("persons", "incidents", "involvements", "links", "referrals", "meetings",
                      "actions", "rejected_rows", "data_quality", "audit_log"):
            counts[table] = self.scalar(f"SELECT count(*) FROM {table}")
        last = self.conn.execute(
            "SELECT id, finished_at, file_name, rows_read, rows_new, rows_updated, rows_unchanged, rows_rejected"
            " FROM import_batches WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
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
        }

"""Append-only, hash-chained audit log (Data Protection Act 2018, s.62).

Every collection (import), alteration, consultation, disclosure and erasure
is one row: who, when, what, why. Each row carries the SHA-256 of the row
before it, so editing or deleting a row breaks the chain and ``verify``
names the first row that no longer fits. Triggers in the schema refuse
UPDATE and DELETE; the chain catches what is done around them.

Write audit rows inside the same transaction as the change they record.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["current_actor", "append", "verify", "AuditProblem", "GENESIS"]

GENESIS = "0" * 64

_FIELDS = ("at", "actor", "action", "entity", "entity_id", "batch_id", "detail", "reason", "recipient")


def current_actor() -> str:
    """The login name of the person using the program."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say something
        return "unknown-user"


def _digest(prev_hash: str, row: dict[str, Any]) -> str:
    payload = json.dumps([prev_hash] + [row.get(f) for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    conn,
    action: str,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    batch_id: int | None = None,
    detail: dict | str | None = None,
    reason: str | None = None,
    recipient: str | None = None,
    actor: str | None = None,
    at: str | None = None,
) -> int:
    """Append one entry; returns its id. ``conn`` is a DB-API connection."""
    last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    row = {
        "at": at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "actor": actor or current_actor(),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "batch_id": batch_id,
        "detail": detail if isinstance(detail, str) or detail is None else json.dumps(detail, sort_keys=True),
        "reason": reason,
        "recipient": recipient,
    }
    h = _digest(prev, row)
    cur = conn.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, batch_id, detail, reason, recipient,"
        " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [row[f] for f in _FIELDS] + [prev, h],
    )
    return cur.lastrowid


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int
    problem: str


def verify(conn) -> list[AuditProblem]:
    """Walk the chain; return every place where it does not hold (empty when intact)."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_id = None
    cols = ", ".join(_FIELDS)
    for rec in conn.execute(f"SELECT id, {cols}, prev_hash, hash FROM audit_log ORDER BY id"):
        rid = rec[0]
        row = dict(zip(_FIELDS, rec[1:10]))
        prev_hash, h = rec[10], rec[11]
        if expected_id is not None and rid != expected_id:
            problems.append(AuditProblem(rid, f"entries {expected_id}..{rid - 1} are missing"))
        if prev_hash != prev:
            problems.append(AuditProblem(rid, "does not follow the entry before it (deleted or reordered)"))
        if _digest(prev_hash, row) != h:
            problems.append(AuditProblem(rid, "its content was changed after it was written"))
        prev = h
        expected_id = rid + 1
    return problems

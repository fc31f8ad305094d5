"""Append-only, hash-chained audit log (Data Protection Act 2018, s.62).

Every collection (import), alteration, consultation, disclosure and erasure
is one row: who, when, what, why. Each row carries the SHA-256 of the row
before it, so editing or deleting a row breaks the chain and ``verify``
names the first row that no longer fits. Triggers in the schema refuse
UPDATE and DELETE; the chain catches what is done around them.

Write audit rows inside the same transaction as the change they record.

Person ids never enter the log as they are: ``entity="person"`` entries and
the ``persons=`` list keep a *pseudonym*, an HMAC of the id under a secret
held in the store's settings (``audit_secret``). ``entries(person_id=...)``
computes the same HMAC to find a person's entries; once the person is
erased, nothing in the log holds their id, name, date of birth or address.
Free text (reason, recipient) that names one of the persons an entry is
about is refused with a :class:`~matac_desk.domain.UserError`.

Helpers for the layers above: :func:`audit_view` (a person's record was
consulted) and :func:`audit_disclosure` (a pack, profile or export left the
program, with its recipient and reason).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

from .domain import UserError

__all__ = ["current_actor", "append", "verify", "AuditProblem", "GENESIS", "SECRET_KEY", "pseudonym", "entries",
           "audit_view", "audit_disclosure", "check_free_text", "ENTRY_COLUMNS"]

SECRET_KEY = "audit_secret"
ENTRY_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "batch_id", "detail", "reason", "recipient")

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


def _secret(conn) -> bytes:
    """The store's pseudonym secret; made on first use where the migration has not run yet."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [SECRET_KEY]).fetchone()
    if row is None:
        conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                     [SECRET_KEY, json.dumps(secrets.token_hex(32))])
        row = conn.execute("SELECT value FROM settings WHERE key = ?", [SECRET_KEY]).fetchone()
    return bytes.fromhex(json.loads(row[0]))


def pseudonym(conn, person_id: str, *, secret: bytes | None = None) -> str:
    """The audit log's stand-in for a person id: ``p-`` and 32 hex digits of HMAC-SHA256.

    The same id gives the same pseudonym in one store (so a person's entries
    can be found); without the store's secret it reveals nothing.
    """
    key = secret if secret is not None else _secret(conn)
    return "p-" + hmac.new(key, str(person_id).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _identifiers(conn, person_ids: Iterable[str]) -> list[re.Pattern]:
    """Patterns for what must not appear in free text: each id, full name (either order) and date of birth."""
    terms: set[str] = set()
    for pid in person_ids:
        terms.add(str(pid))
        rows = conn.execute(
            "SELECT forename, surname, dob FROM persons WHERE id = ?"
            " UNION ALL SELECT forename, surname, NULL FROM aliases WHERE person_id = ?", [pid, pid]).fetchall()
        for fn, sn, dob in rows:
            if fn and sn:
                terms.add(f"{fn} {sn}")
                terms.add(f"{sn}, {fn}")
                terms.add(f"{sn} {fn}")
            if dob:
                terms.add(dob)
                terms.add(f"{dob[8:10]}/{dob[5:7]}/{dob[0:4]}")
    return [re.compile(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in t.split()) + r"(?![\w])", re.IGNORECASE)
            for t in terms if t.strip()]


def check_free_text(conn, text: str | None, person_ids: Iterable[str], *, field: str = "the reason") -> None:
    """Refuse free text that names, dates or identifies one of ``person_ids`` (a UserError)."""
    if not text:
        return
    for pattern in _identifiers(conn, person_ids):
        if pattern.search(text):
            raise UserError(f"{field} must not hold a person's name, date of birth or id "
                            "(the audit log already records who it is about); reword it")


def _pseudonymise(value: Any, ids: dict[str, str]) -> Any:
    """Replace person ids that appear as whole values inside a detail structure."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {k: _pseudonymise(v, ids) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pseudonymise(v, ids) for v in value]
    return value


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
    persons: Iterable[str] = (),
) -> int:
    """Append one entry; returns its id. ``conn`` is a DB-API connection.

    ``entity="person"`` stores the pseudonym of ``entity_id``; ``persons``
    (other person ids the entry is about) go into ``detail["persons"]`` as
    pseudonyms, and those ids are replaced wherever they appear as values in
    a ``detail`` dict. Reason and recipient must not name those persons.
    """
    about = [str(p) for p in persons]
    if entity == "person" and entity_id is not None:
        about.insert(0, str(entity_id))
    if about:
        key = _secret(conn)
        ids = {pid: pseudonym(conn, pid, secret=key) for pid in about}
        check_free_text(conn, reason, about)
        check_free_text(conn, recipient, about, field="the recipient")
        if entity == "person" and entity_id is not None:
            entity_id = ids[str(entity_id)]
        if isinstance(detail, str):
            check_free_text(conn, detail, about, field="the audit detail")
            if persons:
                detail = {"text": detail}
        if isinstance(detail, dict) or persons:
            detail = _pseudonymise(dict(detail or {}), ids)
            if persons:
                detail["persons"] = [ids[p] for p in dict.fromkeys(str(p) for p in persons)]
    last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    row = {
        "at": at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "actor": actor or current_actor(),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "batch_id": batch_id,
        "detail": detail if isinstance(detail, str) or detail is None
        else json.dumps(detail, sort_keys=True, ensure_ascii=False),
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


def entries(conn, *, person_id: str | None = None, action: str | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Audit entries, oldest first; ``person_id`` finds the entries about that person by pseudonym.

    ``action`` matches the action exactly, or a family with a trailing
    ``*`` (``export.*``).
    """
    where, params = [], []
    if person_id is not None:
        p = pseudonym(conn, person_id)
        where.append("((entity = 'person' AND entity_id = ?) OR instr(coalesce(detail, ''), ?) > 0)")
        params += [p, '"' + p + '"']
    if action:
        if action.endswith("*"):
            where.append("action LIKE ? ESCAPE '\\'")
            params.append(action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        else:
            where.append("action = ?")
            params.append(action)
    sql = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql.replace(' ORDER BY id', ' ORDER BY id DESC')} LIMIT {int(limit)}) ORDER BY id"
    return [dict(zip(ENTRY_COLUMNS, r)) for r in conn.execute(sql, params)]


def audit_view(store, person_id: str, reason: str | None = None, *, what: str = "profile") -> int:
    """Record that a person's record was consulted (a profile opened, a search that showed them).

    Works on a store opened read-only too. ``what`` says which view
    (``profile``, ``search``, ``graph``...).
    """
    with store.audit_transaction():
        return store.audit("person.viewed", entity="person", entity_id=person_id, detail={"view": what},
                           reason=reason)


def audit_disclosure(store, what: str, recipient: str, reason: str, person_ids: Iterable[str], *,
                     detail: dict | None = None) -> int:
    """Record a disclosure: a pack, profile or export leaving the program, to whom and why.

    ``what`` names the kind (``pack``, ``profile``, ``csv``); the recipient
    (an agency or role) and the reason are required; ``person_ids`` are
    the persons it holds (kept as pseudonyms).
    """
    recipient = (recipient or "").strip()
    reason = (reason or "").strip()
    if not recipient:
        raise UserError(f"{what}: say who receives it (the recipient) before it is disclosed")
    if not reason:
        raise UserError(f"{what}: give the reason it is disclosed")
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    # synced before it returns: the file it records may be put in place next, and must never outlive it
    with store.audit_transaction(durable=True):
        return store.audit(f"disclosure.{what}", entity="disclosure", recipient=recipient, reason=reason,
                           detail=dict(detail or {}, count=len(ids)), persons=ids)

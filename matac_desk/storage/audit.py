"""Append-only, hash-chained audit log (Data Protection Act 2018, s.62).

Every collection (import), alteration, consultation, disclosure and erasure
is one row: who, when, what, why. Each row carries the SHA-256 of the row
before it, so editing or deleting a row breaks the chain and ``verify``
names the first row that no longer fits. Triggers in the schema refuse
UPDATE and DELETE; the chain catches what is done around them.

Write audit rows inside the same transaction as the change they record.

Person ids never enter the log as they are: ``entity="person"`` entries and
the ``persons=`` list keep a *pseudonym*, an HMAC under a secret held in the
store's settings (``audit_secret``) of the person's own random salt
(``persons.audit_salt``, made the first time the person enters the log)
followed by the id. ``entries(person_id=...)`` computes the same HMAC to
find a person's entries; erasure deletes the person's row and with it the
salt, so nobody can compute the pseudonym again, even by trying every
possible id with the secret (crypto-shredding). An id anywhere else in an
entry's detail (inside a reference such as ``PROFILE-<id>-…``) is replaced
by the pseudonym too. An id the store does not hold (a filter naming an
unknown id) has no salt and gets the unsalted HMAC.
Free text (reason, recipient) that names one of the persons an entry is
about is refused with a :class:`~matac_desk.domain.UserError`.

Helpers for the layers above: :func:`audit_view` (a person's record was
consulted) and :func:`audit_disclosure` (a pack, profile or export left the
program, with its recipient and reason); :func:`itemised` (the persons an
entry about a long listing names, at most :data:`LISTED_PERSONS_CAP`; the
command line's listings are ``view.listing`` consultations and
``disclosure.listing`` disclosures). Reading the log: :func:`entries`
(oldest first, as the CLI prints it), :func:`entries_page` and
:func:`count_entries` (newest first, a page at a time, for the desktop
client), :func:`check_chain` (``verify`` in words) and :func:`export_csv`
(the log written out, itself a recorded disclosure). Reading the log is
not a consultation of anyone's record (it holds pseudonyms, never ids), so
it is not audited; writing it out is.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..domain import UserError, safe_cell
from .files import csv_bytes, write_atomically

__all__ = ["current_actor", "append", "verify", "AuditProblem", "GENESIS", "SECRET_KEY", "pseudonym", "entries",
           "audit_view", "audit_disclosure", "audit_export", "NOT_STATED_RECIPIENT", "NOT_STATED_REASON", "check_free_text", "ENTRY_COLUMNS", "entries_page", "count_entries",
           "action_names", "ChainReport", "check_chain", "short_detail", "export_csv", "LISTED_PERSONS_CAP",
           "itemised", "head", "head_display", "pseudonyms", "SALT_COLUMN", "salted_digest"]

SALT_COLUMN = "audit_salt"

SECRET_KEY = "audit_secret"
ENTRY_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "batch_id", "detail", "reason", "recipient")

GENESIS = "0" * 64

# The most persons one entry itemises: a listing of 300,000 would make a
# multi-megabyte row and seconds of free-text checks.
LISTED_PERSONS_CAP = 5_000

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


def salted_digest(key: bytes, salt: str | None, person_id: str) -> str:
    """``p-`` and 32 hex digits of HMAC-SHA256(secret, salt ‖ id); no salt: the HMAC of the id alone."""
    msg = (bytes.fromhex(salt) if salt else b"") + str(person_id).encode("utf-8")
    return "p-" + hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def _salts(conn, ids: list[str], *, create: bool) -> dict[str, str | None]:
    """Each held person's salt (made now when missing and ``create``); ids the store does not hold are absent."""
    out: dict[str, str | None] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out.update(conn.execute(f"SELECT id, {SALT_COLUMN} FROM persons WHERE id IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall())
    missing = [pid for pid, salt in out.items() if not salt]
    if missing and create:
        import sqlcipher3
        try:
            for pid in missing:
                salt = secrets.token_hex(16)
                conn.execute(f"UPDATE persons SET {SALT_COLUMN} = ? WHERE id = ? AND {SALT_COLUMN} IS NULL",
                             [salt, pid])
                out[pid] = conn.execute(f"SELECT {SALT_COLUMN} FROM persons WHERE id = ?", [pid]).fetchone()[0]
        except sqlcipher3.DatabaseError:  # a store on read-only media: nothing about them can be in the log yet
            pass
    return out


def pseudonyms(conn, person_ids: Iterable[str], *, create: bool = True, secret: bytes | None = None) -> dict[str, str]:
    """:func:`pseudonym` for many ids at once (one query per 500).

    ``create=False`` (reading the log): a held person without a salt has
    never entered the log, and gets a value that matches no entry.
    """
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    key = secret if secret is not None else _secret(conn)
    salts = _salts(conn, ids, create=create)
    out = {}
    for pid in ids:
        if pid in salts and not salts[pid]:
            out[pid] = "p-none-" + secrets.token_hex(8)  # in the store, never in the log
        else:
            out[pid] = salted_digest(key, salts.get(pid), pid)
    return out


def pseudonym(conn, person_id: str, *, secret: bytes | None = None, create: bool = True) -> str:
    """The audit log's stand-in for a person id: ``p-`` and 32 hex digits of HMAC-SHA256.

    HMAC(store secret, person's salt ‖ id): the same person gives the same
    pseudonym in one store (so their entries can be found); without the
    store's secret it reveals nothing, and once the person is erased (their
    salt with them) it cannot be computed again.
    """
    return pseudonyms(conn, [person_id], create=create, secret=secret)[str(person_id)]


def _identifying_terms(conn, person_ids: Iterable[str]) -> set[str]:
    """What must not appear in free text: each id, full name (either order) and date of birth."""
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    terms: set[str] = set(ids)
    for i in range(0, len(ids), 400):   # two lists of parameters each: under SQLite's old limit of 999
        chunk = ids[i:i + 400]
        marks = ", ".join("?" * len(chunk))
        for fn, sn, dob in conn.execute(
                f"SELECT forename, surname, dob FROM persons WHERE id IN ({marks})"
                f" UNION ALL SELECT forename, surname, NULL FROM aliases WHERE person_id IN ({marks})", chunk + chunk):
            if fn and sn:
                terms.add(f"{fn} {sn}")
                terms.add(f"{sn}, {fn}")
                terms.add(f"{sn} {fn}")
            if dob:
                terms.add(dob)
                terms.add(f"{dob[8:10]}/{dob[5:7]}/{dob[0:4]}")
    return {t for t in terms if t.strip()}


def _term_pattern(term: str) -> re.Pattern:
    """A term as a whole phrase: any case, any run of white space between its words."""
    return re.compile(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in term.split()) + r"(?![\w])", re.IGNORECASE)


# re.IGNORECASE lets exactly four non-ASCII letters stand for ASCII ones (İ ı for i, ſ for s, K for k).
_ASCII_STAND_INS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_ASCII_RUN = re.compile(r"[a-z0-9]+")


def check_free_text(conn, text: str | None, person_ids: Iterable[str], *, field: str = "the reason") -> None:
    """Refuse free text that names, dates or identifies one of ``person_ids`` (a UserError).

    Notes
    -----
    A term's pattern is compiled only when every run of ASCII letters and
    digits in it is in the text (case folded): a cheap test that any match
    passes, so checking a reason against thousands of persons costs one
    query per 400 of them, not thousands of regular expressions.
    """
    _check_texts(conn, [(text, field)], person_ids)


def _check_texts(conn, texts: list[tuple[str | None, str]], person_ids: Iterable[str]) -> None:
    """:func:`check_free_text` for several ``(text, field)`` at once, looking the persons up once."""
    texts = [(t, f) for t, f in texts if t]
    if not texts:
        return
    terms = _identifying_terms(conn, person_ids)
    for text, field in texts:
        if _names_any(text, terms):
            raise UserError(f"{field} must not hold a person's name, date of birth or id "
                            "(the audit log already records who it is about); reword it")


def _names_any(text: str, terms: Iterable[str]) -> bool:
    """Whether one of ``terms`` is in ``text`` as :func:`_term_pattern` finds it (the cheap test first)."""
    folded = text.translate(_ASCII_STAND_INS).lower()
    return any(all(run in folded for run in _ASCII_RUN.findall(term.lower())) and _term_pattern(term).search(text)
               for term in terms)


def _pseudonymise(value: Any, ids: dict[str, str], inside: re.Pattern | None = None) -> Any:
    """Replace person ids inside a detail structure: whole values, and (``inside``) ids within longer text."""
    if isinstance(value, str):
        if value in ids:
            return ids[value]
        if inside is not None:
            return inside.sub(lambda m: ids[m.group(0)], value)
        return value
    if isinstance(value, dict):
        return {k: _pseudonymise(v, ids, inside) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pseudonymise(v, ids, inside) for v in value]
    return value


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _inside_pattern(detail: Any, ids: dict[str, str]) -> re.Pattern | None:
    """A pattern for the ids found inside longer strings of ``detail`` (a reference ``PROFILE-<id>-…``), or None."""
    texts = [t for t in _strings(detail) if t not in ids]
    found = {pid for pid in ids for t in texts if pid in t}
    if not found:
        return None
    alts = "|".join(re.escape(p) for p in sorted(found, key=len, reverse=True))
    return re.compile(r"(?<![A-Za-z0-9])(?:" + alts + r")(?![A-Za-z0-9])")


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
    entity_pseudonym: str | None = None,
) -> int:
    """Append one entry; returns its id. ``conn`` is a DB-API connection.

    ``entity="person"`` stores the pseudonym of ``entity_id``; ``persons``
    (other person ids the entry is about) go into ``detail["persons"]`` as
    pseudonyms, and those ids are replaced wherever they appear as values in
    a ``detail`` dict, or inside its strings. Reason and recipient must not
    name those persons. ``entity_pseudonym``: the pseudonym of ``entity_id``
    computed before (an erasure, whose salt is gone by the time it is recorded).
    """
    about = [str(p) for p in persons]
    if entity == "person" and entity_id is not None:
        about.insert(0, str(entity_id))
    if about:
        ids = pseudonyms(conn, about)
        if entity_pseudonym and entity == "person" and entity_id is not None:
            ids[str(entity_id)] = entity_pseudonym
        _check_texts(conn, [(reason, "the reason"), (recipient, "the recipient"),
                            (detail if isinstance(detail, str) else None, "the audit detail")], about)
        if entity == "person" and entity_id is not None:
            entity_id = ids[str(entity_id)]
        if isinstance(detail, str):
            if persons:
                detail = {"text": detail}
        if isinstance(detail, dict) or persons:
            detail = _pseudonymise(dict(detail or {}), ids, _inside_pattern(detail, ids))
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


def _filters(conn, person_id: str | None, action: str | None, since: _dt.date | str | None,
             until: _dt.date | str | None) -> tuple[list[str], list[Any]]:
    """The WHERE terms and parameters shared by the readers below."""
    where: list[str] = []
    params: list[Any] = []
    if person_id:
        p = pseudonym(conn, person_id, create=False)
        where.append("((entity = 'person' AND entity_id = ?) OR instr(coalesce(detail, ''), ?) > 0)")
        params += [p, '"' + p + '"']
    if action:
        if action.endswith("*"):
            where.append("action LIKE ? ESCAPE '\\'")
            params.append(action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        else:
            where.append("action = ?")
            params.append(action)
    if since:
        where.append("substr(at, 1, 10) >= ?")
        params.append(str(since))
    if until:
        where.append("substr(at, 1, 10) <= ?")
        params.append(str(until))
    return where, params


def _select(where: list[str]) -> str:
    sql = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_log"
    return sql + (" WHERE " + " AND ".join(where) if where else "")


def entries(conn, *, person_id: str | None = None, action: str | None = None, limit: int | None = None,
            since: _dt.date | str | None = None, until: _dt.date | str | None = None) -> list[dict[str, Any]]:
    """Audit entries, oldest first; ``person_id`` finds the entries about that person by pseudonym.

    ``action`` matches the action exactly, or a family with a trailing
    ``*`` (``export.*``); ``since`` and ``until`` are days (UTC), inclusive.
    """
    where, params = _filters(conn, person_id, action, since, until)
    sql = _select(where) + " ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql.replace(' ORDER BY id', ' ORDER BY id DESC')} LIMIT {int(limit)}) ORDER BY id"
    return [dict(zip(ENTRY_COLUMNS, r)) for r in conn.execute(sql, params)]


def entries_page(conn, *, person_id: str | None = None, action: str | None = None,
                 since: _dt.date | str | None = None, until: _dt.date | str | None = None,
                 before_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """One page of entries, newest first: those older than ``before_id`` (the last one of the page before).

    The filters are those of :func:`entries`. Paging by id stays correct
    while new entries are written at the top.
    """
    where, params = _filters(conn, person_id, action, since, until)
    if before_id is not None:
        where.append("id < ?")
        params.append(int(before_id))
    sql = _select(where) + f" ORDER BY id DESC LIMIT {max(1, int(limit))}"
    return [dict(zip(ENTRY_COLUMNS, r)) for r in conn.execute(sql, params)]


def count_entries(conn, *, person_id: str | None = None, action: str | None = None,
                  since: _dt.date | str | None = None, until: _dt.date | str | None = None) -> int:
    """How many entries the filters of :func:`entries` match."""
    where, params = _filters(conn, person_id, action, since, until)
    sql = "SELECT count(*) FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    return conn.execute(sql, params).fetchone()[0]


def action_names(conn) -> list[str]:
    """The actions the log holds, sorted (for a filter list)."""
    return [a for (a,) in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def short_detail(detail: str | None, width: int = 100) -> str:
    """A table cell: long pseudonym lists counted, long text cut (csv and json keep everything)."""
    if not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("persons"), list) and len(value["persons"]) > 2:
        value["persons"] = f"{len(value['persons'])} pseudonyms"
        detail = json.dumps(value, ensure_ascii=False)
    return detail if len(detail) <= width else detail[:width - 1] + "…"


@dataclass(frozen=True)
class ChainReport:
    """The chain walked (:func:`check_chain`): how many entries, the problems, and the chain head."""

    entries: int
    problems: list[AuditProblem] = field(default_factory=list)
    head_id: int | None = None
    head_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The answer in plain words, one line each (what ``audit --verify`` prints)."""
        if self.ok:
            out = [f"The audit log is intact: {self.entries:,} entries, each chained to the one before."]
            if self.head_id is not None:  # noted elsewhere, it shows later whether entries were cut off the end
                out.append(f"Chain head: latest entry {self.head_id}, hash {self.head_hash[:16]}")
            return out
        return ([f"The audit log has been tampered with: {len(self.problems)} problem(s) in {self.entries:,} entries."]
                + [f"  entry {p.entry_id}: {p.problem}" for p in self.problems])


def head(conn) -> tuple[int, str] | None:
    """The chain head: the latest entry's id and hash (None for an empty log)."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def head_display(conn, *, digits: int = 8) -> str:
    """The head as printed on a cover: ``Audit head 1,204 · 3fa9c2e1`` (``audit --verify --anchor 1204:3fa9c2e1``)."""
    h = head(conn)
    return "Audit head: none (empty log)" if h is None else f"Audit head {h[0]:,} · {h[1][:digits]}"


def check_chain(conn) -> ChainReport:
    """:func:`verify`, with the entry count and the chain head."""
    problems = verify(conn)
    n = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    head = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return ChainReport(n, problems, *(head or (None, None)))


def export_csv(store, path: str | os.PathLike, *, recipient: str, reason: str, person_id: str | None = None,
               action: str | None = None, since: _dt.date | str | None = None,
               until: _dt.date | str | None = None) -> int:
    """Write the entries the filters match (oldest first) as CSV, formula-safe; returns how many.

    Writing the log out is a disclosure: it is recorded with its recipient
    and reason (:func:`audit_disclosure`, ``disclosure.audit-log``; about
    ``person_id`` when the export is that person's entries). The file and
    the entry appear together or not at all.
    """
    rows = entries(store.conn, person_id=person_id, action=action, since=since, until=until)
    target = Path(path)
    filters = {k: str(v) for k, v in (("action", action), ("since", since), ("until", until)) if v}

    def record() -> None:  # synced before the file appears: never a file without its entry
        audit_disclosure(store, "audit-log", recipient, reason, [person_id] if person_id else [],
                         detail={"entries": len(rows), "file": target.name, "filters": filters})

    write_atomically(target, lambda: csv_bytes([ENTRY_COLUMNS] + [[safe_cell(r[c]) for c in ENTRY_COLUMNS]
                                                                 for r in rows]), before_rename=record)
    return len(rows)


# What a disclosure records when nobody said who receives it or why (a script's output, a file saved for later).
NOT_STATED_RECIPIENT = "not stated (command-line output)"
NOT_STATED_REASON = "not stated"


def itemised(person_ids: Iterable[str], detail: dict | None = None) -> tuple[list[str], dict]:
    """The persons one entry about a listing itemises, and its ``detail`` with the count.

    Distinct ids in the order given, at most :data:`LISTED_PERSONS_CAP`;
    ``detail["persons_shown"]`` is how many there were, and
    ``detail["persons_capped"]`` the cap when it cut the list (the first ones
    are kept). Free text is checked against the itemised persons only.
    """
    ids = list(dict.fromkeys(str(p) for p in person_ids if p))
    detail = dict(detail or {}, persons_shown=len(ids))
    if len(ids) > LISTED_PERSONS_CAP:
        detail["persons_capped"] = LISTED_PERSONS_CAP
        ids = ids[:LISTED_PERSONS_CAP]
    return ids, detail


def audit_view(store, person_id: str, reason: str | None = None, *, what: str = "profile") -> int:
    """Record that a person's record was consulted (a profile opened, a search that showed them).

    Works on a store opened read-only too. ``what`` says which view
    (``profile``, ``search``, ``graph``...).
    """
    with store.audit_transaction():
        return store.audit("person.viewed", entity="person", entity_id=person_id, detail={"view": what},
                           reason=reason)


def audit_export(store, what: str, person_ids: Iterable[str], *, recipient: str | None = None,
                 reason: str | None = None, detail: dict | None = None) -> int:
    """Record a file or output written out of the program: a disclosure whose recipient and reason may be
    unknown (recorded as not stated), naming the persons it holds (:func:`itemised`)."""
    ids, detail = itemised(person_ids, detail)
    return audit_disclosure(store, what, recipient or NOT_STATED_RECIPIENT, reason or NOT_STATED_REASON, ids,
                            detail=detail)


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
        # its commit records the head outside the store (anchors.record_pending): the head a cover prints is the
        # one this transaction began from, anchored with it
        return store.audit(f"disclosure.{what}", entity="disclosure", recipient=recipient, reason=reason,
                           detail=dict(detail or {}, count=len(ids)), persons=ids)

"""Intelligence links between persons: imported from CSV or entered by hand.

An intelligence link says that two persons were seen together in a
relationship (partner, ex-partner, family, other) from a date, according to
a source ("intelligence report", "custody record", ...). With the DA
incidents they make the relationship graph (:mod:`matac_desk.analysis.graph`).

The CSV has the columns ``person_a_id, person_b_id, relationship,
first_seen, source`` and, for a person not yet in the store,
``person_b_forename, person_b_surname, person_b_dob``, and optionally
``grading``: the 3×5×2 intelligence grade (:func:`parse_grading`, e.g.
``1B P``; a link with handling code C is withheld from partner packs). The rules are the
incident importer's (:mod:`matac_desk.intake.importer`): headers match
case-insensitively with spaces, hyphens and underscores alike; every bad row
is rejected with its row number (the header is row 1), column, value and
reason, kept in ``rejected_rows`` and optionally written to a rejects CSV;
good rows, rejects, new persons, the batch record (kind ``links``) and the
audit entry are one transaction. Importing the same file again changes
nothing: the key is (person_a_id, person_b_id, relationship kind,
first_seen, source); a row with the same key and another relationship text
updates it.

``relationship`` describes person_b as seen from person_a ("girlfriend",
"son"), as the extract's relationship column describes the victim.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..storage import audit
from ..domain import (
    Cancelled,
    UserError,
    display_name,
    name_key,
    never_cancelled,
    no_progress,
    normalise_relationship,
    parse_date,
    unsafe_cell,
)
from . import undo
from .importer import MAX_FIELD, ImportSummary, Reject, detect_encoding, header_key, write_rejects
from ..storage.store import Store

__all__ = [
    "LINK_COLUMNS",
    "REQUIRED_LINK_COLUMNS",
    "LinksSummary",
    "LinkError",
    "LinkRow",
    "import_links",
    "add_link",
    "remove_link",
    "recent_links",
    "parse_grading",
    "GRADING_HELP",
    "conditional_links",
]

LINK_COLUMNS = ("person_a_id", "person_b_id", "relationship", "first_seen", "source",
                "person_b_forename", "person_b_surname", "person_b_dob", "grading")
GRADING_HELP = ("source 1 reliable, 2 untested, 3 not reliable; intelligence A known directly, B known indirectly "
                "and corroborated, C known indirectly, D not known, E suspected false; handling P lawful sharing "
                "permitted, C sharing with conditions; e.g. 1B P")
_GRADING = re.compile(r"^\s*([123])\s*[-/ ]?\s*([A-E])\s*[-/ ]?\s*([PC])\s*$", re.IGNORECASE)


def parse_grading(text: str | None) -> str | None:
    """The 3×5×2 grade as ``"1B P"``; None when blank; ValueError naming the value when it is not one.

    >>> parse_grading("2c-c"), parse_grading(" 1B P "), parse_grading("")
    ('2C C', '1B P', None)
    """
    if text is None or not text.strip():
        return None
    m = _GRADING.match(text)
    if not m:
        t = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())
        t = t if len(t) <= 40 else t[:39] + "…"
        raise ValueError(f"grading {t!r} is not a 3×5×2 grade ({GRADING_HELP})")
    return f"{m.group(1)}{m.group(2).upper()} {m.group(3).upper()}"


def conditional_links(store: Store, person_ids) -> list[int]:
    """Ids of the links touching any of ``person_ids`` whose handling code is C (shared only with conditions)."""
    ids = list(person_ids)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    return [r[0] for r in store.conn.execute(
        f"SELECT id FROM links WHERE grading LIKE '% C' AND (person_a_id IN ({marks}) OR person_b_id IN ({marks}))"
        " ORDER BY id", ids * 2)]
REQUIRED_LINK_COLUMNS = LINK_COLUMNS[:5]
CHUNK = 5000  # rows per cancel check and progress report


# A links import reports what an extract import does (incident counts stay 0).
LinksSummary = ImportSummary


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _check(value: str, label: str, today_iso: str) -> str:
    """An ISO date from ``value``; ValueError with the reason for a reject."""
    if not value.strip():
        raise ValueError(f"{label} is empty")
    try:
        iso = parse_date(value)[0].isoformat()
    except ValueError as e:
        raise ValueError(f"{label}: {e}") from None
    if iso > today_iso:
        raise ValueError(f"{label} is in the future")
    return iso


class _Row:
    """One link checked against the store; ``reject()`` names the first problem."""

    __slots__ = ("a", "b", "relationship", "kind", "first_seen", "source", "new_person", "grading")

    def __init__(self, a, b, relationship, kind, first_seen, source, new_person, grading=None):
        self.a, self.b, self.relationship, self.kind = a, b, relationship, kind
        self.first_seen, self.source, self.new_person, self.grading = first_seen, source, new_person, grading


def _check_link(values: dict[str, str], known: Callable[[str], bool], today_iso: str) -> _Row:
    """Validate one link; raise ``_Bad(column, value, reason)`` for the first problem."""
    a = values["person_a_id"].strip()
    b = values["person_b_id"].strip()
    rel = values["relationship"].strip()
    src = values["source"].strip()
    if not a:
        raise _Bad("person_a_id", "", "person_a_id is empty")
    if not b:
        raise _Bad("person_b_id", "", "person_b_id is empty")
    if a == b:
        raise _Bad("person_b_id", b, "person_a_id and person_b_id are the same person")
    if not rel:
        raise _Bad("relationship", "", "relationship is empty")
    if not src:
        raise _Bad("source", "", "source is empty (say where the link comes from)")
    try:
        first = _check(values["first_seen"], "first_seen", today_iso)
    except ValueError as e:
        raise _Bad("first_seen", values["first_seen"].strip(), str(e)) from None
    try:
        grading = parse_grading(values.get("grading"))
    except ValueError as e:
        raise _Bad("grading", values["grading"].strip(), str(e)) from None
    if not known(a):
        raise _Bad("person_a_id", a, "person_a_id is not in the store")
    new_person = None
    if not known(b):
        fn = values.get("person_b_forename", "").strip() or None
        sn = values.get("person_b_surname", "").strip() or None
        raw_dob = values.get("person_b_dob", "").strip()
        if not (fn or sn):
            raise _Bad("person_b_id", b, "person_b_id is not in the store and no person_b_forename or "
                                         "person_b_surname is given to add them")
        dob = None
        if raw_dob:
            try:
                dob = _check(raw_dob, "person_b_dob", today_iso)
            except ValueError as e:
                raise _Bad("person_b_dob", raw_dob, str(e)) from None
            if dob > first:
                raise _Bad("person_b_dob", raw_dob, "person_b_dob is after first_seen")
        new_person = (b, fn, sn, dob)
    return _Row(a, b, rel, normalise_relationship(rel), first, src, new_person, grading)


class _Bad(Exception):
    def __init__(self, column: str, value: str | None, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class LinkError(UserError):
    """A link entered by hand that the import would reject; ``column`` names the field (a CSV column)."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


_INSERT_PERSON = (
    "INSERT INTO persons (id, forename, surname, dob, name_key, first_batch_id, last_batch_id,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
)


def _add_person(conn, new_person: tuple, batch_id: int | None, now: str) -> None:
    """Insert the person a link names who is not in the store yet (``_Row.new_person``)."""
    b, fn, sn, dob = new_person
    conn.execute(_INSERT_PERSON, [b, fn, sn, dob, name_key(fn, sn), batch_id, batch_id, now, now])


def _check_file(p: Path) -> Path:
    if not p.is_file():
        raise UserError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise UserError(f"{p.name}: the file is empty")
    return p


_UPSERT_LINK = (
    "INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen, source,"
    " entered_by, batch_id, grading) VALUES (?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (person_a_id, person_b_id, relationship_kind, first_seen, source) DO UPDATE SET"
    " relationship = excluded.relationship, batch_id = excluded.batch_id,"
    " grading = coalesce(excluded.grading, links.grading)"
    " WHERE links.relationship IS NOT excluded.relationship"
    " OR (excluded.grading IS NOT NULL AND links.grading IS NOT excluded.grading)"
)


def import_links(
    store: Store,
    path: str | os.PathLike,
    rejects_path: str | os.PathLike | None = None,
    today: _dt.date | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
    *,
    backup: bool = True,
) -> LinksSummary:
    """Import intelligence links from CSV in one transaction and return what it did.

    Raises :class:`UserError` for a file that cannot be imported at all and
    :class:`Cancelled` when ``cancelled()`` turns true; then nothing is written.
    """
    p = _check_file(Path(path))
    today_iso = (today or _dt.date.today()).isoformat()
    encoding = detect_encoding(p)
    summary = LinksSummary(file_name=p.name, encoding=encoding)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    errors = "matac-cp1252" if encoding == "cp1252" else "strict"  # registered by the importer
    try:
        text = p.read_text(encoding=encoding, errors=errors)
    except UnicodeDecodeError as e:
        raise UserError(f"{p.name}: cannot be read as {encoding} ({e.reason} at byte {e.start})") from None
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream)
    try:
        headers = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    except csv.Error as e:
        raise UserError(f"{p.name}: the header row is not valid CSV ({e})") from None
    columns: dict[str, int] = {}
    for i, h in enumerate(headers):
        columns.setdefault(header_key(h), i)
    missing = [c for c in REQUIRED_LINK_COLUMNS if c not in columns]
    if missing:
        raise UserError(f"{p.name}: required column(s) {', '.join(missing)} not found in the header row "
                        f"(headers: {', '.join(headers[:30]) or '(none)'})")
    if backup and (store.scalar("SELECT count(*) FROM links") or store.scalar("SELECT count(*) FROM involvements")):
        store.backup_file("pre-import")

    conn = store.conn
    actor = audit.current_actor()
    now = _now()
    total = len(text)
    added: set[str] = set()

    def known(pid: str) -> bool:
        return pid in added or conn.execute("SELECT 1 FROM persons WHERE id = ?", [pid]).fetchone() is not None

    try:
        with store.transaction():
            _write_links(store, conn, reader, stream, headers, columns, summary, digest, encoding, actor, now, total,
                         known, added, progress, cancelled, today_iso)
    finally:
        undo.drop_triggers(conn)
    if rejects_path:
        write_rejects(rejects_path, headers, summary.rejects)
    progress(total, total, "Done")
    return summary


def _write_links(store, conn, reader, stream, headers, columns, summary, digest, encoding, actor, now, total,
                 known, added, progress, cancelled, today_iso) -> None:
    """The links import's writes, inside its transaction: the batch, new persons, links, rejects, the audit entry."""
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, started_at, actor, file_name, file_sha256, encoding)"
        " VALUES ('links', ?, ?, ?, ?, ?)", [now, actor, summary.file_name, digest, encoding]).lastrowid
    summary.batch_id = batch_id
    undo.keep_before_images(conn, batch_id)   # the values of links it changes, to undo it (intake/undo.py)
    before = store.scalar("SELECT count(*) FROM links")
    changed = 0
    good = 0
    rejects: list[Reject] = []
    ncols = len(headers)
    row_number = 1
    progress(0, total, "Reading links")
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            row_number += 1
            rejects.append(Reject(row_number, None, None, f"not valid CSV ({e})", ()))
            continue
        row_number += 1
        if row_number % CHUNK == 0:
            if cancelled():
                raise Cancelled()
            progress(stream.tell(), total, f"Read {row_number:,} rows")
        if not any(v.strip() for v in rec):
            continue
        rec = (rec + [""] * ncols)[:ncols]
        raw = tuple(rec)
        bad = next((i for i, v in enumerate(rec) if "\x00" in v or len(v) > MAX_FIELD), None)
        if bad is not None:
            v = rec[bad]
            reason = "contains a NUL byte" if "\x00" in v else f"value longer than {MAX_FIELD} characters"
            rejects.append(Reject(row_number, headers[bad], None if "\x00" in v else v[:40] + "…", reason, raw))
            continue
        values = {c: unsafe_cell(rec[i]) if i < ncols else "" for c, i in columns.items() if c in LINK_COLUMNS}
        for c in LINK_COLUMNS:
            values.setdefault(c, "")
        try:
            row = _check_link(values, known, today_iso)
        except _Bad as e:
            col = headers[columns[e.column]] if e.column in columns else e.column
            rejects.append(Reject(row_number, col, e.value, e.reason, raw))
            continue
        good += 1
        if row.new_person:
            _add_person(conn, row.new_person, batch_id, now)
            added.add(row.new_person[0])
        changed += max(conn.execute(_UPSERT_LINK, [row.a, row.b, row.relationship, row.kind, row.first_seen,
                                                   row.source, actor, batch_id, row.grading]).rowcount, 0)
    if cancelled():
        raise Cancelled()
    summary.new = store.scalar("SELECT count(*) FROM links") - before
    summary.updated = changed - summary.new
    summary.unchanged = good - summary.new - summary.updated
    summary.rejected = len(rejects)
    summary.rows_read = good + len(rejects)
    summary.persons_new = len(added)
    summary.rejected_by_reason = Counter(r.reason for r in rejects)
    summary.rejects = rejects
    conn.executemany(
        "INSERT INTO rejected_rows (batch_id, row_number, column_name, value, reason, raw) VALUES (?,?,?,?,?,?)",
        ((batch_id, r.row_number, r.column, r.value, r.reason,
          json.dumps(dict(zip(headers, r.raw)), ensure_ascii=False)) for r in rejects))
    undo.finish_before_images(conn, batch_id)
    conn.execute(
        "UPDATE import_batches SET finished_at = ?, rows_read = ?, rows_new = ?, rows_updated = ?,"
        " rows_unchanged = ?, rows_rejected = ?, persons_new = ?, summary = ? WHERE id = ?",
        [_now(), summary.rows_read, summary.new, summary.updated, summary.unchanged, summary.rejected,
         summary.persons_new, json.dumps(dict(summary.rejected_by_reason)), batch_id])
    store.audit("import.links", entity="import_batch", entity_id=str(batch_id), batch_id=batch_id, actor=actor,
                detail={k: v for k, v in summary.as_dict().items()
                        if k not in ("rejected_by_reason", "incidents_new", "incidents_updated", "dob_warnings")})


def _text(value: str | _dt.date | None) -> str:
    return value.isoformat() if isinstance(value, _dt.date) else (value or "")


def add_link(store: Store, a: str, b: str, relationship: str, first_seen: str | _dt.date, source: str,
             *, today: _dt.date | None = None, person_b_forename: str | None = None,
             person_b_surname: str | None = None, person_b_dob: str | _dt.date | None = None,
             grading: str | None = None) -> int:
    """Record one link entered by hand; returns its id.

    The checks and their messages are the import's: person A must be in
    the store; person B too, unless a forename or surname (and optionally a
    date of birth) is given to add them, as a CSV row may. A problem is a
    :class:`LinkError` naming the field. An identical link already held is
    not added twice (its id is returned).
    """
    today_iso = (today or _dt.date.today()).isoformat()
    values = {"person_a_id": a or "", "person_b_id": b or "", "relationship": relationship or "",
              "first_seen": _text(first_seen), "source": source or "",
              "person_b_forename": person_b_forename or "", "person_b_surname": person_b_surname or "",
              "person_b_dob": _text(person_b_dob), "grading": grading or ""}
    conn = store.conn

    def known(pid: str) -> bool:
        return conn.execute("SELECT 1 FROM persons WHERE id = ?", [pid]).fetchone() is not None

    try:
        row = _check_link(values, known, today_iso)
    except _Bad as e:
        typed = f": {e.value}" if e.value else ""   # as an import's reject names its value
        raise LinkError(f"the link cannot be added: {e.reason}{typed}", e.column) from None
    actor = audit.current_actor()
    with store.transaction():
        if row.new_person:
            _add_person(conn, row.new_person, None, _now())
        changed = conn.execute(_UPSERT_LINK, [row.a, row.b, row.relationship, row.kind, row.first_seen, row.source,
                                              actor, None, row.grading]).rowcount
        link_id = store.scalar(
            "SELECT id FROM links WHERE person_a_id = ? AND person_b_id = ? AND relationship_kind = ?"
            " AND first_seen = ? AND source = ?", [row.a, row.b, row.kind, row.first_seen, row.source])
        if changed > 0:
            detail = {"link": link_id, "person_b": row.b, "kind": row.kind}
            if row.new_person:
                detail["person_b_new"] = True
            store.audit("link.added", entity="person", entity_id=row.a, actor=actor, detail=detail,
                        persons=[row.b])
    return link_id


def remove_link(store: Store, link_id: int, reason: str) -> None:
    """Delete one intelligence link (entered in error); the audit log keeps why."""
    if not (reason or "").strip():
        raise UserError("say why the link is removed")
    row = store.conn.execute("SELECT person_a_id, person_b_id FROM links WHERE id = ?", [link_id]).fetchone()
    if not row:
        raise UserError(f"no intelligence link {link_id}")
    with store.transaction():
        store.conn.execute("DELETE FROM links WHERE id = ?", [link_id])
        store.audit("link.removed", entity="person", entity_id=row[0], reason=reason.strip(),
                    detail={"link": link_id, "person_b": row[1]}, persons=[row[1]])


@dataclass(frozen=True)
class LinkRow:
    """One intelligence link as the desktop client lists it."""
    id: int
    person_a_id: str
    person_a_name: str
    relationship: str | None
    relationship_kind: str
    person_b_id: str
    person_b_name: str
    first_seen: str
    source: str
    entered_by: str | None
    batch_id: int | None
    grading: str | None = None

    @property
    def how(self) -> str:
        """How the link came in: through an import (its number) or entered by hand."""
        return f"import {self.batch_id}" if self.batch_id is not None else "by hand"


def recent_links(store: Store, limit: int = 200) -> list[LinkRow]:
    """The intelligence links added last, newest first (the order they went in)."""
    return [LinkRow(i, a, display_name(afn, asn), rel, kind, b, display_name(bfn, bsn), first, src, by, batch, grade)
            for i, a, afn, asn, rel, kind, b, bfn, bsn, first, src, by, batch, grade in store.conn.execute(
                "SELECT l.id, l.person_a_id, pa.forename, pa.surname, l.relationship, l.relationship_kind,"
                " l.person_b_id, pb.forename, pb.surname, l.first_seen, l.source, l.entered_by, l.batch_id, l.grading"
                " FROM links l JOIN persons pa ON pa.id = l.person_a_id JOIN persons pb ON pb.id = l.person_b_id"
                " ORDER BY l.id DESC LIMIT ?", [int(limit)])]

"""Use cases around importing, for the import wizard, the Import page and the CLI.

The importer (:mod:`matac_desk.intake.importer`) does the import; this module
previews a file before it goes in (the rows that would be rejected and
why, through the importer's own checks; the physical lines and how they
reconcile; whether the reject limit would stop it; the known persons whose
name or date of birth it would change), lists past imports, deals with the
rejected rows kept for review (list them, save them as CSV, mark them
reviewed), and puts back a name or date of birth an import changed. A
whole import is undone by :mod:`matac_desk.intake.undo`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..storage import audit
from ..domain import Cancelled, UserError, name_key, never_cancelled, no_progress
from ..intake.importer import (
    MAX_REJECT_SHARE,
    MAX_REJECTS,
    REQUIRED_COLUMNS,
    LineCounts,
    PersonChanges,
    Reject,
    open_text,
    read_header_line,
    check_file,
    choose_encoding,
    columns_held,
    guess_mapping,
    header_key,
    iter_checked_rows,
    person_changes,
    reject_limit_error,
    resolve_columns,
    shown,
    write_rejects,
)
from ..storage.store import Store

__all__ = [
    "Preview",
    "Batch",
    "KeptReject",
    "NameChange",
    "missing_required",
    "read_sample",
    "preview",
    "batches",
    "rejected_rows",
    "reject_person_ids",
    "export_rejects",
    "mark_reviewed",
    "unreviewed_count",
    "person_changes_of",
    "put_back",
    "put_back_batch",
    "record_changes_shown",
    "read_sample_why",
]

PREVIEW_GOOD_ROWS = 20
PREVIEW_REJECTS = 1000
_CHECK_EVERY = 5000

# Canonical columns in the order of a checked good row (see importer.iter_checked_rows).
_GOOD_ORDER = ("incident_ref", "incident_date", "time", "offence", "offence_key", "offence_code",
               "perpetrator_id", "perpetrator_forename", "perpetrator_surname", "perpetrator_dob",
               "victim_id", "victim_forename", "victim_surname", "victim_dob",
               "relationship", "relationship_kind", "address", "postcode", "dash_risk", "children_present",
               "division")


def missing_required(headers: list[str], mapping: dict[str, str | None]) -> list[str]:
    """Required columns that neither the mapping nor a header's own name provides (as the importer resolves them)."""
    have = set(columns_held(headers, mapping))
    return [c for c in REQUIRED_COLUMNS if c not in have]


def read_sample(path: str | os.PathLike, rows: int = 3) -> tuple[list[str], str, list[list[str]]]:
    """The header row, the encoding's name and the first few data rows (for the mapping screen)."""
    headers, encoding, sample, _why = read_sample_why(path, rows)
    return headers, encoding, sample


def read_sample_why(path: str | os.PathLike, rows: int = 3) -> tuple[list[str], str, list[list[str]], str]:
    """As :func:`read_sample`, with the reason the encoding was chosen."""
    p = check_file(Path(path))
    enc = choose_encoding(p)
    sample: list[list[str]] = []
    raw, text = open_text(p, enc)
    with raw, text:
        headers = read_header_line(text, p.name, enc)
        reader = csv.reader(text)
        try:
            for rec in reader:
                if any(rec):
                    sample.append([shown(v, 80) for v in rec])
                if len(sample) >= rows:
                    break
        except (csv.Error, UnicodeDecodeError):
            pass  # the preview names the bad row; the sample is only a hint
    return headers, enc.name, sample, enc.why


@dataclass
class Preview:
    """What an import of the file would do, without writing anything."""
    headers: list[str]
    encoding: str
    encoding_why: str = ""
    rows_checked: int = 0
    good: int = 0
    rejected: int = 0
    first_good: list[dict[str, object]] = field(default_factory=list)   # canonical column -> value
    rejects: list[Reject] = field(default_factory=list)                  # the first PREVIEW_REJECTS
    lines: LineCounts = field(default_factory=LineCounts)
    labels: dict[str, str] = field(default_factory=dict)                 # canonical column -> the file's header
    limit_error: str = ""            # why the reject limit would stop the import ("" when it would not)
    changes: PersonChanges | None = None   # known persons the file would change (when previewed against a store)

    @property
    def rejects_shown(self) -> int:
        return len(self.rejects)

    @property
    def row_lines(self) -> int:
        return self.lines.good_lines(self.good)


def preview(path: str | os.PathLike, mapping: dict[str, str | None] | None, *, today: _dt.date | None = None,
            store: Store | None = None, max_rejects: int | None = MAX_REJECTS,
            max_reject_share: float | None = MAX_REJECT_SHARE,
            progress: Callable[[int, int, str], None] = no_progress,
            cancelled: Callable[[], bool] = never_cancelled) -> Preview:
    """Check every row of the file as the importer would; keep the first good rows and the rejects.

    With ``store``: also the known persons whose name or date of birth the file would change (read, not
    written). Raises UserError for a file that cannot be imported at all (as the import would).
    """
    p = check_file(Path(path))
    enc = choose_encoding(p)
    total = p.stat().st_size
    raw, text = open_text(p, enc)
    with raw, text:
        headers = read_header_line(text, p.name, enc)
        columns = resolve_columns(headers, mapping, p.name)
        result = Preview(headers=headers, encoding=enc.name, encoding_why=enc.why,
                         labels={c: headers[i] for c, i in columns.items()})
        persons: dict[str, list] = {}
        progress(0, total, "Checking rows")
        try:
            for n, (_line, good, rej) in enumerate(
                    iter_checked_rows(text, headers, columns, today=today or _dt.date.today(), counts=result.lines,
                                      encoding=enc), 1):
                if good is not None:
                    result.good += 1
                    if len(result.first_good) < PREVIEW_GOOD_ROWS:
                        result.first_good.append(dict(zip(_GOOD_ORDER, good)))
                    if store is not None:
                        for pid, fn, sn, dob in ((good[6], good[7], good[8], good[9]),
                                                 (good[10], good[11], good[12], good[13])):
                            cur = persons.get(pid)
                            if cur is None:
                                persons[pid] = [fn, sn, dob]
                            else:   # as the import merges them: the last value given wins, a blank keeps
                                cur[0], cur[1], cur[2] = fn or cur[0], sn or cur[1], dob or cur[2]
                else:
                    result.rejected += 1
                    if len(result.rejects) < PREVIEW_REJECTS:
                        result.rejects.append(rej)
                if n % _CHECK_EVERY == 0:
                    if cancelled():
                        raise Cancelled()
                    progress(raw.tell(), total, f"Checked {n:,} rows")
        except UnicodeDecodeError as e:
            raise UserError(f"{shown(p.name, 100)}: cannot be read as {enc.label} ({e.reason} at byte {e.start})") \
                from None
    result.rows_checked = result.good + result.rejected
    lines = result.lines
    error = reject_limit_error(p.name, lines.rejected_lines, lines.lines - lines.header - lines.blank,
                               result.rejects, max_rejects=max_rejects, max_share=max_reject_share, stopped_at=None,
                               changed_nothing=False)
    result.limit_error = str(error) if error else ""
    if store is not None:
        progress(total, total, "Comparing with the persons held")
        result.changes = person_changes(store, {k: tuple(v) for k, v in persons.items()})
    progress(total, total, "Checked")
    return result


# --------------------------------------------------------------------------
# Past imports and their rejected rows
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    id: int
    finished_at: str | None
    file_name: str
    profile: str | None
    rows_read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    awaiting_review: int
    kind: str = "incidents"            # incidents | links
    undone_at: str | None = None       # when it was undone (matac_desk.intake.undo), by whom and why
    undone_by: str | None = None
    undo_reason: str | None = None

    @property
    def state(self) -> str:
        return f"undone {self.undone_at[:10]}" if self.undone_at else ""


def batches(store: Store) -> list[Batch]:
    """Every finished import, newest first (those undone too), with its rejected rows still awaiting review."""
    return [Batch(*r) for r in store.conn.execute(
        "SELECT b.id, b.finished_at, b.file_name, b.profile, b.rows_read, b.rows_new, b.rows_updated,"
        " b.rows_unchanged, b.rows_rejected,"
        " (SELECT count(*) FROM rejected_rows r WHERE r.batch_id = b.id AND NOT r.reviewed),"
        " b.kind, b.undone_at, b.undone_by, b.undo_reason"
        " FROM import_batches b WHERE b.finished_at IS NOT NULL ORDER BY b.id DESC")]


@dataclass(frozen=True)
class KeptReject:
    id: int
    row_number: int
    column: str | None
    value: str | None
    reason: str
    reviewed: bool
    raw: dict[str, str]


def rejected_rows(store: Store, batch_id: int) -> list[KeptReject]:
    return [KeptReject(i, n, c, v, r, bool(rv), json.loads(raw)) for i, n, c, v, r, rv, raw in store.conn.execute(
        "SELECT id, row_number, column_name, value, reason, reviewed, raw FROM rejected_rows"
        " WHERE batch_id = ? ORDER BY row_number, id", [batch_id])]


# The columns of an extract or a links file that hold a person id.
_PERSON_ID_COLUMNS = frozenset({"perpetrator_id", "victim_id", "person_a_id", "person_b_id"})


def reject_person_ids(store: Store, batch_id: int, kept: list[KeptReject]) -> list[str]:
    """The person ids that rejected rows hold, in row order: their columns named as the batch's import profile
    maps them (while it is saved), or else as the import wizard would guess them from the headers."""
    profile = store.scalar("SELECT profile FROM import_batches WHERE id = ?", [batch_id])
    row = store.conn.execute("SELECT mapping FROM import_profiles WHERE name = ?", [profile]).fetchone() \
        if profile else None
    if row:
        keyed = {header_key(h): c for h, c in json.loads(row[0]).items()}
    else:   # mapped by hand for that import, or a profile since deleted: the headers as the wizard guesses them
        headers = list(dict.fromkeys(h for k in kept for h in k.raw))
        keyed = {header_key(h): c for h, c in guess_mapping(headers).items()}
    ids: list[str] = []
    for k in kept:
        for header, value in k.raw.items():
            key = header_key(header)
            if keyed.get(key, key) in _PERSON_ID_COLUMNS and (value or "").strip():
                ids.append(value.strip())
    return list(dict.fromkeys(ids))


def unreviewed_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM rejected_rows WHERE NOT reviewed")


def _batch_exists(store: Store, batch_id: int) -> None:
    if not store.scalar("SELECT count(*) FROM import_batches WHERE id = ?", [batch_id]):
        raise UserError(f"there is no import batch {batch_id}")


def export_rejects(store: Store, batch_id: int, path: str | os.PathLike, *, recipient: str | None = None,
                   reason: str | None = None) -> int:
    """Write a batch's rejected rows as CSV (original columns, then row, column, value, reason); returns how many.

    The rows hold the extract's own values (names, dates of birth, addresses): the file is a disclosure,
    recorded with the persons it names, its recipient and its reason (not stated unless given), before the
    file appears.
    """
    _batch_exists(store, batch_id)
    kept = rejected_rows(store, batch_id)
    headers: list[str] = []
    for k in kept:
        headers += [h for h in k.raw if h not in headers]
    ids = reject_person_ids(store, batch_id, kept)

    def record() -> None:  # before the file appears: never a rejects file without its entry
        audit.audit_export(store, "rejects", ids, recipient=recipient, reason=reason,
                           detail={"batch": batch_id, "rows": len(kept), "file": Path(path).name})

    write_rejects(path, headers, [Reject(k.row_number, k.column, k.value, k.reason,
                                         tuple(k.raw.get(h, "") for h in headers)) for k in kept],
                  before_rename=record)
    return len(kept)


def mark_reviewed(store: Store, batch_id: int) -> int:
    """Mark all of a batch's rejected rows as reviewed; returns how many changed."""
    _batch_exists(store, batch_id)
    with store.transaction():
        n = store.conn.execute("UPDATE rejected_rows SET reviewed = 1 WHERE batch_id = ? AND NOT reviewed",
                               [batch_id]).rowcount
        store.audit("rejects.reviewed", entity="import_batch", entity_id=str(batch_id), detail={"rows": n})
    return n



# --------------------------------------------------------------------------
# Names and dates of birth an import changed, and putting them back
# --------------------------------------------------------------------------

_PUT_BACK_KINDS = ("name_changed", "dob_changed")


@dataclass(frozen=True)
class NameChange:
    """A data-quality entry an import wrote for a known person: the value it replaced and the one it wrote."""
    id: int
    batch_id: int | None
    person_id: str
    kind: str            # name_changed | dob_changed
    old_value: str | None
    new_value: str | None
    resolved_at: str | None


def person_changes_of(store: Store, batch_id: int) -> list[NameChange]:
    """The names and dates of birth of known persons that an import changed, by person."""
    _batch_exists(store, batch_id)
    return [NameChange(*r) for r in store.conn.execute(
        "SELECT id, batch_id, person_id, kind, old_value, new_value, resolved_at FROM data_quality"
        f" WHERE batch_id = ? AND kind IN ({','.join('?' * len(_PUT_BACK_KINDS))}) ORDER BY person_id, id",
        [batch_id, *_PUT_BACK_KINDS])]


def put_back(store: Store, warning_id: int, *, reason: str | None = None) -> None:
    """Write back the name (or date of birth) a data-quality entry says an import replaced, and resolve the entry.

    Refused, changing nothing, when the person's value is no longer the one the import wrote (changed again
    since: put back the later change first) or the entry was resolved already.
    """
    with store.transaction():
        _put_back(store, warning_id, reason)


def put_back_batch(store: Store, batch_id: int, *, reason: str | None = None) -> int:
    """Put back every open name and date-of-birth change of one import, newest first, as one change; returns how
    many. Refused whole (nothing changed) if any one is refused."""
    _batch_exists(store, batch_id)
    ids = [i for (i,) in store.conn.execute(
        "SELECT id FROM data_quality WHERE batch_id = ? AND resolved_at IS NULL"
        f" AND kind IN ({','.join('?' * len(_PUT_BACK_KINDS))}) ORDER BY id DESC", [batch_id, *_PUT_BACK_KINDS])]
    with store.transaction():
        for i in ids:
            _put_back(store, i, reason)
    return len(ids)


def _put_back(store: Store, warning_id: int, reason: str | None) -> None:
    row = store.conn.execute(
        "SELECT person_id, kind, old_value, new_value, put_back, resolved_at FROM data_quality WHERE id = ?",
        [warning_id]).fetchone()
    if row is None:
        raise UserError(f"no data-quality entry number {warning_id}")
    person_id, kind, old_value, new_value, saved, resolved = row
    if kind not in _PUT_BACK_KINDS:
        raise UserError(f"data-quality entry {warning_id} is a {kind} entry: there is nothing to put back")
    if resolved is not None:
        raise UserError(f"data-quality entry {warning_id} was resolved on {resolved[:10]}: nothing put back")
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    person = store.conn.execute("SELECT forename, surname, dob FROM persons WHERE id = ?", [person_id]).fetchone()
    if person is None:
        raise UserError(f"data-quality entry {warning_id}: the person is no longer held")
    if kind == "dob_changed":
        if person[2] != new_value:
            raise UserError(f"data-quality entry {warning_id}: the date of birth was changed again since "
                            f"(now {shown(person[2])}); nothing put back")
        store.conn.execute("UPDATE persons SET dob = ?, updated_at = ? WHERE id = ?", [old_value, now, person_id])
    else:
        held = " ".join(x for x in (person[0], person[1]) if x)
        if held != (new_value or "") or not saved:
            raise UserError(f"data-quality entry {warning_id}: the name was changed again since; nothing put back")
        old = json.loads(saved)
        store.conn.execute("UPDATE persons SET forename = ?, surname = ?, name_key = ?, updated_at = ? WHERE id = ?",
                           [old.get("forename"), old.get("surname"),
                            name_key(old.get("forename"), old.get("surname")), now, person_id])
    store.conn.execute("UPDATE data_quality SET resolved_at = ? WHERE id = ?", [now, warning_id])
    store.audit("person.put_back", entity="person", entity_id=person_id, reason=reason,
                detail={"warning": warning_id, "kind": kind})


def record_changes_shown(store: Store, file_name: str, person_ids: list[str]) -> None:
    """Record that the names of known persons a file would change were shown (the wizard's preview lists them)."""
    ids, detail = audit.itemised(person_ids, {"listing": "import-person-changes", "rows": len(person_ids),
                                              "file": file_name})
    with store.audit_transaction():
        store.audit("view.listing", entity="listing", entity_id="import-person-changes", detail=detail, persons=ids)

"""Use cases around importing, for the import wizard and the Import page.

The importer (:mod:`matac_desk.intake.importer`) does the import; this module
previews a file before it goes in (the rows that would be rejected and
why, through the importer's own checks), lists past imports, and deals
with the rejected rows kept for review: list them, save them as CSV,
mark them reviewed.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..storage import audit
from ..domain import Cancelled, UserError, never_cancelled, no_progress
from ..intake.importer import (
    REQUIRED_COLUMNS,
    Reject,
    guess_mapping,
    header_key,
    iter_checked_rows,
    read_headers,
    resolve_columns,
    write_rejects,
)
from ..storage.store import Store

__all__ = [
    "Preview",
    "Batch",
    "KeptReject",
    "missing_required",
    "read_sample",
    "preview",
    "batches",
    "rejected_rows",
    "reject_person_ids",
    "export_rejects",
    "mark_reviewed",
    "unreviewed_count",
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


def missing_required(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Required columns that neither the mapping nor a header's own name provides (as the importer resolves them)."""
    keyed = {header_key(k): v for k, v in mapping.items()}
    have = {keyed.get(header_key(h)) for h in headers} | {header_key(h) for h in headers}
    return [c for c in REQUIRED_COLUMNS if c not in have]


def read_sample(path: str | os.PathLike, rows: int = 3) -> tuple[list[str], str, list[list[str]]]:
    """The header row, the detected encoding and the first few data rows (for the mapping screen)."""
    p = Path(path)
    headers, encoding = read_headers(p)
    errors = "matac-cp1252" if encoding == "cp1252" else "strict"
    sample: list[list[str]] = []
    with open(p, encoding=encoding, errors=errors, newline="") as fh:
        reader = csv.reader(fh)
        try:
            next(reader, None)
            for rec in reader:
                if any(rec):
                    sample.append(rec)
                if len(sample) >= rows:
                    break
        except (csv.Error, UnicodeDecodeError):
            pass  # the preview names the bad row; the sample is only a hint
    return headers, encoding, sample


@dataclass
class Preview:
    """What an import of the file would do, without writing anything."""
    headers: list[str]
    encoding: str
    rows_checked: int = 0
    good: int = 0
    rejected: int = 0
    first_good: list[dict[str, object]] = field(default_factory=list)   # canonical column -> value
    rejects: list[Reject] = field(default_factory=list)                  # the first PREVIEW_REJECTS

    @property
    def rejects_shown(self) -> int:
        return len(self.rejects)


def preview(path: str | os.PathLike, mapping: dict[str, str] | None, *, today: _dt.date | None = None,
            progress: Callable[[int, int, str], None] = no_progress,
            cancelled: Callable[[], bool] = never_cancelled) -> Preview:
    """Check every row of the file as the importer would; keep the first good rows and the rejects.

    Raises UserError for a file that cannot be imported at all (as the import would).
    """
    p = Path(path)
    headers, encoding = read_headers(p)
    columns = resolve_columns(headers, mapping, p.name)
    total = p.stat().st_size
    result = Preview(headers=headers, encoding=encoding)
    errors = "matac-cp1252" if encoding == "cp1252" else "strict"
    with open(p, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="") as text:
        next(csv.reader(text), None)  # the header row, as the importer reads it
        progress(0, total, "Checking rows")
        try:
            for n, (_row, good, rej) in enumerate(
                    iter_checked_rows(text, headers, columns, today=today or _dt.date.today()), 1):
                if good is not None:
                    result.good += 1
                    if len(result.first_good) < PREVIEW_GOOD_ROWS:
                        result.first_good.append(dict(zip(_GOOD_ORDER, good)))
                else:
                    result.rejected += 1
                    if len(result.rejects) < PREVIEW_REJECTS:
                        result.rejects.append(rej)
                if n % _CHECK_EVERY == 0:
                    if cancelled():
                        raise Cancelled()
                    progress(raw.tell(), total, f"Checked {n:,} rows")
        except UnicodeDecodeError as e:
            raise UserError(f"{p.name}: cannot be read as {encoding} ({e.reason} at byte {e.start})") from None
    result.rows_checked = result.good + result.rejected
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


def batches(store: Store) -> list[Batch]:
    """Every finished import, newest first, with its rejected rows still awaiting review."""
    return [Batch(*r) for r in store.conn.execute(
        "SELECT b.id, b.finished_at, b.file_name, b.profile, b.rows_read, b.rows_new, b.rows_updated,"
        " b.rows_unchanged, b.rows_rejected,"
        " (SELECT count(*) FROM rejected_rows r WHERE r.batch_id = b.id AND NOT r.reviewed)"
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


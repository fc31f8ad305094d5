"""Import police record extracts (CSV) into the store.

The canonical extract has one row per incident x perpetrator x victim x
offence (see ``CANONICAL_COLUMNS``). Forces export with their own headers;
a named *import profile* maps them to the canonical ones.

How a file goes in
------------------
1. The encoding is detected (UTF-8 with or without BOM, else Windows-1252).
2. Headers are matched case-insensitively, with spaces, hyphens and
   underscores alike; a missing required column stops the import before
   anything is written.
3. Every row is checked; a bad row is *rejected* with its row number,
   column, value and reason, kept in ``rejected_rows`` and optionally
   written to a rejects CSV. Good rows are written.
4. All of it, good rows, rejects, persons, the batch record and the audit
   entry, is one transaction: a failure, a cancel or a killed process
   leaves the store as it was.

Row numbers are the spreadsheet's: the header is row 1, the first data row
is row 2 (a quoted field that spans lines counts as one row).

Idempotency: the key is (incident_ref, perpetrator_id, victim_id, offence),
the offence compared case-insensitively with spaces collapsed. A row whose
key exists and whose values are the same changes nothing; a row with the
same key and other values (offence code, relationship, DASH risk) updates
the stored one. A key repeated within a file counts once: the last row wins.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import functools
import hashlib
import io
import json
import os
import queue
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..storage import audit, backups
from ..domain import (
    Cancelled,
    UserError,
    name_key,
    never_cancelled,
    no_progress,
    normalise_dash,
    normalise_offence,
    normalise_relationship,
    parse_children,
    parse_date,
    safe_cell,
    unsafe_cell,
)
from ..storage.files import csv_bytes, write_atomically
from . import equality
from ..storage.store import Store

__all__ = [
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportSummary",
    "Reject",
    "header_key",
    "detect_encoding",
    "read_headers",
    "resolve_columns",
    "guess_mapping",
    "iter_checked_rows",
    "import_extract",
    "save_profile",
    "load_profile",
    "list_profiles",
    "delete_profile",
    "write_rejects",
]

CANONICAL_COLUMNS = (
    "incident_ref", "incident_date", "offence", "offence_code",
    "perpetrator_id", "perpetrator_forename", "perpetrator_surname", "perpetrator_dob",
    "victim_id", "victim_forename", "victim_surname", "victim_dob",
    "relationship", "address", "postcode", "dash_risk", "children_present", "division",
)
REQUIRED_COLUMNS = ("incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id")

MAX_FIELD = 1000          # characters: longer values are rejected, not stored
CHUNK = 20000             # rows per executemany and per progress / cancel check

csv.field_size_limit(1 << 24)


def _latin1_fallback(err: UnicodeDecodeError):
    """Windows-1252 leaves five bytes undefined; map them as Latin-1 does."""
    bad = err.object[err.start:err.end]
    return bytes(bad).decode("latin-1"), err.end


codecs.register_error("matac-cp1252", _latin1_fallback)


# --------------------------------------------------------------------------
# Headers and profiles
# --------------------------------------------------------------------------

def header_key(text: str) -> str:
    """``"Incident-Ref "`` and ``"incident ref"`` are both ``incident_ref``."""
    return re.sub(r"[\s\-_]+", "_", text.strip().lstrip("\ufeff").casefold()).strip("_")


# Common force-export names, used to guess a mapping in the GUI wizard.
_SYNONYMS = {
    "incident_ref": ("occurrence_no", "occurrence_number", "occurrence_ref", "incident_no", "incident_number",
                     "crime_ref", "crime_number", "urn", "reference", "ref"),
    "incident_date": ("occurrence_date", "date", "date_of_incident", "committed_date", "reported_date", "date_time"),
    "offence": ("offence_description", "crime_type", "offence_type", "classification", "ho_offence"),
    "offence_code": ("ho_code", "home_office_code", "crime_code"),
    "perpetrator_id": ("offender_nominal_id", "suspect_nominal_id", "offender_id", "suspect_id", "nominal_id",
                       "perp_id", "suspect_nominal", "offender_nominal"),
    "perpetrator_forename": ("offender_forename", "suspect_forename", "offender_first_name", "suspect_first_name"),
    "perpetrator_surname": ("offender_surname", "suspect_surname", "offender_last_name", "suspect_last_name"),
    "perpetrator_dob": ("offender_dob", "suspect_dob", "offender_date_of_birth", "suspect_date_of_birth"),
    "victim_id": ("victim_nominal_id", "aggrieved_id", "victim_nominal", "aggrieved_nominal_id"),
    "victim_forename": ("aggrieved_forename", "victim_first_name"),
    "victim_surname": ("aggrieved_surname", "victim_last_name"),
    "victim_dob": ("aggrieved_dob", "victim_date_of_birth"),
    "relationship": ("relationship_to_offender", "victim_relationship", "relationship_type"),
    "address": ("location", "incident_address", "location_address"),
    "postcode": ("post_code", "location_postcode"),
    "dash_risk": ("dash", "dash_grade", "risk_level", "dash_risk_level"),
    "children_present": ("children", "child_present", "children_present_yn"),
    "division": ("area", "district", "bcu", "policing_area"),
}


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Best guess of ``{file header: canonical column}`` from the header names."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    lookup = {c: c for c in CANONICAL_COLUMNS}
    for canon, names in _SYNONYMS.items():
        for n in names:
            lookup.setdefault(n, canon)
    for h in headers:
        canon = lookup.get(header_key(h))
        if canon and canon not in taken:
            mapping[h] = canon
            taken.add(canon)
    return mapping


def save_profile(store: Store, name: str, mapping: dict[str, str]) -> None:
    """Save a named mapping ``{file header: canonical column}``."""
    name = name.strip()
    if not name:
        raise UserError("an import profile needs a name")
    bad = sorted(set(mapping.values()) - set(CANONICAL_COLUMNS))
    if bad:
        raise UserError(f"profile {name!r}: unknown column(s) {', '.join(bad)}; "
                        f"known: {', '.join(CANONICAL_COLUMNS)}")
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO import_profiles (name, mapping, created_at, updated_at) VALUES (?,?,?,?)"
            " ON CONFLICT(name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            [name, json.dumps(mapping, ensure_ascii=False), now, now],
        )
        store.audit("import_profile.saved", entity="import_profile", entity_id=name)


def load_profile(store: Store, name: str) -> dict[str, str]:
    row = store.conn.execute("SELECT mapping FROM import_profiles WHERE name = ?", [name]).fetchone()
    if not row:
        known = [r[0] for r in store.conn.execute("SELECT name FROM import_profiles ORDER BY name")]
        hint = f"; saved profiles: {', '.join(known)}" if known else "; no profiles are saved yet"
        raise UserError(f"no import profile called {name!r}{hint}")
    return json.loads(row[0])


def list_profiles(store: Store) -> dict[str, dict[str, str]]:
    return {n: json.loads(m) for n, m in store.conn.execute("SELECT name, mapping FROM import_profiles ORDER BY name")}


def delete_profile(store: Store, name: str) -> None:
    load_profile(store, name)
    with store.transaction():
        store.conn.execute("DELETE FROM import_profiles WHERE name = ?", [name])
        store.audit("import_profile.deleted", entity="import_profile", entity_id=name)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when every byte decodes, else Windows-1252."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                dec.decode(chunk)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _open_text(path: Path, encoding: str):
    errors = "matac-cp1252" if encoding == "cp1252" else "strict"
    raw = open(path, "rb")
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")


def read_headers(path: str | os.PathLike) -> tuple[list[str], str]:
    """The header row and the detected encoding (for the mapping screen)."""
    p = _check_file(Path(path))
    enc = detect_encoding(p)
    raw, text = _open_text(p, enc)
    with raw, text:
        try:
            header = next(csv.reader(text), [])
        except csv.Error as e:
            raise UserError(f"{p.name}: the header row is not valid CSV ({e})") from None
    return [h.strip().lstrip("\ufeff") for h in header], enc


def _check_file(p: Path) -> Path:
    if not p.exists():
        raise UserError(f"{p}: no such file")
    if not p.is_file():
        raise UserError(f"{p}: not a file")
    if p.stat().st_size == 0:
        raise UserError(f"{p.name}: the file is empty")
    return p


def resolve_columns(headers: list[str], mapping: dict[str, str] | None, file_name: str) -> dict[str, int]:
    """``{canonical column: index}``; a missing required column is a UserError."""
    by_key = {}
    if mapping:
        keyed = {header_key(k): v for k, v in mapping.items()}
        for i, h in enumerate(headers):
            canon = keyed.get(header_key(h))
            if canon and canon not in by_key:
                by_key[canon] = i
    for i, h in enumerate(headers):
        k = header_key(h)
        if k in CANONICAL_COLUMNS and k not in by_key:
            by_key[k] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if missing and not by_key and not guess_mapping(headers):
        # Not one known name: the first row is likely data, so it is not echoed (names, ids, addresses).
        raise UserError(
            f"{file_name}: required column(s) {', '.join(missing)} not found, and the first row holds no known "
            "column name: is the header row missing? (the row is not shown: it may hold personal data); "
            "use --profile to map the force's own names"
        )
    if missing:
        shown = ", ".join(h for h in headers[:30]) or "(none)"
        raise UserError(
            f"{file_name}: required column(s) {', '.join(missing)} not found in the header row "
            f"(headers: {shown}); use --profile to map the force's own names"
        )
    return by_key


@dataclass(frozen=True)
class Reject:
    row_number: int
    column: str | None
    value: str | None
    reason: str
    raw: tuple[str, ...]


_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?$")


@functools.lru_cache(maxsize=8192)
def _clock(text: str) -> str | bool:
    """``"HH:MM"`` from the time part of a date-time, or False when it is not one."""
    m = _CLOCK_RE.match(text.strip())
    return f"{m.group(1)}:{m.group(2)}" if m else False


# A checked good row, in the order the SQL below expects.
# (ref, date, time, offence, offence_key, offence_code, perp_id, perp_fn, perp_sn, perp_dob,
#  vic_id, vic_fn, vic_sn, vic_dob, relationship, rel_kind, address, postcode, dash, children, division)
GoodRow = tuple


def _dob(raw: str, label: str, day_iso: str, cache: dict[str, str]) -> tuple[str | None, str | None]:
    """A date of birth as ``(ISO date or None when blank, None)``, or ``(None, reason)`` when it is not a
    date or falls after the incident; parsed dates are kept in ``cache``."""
    dob = cache.get(raw)
    if dob is None:
        try:
            dob = cache[raw] = parse_date(raw)[0].isoformat() if raw.strip() else ""
        except ValueError as e:
            return None, f"{label}: {e}"
    if dob and dob > day_iso:
        return None, f"{label} is after the incident date"
    return dob or None, None


def iter_checked_rows(
    text_stream,
    headers: list[str],
    columns: dict[str, int],
    *,
    today: _dt.date,
    first_row_number: int = 2,
) -> Iterator[tuple[int, GoodRow | None, Reject | None]]:
    """Yield ``(row_number, good_row, None)`` or ``(row_number, None, reject)`` per data row.

    Blank lines are skipped. This is the whole validation; the GUI preview
    and the importer share it.
    """
    reader = csv.reader(text_stream)
    ncols = len(headers)
    idx = [columns.get(c, -1) for c in CANONICAL_COLUMNS]
    (i_ref, i_date, i_off, i_code, i_pid, i_pfn, i_psn, i_pdob,
     i_vid, i_vfn, i_vsn, i_vdob, i_rel, i_addr, i_pc, i_dash, i_kids, i_div) = idx
    # A column absent from the file reads as "" through this extra slot.
    pad = ncols
    idx = [i if i >= 0 else pad for i in idx]
    (i_ref, i_date, i_off, i_code, i_pid, i_pfn, i_psn, i_pdob,
     i_vid, i_vfn, i_vsn, i_vdob, i_rel, i_addr, i_pc, i_dash, i_kids, i_div) = idx
    name = headers.__getitem__
    hdr = list(headers) + [""]
    today_iso = today.isoformat()
    row_number = first_row_number - 1
    date_cache: dict[str, tuple[str, str | None]] = {}
    dob_cache: dict[str, str] = {}
    kids_cache: dict[str, int | None] = {}
    dash_cache = {"standard": "standard", "medium": "medium", "high": "high"}
    rel_cache: dict[str | None, str] = {}
    off_cache: dict[str, str] = {}
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            row_number += 1
            yield row_number, None, Reject(row_number, None, None, f"not valid CSV ({e})", ())
            continue
        row_number += 1
        n = len(rec)
        if n != ncols:
            if not rec or not any(rec):
                continue
            rec = rec[:ncols] + [""] * (ncols - n) if n < ncols else rec[:ncols]
        rec.append("")
        joined = "\x01" + "\x01".join(rec)
        if len(joined) > MAX_FIELD or "\x00" in joined or "\x01'" in joined:
            bad = None
            for i, v in enumerate(rec[:ncols]):
                if "\x00" in v:
                    bad = Reject(row_number, name(i), None, "contains a NUL byte", tuple(rec[:ncols]))
                    break
                if len(v) > MAX_FIELD:
                    bad = Reject(row_number, name(i), v[:40] + "…", f"value longer than {MAX_FIELD} characters",
                                 tuple(rec[:ncols]))
                    break
                if v[:1] == "'":
                    rec[i] = unsafe_cell(v)
            if bad:
                yield row_number, None, bad
                continue
        elif len(joined) <= ncols + 1:
            continue  # a line of empty fields only

        ref = rec[i_ref].strip()
        pid = rec[i_pid].strip()
        vid = rec[i_vid].strip()
        off = rec[i_off].strip()
        col = reason = value = None
        if not ref:
            col, value, reason = i_ref, "", "incident_ref is empty"
        elif not pid:
            col, value, reason = i_pid, "", "perpetrator_id is empty"
        elif not vid:
            col, value, reason = i_vid, "", "victim_id is empty"
        elif not off:
            col, value, reason = i_off, "", "offence is empty"
        else:
            raw_date = rec[i_date]
            parsed = date_cache.get(raw_date)
            if parsed is None and len(raw_date) > 11 and raw_date[10] in "T " and raw_date[4] in "-/" \
                    or raw_date[2:3] == "/":
                # "2024-05-17T21:30" or "17/05/2024 21:30": the day part repeats, the time rarely does
                day_part = date_cache.get(raw_date[:10])
                clock_part = _clock(raw_date[11:]) if len(raw_date) > 11 else None
                if day_part is not None and clock_part is not False:
                    parsed = (day_part[0], clock_part)
            if parsed is None:
                try:
                    day, clock = parse_date(raw_date)
                    parsed = (day.isoformat(), clock)
                    if clock is None:
                        date_cache[raw_date] = parsed
                    elif len(raw_date) > 11:
                        date_cache.setdefault(raw_date[:10], (parsed[0], None))
                except ValueError as e:
                    raw_date = raw_date.strip()
                    col, value = i_date, raw_date
                    reason = f"incident_date: {e}" if raw_date else "incident_date is empty"
            if reason is None:
                day_iso, clock = parsed
                if day_iso > today_iso:
                    col, value, reason = i_date, raw_date.strip(), "incident_date is in the future"
                elif pid == vid:
                    col, value, reason = i_vid, vid, "perpetrator and victim are the same person"
        pdob = vdob = None
        if reason is None and rec[i_pdob]:
            pdob, reason = _dob(rec[i_pdob], "perpetrator_dob", day_iso, dob_cache)
            if reason:
                col, value = i_pdob, rec[i_pdob].strip()
        if reason is None and rec[i_vdob]:
            vdob, reason = _dob(rec[i_vdob], "victim_dob", day_iso, dob_cache)
            if reason:
                col, value = i_vdob, rec[i_vdob].strip()
        if reason is None:
            dash = kids = None
            raw_dash = rec[i_dash]
            if raw_dash:
                try:
                    dash = dash_cache.get(raw_dash) or normalise_dash(raw_dash)
                except ValueError as e:
                    col, value, reason = i_dash, raw_dash.strip(), str(e)
            raw_kids = rec[i_kids]
            if raw_kids and reason is None:
                kids = kids_cache.get(raw_kids, -1)
                if kids == -1:
                    try:
                        kids = kids_cache[raw_kids] = parse_children(raw_kids)
                    except ValueError as e:
                        col, value, reason = i_kids, raw_kids.strip(), str(e)
        if reason is not None:
            yield row_number, None, Reject(row_number, hdr[col], value, reason, tuple(rec[:ncols]))
            continue
        rel = rec[i_rel].strip() or None
        rel_kind = rel_cache.get(rel)
        if rel_kind is None:
            rel_kind = rel_cache[rel] = normalise_relationship(rel)
        off_key = off_cache.get(off)
        if off_key is None:
            off_key = off_cache[off] = normalise_offence(off)
        yield row_number, (
            ref, day_iso, clock, off, off_key, rec[i_code].strip() or None,
            pid, rec[i_pfn].strip() or None, rec[i_psn].strip() or None, pdob,
            vid, rec[i_vfn].strip() or None, rec[i_vsn].strip() or None, vdob,
            rel, rel_kind, rec[i_addr].strip() or None, rec[i_pc].strip() or None,
            dash, kids, rec[i_div].strip() or None,
        ), None


# --------------------------------------------------------------------------
# Importing
# --------------------------------------------------------------------------

@dataclass
class ImportSummary:
    file_name: str
    encoding: str
    batch_id: int | None = None
    rows_read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)
    persons_new: int = 0
    persons_updated: int = 0
    incidents_new: int = 0
    incidents_updated: int = 0
    dob_warnings: int = 0
    rejects: list[Reject] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.file_name, "encoding": self.encoding, "batch": self.batch_id,
            "rows_read": self.rows_read, "new": self.new, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "persons_new": self.persons_new, "persons_updated": self.persons_updated,
            "incidents_new": self.incidents_new, "incidents_updated": self.incidents_updated,
            "dob_warnings": self.dob_warnings,
        }


# Each chunk goes to SQLite as one JSON array per table and one statement,
# so SQLite does the whole chunk in C without the GIL while the reading
# thread parses the next one. Row order is kept: the last row wins.
_UPSERT_INVOLVEMENT = """
INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key, offence_code,
                          relationship, relationship_kind, dash_risk, first_batch_id, last_batch_id)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8,
       ?2, ?2
FROM jsonb_each(?1) WHERE true
ON CONFLICT (incident_ref, perpetrator_id, victim_id, offence_key) DO UPDATE SET
    offence = excluded.offence, offence_code = excluded.offence_code,
    relationship = excluded.relationship, relationship_kind = excluded.relationship_kind,
    dash_risk = excluded.dash_risk, last_batch_id = excluded.last_batch_id
WHERE involvements.offence_code IS NOT excluded.offence_code
   OR involvements.relationship IS NOT excluded.relationship
   OR involvements.dash_risk IS NOT excluded.dash_risk
"""

_UPSERT_INCIDENT = """
INSERT INTO incidents (ref, date, time, address, postcode, division, children_present, first_batch_id, last_batch_id)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, ?2, ?2
FROM jsonb_each(?1) WHERE true
ON CONFLICT (ref) DO UPDATE SET
    date = excluded.date, time = coalesce(excluded.time, incidents.time),
    address = coalesce(excluded.address, incidents.address),
    postcode = coalesce(excluded.postcode, incidents.postcode),
    division = coalesce(excluded.division, incidents.division),
    children_present = coalesce(excluded.children_present, incidents.children_present),
    last_batch_id = excluded.last_batch_id
WHERE incidents.date IS NOT excluded.date
   OR (excluded.time IS NOT NULL AND incidents.time IS NOT excluded.time)
   OR (excluded.address IS NOT NULL AND incidents.address IS NOT excluded.address)
   OR (excluded.postcode IS NOT NULL AND incidents.postcode IS NOT excluded.postcode)
   OR (excluded.division IS NOT NULL AND incidents.division IS NOT excluded.division)
   OR (excluded.children_present IS NOT NULL AND incidents.children_present IS NOT excluded.children_present)
"""

# A changed date of birth is caught as the upsert makes it: a temporary
# trigger (gone with the connection) writes the data-quality warning.
_DOB_TRIGGER = """
CREATE TEMP TRIGGER IF NOT EXISTS import_dob_changed
AFTER UPDATE OF dob ON main.persons
WHEN old.dob IS NOT NULL AND new.dob IS NOT old.dob
BEGIN
    INSERT INTO data_quality (batch_id, person_id, kind, detail, old_value, new_value, detected_at)
    VALUES (new.last_batch_id, new.id, 'dob_changed', 'date of birth differs from the one held',
            old.dob, new.dob, new.updated_at);
END
"""

_UPSERT_PERSONS = """
INSERT INTO persons (id, forename, surname, dob, name_key, first_batch_id, last_batch_id, created_at, updated_at)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, ?2, ?2, ?3, ?3
FROM jsonb_each(?1) WHERE true
ON CONFLICT (id) DO UPDATE SET
    forename = coalesce(excluded.forename, persons.forename),
    surname = coalesce(excluded.surname, persons.surname),
    dob = coalesce(excluded.dob, persons.dob),
    name_key = CASE WHEN excluded.forename IS NULL AND excluded.surname IS NULL
               THEN persons.name_key ELSE excluded.name_key END,
    last_batch_id = excluded.last_batch_id, updated_at = excluded.updated_at
WHERE (excluded.forename IS NOT NULL AND excluded.forename IS NOT persons.forename)
   OR (excluded.surname IS NOT NULL AND excluded.surname IS NOT persons.surname)
   OR (excluded.dob IS NOT NULL AND excluded.dob IS NOT persons.dob)
"""

THREADED = os.environ.get("MATAC_DESK_IMPORT_THREADS", "1") != "0"
SWITCH_INTERVAL = 0.0002   # seconds: the GIL switch interval while the writer thread runs
IMPORT_CACHE_KIB = 262144  # page cache while importing: the indexes stay in memory


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _Chunk:
    """A chunk of checked rows, deduplicated for writing.

    Persons and incidents are deduplicated in memory (the last row wins,
    blanks never erase) and written before the chunk's involvements, so
    foreign keys hold at every step.
    """

    __slots__ = ("batch_id", "persons", "incidents", "involvements")

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.persons: dict[str, list] = {}
        self.incidents: dict[str, tuple] = {}
        self.involvements: dict[tuple, tuple] = {}

    def add(self, g: tuple) -> None:
        # g: (ref, day, clock, off, okey, code, pid, pfn, psn, pdob,
        #     vid, vfn, vsn, vdob, rel, kind, addr, pc, dash, kids, div)
        ref = g[0]
        # keyed, so that a key repeated within the chunk is written once (the last row wins)
        self.involvements[(ref, g[6], g[10], g[4])] = (ref, g[6], g[10], g[3], g[4], g[5], g[14], g[15], g[18])
        incidents = self.incidents
        old = incidents.get(ref)
        if old is None:
            incidents[ref] = (ref, g[1], g[2], g[16], g[17], g[20], g[19])
        else:
            incidents[ref] = (ref, g[1], g[2] or old[2], g[16] or old[3], g[17] or old[4], g[20] or old[5],
                              g[19] if g[19] is not None else old[6])
        persons = self.persons
        cur = persons.get(g[6])
        if cur is None:
            persons[g[6]] = [g[7], g[8], g[9]]
        else:
            self._merge(cur, g[7], g[8], g[9])
        cur = persons.get(g[10])
        if cur is None:
            persons[g[10]] = [g[11], g[12], g[13]]
        else:
            self._merge(cur, g[11], g[12], g[13])

    @staticmethod
    def _merge(cur: list, fn, sn, dob) -> None:
        if fn:
            cur[0] = fn
        if sn:
            cur[1] = sn
        if dob:
            cur[2] = dob

    def encode(self, keys: dict) -> tuple[str, str, str]:
        """The chunk as three JSON arrays: persons, incidents, involvements."""
        people = []
        for pid, (fn, sn, dob) in self.persons.items():
            k = keys.get((fn, sn))
            if k is None:
                k = keys[(fn, sn)] = name_key(fn, sn)
            people.append((pid, fn, sn, dob, k))
        dumps = json.dumps
        return (dumps(people, ensure_ascii=False), dumps(list(self.incidents.values()), ensure_ascii=False),
                dumps(list(self.involvements.values()), ensure_ascii=False))


_switch_lock = threading.Lock()
_switch = {"users": 0, "saved": 0.0}


@contextlib.contextmanager
def _short_gil_switch() -> Iterator[None]:
    """A short GIL switch interval while a writer thread works beside the parsing thread.

    The writer takes the GIL back after each call into SQLite; with the default interval (5 ms) it waits
    that long for the parsing thread every time, and SQLite sits idle (measured: the reading phase of a
    1,000,000-row import about 30% slower). The interval is process-wide: the first user saves it, the
    last puts it back, so overlapping imports cannot leave it short.
    """
    with _switch_lock:
        if _switch["users"] == 0:
            _switch["saved"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch["saved"], SWITCH_INTERVAL))
        _switch["users"] += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch["users"] -= 1
            if _switch["users"] == 0:
                sys.setswitchinterval(_switch["saved"])


class _Writer:
    """Writes chunks inside the caller's transaction, on a thread of its own.

    Parsing (Python) and writing (SQLite, which releases the GIL while it
    works) overlap: the reading thread hands chunks over a small queue and
    waits for this thread to finish before it commits or rolls back, so
    the connection is only ever used by one thread at a time.
    """

    def __init__(self, conn, batch_id: int, now: str):
        self.conn = conn
        self.batch_id = batch_id
        self.now = now
        self.inv_changes = 0
        self.dob_warnings = 0
        self.error: BaseException | None = None
        self._keys: dict = {}
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._loop, name="matac-import-writer", daemon=True)
        conn.execute(_DOB_TRIGGER)

    def start(self) -> None:
        if THREADED:
            self._thread.start()

    def put(self, chunk: _Chunk) -> None:
        if self.error is not None:
            raise self.error
        encoded = chunk.encode(self._keys)
        if THREADED:
            self._queue.put(encoded)
        else:
            self.write(*encoded)

    def close(self) -> None:
        """Wait until every chunk handed over is written; re-raise a writing error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """Stop after the chunk being written (on cancel or error); the caller rolls back."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                self.write(*item)
            except BaseException as e:  # handed back to the reading thread
                self.error = e

    def write(self, persons: str, incidents: str, involvements: str) -> None:
        conn = self.conn
        conn.execute(_UPSERT_PERSONS, [persons, self.batch_id, self.now])
        conn.execute(_UPSERT_INCIDENT, [incidents, self.batch_id])
        self.inv_changes += max(conn.execute(_UPSERT_INVOLVEMENT, [involvements, self.batch_id]).rowcount, 0)


# The people-search index (migration 0005) is kept in step by triggers on
# persons. Row by row they cost more than the rest of an import's person
# writes, so an import drops them inside its transaction, brings the index
# up to date for the persons this batch added or changed in two set-wise
# statements, and creates them again, all before COMMIT: a failure or a
# cancel rolls the drop back with everything else.
_SEARCH_TRIGGERS = ("people_search_person_added", "people_search_person_changed")


def _defer_search_index(conn) -> list[str]:
    saved = [sql for (sql,) in conn.execute(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' * len(_SEARCH_TRIGGERS))})",
        _SEARCH_TRIGGERS)]
    for name in _SEARCH_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return saved


FTS_BULK_HASHSIZE = 64 * 2**20     # bytes: FTS5's in-memory index while the batch's persons are added
FTS_DEFAULT_HASHSIZE = 2**20       # FTS5's own default
BYTES_PER_ROW = 150            # a typical extract row, for the estimate below
REBUILD_MIN_BYTES = 5_000_000  # below this, keeping the indexes up row by row is cheap anyway


def _defer_person_indexes(conn, file_bytes: int) -> list[str]:
    """Drop the secondary indexes on persons when the file is large beside the store; return their SQL.

    Building an index once over sorted keys is far cheaper than growing it
    row by row, but rebuilding over a big store for a small extract is not:
    the indexes are dropped only when the extract may add more than half as
    many persons again as the store holds. Recreated before COMMIT.
    """
    held = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    if file_bytes / BYTES_PER_ROW <= held / 2 or file_bytes < REBUILD_MIN_BYTES:
        return []
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons'"
                        " AND sql IS NOT NULL").fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _catch_up_search_index(conn, batch_id: int, saved: list[str]) -> None:
    if not saved:
        return
    sort_name = "coalesce(p.surname, '') || char(31) || coalesce(p.forename, '')"
    conn.execute(
        "UPDATE people_search SET id = p.id, name_key = p.name_key, sort_name = " + sort_name
        + " FROM persons p WHERE p.last_batch_id = ? AND p.first_batch_id IS NOT ? AND people_search.rowid = p.rowid",
        [batch_id, batch_id])
    # FTS5 flushes its in-memory index as a new segment every ``hashsize`` bytes (1 MiB by default) and merges
    # segments as it goes; for one insert of a whole extract's persons a larger hash means far fewer segments
    # to merge. The setting is kept in the index's own config table: put back before COMMIT.
    conn.execute("INSERT INTO people_search (people_search, rank) VALUES ('hashsize', ?)", [FTS_BULK_HASHSIZE])
    conn.execute(
        "INSERT INTO people_search (rowid, id, name_key, aliases, sort_name)"
        " SELECT p.rowid, p.id, p.name_key, coalesce((SELECT group_concat(a.name_key, ' / ') FROM aliases a"
        " WHERE a.person_id = p.id), ''), " + sort_name + " FROM persons p WHERE p.first_batch_id = ?", [batch_id])
    conn.execute("INSERT INTO people_search (people_search, rank) VALUES ('hashsize', ?)", [FTS_DEFAULT_HASHSIZE])
    for sql in saved:
        conn.execute(sql)


def import_extract(
    store: Store,
    path: str | os.PathLike,
    *,
    profile: str | None = None,
    mapping: dict[str, str] | None = None,
    rejects_path: str | os.PathLike | None = None,
    today: _dt.date | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
    backup: bool = True,
    source_name: str | None = None,
) -> ImportSummary:
    """Import one extract in one transaction and return what it did.

    Raises :class:`UserError` for a file that cannot be imported at all
    (missing, empty, no required columns) and :class:`Cancelled` when
    ``cancelled()`` turns true; in both cases nothing is written.
    """
    p = _check_file(Path(path))
    if profile:
        mapping = load_profile(store, profile)
    today = today or _dt.date.today()
    encoding = detect_encoding(p)
    total = p.stat().st_size
    summary = ImportSummary(file_name=source_name or p.name, encoding=encoding)
    digest = _sha256(p)
    if backup and store.scalar("SELECT count(*) FROM involvements"):
        backups.backup(store, "pre-import")

    raw, text = _open_text(p, encoding)
    conn = store.conn
    old_cache = store.scalar("PRAGMA cache_size")
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with raw, text:
            try:
                headers = [h.strip().lstrip("\ufeff") for h in next(csv.reader(text), [])]
            except (csv.Error, UnicodeDecodeError) as e:
                raise UserError(f"{p.name}: the header row cannot be read ({e})") from None
            if not headers or not any(headers):
                raise UserError(f"{p.name}: no header row")
            columns = resolve_columns(headers, mapping, p.name)
            now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            actor = audit.current_actor()
            with store.transaction():
                _run_import(store, p, text, raw, headers, columns, today, now, actor, digest, encoding, profile,
                            summary, total, progress, cancelled)
    finally:
        conn.execute(f"PRAGMA cache_size = {old_cache}")
        conn.execute("DROP TRIGGER IF EXISTS temp.import_dob_changed")
    if rejects_path:
        write_rejects(rejects_path, headers, summary.rejects)
    progress(total, total, "Done")
    return summary


def _run_import(store, p, text, raw, headers, columns, today, now, actor, digest, encoding, profile,
                summary, total, progress, cancelled) -> None:
    conn = store.conn
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, started_at, actor, file_name, file_sha256, encoding, profile)"
        " VALUES ('incidents', ?, ?, ?, ?, ?, ?)",
        [now, actor, summary.file_name, digest, encoding, profile],
    ).lastrowid
    summary.batch_id = batch_id
    before_inv = store.scalar("SELECT count(*) FROM involvements")
    deferred = _defer_search_index(conn)
    rebuilt = _defer_person_indexes(conn, total)
    writer = _Writer(conn, batch_id, now)
    rejects: list[Reject] = []
    chunk = _Chunk(batch_id)
    progress(0, total, "Reading rows")
    # the usual interval again as soon as the rows are in (or abandoned)
    with _short_gil_switch() if THREADED else contextlib.nullcontext():
        try:
            writer.start()
            add, n = chunk.add, 0
            for n, (_rownum, g, rej) in enumerate(iter_checked_rows(text, headers, columns, today=today), 1):
                if rej is None:
                    add(g)
                else:
                    rejects.append(rej)
                if n % CHUNK == 0:
                    if cancelled():
                        raise Cancelled()
                    writer.put(chunk)
                    chunk = _Chunk(batch_id)
                    add = chunk.add
                    progress(raw.tell(), total, f"Read {n:,} rows")
            writer.put(chunk)
            writer.close()
        except UnicodeDecodeError as e:
            writer.abandon()
            raise UserError(f"{p.name}: cannot be read as {encoding} ({e.reason} at byte {e.start})") from None
        except BaseException:
            writer.abandon()
            raise
    good = n - len(rejects)
    if cancelled():
        raise Cancelled()
    progress(total, total, "Counting")
    equality.import_from_extract(conn, p, encoding, batch_id, {r.row_number for r in rejects}, now)  # optional columns

    progress(total, total, "Updating the search index")
    _catch_up_search_index(conn, batch_id, deferred)
    if rebuilt:
        progress(total, total, "Rebuilding the person indexes")
        for sql in rebuilt:
            conn.execute(sql)
    summary.new = store.scalar("SELECT count(*) FROM involvements") - before_inv
    summary.updated = writer.inv_changes - summary.new
    summary.unchanged = good - summary.new - summary.updated
    summary.rows_read = good + len(rejects)
    summary.rejected = len(rejects)
    summary.rejected_by_reason = Counter(r.reason for r in rejects)
    summary.rejects = rejects
    summary.dob_warnings = store.scalar("SELECT count(*) FROM data_quality WHERE batch_id = ? AND kind = 'dob_changed'",
                                        [batch_id])
    for table, new_attr, upd_attr in (("incidents", "incidents_new", "incidents_updated"),
                                      ("persons", "persons_new", "persons_updated")):
        new, upd = conn.execute(
            f"SELECT count(*) FILTER (WHERE first_batch_id = ?1),"
            f" count(*) FILTER (WHERE first_batch_id IS NOT ?1) FROM {table} WHERE last_batch_id = ?1",
            [batch_id]).fetchone()
        setattr(summary, new_attr, new)
        setattr(summary, upd_attr, upd)

    conn.executemany(
        "INSERT INTO rejected_rows (batch_id, row_number, column_name, value, reason, raw)"
        " VALUES (?,?,?,?,?,?)",
        ((batch_id, r.row_number, r.column, r.value, r.reason,
          json.dumps(dict(zip(headers, r.raw)), ensure_ascii=False)) for r in rejects),
    )
    conn.execute(
        "UPDATE import_batches SET finished_at = ?, rows_read = ?, rows_new = ?, rows_updated = ?,"
        " rows_unchanged = ?, rows_rejected = ?, persons_new = ?, persons_updated = ?,"
        " incidents_new = ?, incidents_updated = ?, summary = ? WHERE id = ?",
        [_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), summary.rows_read,
         summary.new, summary.updated, summary.unchanged, summary.rejected, summary.persons_new,
         summary.persons_updated, summary.incidents_new, summary.incidents_updated,
         json.dumps(dict(summary.rejected_by_reason)), batch_id],
    )
    store.audit(
        "import", entity="import_batch", entity_id=str(batch_id), batch_id=batch_id, actor=actor,
        detail={k: v for k, v in summary.as_dict().items() if k != "rejected_by_reason"},
    )
    if cancelled():
        raise Cancelled()


def write_rejects(path: str | os.PathLike, headers: list[str], rejects: list[Reject], *,
                  before_rename: Callable[[], None] | None = None) -> Path:
    """Write rejected rows as CSV: the original columns, then row number, column, value and reason.

    Cells are neutralised against spreadsheet formulas; the importer undoes
    that, so a corrected rejects file can be imported again as it is.
    Written whole or not at all; ``before_rename`` (an audit entry) runs
    just before the file appears (:func:`~matac_desk.storage.files.write_atomically`).
    """
    def text() -> bytes:
        width = len(headers)
        return csv_bytes([list(headers) + ["row_number", "rejected_column", "rejected_value", "reason"]] + [
            [safe_cell(v) for v in (list(r.raw) + [""] * (width - len(r.raw)))[:width]]
            + [r.row_number, safe_cell(r.column), safe_cell(r.value), safe_cell(r.reason)] for r in rejects])

    return write_atomically(path, text, before_rename=before_rename)

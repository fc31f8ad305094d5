"""Import police record extracts (CSV) into the store.

The canonical extract has one row per incident x perpetrator x victim x
offence (see ``COLUMNS``). Forces export with their own headers; a named
*import profile* maps them to the canonical ones.

How a file goes in
------------------
1. The encoding is decided for the whole file (:func:`choose_encoding`):
   UTF-8 when it is UTF-8, even with a few bytes that are not (the rows
   holding them are rejected, naming the line, the byte offset and the
   byte); Windows-1252 only when the file is not UTF-8 as a whole. The
   summary names the encoding and why.
2. The header is the first physical line. A header that opens a quote it
   does not close on that line, or has a field longer than 100
   characters, refuses the file. Headers are matched case-insensitively,
   with spaces, hyphens and underscores alike; two headers that mean one
   column, or a missing required column, refuse the file. All of this,
   and the first rows against the reject limit, before the pre-import
   backup is taken.
3. Every row is checked; a bad row is *rejected* with its line number,
   column, value and reason, kept in ``rejected_rows`` and optionally
   written to a rejects CSV. A row whose quoted field runs over lines
   where it should not (a stray quote) is rejected naming the lines it
   spans. More rejected lines than the limit (default 1,000, or 20% of the
   data lines) stops the import.
4. All of it, good rows, rejects, persons, the batch record and the audit
   entry, is one transaction: a failure, a cancel, a reject limit, a
   person-change hold or a killed process leaves the store as it was. The
   values of every held row the import changes are kept in the same
   transaction, so that the import can be undone later
   (:mod:`matac_desk.intake.undo`).

Line numbers are the file's physical lines (the header is line 1), as a
text editor shows them; a row that spans lines is named by its first line
and the lines it spans. The summary reconciles them: lines read = header
+ lines of imported rows + blank lines + rejected lines.

Idempotency: the key is (incident_ref, perpetrator_id, victim_id, offence),
the offence compared case-insensitively with spaces collapsed. A row whose
key exists and whose values are the same changes nothing; a row with the
same key and other values (offence code, relationship, DASH risk) updates
the stored one. A key repeated within a file counts once: the last row wins.

Who changes: a name or date of birth that differs from the one held for a
known person is written, and kept as a data-quality entry with the value it
replaced (it can be put back). When more than 2% of the known persons in
the file (and more than 10) would change name, the import is held unless
the caller accepts the changes.
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
import math
import os
import queue
import re
import sys
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from ..storage import audit, backups
from ..domain import (
    Cancelled,
    UserError,
    display_name,
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
from . import equality, undo
from ..storage.store import Store

__all__ = [
    "ColumnSpec",
    "COLUMNS",
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Encoding",
    "ImportSummary",
    "LineCounts",
    "PersonChanges",
    "Reject",
    "RejectLimitExceeded",
    "PersonChangesHeld",
    "header_key",
    "shown",
    "check_file",
    "open_text",
    "read_header",
    "read_header_line",
    "reason_kind",
    "detect_encoding",
    "choose_encoding",
    "read_headers",
    "resolve_columns",
    "columns_held",
    "guess_mapping",
    "iter_checked_rows",
    "person_changes",
    "person_change_limit",
    "reject_limit_error",
    "import_extract",
    "save_profile",
    "load_profile",
    "list_profiles",
    "delete_profile",
    "write_rejects",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column of the extract.

    ``multiline``: may hold a line break inside quotes (every other column
    is single-line: a line break in it means a stray quote). ``synonyms``:
    force-export header names the wizard guesses (compared by :func:`header_key`).
    """
    name: str
    required: bool = False
    multiline: bool = False
    synonyms: tuple[str, ...] = ()


# The extract's columns, one line each: adding an optional column is one more line here (and where it is stored).
COLUMNS = (
    ColumnSpec("incident_ref", True, synonyms=(
        "occurrence_no", "occurrence_number", "occurrence_ref", "incident_no", "incident_number", "crime_ref",
        "crime_number", "urn", "reference", "ref")),
    ColumnSpec("incident_date", True, synonyms=(
        "occurrence_date", "date", "date_of_incident", "committed_date", "reported_date", "date_time")),
    ColumnSpec("offence", True, synonyms=(
        "offence_description", "crime_type", "offence_type", "classification", "ho_offence")),
    ColumnSpec("offence_code", synonyms=("ho_code", "home_office_code", "crime_code")),
    ColumnSpec("perpetrator_id", True, synonyms=(
        "offender_nominal_id", "suspect_nominal_id", "offender_id", "suspect_id", "nominal_id", "perp_id",
        "suspect_nominal", "offender_nominal")),
    ColumnSpec("perpetrator_forename", synonyms=(
        "offender_forename", "suspect_forename", "offender_first_name", "suspect_first_name")),
    ColumnSpec("perpetrator_surname", synonyms=(
        "offender_surname", "suspect_surname", "offender_last_name", "suspect_last_name")),
    ColumnSpec("perpetrator_dob", synonyms=(
        "offender_dob", "suspect_dob", "offender_date_of_birth", "suspect_date_of_birth")),
    ColumnSpec("victim_id", True, synonyms=(
        "victim_nominal_id", "aggrieved_id", "victim_nominal", "aggrieved_nominal_id")),
    ColumnSpec("victim_forename", synonyms=("aggrieved_forename", "victim_first_name")),
    ColumnSpec("victim_surname", synonyms=("aggrieved_surname", "victim_last_name")),
    ColumnSpec("victim_dob", synonyms=("aggrieved_dob", "victim_date_of_birth")),
    ColumnSpec("relationship", synonyms=(
        "relationship_to_offender", "victim_relationship", "relationship_type", "victim_relationship_to_offender",
        "victim_relationship_to_suspect", "victim_relationship_to_perpetrator", "relationship_to_suspect",
        "relationship_to_perpetrator", "relationship_to_perp", "rel_to_offender", "rel_to_suspect", "rel_type",
        "victim_offender_relationship", "relationship_victim_to_offender")),
    ColumnSpec("address", multiline=True, synonyms=("location", "incident_address", "location_address")),
    ColumnSpec("postcode", synonyms=("post_code", "location_postcode")),
    ColumnSpec("dash_risk", synonyms=("dash", "dash_grade", "risk_level", "dash_risk_level")),
    ColumnSpec("children_present", synonyms=("children", "child_present", "children_present_yn")),
    ColumnSpec("division", synonyms=("area", "district", "bcu", "policing_area")),
)
CANONICAL_COLUMNS = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)
MULTILINE_COLUMNS = frozenset(c.name for c in COLUMNS if c.multiline)

MAX_FIELD = 1000          # characters: longer values are rejected, not stored
MAX_HEADER_FIELD = 100    # characters: a longer header field refuses the file (it is not a header)
CHUNK = 20000             # rows per executemany and per progress / cancel check
SHOWN_CHARS = 40          # characters of a value echoed in a message
MAX_MESSAGE = 1000        # bytes: a whole message stays under 1 KB
MAX_REJECTS = 1000        # rejected lines before an import stops (None: no limit)
MAX_REJECT_SHARE = 0.20   # ... or this share of the data lines
REJECT_SHARE_FLOOR = 10   # the share counts once more than this many lines are rejected (a 3-row file with 1 bad)
PRECHECK_ROWS = 5000      # rows checked against the reject limit before the pre-import backup
NAME_CHANGE_SHARE = 0.02  # known persons in the file whose name may change before an import is held ...
NAME_CHANGE_MIN = 10      # ... and never fewer than this

csv.field_size_limit(1 << 24)


def _latin1_fallback(err: UnicodeDecodeError):
    """Windows-1252 leaves five bytes undefined; map them as Latin-1 does."""
    bad = err.object[err.start:err.end]
    return bytes(bad).decode("latin-1"), err.end


codecs.register_error("matac-cp1252", _latin1_fallback)


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value as a message may echo it: cut to ``limit`` characters, control, bidi and escape characters escaped.

    >>> shown("Ren\\udce9 \\x1b[31mred\\u202e")
    'Ren\\\\xe9 \\\\x1b[31mred\\\\u202e'
    >>> len(shown("x" * 500))
    41
    """
    text = "" if value is None else str(value)
    out: list[str] = []
    for n, ch in enumerate(text):
        if n >= limit:
            out.append("…")
            break
        if ch.isprintable() or unicodedata.category(ch) not in _ESCAPED_CATEGORIES:
            out.append(ch)
            continue
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:           # a byte that did not decode (surrogateescape)
            out.append(f"\\x{o - 0xDC00:02x}")
        elif o < 0x100:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    return "".join(out)


def _capped(message: str) -> str:
    """A message cut to stay under :data:`MAX_MESSAGE` bytes (a last guard; values are cut by :func:`shown`)."""
    data = message.encode("utf-8", "backslashreplace")
    if len(data) < MAX_MESSAGE:
        return message
    return data[:MAX_MESSAGE - 4].decode("utf-8", "ignore") + "…"


def _refuse(message: str) -> UserError:
    return UserError(_capped(message))


_SURROGATE = re.compile("[\udc80-\udcff]")


def _clean(text: str) -> str:
    """Text safe to store: a byte that did not decode is kept as ``\\xNN`` (never a lone surrogate)."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text) if text else text


# --------------------------------------------------------------------------
# Headers and profiles
# --------------------------------------------------------------------------

def header_key(text: str) -> str:
    """``"Incident-Ref "`` and ``"incident ref"`` are both ``incident_ref``."""
    return re.sub(r"[\s\-_]+", "_", text.strip().lstrip("\ufeff").casefold()).strip("_")


_SYNONYMS = {c.name: c.synonyms for c in COLUMNS}


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Best guess of ``{file header: canonical column}`` from the header names.

    A header named as a canonical column wins over a synonym; each column is guessed for one header only.
    """
    headers = list(headers)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    synonyms: dict[str, str] = {}
    for canon, names in _SYNONYMS.items():
        for n in names:
            synonyms.setdefault(n, canon)
    for lookup in ({c: c for c in CANONICAL_COLUMNS}, synonyms):
        for h in headers:
            canon = lookup.get(header_key(h))
            if canon and canon not in taken and h not in mapping:
                mapping[h] = canon
                taken.add(canon)
    return {h: mapping[h] for h in headers if h in mapping}


def save_profile(store: Store, name: str, mapping: dict[str, str | None]) -> None:
    """Save a named mapping ``{file header: canonical column}``; a column of ``None`` or "" is not imported."""
    name = name.strip()
    if not name:
        raise UserError("an import profile needs a name")
    mapping = {h: (c or None) for h, c in mapping.items()}
    bad = sorted({c for c in mapping.values() if c is not None} - set(CANONICAL_COLUMNS))
    if bad:
        raise _refuse(f"profile {shown(name)!r}: unknown column(s) {', '.join(shown(b) for b in bad[:5])}; "
                      f"known: {', '.join(CANONICAL_COLUMNS)}")
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO import_profiles (name, mapping, created_at, updated_at) VALUES (?,?,?,?)"
            " ON CONFLICT(name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            [name, json.dumps(mapping, ensure_ascii=False), now, now],
        )
        store.audit("import_profile.saved", entity="import_profile", entity_id=name)


def load_profile(store: Store, name: str) -> dict[str, str | None]:
    row = store.conn.execute("SELECT mapping FROM import_profiles WHERE name = ?", [name]).fetchone()
    if not row:
        known = [r[0] for r in store.conn.execute("SELECT name FROM import_profiles ORDER BY name")]
        hint = f"; saved profiles: {', '.join(shown(k) for k in known[:10])}" if known \
            else "; no profiles are saved yet"
        raise _refuse(f"no import profile called {shown(name)!r}{hint}")
    return json.loads(row[0])


def list_profiles(store: Store) -> dict[str, dict[str, str | None]]:
    return {n: json.loads(m) for n, m in store.conn.execute("SELECT name, mapping FROM import_profiles ORDER BY name")}


def delete_profile(store: Store, name: str) -> None:
    load_profile(store, name)
    with store.transaction():
        store.conn.execute("DELETE FROM import_profiles WHERE name = ?", [name])
        store.audit("import_profile.deleted", entity="import_profile", entity_id=name)


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------

def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when every byte decodes, else Windows-1252 (the links import's rule)."""
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


@dataclass(frozen=True)
class Encoding:
    """How a file is read, and why.

    ``bad_lines``: physical line -> (byte offset, the bytes) of the first
    sequence on that line that does not belong to the encoding: a byte that
    is not UTF-8 in a UTF-8 file, or UTF-8 text in a Windows-1252 file.
    Those lines' rows are rejected, never decoded into something else.
    """
    name: str
    why: str
    bad_lines: Mapping[int, tuple[int, bytes]] = field(default_factory=dict)
    sha256: str | None = None     # the file's hash, taken in the same pass (the import's key for rejects kept once)

    @property
    def errors(self) -> str:
        if self.name == "cp1252":
            return "matac-cp1252"
        return "surrogateescape" if self.bad_lines else "strict"

    @property
    def label(self) -> str:
        return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "cp1252": "Windows-1252",
                "utf-16": "UTF-16"}.get(self.name, self.name)

    def bad_reason(self, line: int) -> str:
        offset, seq = self.bad_lines[line]
        hexed = " ".join(f"{b:02X}" for b in seq)
        if self.name == "cp1252":
            return (f"line {line}: bytes {hexed} at byte offset {offset:,} are UTF-8 text in a file read as "
                    f"Windows-1252 (rejected, not decoded twice)")
        return f"line {line}: byte {hexed} at byte offset {offset:,} is not UTF-8 (the file is UTF-8)"


_NON_ASCII = re.compile(rb"[\x80-\xff]+")
SCAN_CHUNK = 1 << 20
CP1252_RATIO = 20   # Windows-1252 when bytes that are not UTF-8 outnumber valid UTF-8 characters this many times


def _terminators(data: bytes, start: int = 0, end: int | None = None) -> int:
    """Line ends in ``data[start:end]`` as Python's universal newlines count them (\\n, \\r\\n, \\r)."""
    end = len(data) if end is None else end
    return data.count(b"\n", start, end) + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def choose_encoding(path: str | os.PathLike) -> Encoding:
    """Decide the file's encoding from all of its bytes (see the module docstring).

    A BOM decides (UTF-8 or UTF-16). A file that decodes as UTF-8 is UTF-8.
    Otherwise every byte that is not ASCII is looked at: Windows-1252 only
    when no character (or fewer than one in :data:`CP1252_RATIO` of the
    undecodable bytes, as happens by chance) is valid UTF-8; else UTF-8,
    and the lines holding the undecodable bytes are named for rejection.
    """
    p = Path(path)
    digest = hashlib.sha256()
    with open(p, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return Encoding("utf-16", "a UTF-16 byte-order mark", sha256=_sha256(p))
        bom = head.startswith(codecs.BOM_UTF8)
        fh.seek(0)
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(SCAN_CHUNK):
                digest.update(chunk)
                dec.decode(chunk)
            dec.decode(b"", final=True)
            return Encoding("utf-8-sig" if bom else "utf-8",
                            "a UTF-8 byte-order mark, and every byte is UTF-8" if bom else "every byte is UTF-8",
                            sha256=digest.hexdigest())
        except UnicodeDecodeError:
            pass
        fh.seek(0)
        digest = hashlib.sha256()
        valid, invalid, invalid_lines, valid_lines = _scan_bytes(fh, digest)
    if not bom and (valid == 0 or valid * CP1252_RATIO < invalid):
        why = f"{invalid:,} byte(s) are not UTF-8" + (
            " and no character is written as UTF-8" if valid == 0 else
            f"; {valid:,} character(s) that look like UTF-8 text: their rows are rejected")
        return Encoding("cp1252", f"Windows-1252: {why}", valid_lines, digest.hexdigest())
    why = (f"{'a UTF-8 byte-order mark; ' if bom else ''}{valid:,} character(s) are UTF-8 and {invalid:,} byte(s) "
           f"on {len(invalid_lines):,} line(s) are not: those rows are rejected")
    return Encoding("utf-8-sig" if bom else "utf-8", f"UTF-8: {why}", invalid_lines, digest.hexdigest())


def _scan_bytes(fh, digest) -> tuple[int, int, dict, dict]:
    """Count valid UTF-8 characters and undecodable bytes beyond ASCII; the first of each per physical line."""
    valid = invalid = 0
    invalid_lines: dict[int, tuple[int, bytes]] = {}
    valid_lines: dict[int, tuple[int, bytes]] = {}
    line = 1          # the physical line at the start of ``part``
    base = 0          # the byte offset of ``part``
    pending = b""
    while True:
        chunk = fh.read(SCAN_CHUNK)
        digest.update(chunk)
        data = pending + chunk
        if not data:
            break
        if chunk:
            cut = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1
            if not cut:
                if len(data) < 8 * SCAN_CHUNK:
                    pending = data
                    continue
                last_ascii = re.search(rb"[\x00-\x7f][\x80-\xff]*\Z", data)
                cut = last_ascii.start() + 1 if last_ascii else len(data)
        else:
            cut = len(data)
        part, pending = data[:cut], data[cut:]
        at, at_line = 0, line
        for m in _NON_ASCII.finditer(part):
            run = m.group()
            try:
                text = run.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                valid += len(text)
                if len(valid_lines) < 1_000_000:
                    at_line += _terminators(part, at, m.start())
                    at = m.start()
                    valid_lines.setdefault(at_line, (base + m.start(), run[:len(text[0].encode())]))
                continue
            at_line += _terminators(part, at, m.start())
            at = m.start()
            pos = m.start()
            for ch in run.decode("utf-8", "surrogateescape"):
                o = ord(ch)
                if 0xDC80 <= o <= 0xDCFF:
                    invalid += 1
                    invalid_lines.setdefault(at_line, (base + pos, bytes([o - 0xDC00])))
                    pos += 1
                else:
                    size = len(ch.encode("utf-8"))
                    valid += 1
                    valid_lines.setdefault(at_line, (base + pos, part[pos:pos + size]))
                    pos += size
        line += _terminators(part)
        base += len(part)
        if not chunk:
            break
    return valid, invalid, invalid_lines, valid_lines


def open_text(path: Path, encoding: Encoding | str):
    enc = encoding if isinstance(encoding, Encoding) else Encoding(encoding, "")
    raw = open(path, "rb")
    return raw, io.TextIOWrapper(raw, encoding=enc.name, errors=enc.errors, newline="")


# --------------------------------------------------------------------------
# The header
# --------------------------------------------------------------------------

def check_file(p: Path) -> Path:
    if not p.exists():
        raise _refuse(f"{shown(p, 200)}: no such file")
    if not p.is_file():
        raise _refuse(f"{shown(p, 200)}: not a file")
    if p.stat().st_size == 0:
        raise _refuse(f"{shown(p.name, 100)}: the file is empty")
    return p


_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


def separator_hint(fields: list[str]) -> str:
    """When line 1 parsed as one column holds another separator over and over, what to say of it:
    "; line 1 holds 11 semicolons and no comma: …". Else ""."""
    if len(fields) != 1:
        return ""
    for sep, word in _SEPARATORS:
        n = fields[0].count(sep)
        if n >= 2:
            return (f"; line 1 holds {n} {word} and no comma: the file seems to be separated by {word}, not "
                    "commas (save it from the record system or the spreadsheet as comma-separated CSV)")
    return ""


def read_header_line(text, file_name: str, encoding: Encoding) -> list[str]:
    """The header: the first physical line, which must hold the whole header row and nothing else."""
    name = shown(file_name, 100)
    try:
        line = text.readline()
    except UnicodeDecodeError as e:
        raise _refuse(f"{name}: the header row cannot be read as {encoding.label} ({e.reason})") from None
    if not line.strip():
        raise _refuse(f"{name}: no header row (line 1 is blank)")
    if 1 in encoding.bad_lines:
        raise _refuse(f"{name}: the header row cannot be read: {encoding.bad_reason(1)}")
    try:
        fields = next(csv.reader([line]), [])
    except csv.Error as e:
        raise _refuse(f"{name}: the header row is not valid CSV ({shown(e, 80)})") from None
    for i, h in enumerate(fields, 1):
        if "\n" in h or "\r" in h:
            raise _refuse(f"{name}: a quote opened in the header row (line 1, column {i}) is not closed on that "
                          "line: the header row is damaged; nothing was imported")
        if len(h.strip()) > MAX_HEADER_FIELD:
            raise _refuse(f"{name}: column {i} of the header row is {len(h.strip()):,} characters long (at most "
                          f"{MAX_HEADER_FIELD}): line 1 is not a header row (not shown: it may hold personal data)"
                          f"{separator_hint(fields)}; nothing was imported")
    headers = [h.strip().lstrip("\ufeff") for h in fields]
    if not any(headers):
        raise _refuse(f"{name}: no header row")
    return headers


def read_headers(path: str | os.PathLike) -> tuple[list[str], str]:
    """The header row and the encoding's name (for the mapping screen)."""
    headers, enc = read_header(path)
    return headers, enc.name


def read_header(path: str | os.PathLike) -> tuple[list[str], Encoding]:
    """The header row and the :class:`Encoding` chosen for the file; a damaged header is a UserError."""
    p = check_file(Path(path))
    enc = choose_encoding(p)
    raw, text = open_text(p, enc)
    with raw, text:
        return read_header_line(text, p.name, enc), enc


def columns_held(headers: list[str], mapping: dict[str, str | None] | None) -> list[str | None]:
    """The canonical column each header holds: as ``mapping`` maps it (the header's exact text first, then
    matched as :func:`header_key` matches; ``None`` or "": not imported), else as it is named, else None."""
    mapping = mapping or {}
    exact = set(headers)
    keyed = {header_key(k): (v or None) for k, v in mapping.items() if k not in exact}
    out: list[str | None] = []
    for h in headers:
        k = header_key(h)
        if h in mapping:
            out.append(mapping[h] or None)
        elif k in keyed:
            out.append(keyed[k])
        else:
            out.append(k if k in CANONICAL_COLUMNS else None)
    return out


def resolve_columns(headers: list[str], mapping: dict[str, str | None] | None, file_name: str) -> dict[str, int]:
    """``{canonical column: index}``.

    A header in ``mapping`` holds the column it is mapped to (``None`` or "": not imported); any other header
    holds the column it is named as, if any. Two headers holding one column, or a missing required column, is a
    UserError naming them.
    """
    name = shown(file_name, 100)
    by_key: dict[str, int] = {}
    for i, (h, canon) in enumerate(zip(headers, columns_held(headers, mapping))):
        if canon is None:
            continue
        if canon in by_key:
            first = by_key[canon]
            raise _refuse(
                f"{name}: columns {first + 1} “{shown(headers[first])}” and {i + 1} “{shown(h)}” both hold "
                f"{canon}: remove one from the file, or map one of them elsewhere (a profile, or the wizard)")
        by_key[canon] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if missing and not by_key and not guess_mapping(headers):
        # Not one known name: the first row is likely data, so it is not echoed (names, ids, addresses).
        raise _refuse(
            f"{name}: required column(s) {', '.join(missing)} not found, and the first row holds no known "
            "column name: is the header row missing? (the row is not shown: it may hold personal data)"
            f"{separator_hint(headers)}; use --profile to map the force's own names"
        )
    if missing:
        listed = ", ".join(shown(h, 30) for h in headers[:12]) + (", …" if len(headers) > 12 else "")
        raise _refuse(
            f"{name}: required column(s) {', '.join(missing)} not found in the header row "
            f"(headers: {listed or '(none)'}){separator_hint(headers)}; use --profile to map the force's own names"
        )
    return by_key


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reject:
    row_number: int                 # the first physical line of the row (the header is line 1)
    column: str | None              # the file's own header name
    value: str | None               # as shown: cut and escaped
    reason: str
    raw: tuple[str, ...]
    last_line: int | None = None    # the last physical line, when the row spans more than one

    @property
    def lines(self) -> int:
        return (self.last_line or self.row_number) - self.row_number + 1


@dataclass
class LineCounts:
    """Physical lines, as :func:`iter_checked_rows` classifies them; they reconcile when ``complete``:
    ``lines == header + good_lines + blank + rejected_lines``."""
    header: int = 1
    lines: int = 0                # every physical line of the file, once the end is reached
    blank: int = 0                # blank lines, and lines of empty fields only
    rejected_lines: int = 0
    good_extra_lines: int = 0     # lines beyond the first of imported rows that span lines (a quoted address)
    complete: bool = False
    unknown_names: int = 0        # rows with a name made only of "?" or U+FFFD (lost upstream)
    unknown_name_lines: list[int] = field(default_factory=list)

    def good_lines(self, good_rows: int) -> int:
        return good_rows + self.good_extra_lines


UNKNOWN_NAME_EXAMPLES = 5

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


def _breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _spanning_reject(rec: list[str], ncols: int, multiline: frozenset[int], hdr: list[str],
                     start: int, end: int) -> Reject | None:
    """A row that spans lines ``start``–``end``: None when only a multi-line column holds the line breaks and
    the fields are as many as the header's, else the reject naming the quote and the lines."""
    broken = None
    for i, v in enumerate(rec):
        if ("\n" in v or "\r" in v) and i not in multiline:
            broken = i
            break
    if broken is None:
        if len(rec) == ncols:
            return None
        broken = next((i for i, v in enumerate(rec) if "\n" in v or "\r" in v), len(rec) - 1)
    opened = start + sum(_breaks(v) for v in rec[:broken])
    value = rec[broken]
    col = f"“{shown(hdr[broken])}”" if broken < ncols else f"column {broken + 1}"
    lines = f"lines {start}–{end} rejected" if end > start else f"line {start} rejected"
    if value.endswith(("\n", "\r")):
        reason = f"a quote opened on line {opened} ({col}) is not closed before the end of the file: {lines}"
    else:
        reason = f"an opening quote on line {opened} ({col}) is closed on line {opened + _breaks(value)}: {lines}"
    return Reject(start, hdr[broken] if broken < ncols else None, None, reason,
                  tuple(_clean(v) for v in rec[:ncols]), end)


def _csv_error_reason(e: csv.Error, start: int, end: int) -> str:
    lines = f"lines {start}–{end} rejected" if end > start else f"line {start} rejected"
    text = str(e)
    if "unexpected end of data" in text:
        return f"a quote opened in the row on line {start} is not closed before the end of the file: {lines}"
    if "expected after" in text:
        return f"not valid CSV: a closing quote is followed by more text in its field: {lines}"
    return f"not valid CSV ({shown(text, 80)}): {lines}"


def _unknown_name(v: str) -> bool:
    s = v.strip()
    return bool(s) and not s.strip("?\ufffd")


def iter_checked_rows(
    text_stream,
    headers: list[str],
    columns: dict[str, int],
    *,
    today: _dt.date,
    first_row_number: int = 2,
    counts: LineCounts | None = None,
    encoding: Encoding | None = None,
) -> Iterator[tuple[int, GoodRow | None, Reject | None]]:
    """Yield ``(line, good_row, None)`` or ``(line, None, reject)`` per data row.

    ``text_stream`` is the file after its header line; ``first_row_number``
    is the physical line it starts on. Blank lines are skipped (and counted
    in ``counts``, with the rejected lines and the file's lines). The rows
    on the lines ``encoding.bad_lines`` names are rejected. This is the
    whole validation; the preview and the importer share it.
    """
    counts = counts if counts is not None else LineCounts()
    # strict: a quote left open at the end of the file, or text after a closing quote, is an error to reject,
    # never a field quietly completed
    reader = csv.reader(text_stream, strict=True)
    ncols = len(headers)
    # A column absent from the file reads as "" through this extra slot.
    pad = ncols
    at = {c: columns.get(c, pad) for c in CANONICAL_COLUMNS}
    i_ref, i_date, i_off, i_code = at["incident_ref"], at["incident_date"], at["offence"], at["offence_code"]
    i_pid, i_pfn, i_psn, i_pdob = (at["perpetrator_id"], at["perpetrator_forename"], at["perpetrator_surname"],
                                   at["perpetrator_dob"])
    i_vid, i_vfn, i_vsn, i_vdob = at["victim_id"], at["victim_forename"], at["victim_surname"], at["victim_dob"]
    i_rel, i_addr, i_pc, i_dash, i_kids, i_div = (at["relationship"], at["address"], at["postcode"],
                                                  at["dash_risk"], at["children_present"], at["division"])
    name_cols = (i_pfn, i_psn, i_vfn, i_vsn)
    multiline = frozenset(i for c, i in at.items() if c in MULTILINE_COLUMNS and i != pad)
    name = headers.__getitem__
    hdr = list(headers) + [""]
    lab = [shown(h) for h in hdr]
    # the reasons speak the file's own header names ("Occurrence Date is empty", not incident_date)
    ref_empty, pid_empty = f"{lab[i_ref]} is empty", f"{lab[i_pid]} is empty"
    vid_empty, off_empty, date_empty = f"{lab[i_vid]} is empty", f"{lab[i_off]} is empty", f"{lab[i_date]} is empty"
    date_future = f"{lab[i_date]} is in the future"
    pdob_label, vdob_label = lab[i_pdob], lab[i_vdob]
    bad_lines = encoding.bad_lines if encoding is not None and encoding.bad_lines else None
    today_iso = today.isoformat()
    base = first_row_number - 1
    prev = 0
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
            counts.lines = base + reader.line_num
            counts.complete = True
            return
        except csv.Error as e:
            start, end = base + prev + 1, base + max(reader.line_num, prev + 1)
            prev = reader.line_num
            counts.rejected_lines += end - start + 1
            yield start, None, Reject(start, None, None, _csv_error_reason(e, start, end), (),
                                      end if end > start else None)
            continue
        ln = reader.line_num
        start = base + prev + 1
        if ln - prev != 1:
            end = base + ln
            prev = ln
            bad = _spanning_reject(rec, ncols, multiline, hdr, start, end)
            if bad is not None:
                counts.rejected_lines += end - start + 1
                yield start, None, bad
                continue
        else:
            end = start
            prev = ln
        if bad_lines is not None and (start in bad_lines or (
                end > start and any(n in bad_lines for n in range(start, end + 1)))):
            line = next(n for n in range(start, end + 1) if n in bad_lines)
            cells = [_clean(v) for v in rec[:ncols]]
            col = next((i for i, v in enumerate(rec[:ncols]) if _SURROGATE.search(v)), None)
            counts.rejected_lines += end - start + 1
            yield start, None, Reject(start, name(col) if col is not None else None,
                                      shown(rec[col]) if col is not None else None, encoding.bad_reason(line),
                                      tuple(cells), end if end > start else None)
            continue
        n = len(rec)
        if n != ncols:
            if not rec or not any(rec):
                counts.blank += end - start + 1
                continue
            rec = rec[:ncols] + [""] * (ncols - n) if n < ncols else rec[:ncols]
        rec.append("")
        joined = "\x01" + "\x01".join(rec)
        if len(joined) > MAX_FIELD or "\x00" in joined or "\x01'" in joined:
            bad = None
            for i, v in enumerate(rec[:ncols]):
                if "\x00" in v:
                    bad = Reject(start, name(i), None, "contains a NUL byte", tuple(rec[:ncols]),
                                 end if end > start else None)
                    break
                if len(v) > MAX_FIELD:
                    bad = Reject(start, name(i), shown(v), f"value longer than {MAX_FIELD} characters",
                                 tuple(rec[:ncols]), end if end > start else None)
                    break
                if v[:1] == "'":
                    rec[i] = unsafe_cell(v)
            if bad:
                counts.rejected_lines += end - start + 1
                yield start, None, bad
                continue
        elif len(joined) <= ncols + 1:
            counts.blank += end - start + 1
            continue  # a line of empty fields only
        if "?" in joined or "\ufffd" in joined:
            if any(_unknown_name(rec[i]) for i in name_cols):
                counts.unknown_names += 1
                if len(counts.unknown_name_lines) < UNKNOWN_NAME_EXAMPLES:
                    counts.unknown_name_lines.append(start)

        ref = rec[i_ref].strip()
        pid = rec[i_pid].strip()
        vid = rec[i_vid].strip()
        off = rec[i_off].strip()
        col = reason = value = None
        if not ref:
            col, value, reason = i_ref, "", ref_empty
        elif not pid:
            col, value, reason = i_pid, "", pid_empty
        elif not vid:
            col, value, reason = i_vid, "", vid_empty
        elif not off:
            col, value, reason = i_off, "", off_empty
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
                    reason = f"{lab[i_date]}: {e}" if raw_date else date_empty
            if reason is None:
                day_iso, clock = parsed
                if day_iso > today_iso:
                    col, value, reason = i_date, raw_date.strip(), date_future
                elif pid == vid:
                    col, value, reason = i_vid, vid, "perpetrator and victim are the same person"
        pdob = vdob = None
        if reason is None and rec[i_pdob]:
            pdob, reason = _dob(rec[i_pdob], pdob_label, day_iso, dob_cache)
            if reason:
                col, value = i_pdob, rec[i_pdob].strip()
        if reason is None and rec[i_vdob]:
            vdob, reason = _dob(rec[i_vdob], vdob_label, day_iso, dob_cache)
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
            counts.rejected_lines += end - start + 1
            yield start, None, Reject(start, hdr[col], shown(value), reason, tuple(rec[:ncols]),
                                      end if end > start else None)
            continue
        if end > start:
            counts.good_extra_lines += end - start
        rel = rec[i_rel].strip() or None
        rel_kind = rel_cache.get(rel)
        if rel_kind is None:
            rel_kind = rel_cache[rel] = normalise_relationship(rel)
        off_key = off_cache.get(off)
        if off_key is None:
            off_key = off_cache[off] = normalise_offence(off)
        yield start, (
            ref, day_iso, clock, off, off_key, rec[i_code].strip() or None,
            pid, rec[i_pfn].strip() or None, rec[i_psn].strip() or None, pdob,
            vid, rec[i_vfn].strip() or None, rec[i_vsn].strip() or None, vdob,
            rel, rel_kind, rec[i_addr].strip() or None, rec[i_pc].strip() or None,
            dash, kids, rec[i_div].strip() or None,
        ), None


# --------------------------------------------------------------------------
# Who changes
# --------------------------------------------------------------------------

def person_change_limit(known: int) -> int:
    """How many known persons in a file may change name before the import is held: 2% of them, at least 10."""
    return max(NAME_CHANGE_MIN, math.floor(known * NAME_CHANGE_SHARE))


@dataclass
class PersonChanges:
    """Known persons whose name or date of birth a file would change (id, held value, value in the file)."""
    known: int = 0
    names: list[tuple[str, str, str]] = field(default_factory=list)
    dobs: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def limit(self) -> int:
        return person_change_limit(self.known)

    @property
    def held(self) -> bool:
        return len(self.names) > self.limit


def person_changes(store: Store, persons: Mapping[str, tuple[str | None, str | None, str | None]]) -> PersonChanges:
    """Compare ``{id: (forename, surname, dob)}`` as a file would leave them (blanks keep the held value) with the
    persons the store holds: a change is a value held and a different one given."""
    out = PersonChanges()
    ids = list(persons)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for pid, fn, sn, dob in store.conn.execute(
                f"SELECT id, forename, surname, dob FROM persons WHERE id IN ({','.join('?' * len(part))})", part):
            out.known += 1
            nfn, nsn, ndob = persons[pid]
            if (nfn and fn is not None and nfn != fn) or (nsn and sn is not None and nsn != sn):
                out.names.append((pid, display_name(fn, sn), display_name(nfn or fn, nsn or sn)))
            if ndob and dob is not None and ndob != dob:
                out.dobs.append((pid, dob, ndob))
    out.names.sort()
    out.dobs.sort()
    return out


class RejectLimitExceeded(UserError):
    """More rejected lines than the limit: the import stopped and changed nothing."""


class PersonChangesHeld(UserError):
    """More known persons would change name than the limit allows: held, nothing changed."""


def reject_limit_error(file_name: str, rejected_lines: int, data_lines: int | None, rejects: list[Reject], *,
                       max_rejects: int | None, max_share: float | None, stopped_at: int | None,
                       changed_nothing: bool = True) -> RejectLimitExceeded | None:
    """The error for rejected lines over the limit, or None when they are within it.

    ``data_lines`` is None while the file is still being read (only the count limit applies then).
    """
    over_count = max_rejects is not None and rejected_lines > max_rejects
    over_share = (max_share is not None and data_lines is not None and rejected_lines > REJECT_SHARE_FLOOR
                  and rejected_lines > max_share * data_lines)
    if not (over_count or over_share):
        return None
    reasons = Counter(reason_kind(r.reason) for r in rejects).most_common(3)
    first = "; ".join(f"{n:,} × {shown(reason, 90)}" for reason, n in reasons)
    limit = (f"more than {max_rejects:,} rejected lines" if over_count else
             f"{rejected_lines:,} of {data_lines:,} data lines rejected (more than {max_share:.0%})")
    where = f" (stopped at line {stopped_at:,})" if stopped_at else ""
    outcome = "the import was rolled back and nothing changed" if changed_nothing else "nothing was imported"
    return RejectLimitExceeded(_capped(
        f"{shown(file_name, 100)}: {limit}{where}: {outcome}. First reasons: {first}. Correct the file, or "
        "allow more with --max-rejects N"))


_NUMBERED = re.compile(r"\b(lines?|byte offset) \d[\d,]*(?:–\d[\d,]*)?")


def reason_kind(reason: str) -> str:
    """A reason without its line numbers and offsets, for counting reasons of one kind together."""
    return _NUMBERED.sub(lambda m: m.group(1) + (" N–M" if "–" in m.group() else " N"), reason)


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
    encoding_why: str = ""
    lines_read: int = 0          # physical lines, the header's included
    header_lines: int = 0
    row_lines: int = 0           # lines of the rows imported (a quoted multi-line address spans more than one)
    blank_lines: int = 0
    rejected_lines: int = 0
    rejects_kept: int = 0        # rejected rows added to the store for review
    rejects_already_kept: int = 0  # rejected rows of the same file (same SHA-256, same line) kept by an earlier import
    name_changes: int = 0        # known persons whose name changed (each kept as a data-quality entry)
    known_persons: int = 0       # persons named in the file that the store held before
    unknown_names: int = 0       # rows with a name of only "?" or U+FFFD
    unknown_name_lines: list[int] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        """Every physical line is accounted for: header + imported rows' lines + blank + rejected lines."""
        return self.lines_read == self.header_lines + self.row_lines + self.blank_lines + self.rejected_lines

    def as_dict(self) -> dict:
        """Counts only (no values from the file): what the audit entry and ``--format json`` hold."""
        return {
            "file": self.file_name, "encoding": self.encoding, "encoding_why": self.encoding_why,
            "batch": self.batch_id, "lines_read": self.lines_read, "header_lines": self.header_lines,
            "row_lines": self.row_lines, "blank_lines": self.blank_lines, "rejected_lines": self.rejected_lines,
            "rows_read": self.rows_read, "new": self.new, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected,
            "rejects_kept": self.rejects_kept, "rejects_already_kept": self.rejects_already_kept,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "persons_new": self.persons_new, "persons_updated": self.persons_updated,
            "incidents_new": self.incidents_new, "incidents_updated": self.incidents_updated,
            "dob_warnings": self.dob_warnings, "name_changes": self.name_changes,
            "known_persons": self.known_persons, "unknown_names": self.unknown_names,
        }


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

# A changed name of a known person likewise (a person this import added is not known: a file that names him
# twice differently changes no one held): the entry keeps the name it replaced, to be put back from it
# (:func:`matac_desk.services.imports.put_back`).
_NAME_TRIGGER = """
CREATE TEMP TRIGGER IF NOT EXISTS import_name_changed
AFTER UPDATE OF forename, surname ON main.persons
WHEN old.first_batch_id IS NOT new.last_batch_id
 AND ((old.forename IS NOT NULL AND new.forename IS NOT old.forename)
  OR (old.surname IS NOT NULL AND new.surname IS NOT old.surname))
BEGIN
    INSERT INTO data_quality (batch_id, person_id, kind, detail, old_value, new_value, detected_at, put_back)
    VALUES (new.last_batch_id, new.id, 'name_changed', 'name differs from the one held',
            trim(coalesce(old.forename, '') || ' ' || coalesce(old.surname, '')),
            trim(coalesce(new.forename, '') || ' ' || coalesce(new.surname, '')), new.updated_at,
            json_object('forename', old.forename, 'surname', old.surname, 'name_key', old.name_key));
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
        conn.execute(_NAME_TRIGGER)

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




def _precheck(p: Path, encoding: Encoding, headers: list[str], columns: dict[str, int], today: _dt.date,
              max_rejects: int | None, max_share: float | None, file_name: str) -> None:
    """The first rows against the reject limit, before the pre-import backup: a file that would stop at
    once costs no backup. The share counts only when these rows are the whole file."""
    if max_rejects is None and max_share is None:
        return
    counts = LineCounts()
    rejects: list[Reject] = []
    raw, text = open_text(p, encoding)
    with raw, text:
        text.readline()
        for n, (_line, _good, rej) in enumerate(iter_checked_rows(text, headers, columns, today=today,
                                                                  counts=counts, encoding=encoding), 1):
            if rej is not None:
                rejects.append(rej)
                error = reject_limit_error(file_name, counts.rejected_lines, None, rejects,
                                           max_rejects=max_rejects, max_share=None, stopped_at=rej.row_number,
                                           changed_nothing=False)
                if error:
                    raise error
            if n >= PRECHECK_ROWS:
                return
    if counts.complete:
        data_lines = counts.lines - counts.header - counts.blank
        error = reject_limit_error(file_name, counts.rejected_lines, data_lines, rejects, max_rejects=max_rejects,
                                   max_share=max_share, stopped_at=None, changed_nothing=False)
        if error:
            raise error


def import_extract(
    store: Store,
    path: str | os.PathLike,
    *,
    profile: str | None = None,
    mapping: dict[str, str | None] | None = None,
    rejects_path: str | os.PathLike | None = None,
    today: _dt.date | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
    backup: bool = True,
    source_name: str | None = None,
    max_rejects: int | None = MAX_REJECTS,
    max_reject_share: float | None = MAX_REJECT_SHARE,
    accept_person_changes: bool = False,
) -> ImportSummary:
    """Import one extract in one transaction and return what it did.

    Raises :class:`UserError` for a file that cannot be imported at all
    (missing, empty, a damaged header, no required columns, two headers for
    one column), :class:`RejectLimitExceeded` when more lines are rejected
    than ``max_rejects`` or ``max_reject_share`` of the data lines allow
    (None: no limit), :class:`PersonChangesHeld` when more known persons
    would change name than :func:`person_change_limit` allows and
    ``accept_person_changes`` is false, and :class:`Cancelled` when
    ``cancelled()`` turns true; in every case nothing is written. The file's
    header and first rows are checked before the pre-import backup.
    """
    p = check_file(Path(path))
    if profile:
        mapping = load_profile(store, profile)
    today = today or _dt.date.today()
    file_name = source_name or p.name
    progress(0, 0, "Checking the encoding")
    encoding = choose_encoding(p)
    raw, text = open_text(p, encoding)
    with raw, text:
        headers = read_header_line(text, file_name, encoding)
    columns = resolve_columns(headers, mapping, file_name)
    _precheck(p, encoding, headers, columns, today, max_rejects, max_reject_share, file_name)
    total = p.stat().st_size
    summary = ImportSummary(file_name=file_name, encoding=encoding.name, encoding_why=encoding.why)
    digest = encoding.sha256 or _sha256(p)
    # The pre-import backup is recorded in the import's own transaction and rotated in only once the import is in:
    # an import that fails leaves the store byte-for-byte as it was, and no copy of it beside the others.
    taken = store.backup_file("pre-import") if backup and store.scalar("SELECT count(*) FROM involvements") else None

    raw, text = open_text(p, encoding)
    conn = store.conn
    old_cache = store.scalar("PRAGMA cache_size")
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with raw, text:
            text.readline()   # the header, checked above
            now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            actor = audit.current_actor()
            with store.transaction():
                if taken is not None:
                    store.audit("backup.made", entity="backup", entity_id=taken.name, detail={"label": "pre-import"})
                _run_import(store, p, text, raw, headers, columns, today, now, actor, digest, encoding, profile,
                            summary, total, progress, cancelled, max_rejects, max_reject_share,
                            accept_person_changes)
    except BaseException:
        if taken is not None:
            taken.unlink(missing_ok=True)
        raise
    finally:
        conn.execute(f"PRAGMA cache_size = {old_cache}")
        conn.execute("DROP TRIGGER IF EXISTS temp.import_dob_changed")
        conn.execute("DROP TRIGGER IF EXISTS temp.import_name_changed")
        undo.drop_triggers(conn)
    if taken is not None:
        backups.rotate(store.path, backups.get_policy(store))
    if rejects_path:
        write_rejects(rejects_path, headers, summary.rejects)
    progress(total, total, "Done")
    return summary


def _run_import(store, p, text, raw, headers, columns, today, now, actor, digest, encoding, profile,
                summary, total, progress, cancelled, max_rejects, max_share, accept_person_changes) -> None:
    conn = store.conn
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, started_at, actor, file_name, file_sha256, encoding, profile)"
        " VALUES ('incidents', ?, ?, ?, ?, ?, ?)",
        [now, actor, summary.file_name, digest, encoding.name, profile],
    ).lastrowid
    summary.batch_id = batch_id
    undo.keep_before_images(conn, batch_id)     # the values of rows it changes, to undo it (intake/undo.py)
    before_inv = store.scalar("SELECT count(*) FROM involvements")
    # the persons the file names are gathered only when the store holds some: known persons are counted from them
    track = bool(store.scalar("SELECT EXISTS (SELECT 1 FROM persons)"))
    seen: set[str] = set()
    deferred = _defer_search_index(conn)
    rebuilt = _defer_person_indexes(conn, total)
    writer = _Writer(conn, batch_id, now)
    rejects: list[Reject] = []
    counts = LineCounts()
    chunk = _Chunk(batch_id)
    progress(0, total, "Reading rows")
    # the usual interval again as soon as the rows are in (or abandoned)
    with _short_gil_switch() if THREADED else contextlib.nullcontext():
        try:
            writer.start()
            add, n = chunk.add, 0
            for n, (_line, g, rej) in enumerate(iter_checked_rows(text, headers, columns, today=today,
                                                                  counts=counts, encoding=encoding), 1):
                if rej is None:
                    add(g)
                else:
                    rejects.append(rej)
                    if max_rejects is not None and counts.rejected_lines > max_rejects:
                        raise reject_limit_error(summary.file_name, counts.rejected_lines, None, rejects,
                                                 max_rejects=max_rejects, max_share=None, stopped_at=rej.row_number)
                if n % CHUNK == 0:
                    if cancelled():
                        raise Cancelled()
                    if track:
                        seen.update(chunk.persons)
                    writer.put(chunk)
                    chunk = _Chunk(batch_id)
                    add = chunk.add
                    progress(raw.tell(), total, f"Read {n:,} rows")
            if track:
                seen.update(chunk.persons)
            writer.put(chunk)
            writer.close()
        except UnicodeDecodeError as e:
            writer.abandon()
            raise _refuse(f"{shown(p.name, 100)}: cannot be read as {encoding.label} "
                          f"({e.reason} at byte {e.start})") from None
        except BaseException:
            writer.abandon()
            raise
    good = n - len(rejects)
    if cancelled():
        raise Cancelled()
    data_lines = counts.lines - counts.header - counts.blank
    error = reject_limit_error(summary.file_name, counts.rejected_lines, data_lines, rejects,
                               max_rejects=max_rejects, max_share=max_share, stopped_at=None)
    if error:
        raise error
    progress(total, total, "Counting")
    equality.import_from_extract(conn, p, encoding.name, batch_id, {r.row_number for r in rejects}, now)  # optional columns
    summary.name_changes = store.scalar(
        "SELECT count(DISTINCT person_id) FROM data_quality WHERE batch_id = ? AND kind = 'name_changed'", [batch_id])
    if summary.name_changes:
        summary.known_persons = store.scalar(
            "SELECT count(*) FROM persons WHERE id IN (SELECT value FROM json_each(?)) AND first_batch_id IS NOT ?",
            [json.dumps(list(seen), ensure_ascii=False), batch_id])
        if summary.name_changes > person_change_limit(summary.known_persons) and not accept_person_changes:
            examples = [pid for (pid,) in conn.execute(
                "SELECT DISTINCT person_id FROM data_quality WHERE batch_id = ? AND kind = 'name_changed'"
                " ORDER BY person_id LIMIT 5", [batch_id])]
            raise PersonChangesHeld(_capped(
                f"{shown(summary.file_name, 100)}: the file would change the name of {summary.name_changes:,} of "
                f"the {summary.known_persons:,} known persons it names (more than "
                f"{person_change_limit(summary.known_persons):,}: 2%, at least {NAME_CHANGE_MIN}): held, nothing "
                f"was imported. For example: {', '.join(shown(x, 20) for x in examples)}. Check that the file is "
                "this force's and its columns are mapped right (import --dry-run lists the changes); "
                "--accept-person-changes imports them"))

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
    summary.rejected_by_reason = Counter(reason_kind(r.reason) for r in rejects)
    summary.rejects = rejects
    summary.lines_read = counts.lines
    summary.header_lines = counts.header
    summary.row_lines = counts.good_lines(good)
    summary.blank_lines = counts.blank
    summary.rejected_lines = counts.rejected_lines
    summary.unknown_names = counts.unknown_names
    summary.unknown_name_lines = list(counts.unknown_name_lines)
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

    # A file imported before keeps one copy of each rejected line (key: the file's SHA-256 and the line).
    kept_before = {n for (n,) in conn.execute(
        "SELECT r.row_number FROM rejected_rows r JOIN import_batches b ON b.id = r.batch_id"
        " WHERE b.file_sha256 = ? AND b.kind = 'incidents' AND b.id != ?", [digest, batch_id])} if rejects else set()
    fresh = [r for r in rejects if r.row_number not in kept_before]
    summary.rejects_kept = len(fresh)
    summary.rejects_already_kept = len(rejects) - len(fresh)
    conn.executemany(
        "INSERT INTO rejected_rows (batch_id, row_number, column_name, value, reason, raw)"
        " VALUES (?,?,?,?,?,?)",
        ((batch_id, r.row_number, r.column, r.value, r.reason,
          json.dumps(dict(zip(headers, r.raw)), ensure_ascii=False)) for r in fresh),
    )
    undo.finish_before_images(conn, batch_id)
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

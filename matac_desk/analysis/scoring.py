"""RFGV scoring: find, rank and explain the most harmful serial DA perpetrators.

A person is scored **as of a date A** over the incidents where he is the
perpetrator. ``days`` is the whole number of days from the incident date to
A. With the default configuration (every number lives in
:class:`ScoringConfig`, which a force can change and which is versioned in
the store):

- **window**: incidents with ``0 <= days <= 729``; incidents after A are ignored;
- **age** (Domestic Abuse Act 2021 s.1: DA is between two people each aged
  16 or over): an involvement counts only when the perpetrator and the
  victim were both 16 or over on the incident date (an unknown date of
  birth counts, and the explanation says it was assumed; a 16th birthday on
  the day after the incident means under 16; born 29 February, the
  birthday is 1 March in a common year). An incident counts when at least
  one of its involvements counts;
- **offence**: an involvement whose Home Office code the gravity table
  lists takes that row; else its wording; else ``unmapped_points`` and it
  is listed as unmapped;
- **R** from days since the latest incident in the window (0-30 -> 5,
  31-90 -> 4, 91-180 -> 3, 181-365 -> 2, 366-729 -> 1);
- **F** from the number of distinct incident refs (1, 2, 3-4, 5-7, 8+ -> 1..5);
- **G** the highest gravity points of any counted offence in those
  incidents (``gravity_mode = max``), or each counted incident's highest
  gravity added up and banded by ``gravity_sum_bands`` (``sum``);
- **V** from the number of distinct victims (1 -> 1, 2 -> 3, 3 -> 4, 4+ -> 5);
- **score** ``= wR*R + wF*F + wG*G + wV*V`` (weights 1: 4 to 20);
- **serial**: at least 2 distinct victims and 2 distinct incidents with
  ``0 <= days <= 1094`` (optionally counting victims who are family of each
  other or shared an address as one: ``serial_unconnected_victims``);
- **rank**: score descending, latest incident descending, incidents
  descending, perpetrator id ascending.

Merged person records (``persons.merged_into``, followed to the root) are one
person: perpetrators are scored and victims counted by their root id. A
record's date of birth (perpetrator's or victim's) is the root record's
when known, else the record's own.

Two implementations share these rules: :func:`score_all` pushes windowing
and aggregation into SQL for the whole store (a million incidents in
seconds); :func:`explain` and :func:`score_person` work row by row in Python
for one person and say which incidents gave each part. The tests hold the
two to the same results.

The gravity table ships as CSV under ``resources/gravity/`` (``default``,
with the Home Office codes that could be verified, and an illustrative
Cambridge Crime Harm Index style ``chi`` table in days, summed over the
window); the coordinator can map an offence or a code, import a force's own
table or switch profile, and every change is a new, audited configuration
version. :func:`rules_sentence` says the rules in one sentence for the Score
tab and the profile.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import datetime as _dt
import io
import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..storage import audit
from ..domain import Cancelled, UserError, display_name, never_cancelled, no_progress, normalise_offence, safe_cell
from ..paths import resource

__all__ = [
    "Band",
    "GravityEntry",
    "ScoringConfig",
    "StoredConfig",
    "PersonScore",
    "IncidentLine",
    "Explanation",
    "UnmappedOffence",
    "GRAVITY_PROFILES",
    "CONFIG_KEYS",
    "band_points",
    "sixteenth_birthday",
    "birthday",
    "parse_bands",
    "format_bands",
    "load_gravity_profile",
    "read_gravity_csv",
    "write_gravity_csv",
    "active_config",
    "ensure_active_config",
    "load_config",
    "config_history",
    "save_config",
    "set_config_value",
    "set_config_values",
    "edit_gravity",
    "set_gravity_points",
    "import_gravity",
    "use_gravity_profile",
    "restore_config",
    "unmapped_offences",
    "as_of_date",
    "resolve_person",
    "root_map",
    "person_names",
    "score_all",
    "score_person",
    "age_on",
    "normalise_code",
    "parse_codes",
    "code_spellings",
    "rules_sentence",
    "set_gravity_code",
    "victim_groups",
    "GRAVITY_MODES",
    "RULES_EDITION",
    "RULES_EDITIONS",
    "snapshot_rules",
    "PROFILE_GRAVITY",
    "SUM_BANDS_POINTS",
    "SUM_BANDS_DAYS",
    "explain",
    "is_serial",
]

Band = tuple[int, "int | None", int]
"""``(low, high, points)``: a whole-number range, both ends included; ``high`` None means "and above"."""

GRAVITY_PROFILES = {
    "default": "default.csv",
    "chi": "chi.csv",
}

GRAVITY_MODES = ("max", "sum")

RULES_EDITION = 2
"""The edition of the scoring rules this module applies; ``score_snapshots.rules`` records the one that
made each snapshot (migration ``0010_scoring_codes``)."""

RULES_EDITIONS = {
    1: "rules before 0010: victims of any age counted, offences matched on their wording only",
    2: "both people 16 or over (the configured age) on the day; offences matched by Home Office code, "
       "then wording",
}


def snapshot_rules(store, snapshot_id: int) -> str:
    """Which edition of the scoring rules made a saved snapshot, as a sentence."""
    edition = store.scalar("SELECT rules FROM score_snapshots WHERE id = ?", [snapshot_id])
    if edition is None:
        raise UserError(f"no snapshot {snapshot_id}")
    return f"edition {edition}: {RULES_EDITIONS.get(edition, 'unknown to this version of the program')}"

SUM_BANDS_POINTS: tuple = ((0, 0, 0), (1, 3, 1), (4, 7, 2), (8, 12, 3), (13, 19, 4), (20, None, 5))
"""The project's default bands for ``gravity_mode = sum`` over a points table: the sum of each counted
incident's highest points (1 to 5 each) over the window."""

SUM_BANDS_DAYS: tuple = ((0, 9, 1), (10, 99, 2), (100, 364, 3), (365, 1824, 4), (1825, None, 5))
"""The project's default bands for a days (Crime Harm Index style) table summed over the window: one
band per tenfold step of harm, so that ten harassments (100 days) rank below one assault with injury
(365 days) and that below one rape (1,825 days), as the index intends."""

PROFILE_GRAVITY = {
    "default": ("max", SUM_BANDS_POINTS),
    "chi": ("sum", SUM_BANDS_DAYS),
}
"""The gravity aggregation each shipped profile is meant for: a profile brings its mode and sum bands."""

_MAX_POINTS = 100


# --------------------------------------------------------------------------
# Bands and dates
# --------------------------------------------------------------------------

def band_points(bands: Sequence[Band], value: int) -> int:
    """The points of the band that holds ``value`` (0 when none does).

    >>> band_points(((1, 1, 1), (2, 2, 2), (3, 4, 3), (5, 7, 4), (8, None, 5)), 6)
    4
    """
    for lo, hi, pts in bands:
        if value >= lo and (hi is None or value <= hi):
            return pts
    return 0


def birthday(dob: _dt.date, years: int) -> _dt.date:
    """The day a person born on ``dob`` turns ``years`` old (29 February -> 1 March in a common year).

    >>> birthday(_dt.date(2008, 2, 29), 16)
    datetime.date(2024, 2, 29)
    >>> birthday(_dt.date(2008, 2, 29), 15)
    datetime.date(2023, 3, 1)
    """
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return _dt.date(dob.year + years, 3, 1)


def sixteenth_birthday(dob: _dt.date) -> _dt.date:
    return birthday(dob, 16)


def parse_bands(text: str) -> tuple[Band, ...]:
    """Bands from ``"0-30=5, 31-90=4, 8+=5, 7=2"`` (``+`` means "and above").

    >>> parse_bands("1=1, 2=3, 3=4, 4+=5")
    ((1, 1, 1), (2, 2, 3), (3, 3, 4), (4, None, 5))
    """
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        rng, sep, pts = part.partition("=")
        if not sep:
            raise UserError(f"band {part!r}: write it as LOW-HIGH=POINTS, N=POINTS or N+=POINTS")
        rng = rng.strip()
        try:
            points = int(pts.strip())
            if rng.endswith("+"):
                lo, hi = int(rng[:-1]), None
            elif "-" in rng:
                a, b = rng.split("-", 1)
                lo, hi = int(a), int(b)
            else:
                lo = hi = int(rng)
        except ValueError:
            raise UserError(f"band {part!r}: the range and the points must be whole numbers") from None
        out.append((lo, hi, points))
    if not out:
        raise UserError("no bands given")
    return tuple(out)


def format_bands(bands: Sequence[Band]) -> str:
    """The inverse of :func:`parse_bands`.

    >>> format_bands(((0, 30, 5), (31, None, 4)))
    '0-30=5, 31+=4'
    """
    parts = []
    for lo, hi, pts in bands:
        rng = f"{lo}+" if hi is None else str(lo) if hi == lo else f"{lo}-{hi}"
        parts.append(f"{rng}={pts}")
    return ", ".join(parts)


def _check_bands(name: str, bands: Sequence[Band], start: int, *, open_end: bool, cover: int | None = None) -> None:
    if not bands:
        raise UserError(f"{name}: at least one band is needed")
    expect = start
    for i, band in enumerate(bands):
        if len(band) != 3:
            raise UserError(f"{name}: each band is (low, high, points)")
        lo, hi, pts = band
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, pts)) or \
                not (hi is None or isinstance(hi, int) and not isinstance(hi, bool)):
            raise UserError(f"{name}: band {i + 1} must hold whole numbers")
        if lo != expect:
            raise UserError(f"{name}: band {i + 1} starts at {lo}; it must start at {expect} "
                            "(bands run upwards with no gap or overlap)")
        if hi is not None and hi < lo:
            raise UserError(f"{name}: band {i + 1} ends ({hi}) before it starts ({lo})")
        if hi is None and i != len(bands) - 1:
            raise UserError(f"{name}: only the last band can be open-ended")
        if not 0 <= pts <= _MAX_POINTS:
            raise UserError(f"{name}: band {i + 1} gives {pts} points; points run from 0 to {_MAX_POINTS}")
        expect = (hi + 1) if hi is not None else None
    last_hi = bands[-1][1]
    if open_end and last_hi is not None:
        raise UserError(f"{name}: the last band must be open-ended (N+=POINTS)")
    if cover is not None and last_hi is not None and last_hi < cover:
        raise UserError(f"{name}: the bands stop at {last_hi} days but the window runs to {cover} days")


# --------------------------------------------------------------------------
# The configuration
# --------------------------------------------------------------------------

def _shown(value: object) -> str:
    """A value quoted for a one-line message: cut to 40 characters, control characters escaped."""
    text = str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_CODE_PART = re.compile(r"0*(\d+)(.*)\Z", re.S)
_CODE_OK = re.compile(r"[A-Za-z0-9]+(?:/[A-Za-z0-9]+)*\Z")
_CODE_WIDTH = 3     # Home Office classes and subclasses run to three digits: 8, 08 and 008 are one class


def normalise_code(text: str) -> str:
    """A Home Office offence code as the table matches it: ASCII letters in capitals, leading zeros dropped.

    Forces write the same code as ``8/67``, ``08/67`` or ``008/67``, and a
    classification as ``8n`` or ``8N``; each ``/``-separated part loses the
    leading zeros of its number.

    >>> normalise_code("008/067")
    '8/67'
    >>> normalise_code(" 8n ")
    '8N'
    """
    parts = []
    for part in (text or "").strip().translate(_ASCII_UPPER).split("/"):
        m = _CODE_PART.match(part)
        parts.append(m.group(1) + m.group(2) if m else part)
    return "/".join(parts)


def code_spellings(code: str) -> tuple[str, ...]:
    """Every spelling of ``code`` that matches it: its number parts padded with zeros to three digits.

    The SQL scorer looks codes up by these spellings (case aside), and the
    row-by-row explanation by the same set, so the two always agree; a code
    written with more zeros than that (``0008/67``) matches nothing.

    >>> code_spellings("8/67")
    ('8/67', '8/067', '08/67', '08/067', '008/67', '008/067')
    """
    options = []
    for part in normalise_code(code).split("/"):
        m = _CODE_PART.match(part)
        if not m:
            options.append([part])
            continue
        digits, rest = m.group(1), m.group(2)
        options.append(["0" * k + digits + rest for k in range(max(0, _CODE_WIDTH - len(digits)) + 1)])
    return tuple("/".join(combo) for combo in itertools.product(*options))


def _code_key(raw: str | None) -> str | None:
    """The key a stored code is looked up by (SQLite's NOCASE folds ASCII letters only, and so does this)."""
    return raw.translate(_ASCII_UPPER) if raw else None


@dataclass(frozen=True)
class GravityEntry:
    """One row of the gravity table: an offence and its points, or its harm in days (CHI style).

    ``codes`` are the Home Office offence codes of the offence (none, one or
    several); an involvement whose code is listed takes this row whatever
    its offence text says.
    """

    offence: str
    points: int | None = None
    days: float | None = None
    codes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return normalise_offence(self.offence)

    def as_json(self) -> list:
        # A row without codes keeps the three-element form of the versions saved before codes existed.
        return [self.offence, self.points, self.days] + ([list(self.codes)] if self.codes else [])

    @classmethod
    def from_json(cls, row: Sequence) -> "GravityEntry":
        if not isinstance(row, (list, tuple)) or len(row) not in (3, 4):
            raise UserError(f"gravity: a saved row must be [offence, points, days(, codes)], not {row!r}"[:120])
        codes = tuple(row[3]) if len(row) == 4 and row[3] else ()
        return cls(row[0], row[1], row[2], codes)


def parse_codes(text: str, where: str) -> tuple[str, ...]:
    """Codes from a cell: ``"8N"``, ``"8Q; 8/66"``; a :class:`UserError` naming ``where`` for a bad one."""
    out: list[str] = []
    for raw in text.replace(",", ";").split(";"):
        code = raw.strip()
        if not code:
            continue
        if len(code) > 16 or not _CODE_OK.match(code):
            raise UserError(f"{where}: offence code {_shown(code)} is not a code (letters and digits, "
                            "parts separated by '/', at most 16 characters)")
        if normalise_code(code) not in {normalise_code(c) for c in out}:
            out.append(code)
    return tuple(out)


def read_gravity_csv(source: str | os.PathLike | io.TextIOBase, *, name: str | None = None) -> tuple[GravityEntry, ...]:
    """Read a gravity table from CSV: ``offence``, optionally ``offence_code``, and ``points`` and/or ``days``.

    Lines starting with ``#`` are comments. Headers match case-insensitively
    (``code`` and ``offence_codes`` are taken for ``offence_code``). A row with
    points uses them; a row with only days is banded by the configuration's
    ``gravity_day_bands``. ``offence_code`` holds none, one or several Home
    Office codes separated by ``;``. Raises :class:`UserError` naming the
    line for a bad row, a missing column, an offence listed twice or a code
    given to two offences.
    """
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        label = name or p.name
        if not p.is_file():
            raise UserError(f"{p}: no such file")
        for enc in ("utf-8-sig", "cp1252"):
            try:
                text = p.read_text(encoding=enc)
                break
            except UnicodeDecodeError:
                continue
    else:
        label = name or "gravity table"
        text = source.read()
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise UserError(f"{label}: the gravity table is empty")
    rows = list(csv.reader([line for _, line in lines]))
    header = [h.strip().casefold() for h in rows[0]]
    if "offence" not in header or not ({"points", "days"} & set(header)):
        raise UserError(f"{label}: line {lines[0][0]}: the header must name an 'offence' column and a "
                        "'points' or 'days' column (and, if the table has codes, an 'offence_code' column)")
    i_off = header.index("offence")
    i_pts = header.index("points") if "points" in header else None
    i_days = header.index("days") if "days" in header else None
    i_code = next((header.index(h) for h in ("offence_code", "offence_codes", "code", "codes") if h in header), None)
    out: list[GravityEntry] = []
    seen: dict[str, int] = {}
    seen_codes: dict[str, tuple[int, str]] = {}
    for (line_no, _), rec in zip(lines[1:], rows[1:]):
        def cell(i):
            return rec[i].strip() if i is not None and i < len(rec) else ""
        offence = " ".join(cell(i_off).split())
        if not offence:
            raise UserError(f"{label}: line {line_no}: the offence is empty")
        if offence[:1] == "'" and offence[1:2] in ("=", "+", "-", "@"):
            offence = offence[1:]
        key = normalise_offence(offence)
        if key in seen:
            raise UserError(f"{label}: line {line_no}: {offence!r} is listed twice (first on line {seen[key]})")
        seen[key] = line_no
        codes = parse_codes(cell(i_code), f"{label}: line {line_no}, column offence_code")
        for c in codes:
            first = seen_codes.get(normalise_code(c))
            if first is not None:
                raise UserError(f"{label}: line {line_no}: offence code {_shown(c)} is already given to "
                                f"{first[1]!r} on line {first[0]}")
            seen_codes[normalise_code(c)] = (line_no, offence)
        pts_text, days_text = cell(i_pts), cell(i_days)
        points = days = None
        if pts_text:
            try:
                points = int(pts_text)
            except ValueError:
                raise UserError(f"{label}: line {line_no}: points {_shown(pts_text)} is not a whole number") from None
            if not 0 <= points <= _MAX_POINTS:
                raise UserError(f"{label}: line {line_no}: points must run from 0 to {_MAX_POINTS}")
        if days_text:
            try:
                days = float(days_text)
            except ValueError:
                raise UserError(f"{label}: line {line_no}: days {_shown(days_text)} is not a number") from None
            if not math.isfinite(days) or days < 0:
                raise UserError(f"{label}: line {line_no}: days must be 0 or more")
            if days.is_integer():
                days = int(days)
        if points is None and days is None:
            raise UserError(f"{label}: line {line_no}: {offence!r} has neither points nor days")
        out.append(GravityEntry(offence, points, days, codes))
    if not out:
        raise UserError(f"{label}: the gravity table has a header but no offences")
    return tuple(out)


def write_gravity_csv(path: str | os.PathLike, entries: Iterable[GravityEntry]) -> Path:
    """Write a gravity table as CSV (``offence,offence_code,points,days``), spreadsheet-safe."""
    target = Path(path)
    try:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["offence", "offence_code", "points", "days"])
            for e in entries:
                w.writerow([safe_cell(e.offence), ";".join(e.codes), "" if e.points is None else e.points,
                            "" if e.days is None else e.days])
    except OSError as e:
        raise UserError(f"{target}: cannot write the gravity table ({e.strerror})") from None
    return target


_PROFILE_CACHE: dict[str, tuple[GravityEntry, ...]] = {}


def load_gravity_profile(name: str) -> tuple[GravityEntry, ...]:
    """A gravity table shipped under ``resources/gravity/`` (``default`` or ``chi``)."""
    if name not in GRAVITY_PROFILES:
        raise UserError(f"no gravity profile called {name!r}; shipped: {', '.join(GRAVITY_PROFILES)}")
    if name not in _PROFILE_CACHE:
        _PROFILE_CACHE[name] = read_gravity_csv(resource("gravity", GRAVITY_PROFILES[name]), name=f"{name} profile")
    return _PROFILE_CACHE[name]


def _default_gravity() -> tuple[GravityEntry, ...]:
    return load_gravity_profile("default")


@dataclass(frozen=True)
class ScoringConfig:
    """Every number of the scoring rules. The defaults are the rules of issue 3.

    Bands are ``(low, high, points)`` with both ends included and ``high``
    None for "and above"; they must run upwards without a gap. Change one
    with :func:`dataclasses.replace` and call :meth:`validate` (or use
    :func:`set_config_value`, which does both and saves a new version).
    """

    window_days: int = 729
    serial_window_days: int = 1094
    serial_min_incidents: int = 2
    serial_min_victims: int = 2
    min_age: int = 16
    recency_bands: tuple[Band, ...] = ((0, 30, 5), (31, 90, 4), (91, 180, 3), (181, 365, 2), (366, 729, 1))
    frequency_bands: tuple[Band, ...] = ((1, 1, 1), (2, 2, 2), (3, 4, 3), (5, 7, 4), (8, None, 5))
    victim_bands: tuple[Band, ...] = ((1, 1, 1), (2, 2, 3), (3, 3, 4), (4, None, 5))
    weight_r: float = 1
    weight_f: float = 1
    weight_g: float = 1
    weight_v: float = 1
    unmapped_points: int = 1
    gravity_day_bands: tuple[Band, ...] = ((0, 1, 1), (2, 19, 2), (20, 179, 3), (180, 1094, 4), (1095, None, 5))
    gravity_mode: str = "max"
    gravity_sum_bands: tuple[Band, ...] = SUM_BANDS_POINTS
    serial_unconnected_victims: bool = False
    gravity_source: str = "default"
    gravity: tuple[GravityEntry, ...] = field(default_factory=_default_gravity, repr=False)

    # ---- validation
    def validate(self) -> "ScoringConfig":
        """Raise :class:`UserError` (one line, naming the setting) when a number cannot work; return self."""
        for name in ("window_days", "serial_window_days", "serial_min_incidents", "serial_min_victims",
                     "min_age", "unmapped_points"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise UserError(f"{name}: must be a whole number, 0 or more (got {value!r})")
        if self.window_days > 36500 or self.serial_window_days > 36500:
            raise UserError("windows longer than 100 years are not allowed")
        if self.min_age > 120:
            raise UserError(f"min_age: {self.min_age} is not an age")
        if self.unmapped_points > _MAX_POINTS:
            raise UserError(f"unmapped_points: points run from 0 to {_MAX_POINTS}")
        if self.gravity_mode not in GRAVITY_MODES:
            raise UserError(f"gravity_mode: {_shown(self.gravity_mode)} is not a mode; modes: "
                            + ", ".join(GRAVITY_MODES))
        if not isinstance(self.serial_unconnected_victims, bool):
            raise UserError(f"serial_unconnected_victims: on or off (got {_shown(self.serial_unconnected_victims)})")
        for name in ("weight_r", "weight_f", "weight_g", "weight_v"):
            w = getattr(self, name)
            if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) or not 0 <= w <= 100:
                raise UserError(f"{name}: a weight is a number from 0 to 100 (got {w!r})")
        _check_bands("recency_bands", self.recency_bands, 0, open_end=False, cover=self.window_days)
        _check_bands("frequency_bands", self.frequency_bands, 1, open_end=True)
        _check_bands("victim_bands", self.victim_bands, 1, open_end=True)
        _check_bands("gravity_day_bands", self.gravity_day_bands, 0, open_end=True)
        _check_bands("gravity_sum_bands", self.gravity_sum_bands, 0, open_end=True)
        keys: set[str] = set()
        codes: dict[str, str] = {}
        for e in self.gravity:
            k = e.key
            if not k:
                raise UserError("gravity: an offence has an empty name")
            if k in keys:
                raise UserError(f"gravity: {e.offence!r} is listed twice")
            keys.add(k)
            if not isinstance(e.codes, tuple):
                raise UserError(f"gravity: {e.offence!r}: the codes must be a tuple")
            for c in e.codes:
                if not isinstance(c, str) or len(c) > 16 or not _CODE_OK.match(c):
                    raise UserError(f"gravity: {e.offence!r}: offence code {_shown(c)} is not a code")
                n = normalise_code(c)
                if n in codes and codes[n] != k:
                    raise UserError(f"gravity: offence code {_shown(c)} is given to both {codes[n]!r} and {k!r}")
                codes[n] = k
            if e.points is None and e.days is None:
                raise UserError(f"gravity: {e.offence!r} has neither points nor days")
            if e.points is not None and not (isinstance(e.points, int) and not isinstance(e.points, bool)
                                             and 0 <= e.points <= _MAX_POINTS):
                raise UserError(f"gravity: {e.offence!r}: points run from 0 to {_MAX_POINTS}")
            if e.days is not None and not (isinstance(e.days, (int, float)) and not isinstance(e.days, bool)
                                           and math.isfinite(e.days) and e.days >= 0):
                raise UserError(f"gravity: {e.offence!r}: days must be 0 or more")
        return self

    # ---- the parts
    def gravity_points(self) -> dict[str, int]:
        """``{offence key: points}`` for the whole table (days banded by ``gravity_day_bands``)."""
        out = {}
        for e in self.gravity:
            out[e.key] = e.points if e.points is not None else band_points(self.gravity_day_bands, int(e.days))
        return out

    def entry_value(self, e: GravityEntry) -> int:
        """What one table row gives an incident: points (days banded) for ``max``; for ``sum``, the days
        of harm of a days row and the points of a points row."""
        if self.gravity_mode == "sum" and e.days is not None and e.points is None:
            return int(e.days)
        return e.points if e.points is not None else band_points(self.gravity_day_bands, int(e.days))

    def gravity_lookup(self) -> tuple[dict[str, int], dict[str, tuple[int, str, str]]]:
        """``({offence key: value}, {code spelling: (value, offence, code)})`` for the mode in use.

        Code spellings are upper-case and padded as :func:`code_spellings`
        makes them; look a stored code up with its ASCII letters in capitals.
        """
        by_text, by_code = {}, {}
        for e in self.gravity:
            value = self.entry_value(e)
            by_text[e.key] = value
            for c in e.codes:
                for spelling in code_spellings(c):
                    by_code[spelling] = (value, e.offence, normalise_code(c))
        return by_text, by_code

    def gravity_part(self, value: int) -> int:
        """G from the aggregated gravity: the value itself for ``max``, banded by ``gravity_sum_bands`` for ``sum``."""
        return band_points(self.gravity_sum_bands, value) if self.gravity_mode == "sum" else value

    def recency(self, days: int) -> int:
        return band_points(self.recency_bands, days)

    def frequency(self, incidents: int) -> int:
        return band_points(self.frequency_bands, incidents)

    def victims(self, victims: int) -> int:
        return band_points(self.victim_bands, victims)

    def total(self, r: int, f: int, g: int, v: int) -> int | float:
        """The weighted score; a whole number when it is one."""
        s = self.weight_r * r + self.weight_f * f + self.weight_g * g + self.weight_v * v
        return int(s) if float(s).is_integer() else round(s, 6)

    def is_serial(self, incidents: int, victims: int) -> bool:
        """The serial rule applied to counts within ``serial_window_days``."""
        return incidents >= self.serial_min_incidents and victims >= self.serial_min_victims

    # ---- storage
    def settings(self) -> dict[str, Any]:
        """Every number except the gravity table, JSON-ready."""
        d = {}
        for f in dataclasses.fields(self):
            if f.name == "gravity":
                continue
            v = getattr(self, f.name)
            d[f.name] = [list(b) for b in v] if f.name.endswith("_bands") else v
        return d

    def gravity_json(self) -> list[list]:
        return [e.as_json() for e in self.gravity]

    @classmethod
    def from_json(cls, settings: dict[str, Any], gravity: list[list] | None) -> "ScoringConfig":
        """Build from :meth:`settings` and :meth:`gravity_json` output; unknown keys are an error."""
        names = {f.name for f in dataclasses.fields(cls)} - {"gravity"}
        unknown = sorted(set(settings) - names)
        if unknown:
            raise UserError(f"unknown scoring setting(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        kw: dict[str, Any] = {}
        for k, v in settings.items():
            if k.endswith("_bands"):
                if not isinstance(v, list):
                    raise UserError(f"{k}: a list of [low, high, points] is expected")
                kw[k] = tuple(tuple(b) for b in v)
            else:
                kw[k] = v
        if gravity is not None:
            kw["gravity"] = tuple(GravityEntry.from_json(row) for row in gravity)
        return cls(**kw).validate()

    def changed_settings(self, other: "ScoringConfig") -> list[str]:
        """Names of the settings that differ from ``other`` (``gravity`` for any table change)."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) != getattr(other, f.name)]


CONFIG_KEYS = tuple(f.name for f in dataclasses.fields(ScoringConfig) if f.name not in ("gravity", "gravity_source"))


# --------------------------------------------------------------------------
# Stored, versioned configurations
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredConfig:
    """A configuration version as saved in the store."""

    version: int | None
    config: ScoringConfig
    created_at: str | None = None
    created_by: str | None = None
    reason: str | None = None
    active: bool = False


def _stored(row) -> StoredConfig:
    version, created_at, created_by, reason, settings, gravity, active = row
    return StoredConfig(version, ScoringConfig.from_json(json.loads(settings), json.loads(gravity)),
                        created_at, created_by, reason, bool(active))


_CONFIG_COLS = "version, created_at, created_by, reason, config, gravity, active"


def active_config(store) -> StoredConfig:
    """The active configuration; the built-in default (version None) when none is saved yet."""
    row = store.conn.execute(f"SELECT {_CONFIG_COLS} FROM scoring_configs WHERE active = 1").fetchone()
    if row is None:
        return StoredConfig(None, ScoringConfig(), reason="built-in default", active=True)
    return _stored(row)


def ensure_active_config(store) -> StoredConfig:
    """The active configuration, saving the built-in default as version 1 when none is saved yet."""
    current = active_config(store)
    if current.version is not None:
        return current
    return save_config(store, current.config, reason="built-in default configuration")


def load_config(store, version: int) -> StoredConfig:
    """One saved version; a :class:`UserError` when there is no such version."""
    row = store.conn.execute(f"SELECT {_CONFIG_COLS} FROM scoring_configs WHERE version = ?", [version]).fetchone()
    if row is None:
        raise UserError(f"no scoring configuration version {version}")
    return _stored(row)


def config_history(store) -> list[StoredConfig]:
    """Every saved version, oldest first."""
    return [_stored(r) for r in store.conn.execute(f"SELECT {_CONFIG_COLS} FROM scoring_configs ORDER BY version")]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def save_config(store, config: ScoringConfig, *, reason: str | None = None,
                detail: dict[str, Any] | None = None) -> StoredConfig:
    """Save ``config`` as a new active version and record the change in the audit log.

    Saving a configuration identical to the active one changes nothing and
    returns the active version. One transaction: the new row, the active
    flag and the audit entry go in together or not at all.
    """
    config.validate()
    reason = (reason or "").strip() or None
    with store.transaction():
        current = active_config(store)
        if current.version is not None and current.config == config:
            return current
        changed = config.changed_settings(current.config)
        store.conn.execute("UPDATE scoring_configs SET active = 0 WHERE active = 1")
        created_at, actor = _now(), audit.current_actor()
        version = store.conn.execute(
            "INSERT INTO scoring_configs (created_at, created_by, reason, config, gravity, active)"
            " VALUES (?, ?, ?, ?, ?, 1)",
            [created_at, actor, reason, json.dumps(config.settings()), json.dumps(config.gravity_json())],
        ).lastrowid
        store.audit("scoring.config_changed", entity="scoring_config", entity_id=str(version), reason=reason,
                    detail={"version": version, "previous": current.version, "changed": changed} | (detail or {}))
    return StoredConfig(version, config, created_at, actor, reason, True)


_ON = {"on": True, "yes": True, "true": True, "1": True, "off": False, "no": False, "false": False, "0": False}


def _coerce(key: str, text: str) -> Any:
    if key.endswith("_bands"):
        return parse_bands(text)
    if key == "gravity_mode":
        mode = text.strip().casefold()
        if mode not in GRAVITY_MODES:
            raise UserError(f"gravity_mode: {_shown(text)} is not a mode; modes: {', '.join(GRAVITY_MODES)}")
        return mode
    if key == "serial_unconnected_victims":
        try:
            return _ON[text.strip().casefold()]
        except KeyError:
            raise UserError(f"serial_unconnected_victims: {_shown(text)}: say on or off") from None
    if key.startswith("weight_"):
        try:
            w = float(text)
        except ValueError:
            raise UserError(f"{key}: {text!r} is not a number") from None
        return int(w) if w.is_integer() else w
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{key}: {text!r} is not a whole number") from None


def set_config_value(store, key: str, value: str | Any, *, reason: str | None = None) -> StoredConfig:
    """Change one setting (text such as ``"1094"`` or ``"0-30=5, 31+=1"`` is parsed) and save a new version."""
    if key not in CONFIG_KEYS:
        raise UserError(f"no scoring setting called {key!r}; settings: {', '.join(CONFIG_KEYS)}")
    if isinstance(value, str):
        value = _coerce(key, value)
    current = ensure_active_config(store)
    return save_config(store, dataclasses.replace(current.config, **{key: value}), reason=reason)


def set_config_values(store, values: dict[str, Any], *, reason: str | None = None) -> StoredConfig:
    """Change several settings at once (values as :func:`set_config_value` takes them); one new version.

    Settings not named keep the active version's values, the gravity table
    included. Nothing is saved when any value is refused; nothing changes
    when every value is already so.
    """
    unknown = [k for k in values if k not in CONFIG_KEYS]
    if unknown:
        raise UserError(f"no scoring setting called {unknown[0]!r}; settings: {', '.join(CONFIG_KEYS)}")
    coerced = {k: _coerce(k, v) if isinstance(v, str) else v for k, v in values.items()}
    current = ensure_active_config(store)
    return save_config(store, dataclasses.replace(current.config, **coerced), reason=reason)


def set_gravity_points(store, offence: str, points: int, *, reason: str | None = None) -> StoredConfig:
    """Map an offence (new or already in the table) to ``points``; a new version.

    The offence keeps the spelling given here; matching stays
    case-insensitive with spaces collapsed.
    """
    offence = " ".join((offence or "").split())
    if not offence:
        raise UserError("give the offence to map")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= _MAX_POINTS:
        raise UserError(f"points for {offence!r}: a whole number from 0 to {_MAX_POINTS}")
    current = ensure_active_config(store)
    key = normalise_offence(offence)
    old = next((e for e in current.config.gravity if e.key == key), None)
    if old is not None and old.points == points and old.days is None:
        return current
    if old is None:
        table = current.config.gravity + (GravityEntry(offence, points, None),)
    else:
        table = tuple(dataclasses.replace(e, points=points, days=None) if e.key == key else e
                      for e in current.config.gravity)
    cfg = dataclasses.replace(current.config, gravity=table)
    return save_config(store, cfg, reason=reason or f"gravity: {offence} = {points}",
                       detail={"offence": key, "points": points, "was": None if old is None else old.points})


def set_gravity_code(store, code: str, offence: str, points: int | None = None, *,
                     reason: str | None = None) -> StoredConfig:
    """Map a Home Office offence code to a row of the gravity table in one step; a new version.

    ``offence`` names a row of the table (matched as the table matches:
    case and spaces aside), which gains the code; the code leaves any other
    row that had it. An offence not in the table is added with ``points``
    (required then); given for a row in the table, ``points`` changes its
    points too. Nothing changes when the code already maps there.
    """
    codes = parse_codes(code or "", "offence code")
    if len(codes) != 1:
        raise UserError("give one offence code to map (such as 8N or 8/67)")
    (code,) = codes
    norm = normalise_code(code)
    offence = " ".join((offence or "").split())
    if not offence:
        raise UserError(f"give the offence that code {code} is to map to")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int)
                               or not 0 <= points <= _MAX_POINTS):
        raise UserError(f"points for {offence!r}: a whole number from 0 to {_MAX_POINTS}")
    key = normalise_offence(offence)
    target = next((e for e in active_config(store).config.gravity if e.key == key), None)
    if target is None and points is None:
        raise UserError(f"{offence!r} is not in the gravity table: give its points to add it with code {code}")
    current = ensure_active_config(store)
    table = []
    was = None
    for e in current.config.gravity:
        kept = tuple(c for c in e.codes if normalise_code(c) != norm)
        if len(kept) != len(e.codes) and e.key != key:
            was = e.offence
        if e.key == key:
            kept = kept + (code,) if len(kept) == len(e.codes) else e.codes
            e = dataclasses.replace(e, codes=kept, **({} if points is None else {"points": points, "days": None}))
        elif len(kept) != len(e.codes):
            e = dataclasses.replace(e, codes=kept)
        table.append(e)
    if target is None:
        table.append(GravityEntry(offence, points, None, (code,)))
    cfg = dataclasses.replace(current.config, gravity=tuple(table))
    return save_config(store, cfg, reason=reason or f"gravity: code {code} = {offence}",
                       detail={"code": norm, "offence": key, "points": points, "was": was})


def edit_gravity(store, changes: dict[str, GravityEntry | None], *, reason: str | None = None) -> StoredConfig:
    """Apply edits to the active gravity table as one new version.

    ``changes`` maps an offence (matched as the table matches: case and
    spaces aside) to its new row, or to None to take it out of the table.
    A row for an offence not in the table adds it at the end. The whole
    table is checked before anything is saved.
    """
    current = ensure_active_config(store)
    edits: dict[str, GravityEntry | None] = {}
    for offence, entry in changes.items():
        key = normalise_offence(offence)
        if not key:
            raise UserError("gravity: an offence has an empty name")
        if entry is not None:
            entry = dataclasses.replace(entry, offence=" ".join(entry.offence.split()))
            if entry.key != key:
                raise UserError(f"gravity: the row for {offence!r} names {entry.offence!r}")
        edits[key] = entry
    have = {e.key for e in current.config.gravity}
    missing = [o for o, e in changes.items() if e is None and normalise_offence(o) not in have]
    if missing:
        raise UserError(f"gravity: {missing[0]!r} is not in the table")
    table = [edits.get(e.key, e) for e in current.config.gravity]
    table += [e for k, e in edits.items() if k not in have and e is not None]
    cfg = dataclasses.replace(current.config, gravity=tuple(e for e in table if e is not None))
    removed = sorted(k for k, e in edits.items() if e is None)
    return save_config(store, cfg, reason=reason or f"gravity table: {len(edits)} offence(s) changed",
                       detail={"offences": sorted(edits), "removed": removed})


def import_gravity(store, path: str | os.PathLike, *, reason: str | None = None) -> StoredConfig:
    """Replace the gravity table with a force's own CSV; a new version."""
    entries = read_gravity_csv(path)
    current = ensure_active_config(store)
    cfg = dataclasses.replace(current.config, gravity=entries, gravity_source=f"imported {Path(path).name}")
    return save_config(store, cfg, reason=reason or f"gravity table imported from {Path(path).name}",
                       detail={"offences": len(entries)})


def use_gravity_profile(store, name: str, *, reason: str | None = None) -> StoredConfig:
    """Replace the gravity table with a shipped profile (``default`` or ``chi``); a new version.

    The profile brings the aggregation it is meant for (:data:`PROFILE_GRAVITY`): ``default`` the
    highest points (``max``), ``chi`` the sum of the days of harm over the window, banded by
    :data:`SUM_BANDS_DAYS`.
    """
    entries = load_gravity_profile(name)
    mode, sum_bands = PROFILE_GRAVITY[name]
    current = ensure_active_config(store)
    cfg = dataclasses.replace(current.config, gravity=entries, gravity_source=name, gravity_mode=mode,
                              gravity_sum_bands=sum_bands)
    return save_config(store, cfg, reason=reason or f"gravity profile {name}",
                       detail={"offences": len(entries), "gravity_mode": mode})


def restore_config(store, version: int, *, reason: str | None = None) -> StoredConfig:
    """Make an old version's settings active again, as a new version (history stays linear)."""
    old = load_config(store, version)
    ensure_active_config(store)
    return save_config(store, old.config, reason=reason or f"restored version {version}",
                       detail={"restored": version})


@dataclass(frozen=True)
class UnmappedOffence:
    """Offence wording (and code) held in the store that the gravity table maps neither by code nor by text.

    ``code`` is the Home Office code the records carry with it (None when
    they carry none); :func:`set_gravity_code` maps it in one step.
    """

    offence: str
    key: str
    incidents: int
    latest: str
    code: str | None = None


def unmapped_offences(store, config: ScoringConfig | None = None) -> list[UnmappedOffence]:
    """Offences held that the gravity table maps neither by code nor by text, most incidents first.

    One row per offence wording and code (codes compared with their letters
    in capitals): "ASSLT OCC ABH S47" with code 8N is mapped when the table
    gives 8N to a row, whatever its own wording.
    """
    cfg = config or active_config(store).config
    by_text, by_code = cfg.gravity_lookup()
    out = []
    for key, code, offence, raw_code, n, latest in store.conn.execute(
            "SELECT v.offence_key, upper(v.offence_code), min(v.offence), min(v.offence_code),"
            " count(DISTINCT v.incident_ref), max(i.date)"
            " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
            " GROUP BY v.offence_key, upper(v.offence_code)"):
        if key not in by_text and _code_key(raw_code) not in by_code:
            out.append(UnmappedOffence(offence, key, n, latest, raw_code or None))
    out.sort(key=lambda u: (-u.incidents, u.key, u.code or ""))
    return out


# --------------------------------------------------------------------------
# Persons: merged records and names
# --------------------------------------------------------------------------

def root_map(store) -> dict[str, str]:
    """``{merged id: root id}`` for every merged record, chains followed to the end.

    A chain that loops (which a correct merge never makes) ends at the
    smallest id of the loop, so the answer is still one person.
    """
    parent = dict(store.conn.execute("SELECT id, merged_into FROM persons WHERE merged_into IS NOT NULL"))
    roots: dict[str, str] = {}
    for start in parent:
        path = []
        node = start
        seen: set[str] = set()
        while node in parent and node not in roots and node not in seen:
            seen.add(node)
            path.append(node)
            node = parent[node]
        if node in roots:
            root = roots[node]
        elif node in seen:  # a loop: its smallest member stands for it
            loop = path[path.index(node):]
            root = min(loop)
        else:
            root = node
        for p in path:
            roots[p] = root
    return {k: v for k, v in roots.items() if k != v}


def resolve_person(store, person_id: str, roots: dict[str, str] | None = None) -> str:
    """The root id of ``person_id``; :class:`UserError` when no such person is held."""
    pid = (person_id or "").strip()
    if not pid or store.scalar("SELECT 1 FROM persons WHERE id = ?", [pid]) is None:
        raise UserError(f"no person with id {pid!r} in this store")
    roots = root_map(store) if roots is None else roots
    return roots.get(pid, pid)


def _members(root: str, roots: dict[str, str]) -> list[str]:
    return sorted({root} | {k for k, v in roots.items() if v == root})


def person_names(store, ids: Iterable[str]) -> dict[str, str]:
    """``{id: display name}`` for the ids given (unknown ids are left out)."""
    ids = list(dict.fromkeys(ids))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        q = ",".join("?" * len(chunk))
        for pid, fn, sn in store.conn.execute(f"SELECT id, forename, surname FROM persons WHERE id IN ({q})", chunk):
            out[pid] = display_name(fn, sn)
    return out


# --------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------

@dataclass(slots=True)
class PersonScore:
    """One perpetrator's score as of a date.

    ``incidents`` and ``victims`` are distinct counts within the scoring
    window; ``latest_incident`` is an ISO date; ``division`` is the division
    of his latest incident in the window (the alphabetically last one when
    two incidents share that day). ``rank`` is None when the person was
    scored alone (:func:`score_person`).
    """

    perpetrator_id: str
    score: int | float
    r: int
    f: int
    g: int
    v: int
    incidents: int
    victims: int
    latest_incident: str
    serial: bool
    division: str | None = None
    rank: int | None = None
    config_version: int | None = None

    def as_row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def is_serial(store, person_id: str, as_of: _dt.date | str | None = None,
              config: ScoringConfig | None = None) -> bool:
    """Whether the person is a serial perpetrator as of ``as_of`` (see the module's rules)."""
    return explain(store, person_id, as_of, config).serial


def as_of_date(as_of) -> _dt.date:
    if as_of is None:
        return _dt.date.today()
    if isinstance(as_of, _dt.datetime):
        return as_of.date()
    if isinstance(as_of, _dt.date):
        return as_of
    try:
        return _dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise UserError(f"as-of date {as_of!r}: not a date (YYYY-MM-DD)") from None


def _resolve_config(store, config: ScoringConfig | None, version: int | None) -> tuple[ScoringConfig, int | None]:
    if config is not None:
        return config.validate(), version
    stored = load_config(store, version) if version is not None else active_config(store)
    return stored.config, stored.version


def _adult_from(dob_iso: str, min_age: int) -> str | None:
    try:
        return birthday(_dt.date.fromisoformat(dob_iso), min_age).isoformat()
    except ValueError:
        return None


def age_on(dob_iso: str | None, day_iso: str) -> int | None:
    """Whole years of age on ``day_iso`` of someone born on ``dob_iso`` (None when the date of birth is unknown).

    >>> age_on("2010-07-25", "2026-07-24")
    15
    >>> age_on("2008-02-29", "2024-02-29")
    16
    """
    if not dob_iso:
        return None
    try:
        dob, day = _dt.date.fromisoformat(dob_iso), _dt.date.fromisoformat(day_iso)
    except ValueError:
        return None
    years = day.year - dob.year
    return years - 1 if birthday(dob, years) > day else years


# The whole store in one pass: involvements in perpetrator-index order, each
# joined to its incident (window, division) and its offence's points (by code
# first, then by text); the age test joined for perpetrator and victim;
# merged victims resolved through a small temporary table; per perpetrator
# the aggregates that R, F, G, V and the serial rule need.
_AGGREGATE = """
SELECT {perp} AS pid,
       max(i.date || coalesce(i.division, '')) AS latest,
       count(DISTINCT v.incident_ref) {wf} AS n_inc,
       count(DISTINCT {victim}) {wf} AS n_vic,
       max({points}) {wf} AS g,
       {serial_inc} AND {serial_vic} AS serial
FROM involvements v
JOIN incidents i ON i.ref = v.incident_ref
LEFT JOIN temp.scoring_gravity gp ON gp.offence_key = v.offence_key
{joins}
WHERE i.date BETWEEN :lo AND :a {where}
GROUP BY {perp}
HAVING latest >= :w {having}
"""

# gravity_mode = sum: each counted incident's highest value, added up per perpetrator over the window. The
# inner groups go in incident order, which the (incident_ref, perpetrator_id, ...) unique index gives
# without a sort of every row.
_SUM = """
SELECT pid, sum(g) FROM (
    SELECT {perp} AS pid, max({points}) AS g
    FROM involvements v
    JOIN incidents i ON i.ref = v.incident_ref
    LEFT JOIN temp.scoring_gravity gp ON gp.offence_key = v.offence_key
    {joins}
    WHERE i.date BETWEEN :w AND :a {where}
    GROUP BY v.incident_ref, pid)
GROUP BY pid
"""

# The serial window's counted involvements of the perpetrators the serial test passed, for the
# "unconnected victims" rule.
_SERIAL_ROWS = """
SELECT {perp} AS pid, {victim}, i.date, i.address, i.postcode
FROM involvements v
JOIN incidents i ON i.ref = v.incident_ref
{joins}
WHERE i.date BETWEEN :s AND :a {where}
  AND v.perpetrator_id IN (SELECT id FROM temp.scoring_serial)
"""

_TEMP_TABLES = ("scoring_gravity", "scoring_codes", "scoring_adult", "scoring_root", "scoring_special",
                "scoring_serial")


def _serial_expr(column: str, minimum: int, flt: str) -> str:
    """SQL true when ``column`` has at least ``minimum`` distinct values in the serial window."""
    if minimum <= 0:
        return "1"
    if minimum == 1:
        return f"count(*) {flt} > 0"
    if minimum == 2:  # two distinct values exactly when the smallest and the largest differ
        return f"coalesce(min({column}) {flt} <> max({column}) {flt}, 0)"
    return f"count(DISTINCT {column}) {flt} >= {int(minimum)}"


def _address_key(address: str | None, postcode: str | None) -> tuple[str, str] | None:
    """An incident's address as the "unconnected victims" rule compares it (None when none is recorded)."""
    a = " ".join((address or "").split()).casefold()
    if not a:
        return None
    return a, "".join((postcode or "").split()).upper()


def victim_groups(store, rows: dict[str, list[tuple[str, str, str | None, str | None]]],
                  roots: dict[str, str] | None = None) -> dict[str, list[list[str]]]:
    """Each perpetrator's serial victims in groups of victims connected to each other.

    ``rows`` maps a perpetrator to his counted involvements in the serial
    window as ``(victim root id, date, address, postcode)``. Two victims are
    connected (the police chiefs' 2009 definition counts only victims
    "unconnected to each other") when they are family of each other (an
    intelligence link of kind ``family``, or an involvement between them
    recorded as family) or shared an address: both victims at incidents
    recorded at the same address on the same day (the store holds addresses
    per incident, not per person, so living together is seen only this way).

    Notes
    -----
    One read of the family links and family involvements among the victims
    named, then a union-find per perpetrator: O(rows + links).
    """
    roots = root_map(store) if roots is None else roots
    victims = sorted({v for rs in rows.values() for v, *_ in rs})
    family: dict[str, set[str]] = {}
    if victims:
        # Every record of those victims (merged records are one person).
        records = sorted(set(victims) | {k for k, r in roots.items() if r in set(victims)})
        ids = json.dumps(records)
        pairs = store.conn.execute(
            "SELECT person_a_id, person_b_id FROM links WHERE relationship_kind = 'family'"
            " AND person_a_id IN (SELECT value FROM json_each(:ids))"
            " AND person_b_id IN (SELECT value FROM json_each(:ids))"
            " UNION SELECT perpetrator_id, victim_id FROM involvements WHERE relationship_kind = 'family'"
            " AND perpetrator_id IN (SELECT value FROM json_each(:ids))"
            " AND victim_id IN (SELECT value FROM json_each(:ids))", {"ids": ids}).fetchall()
        for a, b in pairs:
            a, b = roots.get(a, a), roots.get(b, b)
            if a != b:
                family.setdefault(a, set()).add(b)
                family.setdefault(b, set()).add(a)
    out: dict[str, list[list[str]]] = {}
    for pid, rs in rows.items():
        parent = {v: v for v, *_ in rs}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(a: str, b: str) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        at: dict[tuple, str] = {}
        for v, day, address, postcode in rs:
            key = _address_key(address, postcode)
            if key is not None:
                key = (day, *key)
                if key in at:
                    union(v, at[key])
                else:
                    at[key] = v
        for v in list(parent):
            for w in family.get(v, ()):
                if w in parent:
                    union(v, w)
        groups: dict[str, list[str]] = {}
        for v in sorted(parent):
            groups.setdefault(find(v), []).append(v)
        out[pid] = sorted(groups.values())
    return out


def score_all(
    store,
    as_of: _dt.date | str | None = None,
    config: ScoringConfig | None = None,
    *,
    version: int | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> list[PersonScore]:
    """Score and rank every perpetrator with an incident in the window.

    Parameters
    ----------
    store : Store
        An open store. Only read (temporary tables aside).
    as_of : date or ISO string, optional
        The date A (default today).
    config : ScoringConfig, optional
        The rules; default the store's active configuration (or saved
        ``version``). With an explicit ``config``, ``version`` is only the
        label recorded on each score.
    progress, cancelled : callables
        ``progress(done, total, message)``; ``cancelled()`` is polled while
        SQLite works and raises :class:`Cancelled` when it turns true.

    Returns
    -------
    list of PersonScore
        Ranked, rank 1 first. A person with no incident in the window is
        not listed.

    Notes
    -----
    One SQL pass over the involvements in perpetrator-index order (window,
    gravity by code then text, distinct counts, serial test per
    perpetrator; the age test joined for perpetrator and victim, through a
    small table of those young enough to have been under age in the
    window, found through the ``persons_dob`` index), a second pass over
    just the rows of merged records, then banding and ranking in Python:
    O(rows) in SQLite and O(p log p) in Python for p scored perpetrators.
    ``gravity_mode = sum`` adds one pass over the window for the sums; the
    "unconnected victims" serial rule one over the serial rows of those the
    serial test passed. The benchmark (``benchmarks/run.py scoring``)
    compares it with a plain ``GROUP BY`` over the same data.

    Examples
    --------
    >>> top = score_all(store, "2026-11-01")[:10]  # doctest: +SKIP
    """
    a = as_of_date(as_of)
    cfg, ver = _resolve_config(store, config, version)
    steps = 4
    progress(0, steps, "Preparing the scoring rules")
    conn = store.conn
    w = (a - _dt.timedelta(days=cfg.window_days)).isoformat()
    s = (a - _dt.timedelta(days=cfg.serial_window_days)).isoformat()
    lo = min(w, s)
    roots = root_map(store)
    by_text, by_code = cfg.gravity_lookup()

    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_gravity (offence_key TEXT PRIMARY KEY, points INTEGER)"
                 " WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_codes (code TEXT COLLATE NOCASE PRIMARY KEY,"
                 " points INTEGER) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_adult (id TEXT PRIMARY KEY, adult_from TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_root (id TEXT PRIMARY KEY, root TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_special (id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_serial (id TEXT PRIMARY KEY) WITHOUT ROWID")
    for t in _TEMP_TABLES:
        conn.execute(f"DELETE FROM temp.{t}")
    conn.executemany("INSERT INTO temp.scoring_gravity VALUES (?, ?)", list(by_text.items()))
    conn.executemany("INSERT INTO temp.scoring_codes VALUES (?, ?)", [(c, v[0]) for c, v in by_code.items()])
    # Who was under age on some day of the window: SQLite's date(dob, '+16 years') is the birthday
    # rule of this module (29 February -> 1 March). Merged records take the root's date of birth.
    conn.execute("INSERT INTO temp.scoring_adult SELECT id, date(dob, :age) FROM persons"
                 " WHERE dob > :cutoff AND date(dob, :age) > :lo",
                 {"age": f"+{cfg.min_age} years", "lo": lo,
                  "cutoff": _dt.date(max(1, int(lo[:4]) - cfg.min_age - 1), 1, 1).isoformat()})
    if roots:
        members = list(roots)
        conn.executemany("DELETE FROM temp.scoring_adult WHERE id = ?", [(m,) for m in members])
        dobs = _record_dobs(store, sorted(set(members) | set(roots.values())), roots)
        conn.executemany("INSERT INTO temp.scoring_adult VALUES (?, ?)",
                         [(m, start) for m in members if m in dobs
                          for start in [_adult_from(dobs[m], cfg.min_age)] if start and start > lo])
    conn.executemany("INSERT INTO temp.scoring_root VALUES (?, ?)", list(roots.items()))

    params = {"a": a.isoformat(), "w": w, "s": s, "lo": lo, "unmapped": cfg.unmapped_points}
    victim, victim_join = "v.victim_id", ""
    if roots:
        victim_join = "LEFT JOIN temp.scoring_root rv ON rv.id = v.victim_id"
        victim = "coalesce(rv.root, v.victim_id)"
    code_join, points = "", "coalesce(gp.points, :unmapped)"
    if by_code:
        code_join = "LEFT JOIN temp.scoring_codes gc ON gc.code = v.offence_code"
        points = "coalesce(gc.points, gp.points, :unmapped)"
    # The WHERE clause spans the longer of the two windows; only the shorter one needs a FILTER.
    wf = "FILTER (WHERE i.date >= :w)" if w > lo else ""
    sf = "FILTER (WHERE i.date >= :s)" if s > lo else ""
    serial_inc = _serial_expr("v.incident_ref", cfg.serial_min_incidents, sf)
    if s < w and cfg.serial_min_incidents >= 2:
        # An incident has one date, so the incidents of the serial window are those of the scoring
        # window (F's count, the same aggregate) plus those before it, exactly: one more distinct
        # count over the older rows is cheaper than comparing every row's ref with a min and a max.
        serial_inc = (f"count(DISTINCT v.incident_ref) {wf} + count(DISTINCT v.incident_ref)"
                      f" FILTER (WHERE i.date < :w) >= {int(cfg.serial_min_incidents)}")
    parts = dict(victim=victim, wf=wf, serial_inc=serial_inc, points=points,
                 serial_vic=_serial_expr(victim, cfg.serial_min_victims, sf))
    # Everyone in one pass over the perpetrator index, the age test joined row by row, for the
    # perpetrator and for the victim, against the few who were under age on a day of the window (a
    # lookup in a small table, cheaper than reading their rows a second time); then the merged
    # records again, over just their own rows, scored as their root.
    conn.execute("INSERT INTO temp.scoring_special SELECT id FROM temp.scoring_root"
                 " UNION SELECT root FROM temp.scoring_root")
    special = bool(roots)
    young = store.scalar("SELECT EXISTS (SELECT 1 FROM temp.scoring_adult)")
    adult_joins = ["LEFT JOIN temp.scoring_adult ad ON ad.id = v.perpetrator_id",
                   "LEFT JOIN temp.scoring_adult av ON av.id = v.victim_id"]
    adult_where = ("AND (ad.adult_from IS NULL OR i.date >= ad.adult_from)"
                   " AND (av.adult_from IS NULL OR i.date >= av.adult_from)")
    main_sql = _AGGREGATE.format(perp="v.perpetrator_id",
                                 joins="\n".join([victim_join, code_join] + (adult_joins if young else [])),
                                 where=adult_where if young else "",
                                 having="AND pid NOT IN temp.scoring_special" if special else "", **parts)
    root_join = ["LEFT JOIN temp.scoring_root rp ON rp.id = v.perpetrator_id"] if roots else []
    root_perp = "coalesce(rp.root, v.perpetrator_id)" if roots else "v.perpetrator_id"
    special_sql = _AGGREGATE.format(
        perp=root_perp, joins="\n".join([victim_join, code_join] + adult_joins + root_join),
        where=adult_where + " AND v.perpetrator_id IN (SELECT id FROM temp.scoring_special)", having="", **parts)
    every_join = "\n".join([victim_join, code_join] + (adult_joins if young else []) + root_join)
    every_where = adult_where if young else ""

    if cancelled():
        raise Cancelled()
    progress(1, steps, "Adding up incidents")
    conn.set_progress_handler(lambda: 1 if cancelled() else 0, 20000)
    # Hundreds of thousands of small objects: the cyclic garbage collector would walk them all
    # again and again while they are made, and none of them can be part of a cycle.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        rows = conn.execute(main_sql, params).fetchall()
        if special:
            rows.extend(conn.execute(special_sql, params).fetchall())
        if cfg.gravity_mode == "sum":
            sum_join = "\n".join([code_join] + (adult_joins if young else []) + root_join)
            sums = dict(conn.execute(_SUM.format(perp=root_perp, joins=sum_join, where=every_where,
                                                 points=points), params))
            part = cfg.gravity_part
            rows = [(pid, latest, n_inc, n_vic, part(sums.get(pid) or 0), serial)
                    for pid, latest, n_inc, n_vic, _g, serial in rows]
        if cfg.serial_unconnected_victims and cfg.serial_min_victims >= 2:
            passed = [r[0] for r in rows if r[5] == 1]
            if passed:
                conn.executemany("INSERT INTO temp.scoring_serial VALUES (?)",
                                 [(m,) for pid in passed for m in _members(pid, roots)] if roots else
                                 [(pid,) for pid in passed])
                serial_rows: dict[str, list] = {pid: [] for pid in passed}
                for pid, vic, day, address, postcode in conn.execute(
                        _SERIAL_ROWS.format(perp=root_perp, victim=victim, joins=every_join, where=every_where),
                        params):
                    serial_rows[pid].append((vic, day, address, postcode))
                groups = victim_groups(store, serial_rows, roots)
                still = {pid for pid in passed if len(groups[pid]) >= cfg.serial_min_victims}
                rows = [r if r[5] != 1 or r[0] in still else r[:5] + (0,) for r in rows]
        progress(2, steps, "Scoring")
        ranked = _rank_rows(rows, cfg, a, ver)
    except Exception as e:
        if "interrupted" in str(e) and cancelled():
            raise Cancelled() from None
        raise
    finally:
        if gc_was_on:
            gc.enable()
        conn.set_progress_handler(None, 0)
        for t in _TEMP_TABLES:
            conn.execute(f"DELETE FROM temp.{t}")
    progress(steps, steps, f"{len(ranked):,} perpetrators scored")
    return ranked


def _rank_rows(rows: list[tuple], cfg: ScoringConfig, a: _dt.date, version: int | None) -> list[PersonScore]:
    """Band, score and rank aggregate rows ``(pid, latest+division, n_inc, n_vic, g, serial)``."""
    a_ord = a.toordinal()
    rec_table = [cfg.recency(d) for d in range(cfg.window_days + 1)]
    freq_table = [cfg.frequency(n) for n in range(64)]
    vic_table = [cfg.victims(n) for n in range(64)]
    freq, vic, total = cfg.frequency, cfg.victims, cfg.total
    # One whole-number sort key per person, smallest first, for (higher score, fewer days since
    # the latest incident, more incidents); kept small, which Python sorts fastest. Scores count
    # down from the highest possible one; weighted scores are scaled to whole numbers (they are
    # exact to 6 decimals: ScoringConfig.total).
    whole = all(float(w).is_integer() for w in (cfg.weight_r, cfg.weight_f, cfg.weight_g, cfg.weight_v))
    scale = 1 if whole else 1_000_000
    best_g = (max(p for _, _, p in cfg.gravity_sum_bands) if cfg.gravity_mode == "sum" else
              max([cfg.unmapped_points, *cfg.gravity_points().values()]))
    top = round(cfg.total(max(p for _, _, p in cfg.recency_bands), max(p for _, _, p in cfg.frequency_bands),
                          best_g, max(p for _, _, p in cfg.victim_bands)) * scale)
    days_span = cfg.window_days + 1
    max_inc = max(map(itemgetter(2), rows), default=0)
    inc_span = max_inc + 1
    day_cache: dict[str, tuple] = {}
    total_cache: dict[int, tuple] = {}
    scored = []
    append = scored.append
    for pid, latest_div, n_inc, n_vic, g, serial in rows:
        day = day_cache.get(latest_div)
        if day is None:
            latest = latest_div[:10]
            day = day_cache[latest_div] = (a_ord - _dt.date.fromisoformat(latest).toordinal(), latest,
                                           latest_div[10:] or None)
        days = day[0]
        r = rec_table[days]
        f = freq_table[n_inc] if n_inc < 64 else freq(n_inc)
        v = vic_table[n_vic] if n_vic < 64 else vic(n_vic)
        parts = ((r * 128 + f) * 128 + g) * 128 + v  # points are at most 100
        cached = total_cache.get(parts)
        if cached is None:
            score = total(r, f, g, v)
            cached = total_cache[parts] = (score, (top - round(score * scale)) * days_span)
        # The rank field holds the sort key until the ranks are counted below.
        append(PersonScore(pid, cached[0], r, f, g, v, n_inc, n_vic, day[1], serial == 1, day[2],
                           (cached[1] + days) * inc_span + max_inc - n_inc, version))
    # Ties on the key go by id: sort by id (the rows are nearly in id order already), then by
    # the key; both sorts are stable and compare single values, which Python does fastest.
    scored.sort(key=attrgetter("perpetrator_id"))
    scored.sort(key=attrgetter("rank"))
    for rank, ps in enumerate(scored, 1):
        ps.rank = rank
    return scored


# --------------------------------------------------------------------------
# One person, row by row: the explanation
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentLine:
    """One incident of the person, with what it counted for.

    ``status`` is ``"scored"`` (in the window), ``"serial window only"``,
    ``"after the as-of date"``, ``"under 16"`` (or the configured age: no
    involvement of the incident counts, the perpetrator or every victim
    being under age that day) or ``"outside the window"``. ``matched`` says,
    offence by offence, how the gravity table matched it (``"code 8N"``,
    ``"text"`` or ``"unmapped"``); ``not_counted`` names the involvements
    left out for age. ``victim_ids`` are all the incident's victims, those
    not counted included. ``gravity`` is the incident's highest points (a
    days row banded by ``gravity_day_bands``) whatever the gravity mode, so
    that a timeline of incidents reads 1 to 5; with ``gravity_mode = sum``
    the values added up are in :attr:`Explanation.gravity_values`.
    """

    ref: str
    date: str
    days: int
    division: str | None
    offences: tuple[str, ...]
    gravity: int
    unmapped: tuple[str, ...]
    victim_ids: tuple[str, ...]
    perpetrator_record: str
    status: str
    matched: tuple[str, ...] = ()
    not_counted: tuple[str, ...] = ()


def rules_sentence(cfg: "ScoringConfig") -> str:
    """The windows and the tests of the scoring rules in one sentence, for the Score tab and the profile.

    >>> rules_sentence(ScoringConfig())  # doctest: +NORMALIZE_WHITESPACE
    'R, F, V and G over 730 days; serial over 1,095 days: 2+ victims and 2+ incidents. G is the highest
    gravity of one offence. An involvement counts when both people were 16 or over on the day (an
    unknown date of birth is taken as 16 or over).'
    """
    serial = f"serial over {cfg.serial_window_days + 1:,} days: {cfg.serial_min_victims}+ " + (
        "unconnected victims (victims who are family or shared an address count as one)"
        if cfg.serial_unconnected_victims else "victims") + f" and {cfg.serial_min_incidents}+ incidents"
    g = ("G is the highest gravity of one offence" if cfg.gravity_mode == "max" else
         "G is the sum of each incident's highest gravity, banded " + format_bands(cfg.gravity_sum_bands))
    return (f"R, F, V and G over {cfg.window_days + 1:,} days; {serial}. {g}. An involvement counts when both "
            f"people were {cfg.min_age} or over on the day (an unknown date of birth is taken as "
            f"{cfg.min_age} or over).")


@dataclass(frozen=True)
class Explanation:
    """Why a person scores what he scores, part by part.

    ``recency_ref`` is the incident that gave R; ``frequency_refs`` the
    incidents counted for F; ``gravity_refs`` those that reached G (with
    ``gravity_offences`` the offences that scored it; for ``gravity_mode =
    sum`` every incident of the window, ``gravity_total`` their sum and
    ``gravity_values`` each one's part); ``victim_ids`` the victims counted
    for V; ``serial_refs``/``serial_victim_ids`` what the serial rule
    counted (``serial_groups`` the victims connected to each other, with the
    "unconnected victims" rule); ``unmapped`` the offences in the window the
    gravity table does not map; ``matches`` how each offence of the window
    was matched (code or text); ``not_counted`` the involvements left out
    for age and ``assumed`` the people counted whose date of birth is not
    recorded. ``score`` is None when nothing is in the window.
    """

    person_id: str
    name: str
    records: tuple[str, ...]
    as_of: str
    config_version: int | None
    score: PersonScore | None
    recency_ref: str | None
    recency_days: int | None
    frequency_refs: tuple[str, ...]
    gravity_refs: tuple[str, ...]
    gravity_offences: tuple[str, ...]
    victim_ids: tuple[str, ...]
    serial: bool
    serial_refs: tuple[str, ...]
    serial_victim_ids: tuple[str, ...]
    unmapped: tuple[str, ...]
    incidents: tuple[IncidentLine, ...]
    config: ScoringConfig = field(repr=False, default_factory=ScoringConfig)
    matches: tuple[str, ...] = ()
    not_counted: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    gravity_total: int | None = None
    gravity_values: tuple[tuple[str, int], ...] = ()
    serial_groups: tuple[tuple[str, ...], ...] = ()

    @property
    def rules(self) -> str:
        return rules_sentence(self.config)

    def lines(self) -> list[str]:
        """The explanation as plain sentences, for the terminal and the profile."""
        cfg = self.config
        out = [f"{self.name} ({self.person_id}), scored as of {self.as_of}"
               + (f" with configuration version {self.config_version}" if self.config_version else
                  " with the built-in default configuration")]
        out.append(f"  rules: {self.rules}")
        if len(self.records) > 1:
            out.append(f"  merged records scored as one person: {', '.join(self.records)}")
        s = self.score
        if s is None:
            out.append(f"  not scored: no counted incident as perpetrator in the {cfg.window_days + 1:,} days "
                       f"to {self.as_of}")
        else:
            rank = f", rank {s.rank}" if s.rank else ""
            out.append(f"  score {s.score} = R {s.r} + F {s.f} + G {s.g} + V {s.v}{rank}"
                       + ("" if (cfg.weight_r, cfg.weight_f, cfg.weight_g, cfg.weight_v) == (1, 1, 1, 1) else
                          f" (weights {cfg.weight_r}, {cfg.weight_f}, {cfg.weight_g}, {cfg.weight_v})"))
            out.append(f"  R {s.r}: latest incident {self.recency_ref} on {s.latest_incident}, "
                       f"{self.recency_days} days before {self.as_of}")
            out.append(f"  F {s.f}: {s.incidents} incident(s): {', '.join(self.frequency_refs)}")
            if cfg.gravity_mode == "sum":
                parts = " + ".join(f"{v} ({r})" for r, v in self.gravity_values)
                out.append(f"  G {s.g}: sum of each incident's highest gravity {self.gravity_total}"
                           f" = {parts}; banded {format_bands(cfg.gravity_sum_bands)}")
            else:
                out.append(f"  G {s.g}: {', '.join(self.gravity_offences)} in {', '.join(self.gravity_refs)}")
            out.append(f"  V {s.v}: {s.victims} victim(s): {', '.join(self.victim_ids)}")
        groups = ""
        if cfg.serial_unconnected_victims:
            joined = [g for g in self.serial_groups if len(g) > 1]
            groups = (f", {len(self.serial_groups)} unconnected" + (
                f" ({'; '.join(' and '.join(g) for g in joined)} counted as one: family or shared an address)"
                if joined else ""))
        out.append(f"  serial: {'yes' if self.serial else 'no'} ({len(self.serial_refs)} incident(s), "
                   f"{len(self.serial_victim_ids)} victim(s){groups} in the {cfg.serial_window_days + 1:,} days to "
                   f"{self.as_of}; needs {cfg.serial_min_incidents} and {cfg.serial_min_victims})")
        if self.matches:
            out.append("  offences matched (a Home Office code before the wording): " + "; ".join(self.matches))
        if self.unmapped:
            out.append(f"  unmapped offences (scored {cfg.unmapped_points}): {', '.join(self.unmapped)}")
        for n in self.not_counted:
            out.append(f"  not counted: {n}")
        if self.assumed:
            out.append(f"  date of birth not recorded, assumed {cfg.min_age} or over: {', '.join(self.assumed)}")
        if self.incidents:
            out.append("  incidents:")
            for ln in self.incidents:
                extra = f" [record {ln.perpetrator_record}]" if len(self.records) > 1 else ""
                out.append(f"    {ln.date} {ln.ref} ({ln.days} days) G {ln.gravity}: {'; '.join(ln.offences)}; "
                           f"victim(s) {', '.join(ln.victim_ids)} - {ln.status}{extra}")
        return out


def _record_dobs(store, members: Sequence[str], roots: dict[str, str]) -> dict[str, str]:
    """``{record id: dob}`` for records: the root's dob when known, else the record's own."""
    own: dict[str, str] = {}
    ids = sorted(set(members) | {roots[m] for m in members if m in roots})
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        q = ",".join("?" * len(chunk))
        own.update(store.conn.execute(f"SELECT id, dob FROM persons WHERE id IN ({q}) AND dob IS NOT NULL", chunk))
    out = {}
    for m in members:
        dob = own.get(roots.get(m, m)) or own.get(m)
        if dob:
            out[m] = dob
    return out


def _person_rows(store, ids: Sequence[str]) -> list[tuple]:
    q = ",".join("?" * len(ids))
    return store.conn.execute(
        "SELECT v.incident_ref, i.date, i.division, v.perpetrator_id, v.victim_id, v.offence, v.offence_key,"
        " v.offence_code, i.address, i.postcode"
        f" FROM involvements v JOIN incidents i ON i.ref = v.incident_ref WHERE v.perpetrator_id IN ({q})"
        " ORDER BY i.date DESC, v.incident_ref, v.victim_id, v.offence_key, v.offence_code", list(ids)).fetchall()


def explain(
    store,
    person_id: str,
    as_of: _dt.date | str | None = None,
    config: ScoringConfig | None = None,
    *,
    version: int | None = None,
    with_rank: bool = False,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> Explanation:
    """Score one person row by row and say which incidents gave R, F, G and V.

    Parameters
    ----------
    person_id : str
        Any of his record ids; a merged record is explained as its root.
    with_rank : bool
        Also rank him against everyone (runs :func:`score_all`).

    Raises
    ------
    UserError
        No person with that id is held.

    Notes
    -----
    O(k) for the k involvement rows of his records.
    """
    a = as_of_date(as_of)
    cfg, ver = _resolve_config(store, config, version)
    roots = root_map(store)
    root = resolve_person(store, person_id, roots)
    members = _members(root, roots)
    rows = _person_rows(store, members)
    dobs = _record_dobs(store, sorted(set(members) | {r[4] for r in rows}), roots)
    adult = {m: _adult_from(d, cfg.min_age) for m, d in dobs.items()}
    by_text, by_code = cfg.gravity_lookup()
    # An incident line shows points (days banded) whatever the mode, so that its timeline reads 1 to 5.
    pts_text, pts_code = (by_text, by_code) if cfg.gravity_mode == "max" else \
        dataclasses.replace(cfg, gravity_mode="max").gravity_lookup()
    a_ord = a.toordinal()
    reach = max(cfg.window_days, cfg.serial_window_days)
    incidents: dict[str, dict] = {}
    not_counted: list[str] = []
    assumed: dict[str, str] = {}
    for ref, day, division, perp, victim, offence, okey, code, address, postcode in rows:
        inc = incidents.setdefault(ref, {"date": day, "division": division, "perp": perp, "offences": {},
                                         "victims": set(), "all_victims": set(), "unmapped": {},
                                         "counted": False, "rows": [], "not_counted": []})
        vroot = roots.get(victim, victim)
        inc["all_victims"].add(vroot)
        days = a_ord - _dt.date.fromisoformat(day).toordinal()
        young = [(role, pid) for role, pid in (("perpetrator", perp), ("victim", victim))
                 if adult.get(pid) and day < adult[pid]]
        hit = by_code.get(_code_key(code)) if code else None
        if hit is not None:
            value, how = hit[0], f"code {hit[2]}" + ("" if normalise_offence(hit[1]) == okey else f" ({hit[1]})")
            pts = pts_code[_code_key(code)][0]
        elif okey in by_text:
            value, how, pts = by_text[okey], "text", pts_text[okey]
        else:
            value, how, pts = cfg.unmapped_points, "unmapped", cfg.unmapped_points
        if young:
            if 0 <= days <= reach:
                for role, pid in young:
                    note = (f"{role} under {cfg.min_age} (age {age_on(dobs.get(pid), day)}) in {ref}"
                            + (f" ({pid})" if role == "victim" or len(members) > 1 else ""))
                    if note not in inc["not_counted"]:
                        inc["not_counted"].append(note)
            continue
        inc["counted"] = True
        inc["victims"].add(vroot)
        inc["rows"].append((vroot, day, address, postcode))
        if how == "unmapped":
            inc["unmapped"].setdefault(okey, offence)
        inc["offences"].setdefault((okey, _code_key(code) or ""), (offence, code, value, how, pts))
        if 0 <= days <= reach:
            for role, pid in (("perpetrator", perp), ("victim", victim)):
                if pid not in dobs:
                    assumed.setdefault(pid, f"{pid} ({role})")
    lines = []
    window, serial_refs = [], []
    serial_victims: set[str] = set()
    serial_rows: list[tuple] = []
    matches: dict[tuple, str] = {}
    for ref, inc in incidents.items():
        days = a_ord - _dt.date.fromisoformat(inc["date"]).toordinal()
        counted = inc["counted"]
        gravity = max((v for _, _, v, _, _ in inc["offences"].values()), default=0)
        points = max((x for *_, x in inc["offences"].values()), default=0)
        if days < 0:
            status = "after the as-of date"
        elif not counted:
            status = f"under {cfg.min_age}"
        else:
            in_window, in_serial = days <= cfg.window_days, days <= cfg.serial_window_days
            status = "scored" if in_window else "serial window only" if in_serial else "outside the window"
            if in_window:
                window.append((ref, inc, days, gravity))
                for (okey, ckey), (offence, code, value, how, pts) in inc["offences"].items():
                    shown = f"{value} days of harm" if value != pts else str(value)
                    matches.setdefault((okey, ckey), f"{offence}" + (f" [code {code}]" if code else "")
                                       + f": {'matched by ' + how if how != 'unmapped' else 'unmapped'}, {shown}")
            if in_serial:
                serial_refs.append(ref)
                serial_victims |= inc["victims"]
                serial_rows.extend(inc["rows"])
        not_counted.extend(inc["not_counted"])
        lines.append(IncidentLine(ref, inc["date"], days, inc["division"],
                                  tuple(o for o, *_ in inc["offences"].values()), points,
                                  tuple(sorted(inc["unmapped"].values())), tuple(sorted(inc["all_victims"])),
                                  inc["perp"], status, tuple(h for _, _, _, h, _ in inc["offences"].values()),
                                  tuple(inc["not_counted"])))
    lines.sort(key=lambda ln: (ln.date, ln.ref), reverse=True)
    groups: list[list[str]] = []
    if cfg.serial_unconnected_victims:
        groups = victim_groups(store, {root: serial_rows}, roots)[root]
        serial = cfg.is_serial(len(serial_refs), len(groups))
    else:
        serial = cfg.is_serial(len(serial_refs), len(serial_victims))
    names = person_names(store, [root])
    score = None
    recency_ref = recency_days = None
    g_refs: tuple[str, ...] = ()
    g_offences: tuple[str, ...] = ()
    g_total = None
    g_values: tuple[tuple[str, int], ...] = ()
    victims: set[str] = set()
    unmapped: dict[str, str] = {}
    if window:
        latest = max(inc["date"] for _, inc, _, _ in window)
        latest_refs = sorted(ref for ref, inc, _, _ in window if inc["date"] == latest)
        divisions = [inc["division"] or "" for _, inc, _, _ in window if inc["date"] == latest]
        recency_ref = latest_refs[0] if len(latest_refs) == 1 else ", ".join(latest_refs)
        recency_days = a_ord - _dt.date.fromisoformat(latest).toordinal()
        if cfg.gravity_mode == "sum":
            g_values = tuple(sorted((ref, gr) for ref, _, _, gr in window))
            g_total = sum(gr for _, gr in g_values)
            g = cfg.gravity_part(g_total)
            g_refs = tuple(ref for ref, _ in g_values)
            g_offences = tuple(sorted({o for _, inc, _, gr in window
                                       for o, _, v, _, _ in inc["offences"].values() if v == gr}))
        else:
            g = max(gr for _, _, _, gr in window)
            g_refs = tuple(sorted(ref for ref, _, _, gr in window if gr == g))
            g_offences = tuple(sorted({o for _, inc, _, gr in window if gr == g
                                       for o, _, v, _, _ in inc["offences"].values() if v == g}))
        for _, inc, _, _ in window:
            victims |= inc["victims"]
            unmapped.update(inc["unmapped"])
        r, f, v = cfg.recency(recency_days), cfg.frequency(len(window)), cfg.victims(len(victims))
        score = PersonScore(root, cfg.total(r, f, g, v), r, f, g, v, len(window), len(victims), latest, serial,
                            max(divisions) or None, None, ver)
        if with_rank:
            ranked = score_all(store, a, cfg, version=ver, progress=progress, cancelled=cancelled)
            score = next((s for s in ranked if s.perpetrator_id == root), score)
    return Explanation(
        person_id=root, name=names.get(root, "(name not recorded)"), records=tuple(members), as_of=a.isoformat(),
        config_version=ver, score=score, recency_ref=recency_ref, recency_days=recency_days,
        frequency_refs=tuple(sorted(ref for ref, _, _, _ in window)), gravity_refs=g_refs,
        gravity_offences=g_offences, victim_ids=tuple(sorted(victims)), serial=serial,
        serial_refs=tuple(sorted(serial_refs)), serial_victim_ids=tuple(sorted(serial_victims)),
        unmapped=tuple(sorted(unmapped.values())), incidents=tuple(lines), config=cfg,
        matches=tuple(matches[k] for k in sorted(matches)), not_counted=tuple(not_counted),
        assumed=tuple(assumed[k] for k in sorted(assumed)), gravity_total=g_total, gravity_values=g_values,
        serial_groups=tuple(tuple(g) for g in groups),
    )


def score_person(store, person_id: str, as_of: _dt.date | str | None = None,
                 config: ScoringConfig | None = None, *, version: int | None = None) -> PersonScore | None:
    """One person's score (rank None), or None when he has no incident in the window.

    Row by row in Python, independent of :func:`score_all`'s SQL; a
    merged record is scored as its root.
    """
    return explain(store, person_id, as_of, config, version=version).score

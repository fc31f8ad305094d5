"""RFGV scoring: find, rank and explain the most harmful serial DA perpetrators.

A person is scored **as of a date A** over the incidents where he is the
perpetrator. ``days`` is the whole number of days from the incident date to
A. With the default configuration (every number lives in
:class:`ScoringConfig`, which a force can change and which is versioned in
the store):

- **window**: incidents with ``0 <= days <= 729``; incidents after A are ignored;
- **age**: an incident is ignored when the perpetrator's date of birth is
  known and he was under 16 on the incident date (a 16th birthday on the
  day after the incident means under 16; born 29 February, the birthday is
  1 March in a common year);
- **R** from days since the latest incident in the window (0-30 -> 5,
  31-90 -> 4, 91-180 -> 3, 181-365 -> 2, 366-729 -> 1);
- **F** from the number of distinct incident refs (1, 2, 3-4, 5-7, 8+ -> 1..5);
- **G** the highest gravity points of any offence in those incidents (the
  gravity table; an offence not in it scores ``unmapped_points`` and is
  listed as unmapped);
- **V** from the number of distinct victims (1 -> 1, 2 -> 3, 3 -> 4, 4+ -> 5);
- **score** ``= wR*R + wF*F + wG*G + wV*V`` (weights 1: 4 to 20);
- **serial**: at least 2 distinct victims and 2 distinct incidents with
  ``0 <= days <= 1094``;
- **rank**: score descending, latest incident descending, incidents
  descending, perpetrator id ascending.

Merged person records (``persons.merged_into``, followed to the root) are one
person: perpetrators are scored and victims counted by their root id. The
perpetrator's date of birth is the root record's when known, else the
record's own.

Two implementations share these rules: :func:`score_all` pushes windowing
and aggregation into SQL for the whole store (a million incidents in
seconds); :func:`explain` and :func:`score_person` work row by row in Python
for one person and say which incidents gave each part. The tests hold the
two to the same results.

The gravity table ships as CSV under ``resources/gravity/`` (``default`` and
a Cambridge Crime Harm Index style ``chi`` table in days, turned into points
by ``gravity_day_bands``); the coordinator can map an offence, import a
force's own table or switch profile, and every change is a new, audited
configuration version.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import datetime as _dt
import io
import json
import math
import os
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
    "explain",
    "is_serial",
]

Band = tuple[int, "int | None", int]
"""``(low, high, points)``: a whole-number range, both ends included; ``high`` None means "and above"."""

GRAVITY_PROFILES = {
    "default": "default.csv",
    "chi": "chi.csv",
}

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

@dataclass(frozen=True)
class GravityEntry:
    """One row of the gravity table: an offence and its points, or its harm in days (CHI style)."""

    offence: str
    points: int | None = None
    days: float | None = None

    @property
    def key(self) -> str:
        return normalise_offence(self.offence)

    def as_json(self) -> list:
        return [self.offence, self.points, self.days]


def read_gravity_csv(source: str | os.PathLike | io.TextIOBase, *, name: str | None = None) -> tuple[GravityEntry, ...]:
    """Read a gravity table from CSV: ``offence`` and ``points`` and/or ``days`` columns.

    Lines starting with ``#`` are comments. Headers match case-insensitively.
    A row with points uses them; a row with only days is banded by the
    configuration's ``gravity_day_bands``. Raises :class:`UserError` naming
    the line for a bad row, a missing column or an offence listed twice.
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
                        "'points' or 'days' column")
    i_off = header.index("offence")
    i_pts = header.index("points") if "points" in header else None
    i_days = header.index("days") if "days" in header else None
    out: list[GravityEntry] = []
    seen: dict[str, int] = {}
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
        pts_text, days_text = cell(i_pts), cell(i_days)
        points = days = None
        if pts_text:
            try:
                points = int(pts_text)
            except ValueError:
                raise UserError(f"{label}: line {line_no}: points {pts_text!r} is not a whole number") from None
            if not 0 <= points <= _MAX_POINTS:
                raise UserError(f"{label}: line {line_no}: points must run from 0 to {_MAX_POINTS}")
        if days_text:
            try:
                days = float(days_text)
            except ValueError:
                raise UserError(f"{label}: line {line_no}: days {days_text!r} is not a number") from None
            if not math.isfinite(days) or days < 0:
                raise UserError(f"{label}: line {line_no}: days must be 0 or more")
            if days.is_integer():
                days = int(days)
        if points is None and days is None:
            raise UserError(f"{label}: line {line_no}: {offence!r} has neither points nor days")
        out.append(GravityEntry(offence, points, days))
    if not out:
        raise UserError(f"{label}: the gravity table has a header but no offences")
    return tuple(out)


def write_gravity_csv(path: str | os.PathLike, entries: Iterable[GravityEntry]) -> Path:
    """Write a gravity table as CSV (``offence,points,days``), spreadsheet-safe."""
    target = Path(path)
    try:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["offence", "points", "days"])
            for e in entries:
                w.writerow([safe_cell(e.offence), "" if e.points is None else e.points,
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
        for name in ("weight_r", "weight_f", "weight_g", "weight_v"):
            w = getattr(self, name)
            if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) or not 0 <= w <= 100:
                raise UserError(f"{name}: a weight is a number from 0 to 100 (got {w!r})")
        _check_bands("recency_bands", self.recency_bands, 0, open_end=False, cover=self.window_days)
        _check_bands("frequency_bands", self.frequency_bands, 1, open_end=True)
        _check_bands("victim_bands", self.victim_bands, 1, open_end=True)
        _check_bands("gravity_day_bands", self.gravity_day_bands, 0, open_end=True)
        keys: set[str] = set()
        for e in self.gravity:
            k = e.key
            if not k:
                raise UserError("gravity: an offence has an empty name")
            if k in keys:
                raise UserError(f"gravity: {e.offence!r} is listed twice")
            keys.add(k)
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
            kw["gravity"] = tuple(GravityEntry(o, p, d) for o, p, d in gravity)
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


def _coerce(key: str, text: str) -> Any:
    if key.endswith("_bands"):
        return parse_bands(text)
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
        table = tuple(GravityEntry(e.offence, points, None) if e.key == key else e for e in current.config.gravity)
    cfg = dataclasses.replace(current.config, gravity=table)
    return save_config(store, cfg, reason=reason or f"gravity: {offence} = {points}",
                       detail={"offence": key, "points": points, "was": None if old is None else old.points})


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
            entry = GravityEntry(" ".join(entry.offence.split()), entry.points, entry.days)
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
    """Replace the gravity table with a shipped profile (``default`` or ``chi``); a new version."""
    entries = load_gravity_profile(name)
    current = ensure_active_config(store)
    cfg = dataclasses.replace(current.config, gravity=entries, gravity_source=name)
    return save_config(store, cfg, reason=reason or f"gravity profile {name}", detail={"offences": len(entries)})


def restore_config(store, version: int, *, reason: str | None = None) -> StoredConfig:
    """Make an old version's settings active again, as a new version (history stays linear)."""
    old = load_config(store, version)
    ensure_active_config(store)
    return save_config(store, old.config, reason=reason or f"restored version {version}",
                       detail={"restored": version})


@dataclass(frozen=True)
class UnmappedOffence:
    """An offence in the store that the gravity table does not list."""

    offence: str
    key: str
    incidents: int
    latest: str


def unmapped_offences(store, config: ScoringConfig | None = None) -> list[UnmappedOffence]:
    """Offences held in the store that the gravity table does not map, most incidents first."""
    cfg = config or active_config(store).config
    known = cfg.gravity_points()
    out = []
    for key, offence, n, latest in store.conn.execute(
            "SELECT v.offence_key, min(v.offence), count(DISTINCT v.incident_ref), max(i.date)"
            " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref GROUP BY v.offence_key"):
        if key not in known:
            out.append(UnmappedOffence(offence, key, n, latest))
    out.sort(key=lambda u: (-u.incidents, u.key))
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


# The whole store in one pass: involvements in perpetrator-index order, each
# joined to its incident (window, division) and its offence's points; merged
# victims resolved through a small temporary table; per perpetrator the
# aggregates that R, F, G, V and the serial rule need.
_AGGREGATE = """
SELECT {perp} AS pid,
       max(i.date || coalesce(i.division, '')) AS latest,
       count(DISTINCT v.incident_ref) {wf} AS n_inc,
       count(DISTINCT {victim}) {wf} AS n_vic,
       max(coalesce(gp.points, :unmapped)) {wf} AS g,
       {serial_inc} AND {serial_vic} AS serial
FROM involvements v
JOIN incidents i ON i.ref = v.incident_ref
LEFT JOIN temp.scoring_gravity gp ON gp.offence_key = v.offence_key
{joins}
WHERE i.date BETWEEN :lo AND :a {where}
GROUP BY {perp}
HAVING latest >= :w {having}
"""

_TEMP_TABLES = ("scoring_gravity", "scoring_adult", "scoring_root", "scoring_special")


def _serial_expr(column: str, minimum: int, flt: str) -> str:
    """SQL true when ``column`` has at least ``minimum`` distinct values in the serial window."""
    if minimum <= 0:
        return "1"
    if minimum == 1:
        return f"count(*) {flt} > 0"
    if minimum == 2:  # two distinct values exactly when the smallest and the largest differ
        return f"coalesce(min({column}) {flt} <> max({column}) {flt}, 0)"
    return f"count(DISTINCT {column}) {flt} >= {int(minimum)}"


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
    gravity, distinct counts, serial test per perpetrator; the age test
    joined for those young enough to have been under age in the window,
    found through the ``persons_dob`` index), a second pass over just the
    rows of merged records, then banding and ranking in Python:
    O(rows) in SQLite and O(p log p) in Python for p scored perpetrators.
    The benchmark (``benchmarks/run.py scoring``) compares it with a plain
    ``GROUP BY`` over the same data.

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

    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_gravity (offence_key TEXT PRIMARY KEY, points INTEGER)"
                 " WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_adult (id TEXT PRIMARY KEY, adult_from TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_root (id TEXT PRIMARY KEY, root TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS scoring_special (id TEXT PRIMARY KEY) WITHOUT ROWID")
    for t in _TEMP_TABLES:
        conn.execute(f"DELETE FROM temp.{t}")
    conn.executemany("INSERT INTO temp.scoring_gravity VALUES (?, ?)", list(cfg.gravity_points().items()))
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
    parts = dict(victim=victim, wf=wf, serial_inc=serial_inc,
                 serial_vic=_serial_expr(victim, cfg.serial_min_victims, sf))
    # Everyone in one pass over the perpetrator index, the age test joined row by row for the few
    # who were under age on a day of the window (a lookup in a small table, cheaper than reading
    # their rows a second time); then the merged records again, over just their own rows, scored
    # as their root.
    conn.execute("INSERT INTO temp.scoring_special SELECT id FROM temp.scoring_root"
                 " UNION SELECT root FROM temp.scoring_root")
    special = bool(roots)
    young = store.scalar("SELECT EXISTS (SELECT 1 FROM temp.scoring_adult)")
    adult_join = "LEFT JOIN temp.scoring_adult ad ON ad.id = v.perpetrator_id"
    adult_where = "AND (ad.adult_from IS NULL OR i.date >= ad.adult_from)"
    main_sql = _AGGREGATE.format(perp="v.perpetrator_id",
                                 joins="\n".join([victim_join] + ([adult_join] if young else [])),
                                 where=adult_where if young else "",
                                 having="AND pid NOT IN temp.scoring_special" if special else "", **parts)
    special_sql = _AGGREGATE.format(
        perp="coalesce(rp.root, v.perpetrator_id)" if roots else "v.perpetrator_id",
        joins="\n".join([victim_join, adult_join]
                        + (["LEFT JOIN temp.scoring_root rp ON rp.id = v.perpetrator_id"] if roots else [])),
        where=adult_where + " AND v.perpetrator_id IN (SELECT id FROM temp.scoring_special)", having="", **parts)

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
    best_g = max([cfg.unmapped_points, *cfg.gravity_points().values()])
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
    ``"after the as-of date"``, ``"under 16"`` (or the configured age) or
    ``"outside the window"``.
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


@dataclass(frozen=True)
class Explanation:
    """Why a person scores what he scores, part by part.

    ``recency_ref`` is the incident that gave R; ``frequency_refs`` the
    incidents counted for F; ``gravity_refs`` those that reached G (with
    ``gravity_offences`` the offences that scored it); ``victim_ids`` the
    victims counted for V; ``serial_refs``/``serial_victim_ids`` what the
    serial rule counted; ``unmapped`` the offences in the window the gravity
    table does not map. ``score`` is None when nothing is in the window.
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

    def lines(self) -> list[str]:
        """The explanation as plain sentences, for the terminal and the profile."""
        cfg = self.config
        out = [f"{self.name} ({self.person_id}), scored as of {self.as_of}"
               + (f" with configuration version {self.config_version}" if self.config_version else
                  " with the built-in default configuration")]
        if len(self.records) > 1:
            out.append(f"  merged records scored as one person: {', '.join(self.records)}")
        s = self.score
        if s is None:
            out.append(f"  not scored: no incident as perpetrator in the {cfg.window_days + 1} days to {self.as_of}")
        else:
            rank = f", rank {s.rank}" if s.rank else ""
            out.append(f"  score {s.score} = R {s.r} + F {s.f} + G {s.g} + V {s.v}{rank}"
                       + ("" if (cfg.weight_r, cfg.weight_f, cfg.weight_g, cfg.weight_v) == (1, 1, 1, 1) else
                          f" (weights {cfg.weight_r}, {cfg.weight_f}, {cfg.weight_g}, {cfg.weight_v})"))
            out.append(f"  R {s.r}: latest incident {self.recency_ref} on {s.latest_incident}, "
                       f"{self.recency_days} days before {self.as_of}")
            out.append(f"  F {s.f}: {s.incidents} incident(s): {', '.join(self.frequency_refs)}")
            out.append(f"  G {s.g}: {', '.join(self.gravity_offences)} in {', '.join(self.gravity_refs)}")
            out.append(f"  V {s.v}: {s.victims} victim(s): {', '.join(self.victim_ids)}")
        out.append(f"  serial: {'yes' if self.serial else 'no'} ({len(self.serial_refs)} incident(s), "
                   f"{len(self.serial_victim_ids)} victim(s) in the {cfg.serial_window_days + 1} days to "
                   f"{self.as_of}; needs {cfg.serial_min_incidents} and {cfg.serial_min_victims})")
        if self.unmapped:
            out.append(f"  unmapped offences (scored {cfg.unmapped_points}): {', '.join(self.unmapped)}")
        if self.incidents:
            out.append("  incidents:")
            for ln in self.incidents:
                extra = f" [record {ln.perpetrator_record}]" if len(self.records) > 1 else ""
                out.append(f"    {ln.date} {ln.ref} ({ln.days} days) G {ln.gravity}: {'; '.join(ln.offences)}; "
                           f"victim(s) {', '.join(ln.victim_ids)} - {ln.status}{extra}")
        return out


def _record_dobs(store, members: Sequence[str], roots: dict[str, str]) -> dict[str, str]:
    """``{record id: dob}`` for one person's records: the root's dob when known, else the record's own."""
    own: dict[str, str] = {}
    ids = list(members)
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
        "SELECT v.incident_ref, i.date, i.division, v.perpetrator_id, v.victim_id, v.offence, v.offence_key"
        f" FROM involvements v JOIN incidents i ON i.ref = v.incident_ref WHERE v.perpetrator_id IN ({q})"
        " ORDER BY i.date DESC, v.incident_ref, v.victim_id, v.offence_key", list(ids)).fetchall()


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
    dobs = _record_dobs(store, members, roots)
    adult = {m: _adult_from(dobs[m], cfg.min_age) for m in members if dobs.get(m)}
    points = cfg.gravity_points()
    a_ord = a.toordinal()
    by_ref: dict[str, dict] = {}
    young: dict[str, dict] = {}
    for ref, day, division, perp, victim, offence, okey in _person_rows(store, members):
        start = adult.get(perp)
        target = young if start and day < start else by_ref
        inc = target.setdefault(ref, {"date": day, "division": division, "perp": perp, "offences": {},
                                      "victims": set(), "unmapped": {}})
        inc["victims"].add(roots.get(victim, victim))
        pts = points.get(okey)
        if pts is None:
            inc["unmapped"].setdefault(okey, offence)
            pts = cfg.unmapped_points
        inc["offences"].setdefault(okey, (offence, pts))
    lines = []
    window, serial_refs = [], []
    serial_victims: set[str] = set()
    for ref, inc in list(by_ref.items()) + [(r, i) for r, i in young.items() if r not in by_ref]:
        days = a_ord - _dt.date.fromisoformat(inc["date"]).toordinal()
        gravity = max(p for _, p in inc["offences"].values())
        if days < 0:
            status = "after the as-of date"
        elif ref not in by_ref:
            status = f"under {cfg.min_age}"
        else:
            in_window, in_serial = days <= cfg.window_days, days <= cfg.serial_window_days
            status = "scored" if in_window else "serial window only" if in_serial else "outside the window"
            if in_window:
                window.append((ref, inc, days, gravity))
            if in_serial:
                serial_refs.append(ref)
                serial_victims |= inc["victims"]
        lines.append(IncidentLine(ref, inc["date"], days, inc["division"],
                                  tuple(o for o, _ in inc["offences"].values()), gravity,
                                  tuple(sorted(inc["unmapped"].values())), tuple(sorted(inc["victims"])),
                                  inc["perp"], status))
    lines.sort(key=lambda ln: (ln.date, ln.ref), reverse=True)
    serial = cfg.is_serial(len(serial_refs), len(serial_victims))
    names = person_names(store, [root])
    score = None
    recency_ref = recency_days = None
    g_refs: tuple[str, ...] = ()
    g_offences: tuple[str, ...] = ()
    victims: set[str] = set()
    unmapped: dict[str, str] = {}
    if window:
        latest = max(inc["date"] for _, inc, _, _ in window)
        latest_refs = sorted(ref for ref, inc, _, _ in window if inc["date"] == latest)
        divisions = [inc["division"] or "" for _, inc, _, _ in window if inc["date"] == latest]
        recency_ref = latest_refs[0] if len(latest_refs) == 1 else ", ".join(latest_refs)
        recency_days = a_ord - _dt.date.fromisoformat(latest).toordinal()
        g = max(gr for _, _, _, gr in window)
        g_refs = tuple(sorted(ref for ref, _, _, gr in window if gr == g))
        g_offences = tuple(sorted({o for _, inc, _, gr in window if gr == g
                                   for o, p in inc["offences"].values() if p == g}))
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
    )


def score_person(store, person_id: str, as_of: _dt.date | str | None = None,
                 config: ScoringConfig | None = None, *, version: int | None = None) -> PersonScore | None:
    """One person's score (rank None), or None when he has no incident in the window.

    Row by row in Python, independent of :func:`score_all`'s SQL; a
    merged record is scored as its root.
    """
    return explain(store, person_id, as_of, config, version=version).score

"""Domain vocabulary shared by every layer: errors, dates, relationships, names.

Nothing here touches the store or Qt. Parsers are small, pure and cached,
because the importer calls them once per row of a million-row extract.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

__all__ = [
    "UserError",
    "Overloaded",
    "Cancelled",
    "RELATIONSHIP_KINDS",
    "INTIMATE_KINDS",
    "DASH_LEVELS",
    "parse_date",
    "parse_dob",
    "iso_day",
    "normalise_relationship",
    "normalise_offence",
    "normalise_dash",
    "parse_children",
    "name_key",
    "display_name",
    "no_progress",
    "never_cancelled",
    "safe_cell",
    "unsafe_cell",
]


class UserError(Exception):
    """A mistake the user can fix: shown as one line, never as a traceback."""


class Overloaded(UserError):
    """An allocation refused because the offender manager is overloaded; the coordinator may confirm it anyway."""


class Cancelled(Exception):
    """Long work stopped because the caller asked it to; nothing was applied."""


def no_progress(done: int, total: int, message: str = "") -> None:
    """Progress callback that does nothing when nothing listens."""


def never_cancelled() -> bool:
    return False


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


@functools.lru_cache(maxsize=65536)
def parse_date(text: str) -> tuple[_dt.date, str | None]:
    """Parse an extract date: ISO 8601 date or date-time, or UK ``dd/mm/yyyy [HH:MM]``.

    Returns ``(date, "HH:MM" or None)``. Raises ``ValueError`` with a short
    reason when the text is not a date or names a day that does not exist.

    >>> parse_date("03/02/2024 14:05")
    (datetime.date(2024, 2, 3), '14:05')
    >>> parse_date("2024-02-03")
    (datetime.date(2024, 2, 3), None)
    """
    s = text.strip()
    m = _ISO_RE.match(s)
    if m:
        y, mo, d, hh, mm = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    else:
        m = _UK_RE.match(s)
        if not m:
            raise ValueError("not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        d, mo, y, hh, mm = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    try:
        day = _dt.date(int(y), int(mo), int(d))
    except ValueError:
        raise ValueError("no such date") from None
    clock = None
    if hh is not None:
        h, mi = int(hh), int(mm)
        if h > 23 or mi > 59:
            raise ValueError("no such time of day")
        clock = f"{h:02d}:{mi:02d}"
    return day, clock


def iso_day(day: "_dt.date | str | None") -> str:
    """A day given as a date or ``YYYY-MM-DD`` text, as ISO text; None means today.

    A service's date argument: a UserError names the bad value.
    """
    if day is None:
        return _dt.date.today().isoformat()
    if isinstance(day, _dt.datetime):
        return day.date().isoformat()
    if isinstance(day, _dt.date):
        return day.isoformat()
    try:
        return _dt.date.fromisoformat(str(day).strip()).isoformat()
    except ValueError:
        raise UserError(f"not a date (YYYY-MM-DD): {day!r}") from None


def parse_dob(text: str) -> _dt.date:
    """A date of birth: a date without a meaningful time."""
    return parse_date(text)[0]


# --------------------------------------------------------------------------
# Relationships
# --------------------------------------------------------------------------

RELATIONSHIP_KINDS = ("partner", "ex-partner", "family", "other")
INTIMATE_KINDS = frozenset({"partner", "ex-partner"})

_PARTNER_WORDS = {
    "partner", "girlfriend", "boyfriend", "wife", "husband", "spouse", "fiance",
    "fiancee", "civil partner", "cohabitee", "cohabiting partner", "common law wife",
    "common law husband", "lover", "intimate partner", "current partner",
    "same sex partner", "co-habitee", "co habitee", "dating", "relationship",
}
_FAMILY_WORDS = {
    "family", "son", "daughter", "mother", "father", "mum", "dad", "parent", "child",
    "brother", "sister", "sibling", "grandmother", "grandfather", "grandparent",
    "grandson", "granddaughter", "grandchild", "aunt", "uncle", "niece", "nephew",
    "cousin", "stepson", "stepdaughter", "stepmother", "stepfather", "step-son",
    "step-daughter", "step-mother", "step-father", "stepchild", "step-child",
    "mother-in-law", "father-in-law", "son-in-law", "daughter-in-law",
    "brother-in-law", "sister-in-law", "half-brother", "half-sister", "foster parent",
    "foster child", "guardian", "relative", "other family member", "family member",
}
_EX_PREFIX = re.compile(r"^(ex|former|estranged|previous)[\s\-_]*")


@functools.lru_cache(maxsize=4096)
def normalise_relationship(text: str | None) -> str:
    """Map free text from the victim's side to partner / ex-partner / family / other.

    >>> normalise_relationship("Ex-Husband")
    'ex-partner'
    >>> normalise_relationship("girlfriend")
    'partner'
    >>> normalise_relationship("son")
    'family'
    """
    if not text:
        return "other"
    s = " ".join(_fold(text).replace("_", " ").split())
    s = s.replace("(", " ").replace(")", " ").strip()
    s = " ".join(s.split())
    ex = False
    m = _EX_PREFIX.match(s)
    if m and s != "ex":
        ex = True
        s = s[m.end():]
    if s in ("ex", "ex partner"):
        return "ex-partner"
    if s in _PARTNER_WORDS or s.rstrip("s") in _PARTNER_WORDS:
        return "ex-partner" if ex else "partner"
    if s in ("divorced", "separated", "former partner", "ex-partner"):
        return "ex-partner"
    if s in _FAMILY_WORDS or s.replace(" ", "-") in _FAMILY_WORDS:
        return "family"
    if s.startswith(("step", "half", "grand", "foster")) or s.endswith("in-law"):
        return "family"
    return "other"


# --------------------------------------------------------------------------
# Offences, DASH, children
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def normalise_offence(text: str) -> str:
    """The offence key: case-folded, surrounding and repeated spaces removed.

    >>> normalise_offence("  Common   ASSAULT ")
    'common assault'
    """
    return " ".join(text.split()).casefold()


DASH_LEVELS = ("standard", "medium", "high")
_DASH = {
    "standard": "standard", "std": "standard", "s": "standard", "low": "standard",
    "medium": "medium", "med": "medium", "m": "medium",
    "high": "high", "h": "high",
}


def normalise_dash(text: str) -> str | None:
    """``standard`` / ``medium`` / ``high``, or None when blank; ValueError otherwise."""
    s = text.strip().casefold()
    if not s:
        return None
    try:
        return _DASH[s]
    except KeyError:
        raise ValueError("DASH risk must be standard, medium or high") from None


def parse_children(text: str) -> int | None:
    """``children_present``: a whole number, or yes/no (yes counts as 1)."""
    s = text.strip().casefold()
    if not s:
        return None
    if s in ("yes", "y", "true"):
        return 1
    if s in ("no", "n", "false", "none"):
        return 0
    if s.isdigit() and len(s) <= 3:
        return int(s)
    raise ValueError("children present must be a number or yes/no")


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case-fold and strip diacritics (Siobhán -> siobhan, Łukasz -> lukasz)."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.casefold().translate(_EXTRA_FOLD)


_EXTRA_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


@functools.lru_cache(maxsize=65536)
def _name_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", _fold(text)).split())


def name_key(*parts: str | None) -> str:
    """A search key for names and ids: diacritics, case and punctuation folded.

    >>> name_key("Siobhán", "O'Neill-Ryan")
    'siobhan o neill ryan'
    """
    return _name_key(" ".join(p for p in parts if p))


def display_name(forename: str | None, surname: str | None) -> str:
    """``SURNAME, Forename`` is police style; we show ``Forename Surname``."""
    name = " ".join(p for p in (forename, surname) if p)
    return name or "(name not recorded)"


# --------------------------------------------------------------------------
# CSV cells
# --------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell for a CSV export that a spreadsheet will not run as a formula.

    >>> safe_cell("=1+2")
    "'=1+2"
    >>> safe_cell(12)
    '12'
    >>> safe_cell(-25.5)        # a number is never a formula: a spreadsheet must read it as a number
    '-25.5'
    >>> safe_cell("-25.5")      # text that merely looks like one stays neutralised
    "'-25.5"
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """Undo :func:`safe_cell` when an exported CSV is imported again."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text

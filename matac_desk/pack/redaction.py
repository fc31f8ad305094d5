"""What the partner-agency (redacted) versions withhold from free text, and the count of what was withheld.

A redacted pack or profile prints no victim's or partner's address,
postcode or date of birth. The tables leave those columns out; free text
(minutes, actions and their updates, order conditions, tactics' notes,
Clare's Law notes, referral reasons) is passed through :meth:`Redactor.text`,
which replaces with ``[withheld]``:

- every stored address and postcode of an incident involving the victims
  and partners concerned, the whole address and its first line ("77 Acacia
  Road"), in any case and spacing;
- every stored date of birth of those victims and partners in the forms
  people write dates: ISO (1977-03-29), 29/03/1977, 29/3/77, 29-03-1977,
  29.03.1977, 29 March 1977, 29th Mar 1977, March 29, 1977;
- any UK postcode pattern at all ("ZZ9 4QX"), stored or not.

The redactor counts what it withheld per section, so the coordinator can
check the list before printing (:func:`withheld_lines`). Plain data and
regular expressions: nothing here knows reportlab or Qt.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from ..storage.store import Store

__all__ = ["WITHHELD", "POSTCODE", "Redactor", "redactor_for", "date_patterns", "withheld_lines"]

WITHHELD = "[withheld]"

# The UK postcode shape (outward code, optional space, inward code) as a whole word; looser than the
# Royal Mail's rules on purpose (fictitious ZZ codes, typing slips): withholding too much is the safe side.
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _month(n: int) -> str:
    full = _MONTHS[n - 1]
    return f"(?:{full}|{full[:3]}\\.?" + ("|Sept\\.?" if n == 9 else "") + ")"


def date_patterns(iso: str) -> list[str]:
    """Regular expressions for one date written the ways people write it.

    >>> import re
    >>> pats = date_patterns("1977-03-29")
    >>> all(any(re.search(p, s, re.I) for p in pats) for s in
    ...     ["1977-03-29", "29/03/1977", "29/3/77", "29-03-1977", "29.03.1977", "29 March 1977",
    ...      "29th Mar 1977", "March 29, 1977", "29 Mar. 77"])
    True
    """
    try:
        d = _dt.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return [re.escape(iso)] if iso else []
    day = f"0?{d.day}" if d.day < 10 else str(d.day)
    mon = f"0?{d.month}" if d.month < 10 else str(d.month)
    year = f"(?:{d.year}|{d.year % 100:02d})"
    suffix = r"(?:st|nd|rd|th)?"
    sep = r"[/\-.\\ ]"
    return [
        rf"(?<!\d){d.year}-{d.month:02d}-{d.day:02d}(?!\d)",
        rf"(?<!\d){day}{sep}{mon}{sep}{year}(?!\d)",
        rf"(?<!\d){day}{suffix}\s+(?:of\s+)?{_month(d.month)},?\s+{year}(?!\d)",
        rf"\b{_month(d.month)}\s+{day}{suffix},?\s+{year}(?!\d)",
    ]


def _loose(text: str) -> str:
    """A literal that matches whatever the spacing and case."""
    words = [re.escape(w) for w in re.split(r"[\s,]+", text.strip()) if w]
    return r"\b" + r"[\s,]+".join(words) + r"(?!\w)" if words else ""


@dataclass
class Redactor:
    """Replaces the facts to withhold in free text and counts them per section."""

    addresses: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    dobs: tuple[str, ...] = ()
    counts: Counter = field(default_factory=Counter)
    _pattern: re.Pattern | None = None

    def __post_init__(self) -> None:
        pats: list[str] = []
        lines = set()
        for a in self.addresses:
            if not a:
                continue
            lines.add(a)
            first = a.split(",")[0].strip()
            if len(first) >= 6 and re.search(r"\d", first) and re.search(r"[A-Za-z]{3}", first):
                lines.add(first)
        # longest first, so a whole address is withheld before its first line is looked for
        pats += [_loose(a) for a in sorted(lines, key=len, reverse=True)]
        pats += [_loose(p) for p in self.postcodes if p]
        for d in sorted(set(self.dobs)):
            pats += date_patterns(d)
        pats.append(POSTCODE.pattern)
        self._pattern = re.compile("|".join(f"(?:{p})" for p in pats if p), re.IGNORECASE)

    def text(self, value, section: str):
        """``value`` with every fact to withhold replaced by ``[withheld]``; counted under ``section``."""
        if value is None or value == "":
            return value
        value = str(value)
        out, n = self._pattern.subn(WITHHELD, value)
        if n:
            self.counts[section] += n
        return out

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def redactor_for(store: Store, person_ids: Iterable[str]) -> Redactor:
    """The redactor for text about ``person_ids`` (subjects, nominees, alerts' perpetrators).

    It withholds the addresses and postcodes of every incident any of them,
    their victims or their partners was involved in, and the date of birth
    of every victim and partner of theirs (the persons themselves keep
    theirs: the profile prints a subject's own date of birth).
    """
    ids = json.dumps(sorted(set(person_ids)))
    conn = store.conn
    # merged records count as their root
    roots = {p: m for p, m in conn.execute("SELECT id, merged_into FROM persons WHERE merged_into IS NOT NULL")}
    wanted = set(json.loads(ids))
    expanded = json.dumps(sorted(wanted | {p for p, m in roots.items() if m in wanted}))
    victims = {v for (v,) in conn.execute(
        "SELECT DISTINCT victim_id FROM involvements WHERE perpetrator_id IN (SELECT value FROM json_each(?))"
        " AND victim_id IS NOT NULL", [expanded])}
    mine = set(json.loads(expanded))
    for a, b in conn.execute(
            "SELECT person_a_id, person_b_id FROM links WHERE person_a_id IN (SELECT value FROM json_each(?1))"
            " OR person_b_id IN (SELECT value FROM json_each(?1))", [expanded]):
        victims.update(x for x in (a, b) if x not in mine)
    victims |= {p for (p,) in conn.execute(
        "SELECT protected_person_id FROM orders WHERE person_id IN (SELECT value FROM json_each(?))"
        " AND protected_person_id IS NOT NULL", [expanded])}
    victims |= {p for (p,) in conn.execute(
        "SELECT disclosed_to_id FROM disclosures WHERE subject_id IN (SELECT value FROM json_each(?))"
        " AND disclosed_to_id IS NOT NULL", [expanded])}
    everyone = json.dumps(sorted(victims | mine))
    places = conn.execute(
        "SELECT DISTINCT i.address, i.postcode FROM incidents i WHERE i.ref IN (SELECT incident_ref FROM involvements"
        " WHERE perpetrator_id IN (SELECT value FROM json_each(?1)) OR victim_id IN (SELECT value FROM json_each(?1)))",
        [everyone]).fetchall()
    only_victims = json.dumps(sorted(victims - mine))
    dobs = [d for (d,) in conn.execute("SELECT DISTINCT dob FROM persons WHERE dob IS NOT NULL AND id IN"
                                       " (SELECT value FROM json_each(?))", [only_victims])]
    return Redactor(tuple(a for a, _ in places if a), tuple(p for _, p in places if p), tuple(dobs))


def withheld_lines(counts: Counter) -> list[str]:
    """The count of what was withheld, one line per section ("Minutes: 3 withheld")."""
    return [f"{section}: {n} withheld" for section, n in sorted(counts.items())]

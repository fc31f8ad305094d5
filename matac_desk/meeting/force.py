"""The force's own names: the force, its divisions and its partner agencies, kept in the store's settings.

Packs and screens show them; the division list is the order divisions are
shown in (the data may hold others: :func:`divisions_in_data`). The agency
list is what the screens offer wherever an agency is chosen (an action's
owner, a meeting's attendee, a referral, a pack for one agency), merged
with the agencies already named in the data (:func:`agency_choices`).
Until the force saves its own list, :data:`DEFAULT_AGENCIES` stands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..domain import UserError
from ..storage.store import Store

__all__ = ["ForceSettings", "load", "save", "divisions_in_data", "agencies_in_data", "agency_choices",
           "DEFAULT_AGENCIES", "NAME_KEY", "DIVISIONS_KEY", "AGENCIES_KEY"]

NAME_KEY = "force.name"
DIVISIONS_KEY = "force.divisions"
AGENCIES_KEY = "force.agencies"
MAX_NAME = 100
MAX_DIVISIONS = 60
MAX_AGENCIES = 60

DEFAULT_AGENCIES = ("Police", "Probation", "Housing", "Children's Social Care", "Adult Social Care", "Health",
                    "IDVA service", "Drive")
"""The agencies that sit at most MATAC tables; a force replaces them with its own list."""


@dataclass(frozen=True)
class ForceSettings:
    name: str = ""
    divisions: tuple[str, ...] = field(default_factory=tuple)
    agencies: tuple[str, ...] = DEFAULT_AGENCIES


def load(store: Store) -> ForceSettings:
    agencies = store.get_setting(AGENCIES_KEY)
    return ForceSettings(store.get_setting(NAME_KEY, "") or "", tuple(store.get_setting(DIVISIONS_KEY, []) or []),
                         DEFAULT_AGENCIES if agencies is None else tuple(agencies))


def _names(what: str, names: Iterable[str], most: int) -> tuple[str, ...]:
    """Tidied names in their order, blanks dropped; a UserError for a long one, a repeat or too many."""
    seen: dict[str, str] = {}
    for n in names:
        n = " ".join(n.split())
        if not n:
            continue
        if len(n) > MAX_NAME:
            raise UserError(f"{what} {n[:30]!r}…: longer than {MAX_NAME} characters")
        if n.casefold() in seen:
            raise UserError(f"{what} {n!r} is listed twice")
        seen[n.casefold()] = n
    if len(seen) > most:
        plural = "divisions" if what == "division" else "agencies"
        raise UserError(f"{len(seen)} {plural}: at most {most}")
    return tuple(seen.values())


def _clean(settings: ForceSettings) -> ForceSettings:
    name = " ".join(settings.name.split())
    if len(name) > MAX_NAME:
        raise UserError(f"the force name is longer than {MAX_NAME} characters")
    return ForceSettings(name, _names("division", settings.divisions, MAX_DIVISIONS),
                         _names("agency", settings.agencies, MAX_AGENCIES))


def save(store: Store, settings: ForceSettings) -> ForceSettings:
    """Check and save the names in one transaction; returns what was saved (spaces tidied).

    Only what changed is written, and each setting written is one audit entry.
    """
    clean = _clean(settings)
    with store.transaction():
        if clean.name != (store.get_setting(NAME_KEY, "") or ""):
            store.set_setting(NAME_KEY, clean.name)
        if list(clean.divisions) != (store.get_setting(DIVISIONS_KEY, []) or []):
            store.set_setting(DIVISIONS_KEY, list(clean.divisions))
        if list(clean.agencies) != store.get_setting(AGENCIES_KEY):
            store.set_setting(AGENCIES_KEY, list(clean.agencies))
    return clean


def divisions_in_data(store: Store) -> list[str]:
    """Division names found on incidents, most used first."""
    return [r[0] for r in store.conn.execute(
        "SELECT division FROM incidents WHERE division IS NOT NULL AND division != ''"
        " GROUP BY division ORDER BY count(*) DESC, division")]


def agencies_in_data(store: Store) -> list[str]:
    """Agencies named on actions, meeting attendees and referrals, most used first (one spelling each)."""
    counts: dict[str, list] = {}
    for agency, n in store.conn.execute(
            "SELECT agency, count(*) FROM (SELECT agency FROM actions UNION ALL SELECT agency FROM meeting_attendees"
            " UNION ALL SELECT agency FROM referrals) WHERE trim(agency) != '' GROUP BY agency"):
        agency = " ".join(agency.split())
        entry = counts.setdefault(agency.casefold(), [agency, 0, 0])
        if n > entry[2]:      # the spelling used most names the agency
            entry[0], entry[2] = agency, n
        entry[1] += n
    return [a for a, _n, _best in sorted(counts.values(), key=lambda e: (-e[1], e[0].casefold()))]


def agency_choices(store: Store) -> list[str]:
    """What to offer where an agency is chosen: the force's list in its order, then others the data names.

    An agency in the data that differs from one on the list only in case or
    spacing is the listed one.
    """
    listed = list(load(store).agencies)
    known = {a.casefold() for a in listed}
    others = sorted((a for a in agencies_in_data(store) if a.casefold() not in known), key=str.casefold)
    return listed + others

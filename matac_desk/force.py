"""The force's own names: the force and its divisions, kept in the store's settings.

Packs and screens show them; the division list is the order divisions are
shown in (the data may hold others: :func:`divisions_in_data`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import UserError
from .store import Store

__all__ = ["ForceSettings", "load", "save", "divisions_in_data", "NAME_KEY", "DIVISIONS_KEY"]

NAME_KEY = "force.name"
DIVISIONS_KEY = "force.divisions"
MAX_NAME = 100
MAX_DIVISIONS = 60


@dataclass(frozen=True)
class ForceSettings:
    name: str = ""
    divisions: tuple[str, ...] = field(default_factory=tuple)


def load(store: Store) -> ForceSettings:
    return ForceSettings(store.get_setting(NAME_KEY, "") or "", tuple(store.get_setting(DIVISIONS_KEY, []) or []))


def _clean(settings: ForceSettings) -> ForceSettings:
    name = " ".join(settings.name.split())
    if len(name) > MAX_NAME:
        raise UserError(f"the force name is longer than {MAX_NAME} characters")
    seen: dict[str, str] = {}
    for d in settings.divisions:
        d = " ".join(d.split())
        if not d:
            continue
        if len(d) > MAX_NAME:
            raise UserError(f"division {d[:30]!r}…: longer than {MAX_NAME} characters")
        if d.casefold() in seen:
            raise UserError(f"division {d!r} is listed twice")
        seen[d.casefold()] = d
    if len(seen) > MAX_DIVISIONS:
        raise UserError(f"{len(seen)} divisions: at most {MAX_DIVISIONS}")
    return ForceSettings(name, tuple(seen.values()))


def save(store: Store, settings: ForceSettings) -> ForceSettings:
    """Check and save both names in one transaction; returns what was saved (spaces tidied)."""
    clean = _clean(settings)
    with store.transaction():
        if clean.name != (store.get_setting(NAME_KEY, "") or ""):
            store.set_setting(NAME_KEY, clean.name)
        if list(clean.divisions) != (store.get_setting(DIVISIONS_KEY, []) or []):
            store.set_setting(DIVISIONS_KEY, list(clean.divisions))
    return clean


def divisions_in_data(store: Store) -> list[str]:
    """Division names found on incidents, most used first."""
    return [r[0] for r in store.conn.execute(
        "SELECT division FROM incidents WHERE division IS NOT NULL AND division != ''"
        " GROUP BY division ORDER BY count(*) DESC, division")]

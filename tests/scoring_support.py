"""Small extracts for the scoring tests, written as CSV and imported through the real importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import write_csv

from matac_desk.intake.importer import import_extract

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_dob", "victim_id",
          "division", "victim_dob", "offence_code", "address", "postcode", "relationship"]
A = dt.date(2026, 11, 1)          # the as-of date of most cases
LATER = dt.date(2030, 1, 1)       # "today" for the importer, so incidents after A can be imported


def day(days_before: int, as_of: dt.date = A) -> str:
    """The ISO date ``days_before`` days before ``as_of`` (negative: after it)."""
    return (as_of - dt.timedelta(days=days_before)).isoformat()


def row(ref: str, days_before: int, offence: str, perp: str, victim: str, *, dob: str = "",
        division: str = "North", victim_dob: str = "", code: str = "", address: str = "", postcode: str = "",
        relationship: str = "") -> list[str]:
    return [ref, day(days_before), offence, perp, dob, victim, division, victim_dob, code, address, postcode,
            relationship]


def load(store, tmp_path: Path, rows: list[list[str]], name: str = "extract.csv") -> None:
    """Import ``rows`` (lists in ``HEADER`` order) through the importer."""
    # Rows written for the first seven columns (older tests) get the later ones blank.
    path = write_csv(tmp_path / name, HEADER, [r + [""] * (len(HEADER) - len(r)) for r in rows])
    summary = import_extract(store, path, today=LATER, backup=False)
    assert summary.rejected == 0, summary.rejects


def merge(store, record: str, into: str) -> None:
    """Mark ``record`` as merged into ``into`` (what the graph module's merge does to persons)."""
    with store.transaction():
        store.conn.execute("UPDATE persons SET merged_into = ? WHERE id = ?", [into, record])

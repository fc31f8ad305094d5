"""Helpers shared by the security and reliability tests (issue 8)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from matac_desk.store import Store

PASSPHRASE = "test passphrase 123"


def store_text(store: Store, *, include_audit: bool = True) -> list[tuple[str, str, str]]:
    """Every text value in every table of the store, as (table, column, value)."""
    out = []
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for t in tables:
        if t == "audit_log" and not include_audit:
            continue
        cols = [r[1] for r in store.conn.execute(f'PRAGMA table_info("{t}")')]
        for row in store.conn.execute(f'SELECT * FROM "{t}"'):
            for c, v in zip(cols, row):
                if isinstance(v, str):
                    out.append((t, c, v))
    return out


def mentions(store: Store, *needles: str) -> list[tuple[str, str, str]]:
    """The text values that hold any of the needles (case-insensitive)."""
    low = [n.casefold() for n in needles if n]
    return [(t, c, v) for t, c, v in store_text(store) if any(n in v.casefold() for n in low)]


def cli(*args: str, env: dict | None = None, input_text: str | None = None, timeout: float = 120):
    """Run ``matac-desk`` in a subprocess; returns the CompletedProcess (text)."""
    full_env = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_IMPORT_THREADS="1")
    full_env.pop("MATAC_DESK_DEBUG", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "matac_desk", *args], capture_output=True, text=True,
                          env=full_env, input=input_text, timeout=timeout)


def extract(path: Path, rows: list[list[str]]) -> Path:
    """A canonical extract with the given rows (incident_ref, date, offence, perp id/fn/sn/dob, victim ...)."""
    import csv
    header = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename",
              "perpetrator_surname", "perpetrator_dob", "victim_id", "victim_forename", "victim_surname",
              "victim_dob", "relationship", "address", "postcode"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


TODAY = dt.date(2026, 11, 1)

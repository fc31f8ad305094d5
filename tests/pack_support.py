"""Helpers for the pack tests: a demo store with a year of meetings, and PDF text as a reader sees it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from conftest import PASSPHRASE, TODAY
from matac_desk.services.demo import DemoSpec, fill_store
from matac_desk.storage.store import Store

SPEC = dict(seed=1, incidents=500)
ARABIC = ("عمران", "خان")

_CONTROLS = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def demo_store(folder: Path, **spec) -> Store:
    """A small demo store with a year of meetings; one subject of the next meeting is named in Arabic script."""
    from matac_desk.meeting import cohort, meetings
    from matac_desk.domain import name_key
    store = Store.create(folder / "demo.mdesk", PASSPHRASE)
    fill_store(store, DemoSpec(as_of=TODAY, **(SPEC | spec)))
    m = meetings.next_meeting(store, TODAY)
    members = sorted(c.person_id for c in cohort.cohort(store, m.date))
    if members:
        with store.transaction():
            store.conn.execute("UPDATE persons SET forename = ?, surname = ?, name_key = ? WHERE id = ?",
                               [*ARABIC, name_key(*ARABIC), members[0]])
    return store


def fold(text: str) -> str:
    """Text as compared: compatibility forms (Arabic presentation forms) folded, bidi marks and spaces removed."""
    return re.sub(r"\s+", "", _CONTROLS.sub("", unicodedata.normalize("NFKC", text)))


def page_texts(pdf: Path | bytes) -> list[str]:
    import io

    import pypdf
    reader = pypdf.PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
    return [p.extract_text() or "" for p in reader.pages]


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(level, title, page index) of every outline entry, in order."""
    import pypdf
    reader = pypdf.PdfReader(str(pdf))
    out = []

    def walk(items, level):
        for it in items:
            if isinstance(it, list):
                walk(it, level + 1)
            else:
                out.append((level, it.title, reader.get_destination_page_number(it)))
    walk(reader.outline, 0)
    return out

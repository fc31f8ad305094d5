"""Coverage-guided fuzzing of the importer with atheris (optional; not part of the test suite).

    pip install atheris
    python tests/fuzz_atheris.py -max_total_time=60 -rss_limit_mb=4096

Each input is written as an extract and imported into one store. Anything but
a summary or a UserError is a crash; so is a store whose counts moved when
the import failed, or moved otherwise than the summary says.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from matac_desk.domain import UserError
    from matac_desk.importer import import_extract
    from matac_desk.store import Store

os.environ.setdefault("MATAC_DESK_IMPORT_THREADS", "0")
FOLDER = Path(tempfile.mkdtemp(prefix="matac-fuzz-"))
STORE = Store.create(FOLDER / "fuzz.mdesk", "fuzzing passphrase 1")
CSV = FOLDER / "input.csv"
TABLES = ("involvements", "import_batches", "rejected_rows")


def counts():
    return [STORE.scalar(f"SELECT count(*) FROM {t}") for t in TABLES]


def one_input(data: bytes) -> None:
    CSV.write_bytes(data)
    before = counts()
    try:
        s = import_extract(STORE, CSV, today=dt.date(2026, 11, 1), backup=False)
    except UserError:
        if counts() != before:
            raise AssertionError("a failed import changed the store")
        return
    after = counts()
    if after[0] - before[0] != s.new or after[1] != before[1] + 1 or after[2] - before[2] != s.rejected:
        raise AssertionError("the store does not match the import summary")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

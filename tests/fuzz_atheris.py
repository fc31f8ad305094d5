"""Coverage-guided fuzzing of the importer with atheris (optional; not part of the test suite).

    pip install atheris
    python tests/fuzz_atheris.py -max_total_time=60 -rss_limit_mb=4096 [CORPUS_FOLDER]

Each input is written as an extract and imported into one store; an input
whose first byte is odd gets the canonical header first (random bytes
seldom spell one). Without a corpus folder it starts from a few demo rows. Anything but
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

os.environ["MATAC_DESK_IMPORT_THREADS"] = "0"  # read when the importer is imported: one thread, all of it traced

with atheris.instrument_imports():
    from matac_desk.domain import UserError
    from matac_desk.intake.importer import CANONICAL_COLUMNS, import_extract
    from matac_desk.storage.store import Store

FOLDER = Path(tempfile.mkdtemp(prefix="matac-fuzz-"))
STORE = Store.create(FOLDER / "fuzz.mdesk", "fuzzing passphrase 1")
CSV = FOLDER / "input.csv"
TABLES = ("involvements", "import_batches", "rejected_rows")
# Random bytes seldom spell a header the importer accepts: inputs whose first byte is odd get one.
HEADER = (",".join(CANONICAL_COLUMNS) + "\r\n").encode()


def counts():
    return [STORE.scalar(f"SELECT count(*) FROM {t}") for t in TABLES]


def one_input(data: bytes) -> None:
    if data and data[0] & 1:
        data = HEADER + data[1:]
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


def seed_corpus() -> Path:
    """A few real rows (demo data; ISO and UK dates) to start from, when no corpus folder is given."""
    from matac_desk.services.demo import DemoSpec, write_csv
    corpus = FOLDER / "corpus"
    corpus.mkdir()
    for i, uk in enumerate((False, True)):
        src = FOLDER / f"seed{i}.csv"
        write_csv(src, DemoSpec(seed=i, incidents=20, as_of=dt.date(2026, 11, 1)), max_rows=4, uk_dates=uk)
        (corpus / f"seed{i}").write_bytes(b"\x01" + src.read_bytes().split(b"\n", 1)[1])  # odd: the header
    return corpus


if __name__ == "__main__":
    argv = sys.argv if any(not a.startswith("-") for a in sys.argv[1:]) else sys.argv + [str(seed_corpus())]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()

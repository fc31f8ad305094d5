"""The importer against hostile files: random bytes, broken quoting, huge fields, NUL bytes, many encodings.

Never a crash (only a UserError or a summary) and never a partial import: the store's counts change
exactly as the summary says, or not at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from matac_desk.domain import UserError
from matac_desk.intake.importer import CANONICAL_COLUMNS, MAX_FIELD, import_extract
from matac_desk.storage.store import Store
from conftest import PASSPHRASE, TODAY

_counter = itertools.count()
# MATAC_DESK_FUZZ_EXAMPLES=2000 for a longer run by hand
FUZZ = settings(max_examples=int(os.environ.get("MATAC_DESK_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    s = Store.create(folder / "fuzz.mdesk", PASSPHRASE)
    yield s, folder
    s.close()


def _counts(s: Store) -> dict:
    return {t: s.scalar(f"SELECT count(*) FROM {t}")
            for t in ("involvements", "incidents", "persons", "import_batches", "rejected_rows", "audit_log")}


def _check(fuzz_store, data: bytes) -> None:
    s, folder = fuzz_store
    path = folder / f"f{next(_counter)}.csv"
    path.write_bytes(data)
    before = _counts(s)
    try:
        summary = import_extract(s, path, today=TODAY, backup=False)
    except UserError as e:
        assert "\n" not in str(e)
        assert _counts(s) == before
        return
    after = _counts(s)
    assert after["involvements"] - before["involvements"] == summary.new
    assert after["import_batches"] == before["import_batches"] + 1
    assert after["rejected_rows"] - before["rejected_rows"] == summary.rejects_kept
    assert summary.rejects_kept + summary.rejects_already_kept == summary.rejected
    assert summary.rows_read == summary.new + summary.updated + summary.unchanged + summary.rejected
    # every physical line accounted for, and as many as the file has
    assert summary.reconciled, summary.as_dict()
    assert summary.lines_read == _physical_lines(data, summary.encoding)
    assert all(len(r.reason.encode()) < 1000 for r in summary.rejects)
    assert s.scalar("PRAGMA foreign_key_check") is None


def _physical_lines(data: bytes, encoding: str) -> int:
    """Lines as a text editor counts them: \\n, \\r\\n and \\r end a line (counted here on the bytes)."""
    if encoding == "utf-16":
        data = data.decode("utf-16").encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    ends = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return ends + (1 if data and not data.endswith((b"\n", b"\r")) else 0)


HEADER = ",".join(CANONICAL_COLUMNS) + "\r\n"


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(fuzz_store, data):
    _check(fuzz_store, data)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_after_a_good_header(fuzz_store, data):
    _check(fuzz_store, HEADER.encode() + data)


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['"', '""', '"a,b"', 'x"y', "\x00", "\r", "\n", "2024-02-30", "17/05/2024 21:30", "=1+2",
                     "'=cmd", "high", "yes", "P1", "V1", "Common assault", "\ufeff", "\u202e"]),
    st.text(min_size=MAX_FIELD - 2, max_size=MAX_FIELD + 3, alphabet="ab"),
)


def _text_encodings() -> list[str]:
    """Every text encoding Python knows (91 on 3.11), by its canonical name."""
    import encodings.aliases
    found = set()
    for name in set(encodings.aliases.aliases.values()) | {"utf_8_sig", "utf_16_be", "utf_16_le", "utf_32_be",
                                                            "utf_32_le"}:
        try:
            c = codecs.lookup(name)
        except LookupError:
            continue
        if getattr(c, "_is_text_encoding", True):
            found.add(c.name)
    return sorted(found)


ENCODINGS = _text_encodings()


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=len(CANONICAL_COLUMNS) + 2), max_size=12),
       encoding=st.sampled_from(ENCODINGS),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
def test_structured_rows_in_many_encodings(fuzz_store, rows, encoding, quoting):
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, escapechar="\\")
    w.writerow(CANONICAL_COLUMNS)
    for r in rows:
        try:
            w.writerow(r)
        except csv.Error:
            buf.write(",".join(r) + "\r\n")  # what csv refuses to write, written raw: broken quoting
    _check(fuzz_store, buf.getvalue().encode(encoding, errors="replace"))


def test_every_text_encoding_is_tried():
    assert len(ENCODINGS) > 80 and {"utf-8", "utf-16-be", "utf-32", "cp1252", "gb18030", "utf-7"} <= set(ENCODINGS)


GOOD = "INC1,2024-01-01,x,,P1,,,,V1"


@pytest.mark.parametrize("data, outcome", [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf", "no header row"),
    # an unterminated quote swallows the rest of the file into one field: one rejected row
    (HEADER.encode() + b'"unterminated,2024-01-01,x,,P1,,,,V1\r\n', (0, 1, "is not closed before the end of the file")),
    # 100,009 fields: the extra ones are cut, "x" lands in victim_dob
    (HEADER.encode() + GOOD.encode() + b",x" * 100000 + b"\r\n", (0, 1, "victim_dob: not a date")),
    (HEADER.encode() + b"INC1,2024-01-01," + b"y" * (1 << 22) + b",,P1,,,,V1\r\n", (0, 1, "longer than 1000")),
    (HEADER.encode() + b"\x00" * 5000, (0, 1, "NUL byte")),
    (codecs.BOM_UTF16_LE + (HEADER + GOOD + "\r\n").encode("utf-16-le"), (1, 0, None)),
    (HEADER.encode() + (GOOD + "\r").encode() * 3, (1, 0, None)),  # old Mac line ends; the same row thrice
    (HEADER.encode() + b"INC2,2024-01-01,x,,P1,,,,V\x001\r\nINC3,2024-01-01,x,,P1,,,,V2\r\n", (1, 1, "NUL byte")),
])
def test_known_nasty_files(store, tmp_path, data, outcome):
    path = tmp_path / "nasty.csv"
    path.write_bytes(data)
    if isinstance(outcome, str):
        with pytest.raises(UserError, match=outcome):
            import_extract(store, path, today=TODAY, backup=False)
        assert store.scalar("SELECT count(*) FROM import_batches") == 0
        return
    new, rejected, reason = outcome
    summary = import_extract(store, path, today=TODAY, backup=False)
    assert (summary.new, summary.rejected) == (new, rejected)
    assert store.scalar("SELECT count(*) FROM involvements") == new
    if reason:
        assert reason in next(iter(summary.rejected_by_reason))

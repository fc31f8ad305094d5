"""Import integrity: no row lost, garbled or guessed silently.

Stray and unclosed quotes, damaged headers, invalid bytes, Windows-1252 files, two headers for one column,
the reject limit, short messages, rejects kept once, and every failing import leaving the store as it was.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from matac_desk.domain import UserError
from matac_desk.intake.importer import (
    RejectLimitExceeded,
    choose_encoding,
    guess_mapping,
    import_extract,
    resolve_columns,
    shown,
)
from matac_desk.services import imports
from matac_desk.storage.backups import list_backups

from conftest import TODAY

HEADER = "incident_ref,incident_date,offence,perpetrator_id,perpetrator_forename,victim_id,victim_forename,division"


def line(n: int, *, forename: str = "Lee", division: str = "South") -> str:
    return f"R{n},2026-05-{n % 28 + 1:02d},Common assault,P{n},{forename},V{n},Amy,{division}"


def write(tmp_path, text: str | bytes, name: str = "x.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def snapshot(store) -> tuple[bytes, list[str]]:
    """The store file's bytes (its WAL checkpointed) and the backups beside it."""
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.path.read_bytes(), sorted(b.path.name for b in list_backups(store.path))


@pytest.fixture
def held(store, tmp_path):
    """A store holding one import, so that an import would take a pre-import backup."""
    import_extract(store, write(tmp_path, HEADER + "\n" + line(900) + "\n", "first.csv"), today=TODAY)
    return store


# --------------------------------------------------------------------------- quotes and lines

def test_a_stray_quote_rejects_the_lines_it_spans_and_nothing_else(store, tmp_path):
    rows = [line(n) for n in range(1, 7)]
    rows[1] = line(2, division='"North')      # line 3 opens a quote ...
    rows[3] = line(4, division='North"')      # ... line 5 closes it
    s = import_extract(store, write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"), today=TODAY)
    assert (s.rows_read, s.new, s.rejected) == (4, 3, 1)
    (rej,) = s.rejects
    assert (rej.row_number, rej.last_line, rej.column) == (3, 5, "division")
    assert rej.reason == "an opening quote on line 3 (“division”) is closed on line 5: lines 3–5 rejected"
    assert (s.lines_read, s.header_lines, s.row_lines, s.blank_lines, s.rejected_lines) == (7, 1, 3, 0, 3)
    assert s.reconciled
    assert {r for (r,) in store.conn.execute("SELECT ref FROM incidents")} == {"R1", "R5", "R6"}
    assert store.scalar("SELECT count(*) FROM incidents WHERE division LIKE '%' || char(10) || '%'") == 0


def test_an_unclosed_quote_rejects_to_the_end_and_the_limit_stops_it(store, tmp_path):
    rows = [line(n) for n in range(1, 52)]
    rows[1] = line(2, division='"North')
    path = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(RejectLimitExceeded, match=r"50 of 51 data lines rejected \(more than 20%\)"):
        import_extract(store, path, today=TODAY)
    s = import_extract(store, path, today=TODAY, max_rejects=None, max_reject_share=None)
    assert (s.new, s.rejected, s.rejected_lines, s.lines_read) == (1, 1, 50, 52) and s.reconciled
    assert s.rejects[0].reason == ("a quote opened in the row on line 3 is not closed before the end of the file: "
                                   "lines 3–52 rejected")


def test_an_unclosed_quote_on_the_last_line_without_a_line_end(store, tmp_path):
    s = import_extract(store, write(tmp_path, HEADER + "\n" + line(1) + "\n" + line(2, division='"North')),
                       today=TODAY)
    assert (s.new, s.rejected, s.lines_read) == (1, 1, 3) and s.reconciled


def test_a_quoted_address_may_span_lines(store, tmp_path):
    header = HEADER + ",address"
    text = header + "\n" + line(1) + ',"1 Elm Grove\nNorthtown"\n' + line(2) + ",2 Oak Road\n"
    s = import_extract(store, write(tmp_path, text), today=TODAY)
    assert (s.new, s.rejected, s.lines_read, s.row_lines) == (2, 0, 4, 3) and s.reconciled
    assert store.scalar("SELECT address FROM incidents WHERE ref = 'R1'") == "1 Elm Grove\nNorthtown"


def test_blank_lines_and_empty_rows_are_counted(store, tmp_path):
    text = HEADER + "\n" + line(1) + "\n\n,,,,,,,\n" + line(2) + "\r\n\r\n"
    s = import_extract(store, write(tmp_path, text), today=TODAY)
    assert (s.lines_read, s.row_lines, s.blank_lines, s.rejected_lines) == (6, 2, 3, 0) and s.reconciled


# --------------------------------------------------------------------------- the header

@pytest.mark.parametrize("header", [
    # the required columns before the quote: the whole file would be the header
    "incident_ref,incident_date,offence,perpetrator_id,\"victim_id,victim_forename",
    # without them
    "\"incident_ref,incident_date,offence,perpetrator_id,victim_id",
])
def test_a_header_that_opens_a_quote_refuses_the_file_before_any_backup(held, tmp_path, header):
    body = "\n".join(f"R{n},2026-05-01,x,P{n},\x1b[31mSiobhán{n}\x1b[0m,V{n}" for n in range(5000))
    before = snapshot(held)
    with pytest.raises(UserError) as e:
        import_extract(held, write(tmp_path, header + "\n" + body + "\n"), today=TODAY)
    message = str(e.value)
    assert "a quote opened in the header row (line 1" in message
    assert len(message.encode()) < 1000 and "\x1b" not in message and "Siobh" not in message
    assert snapshot(held) == before


def test_a_header_field_longer_than_100_characters_refuses_the_file(store, tmp_path):
    path = write(tmp_path, "incident_ref," + "y" * 101 + "\n" + line(1) + "\n")
    with pytest.raises(UserError, match=r"column 2 of the header row is 101 characters long \(at most 100\)"):
        import_extract(store, path, today=TODAY)
    assert store.scalar("SELECT count(*) FROM import_batches") == 0


@pytest.mark.parametrize("sep, word", [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")])
@pytest.mark.parametrize("short", [True, False])
def test_a_file_separated_by_another_character_is_refused_saying_so(store, tmp_path, sep, word, short):
    """A semicolon-, tab- or bar-separated export reads as one column: the refusal says what it seems to be,
    both when line 1 is short (no known column) and when it is longer than a header field may be."""
    header = HEADER if not short else "incident_ref,incident_date,offence"
    text = header.replace(",", sep) + "\n" + line(1).replace(",", sep) + "\n"
    with pytest.raises(UserError) as e:
        import_extract(store, write(tmp_path, text), today=TODAY)
    n = header.count(",")
    assert f"line 1 holds {n} {word} and no comma: the file seems to be separated by {word}" in str(e.value)
    assert "R1" not in str(e.value) and len(str(e.value)) < 1024
    assert store.scalar("SELECT count(*) FROM import_batches") == 0


def test_a_comma_file_gets_no_separator_hint(store, tmp_path):
    with pytest.raises(UserError) as e:
        import_extract(store, write(tmp_path, "ref;a,date;b,what;c\nR1,2,3\n"), today=TODAY)
    assert "seems to be separated" not in str(e.value)


# --------------------------------------------------------------------------- encodings

UTF8_NAMES = ["Siobhán", "Zoë", "Łukasz", "Müller", "Ólafur"]


def _utf8_file_with_a_cp1252_byte(at: int) -> bytes:
    rows = [line(n + 1, forename=UTF8_NAMES[n % len(UTF8_NAMES)]) for n in range(9)]
    data = [r.encode("utf-8") for r in rows]
    data[at] = line(at + 1, forename="Ren").encode() .replace(b"Ren", b"Ren\xe9")   # one Windows-1252 byte
    return HEADER.encode() + b"\n" + b"\n".join(data) + b"\n"


@pytest.mark.parametrize("at", [0, 4, 8])
def test_one_windows_byte_in_a_utf8_file_rejects_its_row_only(store, tmp_path, at):
    data = _utf8_file_with_a_cp1252_byte(at)
    path = write(tmp_path, data)
    s = import_extract(store, path, today=TODAY)
    assert s.encoding == "utf-8" and "are UTF-8 and 1 byte(s) on 1 line(s) are not" in s.encoding_why
    (rej,) = s.rejects
    offset = data.index(b"\xe9")
    assert rej.row_number == at + 2 and rej.column == "perpetrator_forename"
    assert rej.reason == f"line {at + 2}: byte E9 at byte offset {offset:,} is not UTF-8 (the file is UTF-8)"
    assert rej.value == "Ren\\xe9"
    names = {f for (f,) in store.conn.execute("SELECT forename FROM persons")}
    assert set(UTF8_NAMES) - {UTF8_NAMES[at % len(UTF8_NAMES)]} <= names
    assert not any("Ã" in n for n in names if n)
    kept = store.scalar("SELECT raw FROM rejected_rows")
    assert "Ren\\\\xe9" in kept   # stored as text, the byte named


def test_a_truncated_character_at_the_very_end(store, tmp_path):
    data = (HEADER + "\n" + line(1, forename="Zoë") + "\n" + line(2)).encode() + b"\xc3"
    s = import_extract(store, write(tmp_path, data), today=TODAY)
    assert s.encoding == "utf-8" and s.new == 1 and s.rejects[0].row_number == 3
    assert "byte C3 at byte offset" in s.rejects[0].reason


def test_an_invalid_byte_in_the_header_refuses_the_file(store, tmp_path):
    data = b"incident_r\xe9f," + HEADER.encode()[13:] + b"\n" + line(1, forename="Zoë").encode() + b"\n"
    with pytest.raises(UserError, match=r"the header row cannot be read: line 1: byte E9 at byte offset 10"):
        import_extract(store, write(tmp_path, data), today=TODAY)


def test_a_genuine_windows_1252_file_is_read_as_such(store, tmp_path):
    text = HEADER + "\n" + "\n".join(line(n + 1, forename=name) for n, name in
                                     enumerate(["José", "Siobhán", "Müller", "Renée", "Ærøskøbing"])) + "\n"
    s = import_extract(store, write(tmp_path, text.encode("cp1252")), today=TODAY)
    assert s.encoding == "cp1252" and s.rejected == 0
    assert s.encoding_why.startswith("Windows-1252:") and "no character is written as UTF-8" in s.encoding_why
    assert {"José", "Siobhán", "Müller", "Renée"} <= {f for (f,) in store.conn.execute("SELECT forename FROM persons")}


def test_utf8_text_in_a_windows_file_is_rejected_not_decoded_twice(store, tmp_path):
    rows = [line(n + 1, forename="Jos\xe9").encode("cp1252") for n in range(30)]
    rows[7] = line(8, forename="Zoë").encode("utf-8")
    enc = choose_encoding(write(tmp_path, HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n"))
    assert enc.name == "cp1252" and list(enc.bad_lines) == [9]
    s = import_extract(store, tmp_path / "x.csv", today=TODAY)
    assert s.rejected == 1 and "are UTF-8 text in a file read as Windows-1252" in s.rejects[0].reason
    assert not any("Ã" in (f or "") for (f,) in store.conn.execute("SELECT forename FROM persons"))


# --------------------------------------------------------------------------- headers that mean one column

def test_two_headers_for_one_column_are_refused_naming_both(store, tmp_path):
    path = write(tmp_path, HEADER + ",Victim ID\n" + line(1) + ",V99\n")
    with pytest.raises(UserError, match="columns 6 “victim_id” and 9 “Victim ID” both hold victim_id"):
        import_extract(store, path, today=TODAY)
    # mapping one of them elsewhere settles it
    s = import_extract(store, path, mapping={"Victim ID": None}, today=TODAY)
    assert s.new == 1 and store.scalar("SELECT victim_id FROM involvements") == "V1"


def test_a_mapping_that_gives_one_column_twice_is_refused():
    with pytest.raises(UserError, match="“Occ No” and 2 “Ref” both hold incident_ref"):
        resolve_columns(["Occ No", "Ref"], {"Occ No": "incident_ref", "Ref": "incident_ref"}, "x.csv")


def test_relationship_headers_are_guessed():
    for header in ("Victim Relationship To Offender", "Relationship to suspect", "Rel Type"):
        assert guess_mapping(["Occurrence No", header]) == {"Occurrence No": "incident_ref", header: "relationship"}


# --------------------------------------------------------------------------- the reject limit

def test_a_file_of_junk_stops_before_the_backup(held, tmp_path):
    before = snapshot(held)
    path = write(tmp_path, HEADER + "\n" + "a\n" * 20000)
    with pytest.raises(RejectLimitExceeded) as e:
        import_extract(held, path, today=TODAY)
    assert "more than 1,000 rejected lines (stopped at line 1,002): nothing was imported" in str(e.value)
    assert "1,001 × perpetrator_id is empty" in str(e.value) and len(str(e.value).encode()) < 1000
    assert snapshot(held) == before


def test_the_share_limit_and_max_rejects(held, tmp_path):
    rows = [line(n) for n in range(1, 101)] + [f"R{n},not a date,x,P{n},,V{n},,South" for n in range(200, 230)]
    path = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    before = snapshot(held)
    with pytest.raises(RejectLimitExceeded, match=r"30 of 130 data lines rejected \(more than 20%\)"):
        import_extract(held, path, today=TODAY)
    assert snapshot(held) == before
    s = import_extract(held, path, today=TODAY, max_rejects=50, max_reject_share=None)
    assert (s.new, s.rejected) == (100, 30)
    assert [b.label for b in list_backups(held.path)] == ["pre-import"]


def test_a_limit_reached_after_the_backup_rolls_back_and_takes_the_backup_away(held, tmp_path):
    rows = [line(n) for n in range(1, 6001)] + [f"R{n},soon,x,P{n},,V{n},,South" for n in range(7000, 9000)]
    path = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    before = snapshot(held)
    with pytest.raises(RejectLimitExceeded, match="the import was rolled back and nothing changed"):
        import_extract(held, path, today=TODAY)
    assert snapshot(held) == before


def test_the_preview_says_whether_the_limit_would_stop_the_import(tmp_path):
    path = write(tmp_path, HEADER + "\n" + "\n".join(line(n) for n in range(1, 20)) + "\n" + "a\n" * 15)
    p = imports.preview(path, None, today=TODAY)
    assert "15 of 34 data lines rejected" in p.limit_error
    assert imports.preview(path, None, today=TODAY, max_reject_share=None).limit_error == ""


# --------------------------------------------------------------------------- messages

def test_echoed_values_are_cut_and_escaped():
    assert shown("x" * 100) == "x" * 40 + "…"
    assert shown("\x1b[31mred\u202e") == "\\x1b[31mred\\u202e"
    assert shown("tab\there\nnew") == "tab\\x09here\\x0anew"
    assert shown("Siobhán Müller") == "Siobhán Müller"


def test_reasons_echo_values_cut_and_escaped(store, tmp_path):
    evil = "\x1b]0;owned\x07" + "\u202e" + "9" * 600
    s = import_extract(store, write(tmp_path, HEADER + "\n" + line(1) + "\n" + f"R2,{evil},x,P2,,V2,,\n"),
                       today=TODAY)
    (rej,) = s.rejects
    assert rej.value.startswith("\\x1b]0;owned\\x07\\u202e") and rej.value.endswith("…")
    assert len(rej.value) < 80 and "\x1b" not in rej.reason


# --------------------------------------------------------------------------- rejects kept once

def test_a_file_imported_again_keeps_no_second_copy_of_its_rejects(store, tmp_path):
    path = write(tmp_path, HEADER + "\n" + line(1) + "\nR2,soon,x,P2,,V2,,\n")
    first = import_extract(store, path, today=TODAY)
    again = import_extract(store, path, today=TODAY)
    assert (first.rejects_kept, again.rejected, again.rejects_kept, again.rejects_already_kept) == (1, 1, 0, 1)
    assert store.scalar("SELECT count(*) FROM rejected_rows") == 1 == imports.unreviewed_count(store)
    # a changed file is another file: its rejects are kept
    path.write_text(HEADER + "\n" + line(1) + "\nR2,soon,x,P2,,V2,,\nR3,later,x,P3,,V3,,\n", encoding="utf-8")
    third = import_extract(store, path, today=TODAY)
    assert third.rejects_kept == 2


# --------------------------------------------------------------------------- every line accounted for

cells = st.sampled_from(["R1", "2026-05-01", "x", "P1", "V1", "", '"', '"North', 'North"', "a\nb", "\r", "é",
                         "?", "=1", "Zoë"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=10).map(lambda r: ",".join(r)), max_size=15),
       ending=st.sampled_from(["\n", "\r\n", "\r"]), last=st.booleans())
def test_every_physical_line_is_accounted_for(tmp_path_factory, rows, ending, last):
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE
    folder = tmp_path_factory.mktemp("lines")
    text = HEADER + ending + ending.join(rows) + (ending if last else "")
    path = write(folder, text)
    expected = sum(1 for _ in io.StringIO(text, newline=""))
    with Store.create(folder / "s.mdesk", PASSPHRASE) as store:
        s = import_extract(store, path, today=TODAY, max_rejects=None, max_reject_share=None)
        assert s.lines_read == expected
        assert s.reconciled, s.as_dict()
        assert store.scalar("SELECT count(*) FROM rejected_rows") == s.rejected
        p = imports.preview(path, None, today=TODAY)
        assert (p.lines.lines, p.rows_checked, p.rejected) == (s.lines_read, s.rows_read, s.rejected)
        # no stored value holds a line break except a multi-line column's
        assert not store.scalar("SELECT count(*) FROM persons WHERE instr(id || coalesce(forename, ''), char(10))"
                                " OR instr(id || coalesce(forename, ''), char(13))")


# --------------------------------------------------------------------------- encodings, by property

names = st.sampled_from(["Siobhán", "Zoë", "Łukasz", "Lee", "Amy", "Renée", "Ólafur"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forenames=st.lists(names, min_size=3, max_size=20), data=st.data())
def test_a_few_windows_bytes_never_switch_a_utf8_file(tmp_path_factory, forenames, data):
    """Whatever lines hold a Windows-1252 byte (and however many, up to a third of them), a file with UTF-8
    names stays UTF-8: exactly those rows are rejected, naming their line and byte, and no name is garbled."""
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE
    folder = tmp_path_factory.mktemp("enc")
    n = len(forenames)
    spoiled = set(data.draw(st.lists(st.integers(0, n - 1), max_size=n // 3, unique=True)))
    body = []
    for i, name in enumerate(forenames):
        row = line(i + 1, forename=name).encode("utf-8")
        body.append(row.replace(b",Amy,", b",Ren\xe9e,") if i in spoiled else row)
    raw = HEADER.encode() + b"\n" + b"\n".join(body) + b"\n"
    if not any(ord(c) > 127 for c in "".join(f for i, f in enumerate(forenames) if i not in spoiled)):
        return   # no UTF-8 character left: Windows-1252 is the honest reading then (tested above)
    path = write(folder, raw)
    with Store.create(folder / "s.mdesk", PASSPHRASE) as store:
        s = import_extract(store, path, today=TODAY, max_rejects=None, max_reject_share=None)
        assert s.encoding == "utf-8"
        assert sorted(r.row_number for r in s.rejects) == sorted(i + 2 for i in spoiled)
        for r in s.rejects:
            assert r.reason.startswith(f"line {r.row_number}: byte E9 at byte offset ")
            offset = int(r.reason.split("offset ")[1].split()[0].replace(",", ""))
            assert raw[offset] == 0xE9
        held = {f for (f,) in store.conn.execute("SELECT forename FROM persons")}
        assert {f for i, f in enumerate(forenames) if i not in spoiled} <= held
        assert not any("Ã" in (f or "") or "\ufffd" in (f or "") for f in held)
        assert s.reconciled


@pytest.mark.parametrize("data", [b"a,b\n1,2\n", b"a,b\n1,\xe9\n", b"a,b\n1,\xc3\xa9\n\xe9\n", b"\xef\xbb\xbfa\n",
                                  "a\n1\n".encode("utf-16")])
def test_the_encoding_pass_takes_the_files_hash(tmp_path, data):
    import hashlib
    assert choose_encoding(write(tmp_path, data)).sha256 == hashlib.sha256(data).hexdigest()

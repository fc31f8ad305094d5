"""Whole extracts: encodings, header matching, profiles, idempotency, corrections, cancel."""

import csv
import datetime as dt
import random

import pytest

from matac_desk.services.demo import DemoSpec, generate
from matac_desk.domain import Cancelled, UserError
from matac_desk.intake.importer import (
    CANONICAL_COLUMNS,
    guess_mapping,
    import_extract,
    read_headers,
    save_profile,
)

from conftest import TODAY, write_csv

COL = {c: i for i, c in enumerate(CANONICAL_COLUMNS)}

# The kinds of bad row the issue names, each with the column it spoils and the reason expected.
SPOILERS = [
    ("incident_ref", "", "incident_ref is empty"),
    ("perpetrator_id", "", "perpetrator_id is empty"),
    ("victim_id", "", "victim_id is empty"),
    ("incident_date", "31/02/2025", "incident_date: no such date"),
    ("incident_date", "2025/13/45", "incident_date: not a date (expected YYYY-MM-DD or DD/MM/YYYY)"),
    ("incident_date", "15/12/2026", "incident_date is in the future"),
    ("victim_id", None, "perpetrator and victim are the same person"),
    ("victim_dob", "01/01/2026 ", "victim_dob is after the incident date"),
]


def _uk(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" + (f" {iso[11:16]}" if len(iso) > 10 else "")


def messy_extract(tmp_path, n_incidents=400, seed=3):
    """A Windows-1252 extract, dd/mm/yyyy dates, shuffled mixed-case headers, ~5% bad rows of every kind."""
    rng = random.Random(seed)
    rows = [r for r in generate(DemoSpec(seed=seed, incidents=n_incidents, as_of=dt.date(2025, 12, 31)))]
    for r in rows:  # cp1252 cannot hold Arabic script; an older system would not have it either
        for i in (5, 6, 9, 10):
            r[i] = r[i].encode("cp1252", "replace").decode("cp1252")
        r[1] = _uk(r[1])
        r[7] = _uk(r[7])
        r[11] = _uk(r[11])
    bad = {}
    for idx in rng.sample(range(len(rows)), k=len(SPOILERS) * 3):
        col, value, reason = SPOILERS[len(bad) % len(SPOILERS)]
        r = rows[idx]
        if reason == "victim_dob is after the incident date":
            d = r[1][:10]
            value = f"{int(d[:2]) % 28 + 1:02d}/{d[3:5]}/{int(d[6:10]) + 1}"
        r[COL[col]] = r[COL["perpetrator_id"]] if value is None else value
        bad[idx] = reason
    order = list(CANONICAL_COLUMNS) + ["Officer In Case"]
    rng.shuffle(order)
    styles = [str.upper, str.title, lambda h: h.replace("_", " "), lambda h: h.replace("_", "-"), str]
    header = [rng.choice(styles)(h) for h in order]
    body = [[(r[COL[h]] if h in COL else "DC 1234") for h in order] for r in rows]
    path = write_csv(tmp_path / "extract.csv", header, body, encoding="cp1252")
    return path, rows, bad


def test_messy_windows_extract_imports_every_good_row_and_rejects_exactly_the_bad(store, tmp_path):
    path, rows, bad = messy_extract(tmp_path)
    raw = path.read_bytes()
    assert b"\xe9" in raw or b"\xf3" in raw or b"\xeb" in raw  # really cp1252, not UTF-8
    s = import_extract(store, path, today=dt.date(2025, 12, 31))
    assert s.encoding == "cp1252"
    assert s.rows_read == len(rows)
    assert s.rejected == len(bad)
    # the reasons speak the file's own header names ("INCIDENT DATE: no such date", not incident_date)
    spoken = {h.strip().casefold().replace(" ", "_").replace("-", "_"): h for h in read_headers(path)[0]}
    expected = {i: next((reason.replace(c, spoken[c], 1) for c in CANONICAL_COLUMNS if reason.startswith(c + " ")
                         or reason.startswith(c + ":")), reason) for i, reason in bad.items()}
    assert {r.row_number - 2: r.reason for r in s.rejects} == expected
    assert any(r.reason != bad[r.row_number - 2] for r in s.rejects)
    assert s.reconciled and s.lines_read == len(rows) + 1
    good = len(rows) - len(bad)
    keys = {(r[0], r[4], r[8], " ".join(r[2].split()).casefold()) for i, r in enumerate(rows) if i not in bad}
    assert s.new == len(keys) and s.new + s.updated + s.unchanged == good
    assert store.scalar("SELECT count(*) FROM involvements") == len(keys)
    assert store.scalar("SELECT count(*) FROM rejected_rows") == len(bad)
    # names came through the Windows encoding intact
    accented = {r[5] for i, r in enumerate(rows) if i not in bad and any(ord(c) > 127 for c in r[5])}
    held = {f for (f,) in store.conn.execute("SELECT forename FROM persons")}
    assert accented and accented <= held

    again = import_extract(store, path, today=dt.date(2025, 12, 31))
    assert (again.new, again.updated, again.unchanged, again.rejected) == (0, 0, s.new + s.updated + s.unchanged, len(bad))
    assert (again.persons_new, again.persons_updated, again.incidents_new, again.incidents_updated) == (0, 0, 0, 0)
    assert store.scalar("SELECT count(*) FROM involvements") == len(keys)


def _base_rows():
    return [
        ["A1", "2026-05-01", "Common assault", "P1", "Lee", "V1", "Amy", "girlfriend", "1990-01-01"],
        ["A1", "2026-05-01", "Criminal damage", "P1", "Lee", "V1", "Amy", "girlfriend", "1990-01-01"],
        ["A2", "2026-06-01", "Harassment", "P1", "Lee", "V2", "Kim", "ex-wife", "1991-02-02"],
    ]


HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename", "victim_id",
          "victim_forename", "relationship", "victim_dob"]


def test_a_corrected_extract_updates_the_rows_it_repeats(store, tmp_path):
    import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    fixed = _base_rows()
    fixed[0][7] = "partner"                 # relationship corrected: row updated
    fixed[2][1] = "2026-06-02"              # incident date corrected: incident updated
    fixed[2][8] = "1991-03-03"              # a changed date of birth: kept as a warning
    fixed.append(["A3", "2026-07-01", "Stalking", "P1", "Lee", "V2", "Kim", "ex-wife", "1991-03-03"])
    s = import_extract(store, write_csv(tmp_path / "b.csv", HEADER, fixed), today=TODAY)
    assert (s.new, s.updated, s.unchanged) == (1, 1, 2)
    assert (s.incidents_new, s.incidents_updated) == (1, 1)
    assert (s.persons_new, s.persons_updated, s.dob_warnings) == (0, 1, 1)
    assert store.scalar("SELECT relationship_kind FROM involvements WHERE offence = 'Common assault'") == "partner"
    assert store.scalar("SELECT date FROM incidents WHERE ref = 'A2'") == "2026-06-02"
    dq = store.conn.execute("SELECT person_id, kind, old_value, new_value FROM data_quality").fetchall()
    assert dq == [("V2", "dob_changed", "1991-02-02", "1991-03-03")]


def test_repeated_rows_in_one_file_count_once(store, tmp_path):
    rows = _base_rows() + [_base_rows()[0]]
    s = import_extract(store, write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert (s.rows_read, s.new, s.unchanged) == (4, 3, 1)


def test_blank_names_in_a_later_extract_do_not_erase_known_ones(store, tmp_path):
    import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    rows = [r[:4] + [""] + r[5:6] + [""] + r[7:8] + [""] for r in _base_rows()]
    s = import_extract(store, write_csv(tmp_path / "b.csv", HEADER, rows), today=TODAY)
    assert s.persons_updated == 0
    assert store.scalar("SELECT forename FROM persons WHERE id = 'V1'") == "Amy"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_detected(store, tmp_path, encoding):
    rows = [["A1", "01/05/2026", "Common assault", "P1", "Łukasz" if encoding != "cp1252" else "José", "V1",
             "Siobhán", "wife", ""]]
    path = write_csv(tmp_path / "a.csv", HEADER, rows, encoding=encoding)
    s = import_extract(store, path, today=TODAY)
    assert s.encoding == encoding and s.new == 1
    assert store.scalar("SELECT forename FROM persons WHERE id = 'V1'") == "Siobhán"


def test_missing_required_column_stops_before_writing(store, tmp_path):
    path = write_csv(tmp_path / "a.csv", ["Occurrence No", "incident_date", "offence", "perpetrator_id"],
                     [["A1", "2026-05-01", "x", "P1"]])
    with pytest.raises(UserError, match=r"a\.csv: required column\(s\) incident_ref, victim_id not found"):
        import_extract(store, path, today=TODAY)
    assert store.scalar("SELECT count(*) FROM import_batches") == 0


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\n\n", "no header row"),
])
def test_unusable_files(store, tmp_path, content, message):
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        import_extract(store, path, today=TODAY)


def test_no_such_file(store, tmp_path):
    with pytest.raises(UserError, match="no such file"):
        import_extract(store, tmp_path / "missing.csv", today=TODAY)


def test_import_profile_maps_a_forces_headers(store, tmp_path):
    header = ["Occurrence No", "Occurrence Date", "Offence Description", "Offender Nominal ID", "Victim Nominal ID"]
    path = write_csv(tmp_path / "niche.csv", header, [["OC/1", "02/05/2026 10:00", "Harassment", "N1", "N2"]])
    assert guess_mapping(header) == {
        "Occurrence No": "incident_ref", "Occurrence Date": "incident_date", "Offence Description": "offence",
        "Offender Nominal ID": "perpetrator_id", "Victim Nominal ID": "victim_id"}
    with pytest.raises(UserError, match="required column"):
        import_extract(store, path, today=TODAY)
    save_profile(store, "niche", guess_mapping(read_headers(path)[0]))
    s = import_extract(store, path, profile="niche", today=TODAY)
    assert s.new == 1
    with pytest.raises(UserError, match="no import profile called 'athena'; saved profiles: niche"):
        import_extract(store, path, profile="athena", today=TODAY)


def test_rejects_file_round_trips(store, tmp_path):
    rows = _base_rows()
    rows[1][0] = ""
    rows[2][2] = "=HYPERLINK(\"http://evil\")"
    rows[2][5] = "P1"
    out = tmp_path / "rejects.csv"
    s = import_extract(store, write_csv(tmp_path / "a.csv", HEADER, rows), rejects_path=out, today=TODAY)
    assert s.rejected == 2
    with open(out, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    assert got[0] == HEADER + ["row_number", "rejected_column", "rejected_value", "reason"]
    assert got[2][2].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert [g[-1] for g in got[1:]] == ["incident_ref is empty", "perpetrator and victim are the same person"]
    # corrected and imported again, the apostrophe is undone
    got[1][0] = "A9"
    got[2][5] = "V3"
    write_csv(tmp_path / "fixed.csv", got[0], got[1:])
    s2 = import_extract(store, tmp_path / "fixed.csv", today=TODAY)
    assert (s2.new, s2.rejected) == (2, 0)
    assert store.scalar("SELECT count(*) FROM involvements WHERE offence LIKE '=HYPERLINK%'") == 1


def test_cancel_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    import matac_desk.intake.importer as importer
    monkeypatch.setattr(importer, "CHUNK", 50)
    import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    tables = ("persons", "incidents", "involvements", "import_batches", "rejected_rows")

    def counts():
        c = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in tables}
        c["audit"] = store.scalar("SELECT count(*) FROM audit_log WHERE action <> 'backup.made'")
        return c

    before = counts()
    path, rows, bad = messy_extract(tmp_path, n_incidents=300)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Cancelled):
        import_extract(store, path, today=dt.date(2025, 12, 31), cancelled=cancelled)
    assert counts() == before
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_progress_is_reported(store, tmp_path, monkeypatch):
    import matac_desk.intake.importer as importer
    monkeypatch.setattr(importer, "CHUNK", 100)
    path, rows, bad = messy_extract(tmp_path, n_incidents=400)
    seen = []
    import_extract(store, path, today=dt.date(2025, 12, 31), progress=lambda d, t, m: seen.append((d, t)))
    assert len(seen) >= 4
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


def test_import_is_audited_without_personal_data(store, tmp_path):
    s = import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    action, detail, batch = store.conn.execute(
        "SELECT action, detail, batch_id FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert (action, batch) == ("import", s.batch_id)
    assert "Lee" not in detail and "Amy" not in detail and '"new": 3' in detail


def test_same_key_twice_with_different_spelling_is_stable_on_reimport(store, tmp_path):
    rows = [["A1", "2026-05-01", "Common assault", "P1", "Lee", "V1", "Amy", "girlfriend", ""],
            ["A1", "2026-05-01", "COMMON  assault", "P1", "Lee", "V1", "Amy", "partner", ""]]
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    s = import_extract(store, path, today=TODAY)
    assert (s.new, s.updated, s.unchanged) == (1, 0, 1)
    assert store.scalar("SELECT relationship FROM involvements") == "partner"
    again = import_extract(store, path, today=TODAY)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


def test_import_keeps_the_people_search_in_step(store, tmp_path, monkeypatch):
    from matac_desk.services import people
    import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    assert people.search_ids(store, "amy") == ["V1"]
    renamed = [r[:6] + (["Amelia"] if r[5] == "V1" else [r[6]]) + r[7:] for r in _base_rows()]
    import_extract(store, write_csv(tmp_path / "b.csv", HEADER, renamed), today=TODAY)
    assert people.search_ids(store, "amy") == [] and people.search_ids(store, "amelia") == ["V1"]
    assert store.scalar("SELECT count(*) FROM people_search") == store.scalar("SELECT count(*) FROM persons")
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'people_search_person_%'"
    assert store.scalar(triggers) == 3
    # a cancelled import puts the triggers back with everything else
    import matac_desk.intake.importer as importer
    monkeypatch.setattr(importer, "CHUNK", 1)
    with pytest.raises(Cancelled):
        import_extract(store, write_csv(tmp_path / "c.csv", HEADER, _base_rows() + [
            ["A9", "2026-05-01", "Stalking", "P9", "Neil", "V9", "Kay", "wife", ""]]), today=TODAY,
            cancelled=lambda: True)
    assert store.scalar(triggers) == 3
    # and a person added by hand afterwards is found
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, forename, surname, name_key, created_at, updated_at)"
                           " VALUES ('Z1', 'Zainab', 'Hall', 'zainab hall', 'x', 'x')")
    assert people.search_ids(store, "zainab") == ["Z1"]


@pytest.mark.parametrize("min_bytes", [0, 10**9])
def test_person_indexes_are_the_same_after_a_large_or_small_import(store, tmp_path, monkeypatch, min_bytes):
    import matac_desk.intake.importer as importer
    monkeypatch.setattr(importer, "REBUILD_MIN_BYTES", min_bytes)
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' ORDER BY name"
    before = store.conn.execute(indexes).fetchall()
    assert len(before) >= 3
    import_extract(store, write_csv(tmp_path / "a.csv", HEADER, _base_rows()), today=TODAY)
    assert store.conn.execute(indexes).fetchall() == before
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.scalar("SELECT id FROM persons INDEXED BY persons_name_key WHERE name_key = 'amy'") == "V1"


def test_the_short_gil_switch_is_put_back_after_an_import_or_a_failed_one(store, tmp_path, monkeypatch):
    """The importer shortens the process-wide switch interval while its writer thread runs, and only then."""
    import sys
    from matac_desk.intake import importer
    monkeypatch.setattr(importer, "THREADED", True)
    before = sys.getswitchinterval()
    seen = []
    real = importer._Writer.write

    def write(self, *a):
        seen.append(sys.getswitchinterval())
        return real(self, *a)

    monkeypatch.setattr(importer._Writer, "write", write)
    path = write_csv(tmp_path / "x.csv", ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id"],
                     [["R1", "2026-01-02", "Common assault", "P1", "V1"]])
    import_extract(store, path, today=TODAY)
    assert seen and all(s <= importer.SWITCH_INTERVAL for s in seen)
    assert sys.getswitchinterval() == before
    monkeypatch.setattr(importer._Writer, "write", lambda self, *a: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(OSError):
        import_extract(store, write_csv(tmp_path / "y.csv", ["incident_ref", "incident_date", "offence",
                                                             "perpetrator_id", "victim_id"],
                                        [["R2", "2026-01-02", "Common assault", "P1", "V1"]]), today=TODAY)
    assert sys.getswitchinterval() == before

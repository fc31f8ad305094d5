"""Every reason a row is rejected, one case each, with the row number, column and value named."""

import datetime as dt

import pytest

from matac_desk.intake.importer import CANONICAL_COLUMNS, import_extract

from conftest import TODAY, write_csv

GOOD = {
    "incident_ref": "INC-1", "incident_date": "01/06/2026 14:30", "offence": "Common assault",
    "offence_code": "105/1", "perpetrator_id": "P1", "perpetrator_forename": "Lee",
    "perpetrator_surname": "Smith", "perpetrator_dob": "01/01/1990", "victim_id": "V1",
    "victim_forename": "Zoë", "victim_surname": "Nowak", "victim_dob": "1992-03-04",
    "relationship": "girlfriend", "address": "1 Elm Grove", "postcode": "NT1 1AA", "dash_risk": "high",
    "children_present": "2", "division": "North",
}


def row(**changes):
    r = dict(GOOD, **changes)
    return [r[c] for c in CANONICAL_COLUMNS]


@pytest.mark.parametrize("changes, column, value, reason", [
    ({"incident_ref": ""}, "incident_ref", "", "incident_ref is empty"),
    ({"incident_ref": "   "}, "incident_ref", "", "incident_ref is empty"),
    ({"perpetrator_id": ""}, "perpetrator_id", "", "perpetrator_id is empty"),
    ({"victim_id": ""}, "victim_id", "", "victim_id is empty"),
    ({"offence": ""}, "offence", "", "offence is empty"),
    ({"incident_date": "31/02/2026"}, "incident_date", "31/02/2026", "incident_date: no such date"),
    ({"incident_date": "2026-02-30T10:00"}, "incident_date", "2026-02-30T10:00", "incident_date: no such date"),
    ({"incident_date": "June 2026"}, "incident_date", "June 2026",
     "incident_date: not a date (expected YYYY-MM-DD or DD/MM/YYYY)"),
    ({"incident_date": ""}, "incident_date", "", "incident_date is empty"),
    ({"incident_date": "02/11/2026"}, "incident_date", "02/11/2026", "incident_date is in the future"),
    ({"victim_id": "P1"}, "victim_id", "P1", "perpetrator and victim are the same person"),
    ({"perpetrator_dob": "02/06/2026"}, "perpetrator_dob", "02/06/2026", "perpetrator_dob is after the incident date"),
    ({"victim_dob": "2026-07-01"}, "victim_dob", "2026-07-01", "victim_dob is after the incident date"),
    ({"victim_dob": "32/01/1990"}, "victim_dob", "32/01/1990", "victim_dob: no such date"),
    ({"dash_risk": "very high"}, "dash_risk", "very high", "DASH risk must be standard, medium or high"),
    ({"children_present": "lots"}, "children_present", "lots", "children present must be a number or yes/no"),
    ({"address": "x" * 1001}, "address", "x" * 40 + "…", "value longer than 1000 characters"),
    ({"address": "1 Elm\x00 Grove"}, "address", None, "contains a NUL byte"),
])
def test_each_bad_row_is_rejected_with_its_reason(store, tmp_path, changes, column, value, reason):
    f = write_csv(tmp_path / "x.csv", list(CANONICAL_COLUMNS), [row(), row(**{"incident_ref": "INC-2", **changes})])
    s = import_extract(store, f, today=TODAY)
    assert (s.rows_read, s.new, s.rejected) == (2, 1, 1)
    (rej,) = s.rejects
    assert (rej.row_number, rej.column, rej.value, rej.reason) == (3, column, value, reason)
    kept = store.conn.execute("SELECT row_number, column_name, reason FROM rejected_rows").fetchall()
    assert kept == [(3, column, reason)]


@pytest.mark.parametrize("changes", [
    {"incident_date": "01/11/2026"},           # today is not the future
    {"perpetrator_dob": "", "victim_dob": ""},  # dates of birth are optional
    {"perpetrator_dob": "01/06/2026"},         # born on the day: not after it
    {"dash_risk": "", "children_present": "", "relationship": "", "division": ""},
    {"children_present": "yes"},
    {"offence": "Non-crime domestic incident"},
])
def test_edge_rows_that_are_good(store, tmp_path, changes):
    f = write_csv(tmp_path / "x.csv", list(CANONICAL_COLUMNS), [row(**changes)])
    s = import_extract(store, f, today=TODAY)
    assert (s.new, s.rejected) == (1, 0)


def test_blank_lines_are_skipped_and_rows_counted_as_a_spreadsheet_does(store, tmp_path):
    f = tmp_path / "x.csv"
    lines = [",".join(CANONICAL_COLUMNS), ",".join(row()), "", ",,,,,,,,,,,,,,,,,", ",".join(row(victim_id=""))]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = import_extract(store, f, today=TODAY)
    assert (s.rows_read, s.new, s.rejected) == (2, 1, 1)
    assert s.rejects[0].row_number == 5


def test_stored_values_are_normalised_and_originals_kept(store, tmp_path):
    f = write_csv(tmp_path / "x.csv", list(CANONICAL_COLUMNS), [row(relationship="Ex-Husband", offence="  COMMON  assault")])
    import_extract(store, f, today=TODAY)
    inv = store.conn.execute("SELECT offence, offence_key, relationship, relationship_kind, dash_risk FROM involvements").fetchone()
    assert inv == ("COMMON  assault", "common assault", "Ex-Husband", "ex-partner", "high")
    inc = store.conn.execute("SELECT ref, date, time, postcode, children_present, division FROM incidents").fetchone()
    assert inc == ("INC-1", "2026-06-01", "14:30", "NT1 1AA", 2, "North")
    persons = store.conn.execute("SELECT id, forename, surname, dob, name_key FROM persons ORDER BY id").fetchall()
    assert persons == [("P1", "Lee", "Smith", "1990-01-01", "lee smith"), ("V1", "Zoë", "Nowak", "1992-03-04", "zoe nowak")]


def test_today_defaults_to_the_real_date(store, tmp_path):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    f = write_csv(tmp_path / "x.csv", list(CANONICAL_COLUMNS), [row(incident_date=tomorrow)])
    s = import_extract(store, f)
    assert s.rejected == 1 and s.rejects[0].reason == "incident_date is in the future"

"""Preview before importing, the import history, and the review of rejected rows."""

from __future__ import annotations

import csv
import json

import pytest

from matac_desk.services import imports
from matac_desk.domain import Cancelled, UserError
from matac_desk.intake.importer import import_extract

from conftest import TODAY, write_csv

HEADER = ["Occurrence No", "Occurrence Date", "Offence Description", "Offender Nominal ID", "Victim Nominal ID",
          "Relationship"]
ROWS = [
    ["R1", "2026-10-01", "Common assault", "P1", "V1", "girlfriend"],
    ["R2", "2026-10-02", "Harassment", "P1", "V2", "ex-wife"],
    ["R3", "2099-01-01", "Harassment", "P1", "V2", "ex-wife"],        # row 4: in the future
    ["R4", "2026-10-03", "", "P2", "V3", "wife"],                      # row 5: no offence
    ["R5", "2026-10-04", "Criminal damage", "P3", "P3", "wife"],       # row 6: same person
    ["R6", "31/09/2026", "Stalking", "P4", "V4", "partner"],           # row 7: no such date
]
MAPPING = {"Occurrence No": "incident_ref", "Occurrence Date": "incident_date",
           "Offence Description": "offence", "Offender Nominal ID": "perpetrator_id",
           "Victim Nominal ID": "victim_id", "Relationship": "relationship"}


@pytest.fixture
def extract(tmp_path):
    return write_csv(tmp_path / "niche.csv", HEADER, ROWS)


def test_preview_checks_every_row_and_writes_nothing(store, extract):
    before = store.scalar("SELECT count(*) FROM audit_log")
    p = imports.preview(extract, MAPPING, today=TODAY)
    assert (p.rows_checked, p.good, p.rejected) == (6, 2, 4)
    assert [(r.row_number, r.column, r.reason) for r in p.rejects] == [
        (4, "Occurrence Date", "Occurrence Date is in the future"),
        (5, "Offence Description", "Offence Description is empty"),
        (6, "Victim Nominal ID", "perpetrator and victim are the same person"),
        (7, "Occurrence Date", "Occurrence Date: no such date"),
    ]
    assert [(g["incident_ref"], g["relationship_kind"]) for g in p.first_good] == [("R1", "partner"),
                                                                                   ("R2", "ex-partner")]
    assert store.scalar("SELECT count(*) FROM audit_log") == before


def test_preview_agrees_with_the_import(store, extract):
    p = imports.preview(extract, MAPPING, today=TODAY)
    s = import_extract(store, extract, mapping=MAPPING, today=TODAY)
    assert (s.rows_read, s.rejected, s.new) == (p.rows_checked, p.rejected, p.good)


def test_preview_can_be_cancelled(tmp_path):
    big = write_csv(tmp_path / "big.csv", HEADER, [ROWS[0]] * 12000)
    with pytest.raises(Cancelled):
        imports.preview(big, MAPPING, today=TODAY, cancelled=lambda: True)


def test_preview_without_required_columns_is_a_user_error(extract):
    with pytest.raises(UserError, match="required column"):
        imports.preview(extract, {}, today=TODAY)


@pytest.mark.parametrize("mapping, missing", [
    (MAPPING, []),
    ({k: v for k, v in MAPPING.items() if v != "victim_id"}, ["victim_id"]),
    ({}, ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id"]),
])
def test_missing_required(mapping, missing):
    assert imports.missing_required(HEADER, mapping) == missing


def test_headers_named_as_canonical_columns_need_no_mapping():
    assert imports.missing_required(["incident_ref", "Incident Date", "offence", "perpetrator-id", "VICTIM_ID"],
                                    {}) == []


def test_read_sample_gives_headers_and_first_rows(extract):
    headers, encoding, sample = imports.read_sample(extract, rows=2)
    assert headers == HEADER and encoding == "utf-8" and [r[0] for r in sample] == ["R1", "R2"]


def test_batches_list_imports_with_rejects_to_review(store, extract):
    s = import_extract(store, extract, mapping=MAPPING, today=TODAY)
    [b] = imports.batches(store)
    assert (b.id, b.file_name, b.rows_read, b.new, b.rejected, b.awaiting_review) == (s.batch_id, "niche.csv", 6, 2,
                                                                                      4, 4)
    kept = imports.rejected_rows(store, b.id)
    assert [k.row_number for k in kept] == [4, 5, 6, 7]
    assert kept[0].raw["Occurrence No"] == "R3"
    assert imports.unreviewed_count(store) == 4


def test_export_rejects_writes_csv_and_audits(store, extract, tmp_path):
    s = import_extract(store, extract, mapping=MAPPING, today=TODAY)
    out = tmp_path / "rejects.csv"
    assert imports.export_rejects(store, s.batch_id, out) == 4
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER + ["row_number", "rejected_column", "rejected_value", "reason"]
    assert [r[0] for r in rows[1:]] == ["R3", "R4", "R5", "R6"]
    assert rows[2][-1] == "Offence Description is empty"
    action, recipient, detail = store.conn.execute(
        "SELECT action, recipient, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert (action, recipient) == ("disclosure.rejects", "not stated (command-line output)")
    detail = json.loads(detail)
    assert (detail["batch"], detail["rows"]) == (s.batch_id, 4) and detail["persons"]   # the ids the rows hold


def test_mark_reviewed_once(store, extract):
    s = import_extract(store, extract, mapping=MAPPING, today=TODAY)
    assert imports.mark_reviewed(store, s.batch_id) == 4
    assert imports.mark_reviewed(store, s.batch_id) == 0
    assert imports.unreviewed_count(store) == 0
    assert imports.batches(store)[0].awaiting_review == 0


@pytest.mark.parametrize("call", [imports.mark_reviewed, lambda st, b: imports.export_rejects(st, b, "x.csv")])
def test_unknown_batch_is_a_user_error(store, call):
    with pytest.raises(UserError, match="there is no import batch 42"):
        call(store, 42)

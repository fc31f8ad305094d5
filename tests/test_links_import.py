"""Importing intelligence links: validation and rejects, new persons, idempotency, one transaction; hand entry."""

from __future__ import annotations

import json

import pytest

from matac_desk.storage.audit import pseudonym

from matac_desk.domain import Cancelled, UserError
from matac_desk.intake.links import add_link, import_links, remove_link

from conftest import TODAY, write_csv
from graphdata import person

HEADER = ["person_a_id", "person_b_id", "relationship", "first_seen", "source",
          "person_b_forename", "person_b_surname", "person_b_dob"]


@pytest.fixture
def known(store):
    with store.transaction():
        for pid in ("P", "Q", "R"):
            person(store, pid)
    return store


def _count(store, table):
    return store.scalar(f"SELECT count(*) FROM {table}")


def test_good_file_then_again_then_corrected(known, tmp_path):
    rows = [["P", "Q", "girlfriend", "2026-09-01", "custody record", "", "", ""],
            ["P", "N1", "partner", "01/10/2026", "intelligence report", "Amy", "Lee", "1995-02-03"],
            ["N1", "R", "sister", "2026-10-02", "neighbourhood team", "", "", ""]]
    f = write_csv(tmp_path / "links.csv", HEADER, rows)
    s = import_links(known, f, today=TODAY)
    assert (s.rows_read, s.new, s.updated, s.unchanged, s.rejected, s.persons_new) == (3, 3, 0, 0, 0, 1)
    assert known.conn.execute("SELECT forename, surname, dob FROM persons WHERE id = 'N1'").fetchone() == \
        ("Amy", "Lee", "1995-02-03")
    kinds = known.conn.execute("SELECT relationship_kind FROM links ORDER BY id").fetchall()
    assert kinds == [("partner",), ("partner",), ("family",)]
    again = import_links(known, f, today=TODAY)
    assert (again.new, again.updated, again.unchanged, _count(known, "links")) == (0, 0, 3, 3)
    rows[0][2] = "Girlfriend "  # same key (kind, date, source), other text
    s3 = import_links(known, write_csv(tmp_path / "links2.csv", HEADER, rows), today=TODAY)
    assert (s3.new, s3.updated, s3.unchanged) == (0, 1, 2)
    batches = known.conn.execute("SELECT kind, rows_read, rows_new FROM import_batches ORDER BY id").fetchall()
    assert batches == [("links", 3, 3), ("links", 3, 0), ("links", 3, 0)]


BAD = [
    (["", "Q", "partner", "2026-09-01", "x"], "person_a_id", "person_a_id is empty"),
    (["P", "", "partner", "2026-09-01", "x"], "person_b_id", "person_b_id is empty"),
    (["P", "P", "partner", "2026-09-01", "x"], "person_b_id", "person_a_id and person_b_id are the same person"),
    (["P", "Q", "", "2026-09-01", "x"], "relationship", "relationship is empty"),
    (["P", "Q", "partner", "2026-09-01", ""], "source", "source is empty (say where the link comes from)"),
    (["P", "Q", "partner", "2026-02-30", "x"], "first_seen", "first_seen: no such date"),
    (["P", "Q", "partner", "soon", "x"], "first_seen", "first_seen: not a date (expected YYYY-MM-DD or DD/MM/YYYY)"),
    (["P", "Q", "partner", "2027-01-01", "x"], "first_seen", "first_seen is in the future"),
    (["NOPE", "Q", "partner", "2026-09-01", "x"], "person_a_id", "person_a_id is not in the store"),
    (["P", "NEW", "partner", "2026-09-01", "x"], "person_b_id",
     "person_b_id is not in the store and no person_b_forename or person_b_surname is given to add them"),
    (["P", "NEW", "son", "2026-09-01", "x", "Leo", "Lee", "2026-10-01"], "person_b_dob",
     "person_b_dob is after first_seen"),
    (["P", "NEW", "son", "2026-09-01", "x", "Leo", "Lee", "31/31/2020"], "person_b_dob",
     "person_b_dob: no such date"),
    (["P", "Q", "partner", "2026-09-01", "x" * 1001], "source", "value longer than 1000 characters"),
]


@pytest.mark.parametrize("row, column, reason", BAD, ids=[b[2][:40] for b in BAD])
def test_rejects(known, tmp_path, row, column, reason):
    good = ["P", "R", "partner", "2026-09-01", "custody record", "", "", ""]
    f = write_csv(tmp_path / "links.csv", HEADER, [good, row + [""] * (8 - len(row))])
    s = import_links(known, f, rejects_path=tmp_path / "rejects.csv", today=TODAY)
    assert (s.new, s.rejected) == (1, 1)
    stored = known.conn.execute("SELECT r.row_number, r.column_name, r.reason, b.kind FROM rejected_rows r"
                                " JOIN import_batches b ON b.id = r.batch_id").fetchall()
    assert stored == [(3, column, reason, "links")]
    assert reason in (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert _count(known, "persons") == 3


def test_missing_column_writes_nothing(known, tmp_path):
    f = write_csv(tmp_path / "links.csv", ["person_a_id", "person_b_id", "first_seen"], [["P", "Q", "2026-01-01"]])
    with pytest.raises(UserError, match="required column.*relationship, source"):
        import_links(known, f, today=TODAY)
    assert _count(known, "import_batches") == 0


def test_cancel_writes_nothing(known, tmp_path):
    rows = [["P", f"N{i}", "partner", "2026-09-01", "x", "A", "B", ""] for i in range(12000)]
    f = write_csv(tmp_path / "links.csv", HEADER, rows)
    with pytest.raises(Cancelled):
        import_links(known, f, today=TODAY, cancelled=lambda: True)
    assert (_count(known, "links"), _count(known, "persons"), _count(known, "import_batches")) == (0, 3, 0)


def test_headers_match_loosely_and_formula_cells_are_undone(known, tmp_path):
    f = write_csv(tmp_path / "links.csv", ["Person A ID", "person-b-id", "RELATIONSHIP", "First Seen", "Source "],
                  [["P", "Q", "partner", "2026-09-01", "'=intel"]])
    assert import_links(known, f, today=TODAY).new == 1
    assert known.scalar("SELECT source FROM links") == "=intel"


def test_add_and_remove_link_by_hand(known):
    link_id = add_link(known, "P", "Q", "girlfriend", "2026-10-01", "phone call from IDVA", today=TODAY)
    assert add_link(known, "P", "Q", "girlfriend", "2026-10-01", "phone call from IDVA", today=TODAY) == link_id
    assert _count(known, "links") == 1
    with pytest.raises(UserError, match="first_seen is in the future"):
        add_link(known, "P", "Q", "girlfriend", "2027-10-01", "x", today=TODAY)
    with pytest.raises(UserError, match="person_b_id is not in the store"):
        add_link(known, "P", "ZZ", "girlfriend", "2026-10-01", "x", today=TODAY)
    remove_link(known, link_id, "entered against the wrong person")
    assert _count(known, "links") == 0
    audit = known.conn.execute("SELECT action, entity_id, detail FROM audit_log WHERE action LIKE 'link.%'"
                               " ORDER BY id").fetchall()
    p, q = pseudonym(known.conn, "P"), pseudonym(known.conn, "Q")
    assert [(a, e) for a, e, _ in audit] == [("link.added", p), ("link.removed", p)]
    assert json.loads(audit[0][2]) == {"link": link_id, "person_b": q, "kind": "partner", "persons": [q]}

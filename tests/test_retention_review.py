"""Review dates from the retention policy, and the list of persons due for review."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.storage.audit import entries
from matac_desk.domain import UserError
from matac_desk.storage.retention import RetentionPolicy, due_for_review, get_policy, review_dates, set_policy

NOW = "2026-01-01T00:00:00+00:00"


def _person(c, pid, merged_into=None, created=NOW):
    c.execute("INSERT INTO persons (id, forename, surname, name_key, merged_into, created_at, updated_at)"
              " VALUES (?, 'F', 'S', 'f s', ?, ?, ?)", [pid, merged_into, created, created])


def _incident(c, ref, date, perp, victim):
    c.execute("INSERT OR IGNORE INTO incidents (ref, date) VALUES (?, ?)", [ref, date])
    c.execute("INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key)"
              " VALUES (?, ?, ?, 'Common assault', 'common assault')", [ref, perp, victim])


@pytest.fixture
def dated(store):
    c = store.conn
    with store.transaction():
        for pid in "ABCDF":
            _person(c, pid)
        _person(c, "E", merged_into="A")
        _person(c, "G", created="2015-05-05T10:00:00+00:00")  # no records at all: its creation date counts
        _incident(c, "I1", "2019-03-01", "A", "B")
        _incident(c, "I2", "2020-06-30", "A", "B")
        _incident(c, "I3", "2018-05-05", "C", "B")
        _incident(c, "I4", "2024-02-29", "D", "B")
        c.execute("UPDATE involvements SET victim_id = 'F' WHERE incident_ref IN ('I3', 'I4')")
        _incident(c, "I5", "2021-09-01", "E", "F")
        c.execute("UPDATE involvements SET victim_id = 'B' WHERE incident_ref = 'I5'")
        c.execute("INSERT INTO cohort_events (person_id, event, date) VALUES ('C', 'adopted', '2021-01-10')")
        c.execute("DELETE FROM involvements WHERE victim_id = 'F'")  # F: only an old intelligence link
        _incident(c, "I7", "2024-02-29", "D", "A")
        c.execute("UPDATE involvements SET victim_id = 'B' WHERE incident_ref = 'I7'")
        _incident(c, "I8", "2018-05-05", "C", "A")
        c.execute("UPDATE involvements SET victim_id = 'B' WHERE incident_ref = 'I8'")
        c.execute("INSERT INTO links (person_a_id, person_b_id, relationship_kind, first_seen)"
                  " VALUES ('F', 'G', 'other', '2010-01-01')")
    return store


# Hand-worked: A's latest record is E's incident (E is merged into A) on 2021-09-01, + 6 years.
# B, victim in I1, I2, I5, I7, I8: latest 2024-02-29 -> 2030-02-28 (no 29 February in 2030).
# C: cohort subject, latest record the adoption on 2021-01-10, + 10 years.
# D: 2024-02-29 -> 2030-02-28.  F: a link first seen 2010-01-01 -> 2016-01-01.
# G: a link first seen 2010-01-01 too.
EXPECTED = {
    "A": ("2021-09-01", "2027-09-01", False),
    "B": ("2024-02-29", "2030-02-28", False),
    "C": ("2021-01-10", "2031-01-10", True),
    "D": ("2024-02-29", "2030-02-28", False),
    "F": ("2010-01-01", "2016-01-01", False),
    "G": ("2010-01-01", "2016-01-01", False),
}


def test_review_dates(dated):
    got = {pid: (r["latest_record"], r["review_date"], r["cohort"]) for pid, r in review_dates(dated).items()}
    assert got == EXPECTED
    assert "E" not in got  # merged records follow the person they were merged into


@pytest.mark.parametrize("as_of, due", [
    ("2015-12-31", []),
    ("2026-11-01", ["F", "G"]),
    ("2027-09-01", ["F", "G", "A"]),
    ("2030-03-01", ["F", "G", "A", "B", "D"]),
    ("2031-01-10", ["F", "G", "A", "B", "D", "C"]),
])
def test_due_for_review(dated, as_of, due):
    rows = due_for_review(dated, dt.date.fromisoformat(as_of))
    assert [r["person_id"] for r in rows] == due
    last = entries(dated.conn, action="retention.reviewed")[-1]
    assert f'"due": {len(due)}' in last["detail"]
    for pid in due:
        assert entries(dated.conn, person_id=pid)[-1]["action"] == "retention.reviewed"


def test_policy_is_configurable(dated):
    set_policy(dated, RetentionPolicy(review_years=3, cohort_review_years=4))
    assert get_policy(dated) == RetentionPolicy(3, 4)
    got = review_dates(dated)
    assert got["A"]["review_date"] == "2024-09-01"
    assert got["C"]["review_date"] == "2025-01-10"


@pytest.mark.parametrize("kw", [{"review_years": 0}, {"cohort_review_years": 101}, {"review_years": "6"}])
def test_bad_policy(kw):
    with pytest.raises(UserError, match="retention policy"):
        RetentionPolicy(**kw)

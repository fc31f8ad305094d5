"""Partnership actions: overdue first, filters, dated updates, per-agency export."""

import csv
import json

import pytest

from matac_desk.meeting import actions
from matac_desk.domain import UserError


@pytest.fixture
def subject(store):
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.executemany("INSERT INTO persons (id, forename, surname, created_at, updated_at) VALUES (?,?,?,?,?)",
                               [("P1", "Lee", "Smith", now, now), ("P2", "Dean", "Hall", now, now)])
        store.conn.execute("INSERT INTO meetings (id, date) VALUES (1, '2026-09-01')")
    return "P1"


def test_overdue_first_and_the_rule_at_its_edges(store, subject):
    a = actions.add_action(store, "P1", "Police", "Arrest for breach", due="2026-09-10", meeting_id=1)
    b = actions.add_action(store, "P1", "Housing", "Tenancy review", due="2026-09-20", meeting_id=1)
    c = actions.add_action(store, "P2", "Probation", "Refer to Drive", due="2026-09-30", meeting_id=1)
    d = actions.add_action(store, "P2", "Police", "Done already", due="2026-09-01", meeting_id=1)
    e = actions.add_action(store, "P2", "IDVA", "No due date")
    actions.update_action(store, d, status="done", on="2026-09-02")
    listed = actions.list_actions(store, as_of="2026-09-20")
    assert [x.id for x in listed] == [a, b, c, e, d]
    assert [(x.id, x.overdue, x.days_overdue) for x in listed[:2]] == [(a, True, 10), (b, False, 0)]  # due today: not overdue
    assert [x.id for x in actions.list_actions(store, as_of="2026-09-21", overdue_only=True)] == [a, b]
    assert [x.id for x in actions.list_actions(store, agency="police")] == [a, d]
    assert [x.id for x in actions.list_actions(store, person_id="P2", open_only=True, as_of="2026-09-01")] == [c, e]
    del e


def test_dated_updates_keep_the_history(store, subject):
    a = actions.add_action(store, "P1", "Police", "Arrest", due="2026-09-10", owner="DC Reid")
    actions.update_action(store, a, status="in progress", note="Warrant applied for", on="2026-09-05")
    actions.update_action(store, a, note="Arrested", status="done", on="2026-09-12")
    assert actions.action_history(store, a) == [
        {"date": "2026-09-05", "status": "in progress", "note": "Warrant applied for"},
        {"date": "2026-09-12", "status": "done", "note": "Arrested"}]
    assert not actions.list_actions(store, as_of="2026-10-01")[0].overdue


@pytest.mark.parametrize("kwargs, message", [
    ({"agency": " ", "description": "x"}, "needs an agency"),
    ({"agency": "Police", "description": ""}, "needs a description"),
    ({"agency": "Police", "description": "x", "due": "31/12/2026"}, "not a date"),
    ({"agency": "Police", "description": "x", "meeting_id": 7}, "no meeting 7"),
])
def test_bad_actions(store, subject, kwargs, message):
    with pytest.raises(UserError, match=message):
        actions.add_action(store, "P1", **kwargs)


def test_update_errors(store, subject):
    a = actions.add_action(store, "P1", "Police", "x")
    with pytest.raises(UserError, match="status must be one of"):
        actions.update_action(store, a, status="finished")
    with pytest.raises(UserError, match="nothing to update"):
        actions.update_action(store, a)
    with pytest.raises(UserError, match="no action 99"):
        actions.update_action(store, 99, status="done")


def test_agency_export_is_formula_safe_and_audited(store, subject, tmp_path):
    actions.add_action(store, "P1", "Housing", "=cmd|'/c calc'!A1", due="2026-09-01")
    actions.add_action(store, "P1", "Police", "Not for housing")
    n = actions.export_actions_csv(store, tmp_path / "housing.csv", agency="Housing", as_of="2026-09-20",
                                   recipient="Housing officer, Northshire Homes")
    assert n == 1
    rows = list(csv.reader(open(tmp_path / "housing.csv", encoding="utf-8-sig")))
    assert rows[0][:3] == ["id", "agency", "owner"] and len(rows) == 2
    assert rows[1][5].startswith("'=") and rows[1][8] == "true"
    rec, action, reason, detail = store.conn.execute(
        "SELECT recipient, action, reason, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert (rec, action, reason) == ("Housing officer, Northshire Homes", "disclosure.actions", "not stated")
    from matac_desk.storage.audit import pseudonym
    assert json.loads(detail)["persons"] == [pseudonym(store.conn, "P1")]     # found by: audit --person P1

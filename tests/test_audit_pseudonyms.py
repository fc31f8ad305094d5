"""Person ids enter the audit log only as HMAC pseudonyms; free text that names a person is refused."""

from __future__ import annotations

import csv
import io
import json

import pytest

from matac_desk.storage import audit
from matac_desk.storage.audit import audit_disclosure, audit_view, entries, pseudonym
from matac_desk.cli import main as cli_main
from matac_desk.domain import UserError
from matac_desk.intake.importer import import_extract
from conftest import PASSPHRASE, TODAY
from security_support import extract, mentions


@pytest.fixture
def people(store, tmp_path):
    extract(tmp_path / "x.csv", [
        ["INC1", "2026-01-05", "Common assault", "P100", "Darren", "Okafor", "1985-03-02", "V200", "Siobhán",
         "O'Neill", "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"],
        ["INC2", "2026-02-05", "Harassment", "P100", "Darren", "Okafor", "1985-03-02", "V201", "Kelly",
         "Wright", "1992-01-30", "ex-partner", "2 Mill Lane", "NB1 2BB"],
    ])
    import_extract(store, tmp_path / "x.csv", today=TODAY)
    return store


def test_pseudonym_is_stable_keyed_and_not_the_id(people):
    p1 = pseudonym(people.conn, "P100")
    assert p1 == pseudonym(people.conn, "P100")
    assert p1 != pseudonym(people.conn, "V200")
    assert p1.startswith("p-") and len(p1) == 34 and "P100" not in p1
    other = audit.pseudonym(people.conn, "P100", secret=b"another store's secret")
    assert other != p1


def test_view_and_disclosure_keep_only_pseudonyms(people):
    audit_view(people, "P100", "preparing the March meeting")
    audit_disclosure(people, "pack", "Probation (North)", "MATAC meeting 2026-03", ["P100", "V200", "P100"])
    rows = entries(people.conn, person_id="P100")
    assert [r["action"] for r in rows] == ["person.viewed", "disclosure.pack"]
    assert rows[0]["entity_id"] == pseudonym(people.conn, "P100")
    detail = json.loads(rows[1]["detail"])
    assert detail["count"] == 2
    assert detail["persons"] == [pseudonym(people.conn, "P100"), pseudonym(people.conn, "V200")]
    assert rows[1]["recipient"] == "Probation (North)"
    assert [r["action"] for r in entries(people.conn, person_id="V201")] == []
    log = [v for t, c, v in mentions(people, "P100", "V200", "Okafor", "O'Neill", "1985-03-02") if t == "audit_log"]
    assert log == []


@pytest.mark.parametrize("reason", [
    "asked about Darren Okafor",
    "OKAFOR, Darren at the door",
    "subject P100 reviewed",
    "born 02/03/1985",
    "born 1985-03-02",
    "okafor   darren",
])
def test_reason_naming_the_person_is_refused(people, reason):
    before = people.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(UserError, match="must not hold a person's name"):
        audit_view(people, "P100", reason)
    assert people.scalar("SELECT count(*) FROM audit_log") == before


@pytest.mark.parametrize("reason", ["Okafor family file", "P1000 is someone else", "Darren asked"])
def test_reason_that_does_not_identify_the_person_is_kept(people, reason):
    audit_view(people, "P100", reason)
    assert entries(people.conn, person_id="P100")[-1]["reason"] == reason


@pytest.mark.parametrize("recipient, reason, message", [
    ("", "meeting", "recipient"),
    ("Police", "  ", "reason"),
])
def test_disclosure_needs_recipient_and_reason(people, recipient, reason, message):
    with pytest.raises(UserError, match=message):
        audit_disclosure(people, "csv", recipient, reason, ["P100"])


def test_ids_inside_detail_are_replaced(people):
    with people.transaction():
        people.audit("person.merged", entity="person", entity_id="P100", detail={"from": ["V200"], "n": 1},
                     persons=["V200"])
    row = entries(people.conn, action="person.merged")[0]
    assert "V200" not in row["detail"] and "P100" not in row["entity_id"]
    assert json.loads(row["detail"])["from"] == [pseudonym(people.conn, "V200")]


def test_audit_view_works_on_a_read_only_store(people, tmp_path):
    from matac_desk.storage.store import Store
    ro = Store.open(people.path, PASSPHRASE, read_only=True)
    try:
        audit_view(ro, "P100", "look-up")
        with pytest.raises(UserError, match="read-only"):
            with ro.transaction():
                ro.conn.execute("DELETE FROM aliases")
        with pytest.raises(Exception):
            ro.conn.execute("DELETE FROM aliases")
    finally:
        ro.close()
    assert entries(people.conn, person_id="P100")[-1]["action"] == "person.viewed"


def test_cli_person_filter_and_formula_safe_csv(people, monkeypatch, capsys):
    audit_view(people, "P100", "=HYPERLINK(\"x\")")
    audit_view(people, "V201", "routine")
    people.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["audit", str(people.path), "--person", "P100", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["action"] for r in rows] == ["person.viewed"]
    assert rows[0]["reason"] == "'=HYPERLINK(\"x\")"
    assert cli_main(["audit", str(people.path), "--action", "person.*"]) == 0
    out = capsys.readouterr().out
    assert out.count("person.viewed") == 2

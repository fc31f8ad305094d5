"""Clare's Law applications: steps with dates and who, the deadline clock, closing, bad input, the CLI."""

import pytest

from matac_desk.domain import UserError
from matac_desk.meeting import clares_law as cl
from matac_desk.meeting import cohort

from casefile_support import days, seed


@pytest.fixture
def s(store):
    seed(store)
    return store


def test_deadline_from_the_setting_and_states(s):
    assert cl.deadline_days(s) == cl.DEFAULT_DEADLINE_DAYS == 28
    a = cl.new_application(s, "P1", "right to ask", "partner", days(-30), "PC Shaw", at_risk_id="V2")
    b = cl.new_application(s, "P1", "RTK", "police (new partner alert)", days(-24), "DS Khan", at_risk_name="Jo Bloggs")
    s.set_setting(cl.SETTING, 10)
    c = cl.new_application(s, "P2", "right-to-ask", "partner's mother", days(-1), "PC Shaw", at_risk_id="V3")
    rows = {r["id"]: r for r in cl.applications(s)}
    assert rows[a]["deadline"] == days(-2) and rows[a]["state"] == "overdue" and rows[a]["days_left"] == -2
    assert rows[b]["state"] == "due this week" and rows[b]["days_left"] == 4
    assert rows[c]["deadline"] == days(9) and rows[c]["state"] == "open"        # opened under the new setting
    assert [r["id"] for r in cl.due(s)] == [a, b]
    assert rows[a]["at_risk_name"] == "Amira Haddad" and rows[a]["last_step"] == "request received"


def test_steps_and_close_record_the_disclosure(s):
    a = cl.new_application(s, "P1", "right to ask", "partner", days(-20), "PC Shaw", at_risk_id="V2")
    cl.add_step(s, a, "initial checks", days(-19), "PC Shaw")
    cl.add_step(s, a, "face to face meeting", days(-15), "PC Shaw", note="seen at home")
    cl.add_step(s, a, "decision forum", days(-5), "MATAC panel")
    got = cl.close(s, a, "disclosed", days(-4), "DS Khan")
    assert got["state"] == "closed" and got["outcome"] == "disclosed"
    assert [st["step"] for st in cl.steps(s, a)] == ["request received", "initial checks", "face-to-face meeting",
                                                      "decision forum", "disclosure delivered"]
    (d,) = cohort.disclosures(s, "P1")
    assert (d["kind"], d["decision"], d["to_id"], d["date"]) == ("right to ask", "disclosed", "V2", days(-4))
    cl.add_step(s, a, "safety plan", days(-3), "IDVA")
    with pytest.raises(UserError, match="already closed"):
        cl.close(s, a, "withdrawn", days(-1), "x")


def test_closed_after_the_deadline_is_marked_late(s):
    a = cl.new_application(s, "P1", "right to know", "police", days(-40), "DS Khan", at_risk_id="V1")
    assert cl.close(s, a, "not disclosed", days(-1), "DS Khan")["state"] == "closed late"


@pytest.mark.parametrize("call, message", [
    (lambda s, a: cl.add_step(s, a, "initial checks", days(-11), "PC Shaw"), "before the request was received"),
    (lambda s, a: cl.add_step(s, a, "initial checks", days(2), "PC Shaw"), "is in the future"),
    (lambda s, a: cl.add_step(s, a, "tea and biscuits", days(-1), "PC Shaw"), "unknown step 'tea and biscuits'"),
    (lambda s, a: cl.add_step(s, a, "full checks", days(-1), " "), "is required"),
    (lambda s, a: cl.close(s, a, "maybe", days(-1), "x"), "unknown outcome 'maybe'"),
    (lambda s, a: cl.close(s, a, "disclosed", days(-12), "x"), "before the request was received"),
    (lambda s, a: cl.new_application(s, "P1", "right to shout", "x", days(-1), "x", at_risk_id="V1"), "unknown route"),
    (lambda s, a: cl.new_application(s, "P1", "right to ask", "x", days(-1), "x"), "say who is at risk"),
    (lambda s, a: cl.new_application(s, "P1", "right to ask", "x", days(-1), "x", at_risk_id="P1"), "cannot be the subject"),
    (lambda s, a: cl.add_step(s, 999, "full checks", days(-1), "x"), "no Clare's Law application number 999"),
])
def test_bad_input_writes_nothing(s, call, message):
    a = cl.new_application(s, "P1", "right to ask", "partner", days(-10), "PC Shaw", at_risk_id="V2")
    tables = ("dvds_applications", "dvds_steps", "disclosures", "audit_log")
    before = [s.scalar(f"SELECT count(*) FROM {t}") for t in tables]
    with pytest.raises(UserError, match=message) as e:
        call(s, a)
    assert "\n" not in str(e.value)
    assert [s.scalar(f"SELECT count(*) FROM {t}") for t in tables] == before


def test_prefill_from_a_new_partner(s):
    p = cl.right_to_know_prefill(s, "P1", "V2")
    assert p["route"] == "right to know" and p["at_risk_id"] == "V2"
    cl.new_application(s, p["subject_id"], p["route"], p["applicant_relation"], p["received_on"], "DS Khan",
                       at_risk_id=p["at_risk_id"])


def test_cli_clares_law(s, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    path = str(s.path)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["clares-law", path, "new", "P1", "--route", "right to ask", "--applicant", "partner",
                 "--at-risk", "V2", "--received", days(-25), "--by", "PC Shaw"]) == 0
    assert f"decide by {days(3)}" in capsys.readouterr().out
    assert main(["clares-law", path, "step", "1", "initial checks", "--date", days(-24), "--by", "PC Shaw"]) == 0
    assert main(["clares-law", path, "list", "--format", "csv", "--recipient", "IDVA service", "--reason", "r"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("id,subject_id,subject_name,route")
    assert out[-1].startswith(f"1,P1,Lee Smith,right to ask,partner,Amira Haddad,{days(-25)},{days(3)},3,due this week,"
                              "initial checks")
    assert main(["clares-law", path, "step", "1", "full checks", "--date", days(-30), "--by", "x"]) == 1
    err = capsys.readouterr().err
    assert "before the request was received" in err and err.count("\n") == 1
    assert main(["clares-law", path, "close", "1", "not disclosed", "--by", "DS Khan"]) == 0
    assert "closed: not disclosed" in capsys.readouterr().out
    assert main(["clares-law", path, "show", "1"]) == 0
    assert "disclosure refused" in capsys.readouterr().out

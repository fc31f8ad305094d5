"""The risk management plan: four pillars with owners, the RoSH summary, versions, reviews due."""

import pytest

from matac_desk.domain import UserError
from matac_desk.meeting import plans

from casefile_support import days, seed


@pytest.fixture
def s(store):
    seed(store)
    return store


def test_versions_kept_and_audited(s):
    p1 = plans.set_pillar(s, "P1", "supervision", "Weekly OM contact", "Police")
    p2 = plans.set_pillar(s, "P1", "victim safety planning", "IDVA safety plan for V1", "IDVA service")
    p3 = plans.set_rosh(s, "P1", who="current and former partners", nature="violence", imminence="could be imminent")
    assert (p1.version, p2.version, p3.version) == (1, 2, 3)
    assert plans.set_pillar(s, "P1", "supervision", "Weekly  OM contact", "Police").version == 3  # nothing changed
    hist = plans.history(s, "P1")
    assert [h["supervision"] for h in hist] == ["Weekly OM contact"] * 3
    assert hist[0]["victim_safety"] is None and hist[1]["victim_safety_owner"] == "IDVA service"
    assert plans.plan(s, "P1")["rosh_imminence"] == "could be imminent"
    n = s.scalar("SELECT count(*) FROM audit_log WHERE action = 'plan.changed'")
    assert n == 3


def test_review_sets_next_and_due_lists_overdue(s):
    plans.set_pillar(s, "P1", "supervision", "Weekly OM contact", "Police")
    assert plans.due(s)[0]["state"] == "no review date" or plans.due(s)[0]["state"] == "no plan"
    plans.review(s, "P1", days(3))
    rows = {r["person_id"]: r["state"] for r in plans.due(s)}
    assert rows == {"P1": "due", "P2": "no plan"}
    assert {r["person_id"]: r["state"] for r in plans.due(s, days(10))}["P1"] == "overdue"
    plans.review(s, "P1", days(60))
    assert "P1" not in {r["person_id"] for r in plans.due(s)}
    assert plans.plan(s, "P1").review_state(days(61)) == "overdue"


@pytest.mark.parametrize("call, message", [
    (lambda s: plans.review(s, "P1", days(-1)), "is in the past"),
    (lambda s: plans.review(s, "P1", days(5), on=days(9)), "is in the future"),
    (lambda s: plans.review(s, "P1", "31/12/2030"), "not a date"),
    (lambda s: plans.set_pillar(s, "P1", "astrology", "x", "Police"), "unknown pillar 'astrology'"),
    (lambda s: plans.set_pillar(s, "P1", "supervision", " ", "Police"), "is required"),
    (lambda s: plans.set_pillar(s, "P1", "supervision", "x", ""), "owner"),
    (lambda s: plans.set_pillar(s, "NOPE", "supervision", "x", "Police"), "no person with id"),
])
def test_bad_input_writes_nothing(s, call, message):
    plans.set_pillar(s, "P1", "supervision", "Weekly OM contact", "Police")
    before = (s.scalar("SELECT count(*) FROM risk_plans"), s.scalar("SELECT count(*) FROM audit_log"))
    with pytest.raises(UserError, match=message) as e:
        call(s)
    assert "\n" not in str(e.value)
    assert (s.scalar("SELECT count(*) FROM risk_plans"), s.scalar("SELECT count(*) FROM audit_log")) == before


def test_review_needs_a_plan(s):
    with pytest.raises(UserError, match="no risk management plan yet"):
        plans.review(s, "P2", days(10))


def test_cli_plan(s, tmp_path, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    path = str(s.path)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["plan", path, "P1", "set", "supervision", "Weekly OM contact", "--owner", "Police"]) == 0
    assert main(["plan", path, "P1", "review", "--next", days(2)]) == 0
    assert main(["plan", path, "P1"]) == 0
    out = capsys.readouterr().out
    assert "Supervision" in out and "[Police] Weekly OM contact" in out and "(DUE)" in out
    assert main(["plan", path, "--due", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "person_id,name,next_review,state,days_overdue" and "P2,Dan Cole,,no plan,0" in out
    assert main(["plan", path, "P1", "review", "--next", days(-3)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("matac-desk: error: the next review date") and err.count("\n") == 1

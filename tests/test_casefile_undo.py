"""Mistakes in the case file can be taken back, with a reason in the audit log; nothing else changes."""

import pytest

from matac_desk.domain import UserError
from matac_desk.meeting import clares_law, cohort, orders, plans, support

from casefile_support import days, seed


@pytest.fixture
def s(store):
    seed(store)
    return store


def test_plan_restore_writes_the_old_version_again(s):
    plans.set_pillar(s, "P1", "supervision", "Weekly", "Police")
    plans.set_pillar(s, "P1", "supervision", "Typo here", "Polce")
    p = plans.restore(s, "P1", 1, reason="entered in error")
    assert (p.version, p["supervision"], p["supervision_owner"], p.change) == (3, "Weekly", "Police",
                                                                               "version 1 restored")
    with pytest.raises(UserError, match="no version 9"):
        plans.restore(s, "P1", 9, reason="x")
    with pytest.raises(UserError, match="reason"):
        plans.restore(s, "P1", 1, reason=" ")


def test_clares_law_step_and_reopen(s):
    a = clares_law.new_application(s, "P1", "right to ask", "partner", days(-10), "PC Shaw", at_risk_id="V2")
    sid = clares_law.add_step(s, a, "full checks", days(-9), "PC Shaw")
    clares_law.remove_step(s, sid, reason="wrong application")
    assert [x["step"] for x in clares_law.steps(s, a)] == ["request received"]
    first = clares_law.steps(s, a)[0]["id"]
    with pytest.raises(UserError, match="cannot be removed"):
        clares_law.remove_step(s, first, reason="x")
    clares_law.close(s, a, "disclosed", days(-1), "DS Khan")
    assert len(cohort.disclosures(s, "P1")) == 1
    got = clares_law.reopen(s, a, reason="closed on the wrong application")
    assert got["closed_on"] is None and got["state"] in ("open", "due this week", "overdue")
    assert cohort.disclosures(s, "P1") == [] and [x["step"] for x in clares_law.steps(s, a)] == ["request received"]
    with pytest.raises(UserError, match="is not closed"):
        clares_law.reopen(s, a, reason="x")


def test_breach_and_support_record_removed(s):
    o = cohort.add_order(s, "P1", "DAPO", days(-30), days(30), protected_person_id="V1")
    b = orders.add_breach(s, o, days(-2), "texts")
    orders.remove_breach(s, b, reason="it was another order")
    assert orders.breaches(s) == []
    support.set_status(s, "V1", "IDVA", "offered", days(-5))
    r = support.set_status(s, "V1", "IDVA", "declined", days(-2))
    support.remove_record(s, r, reason="wrong victim")
    assert support.status(s, "V1")["status"] == "offered"
    n = s.scalar("SELECT count(*) FROM audit_log WHERE action IN ('order.breach_removed', 'victim_support.removed')")
    assert n == 2


def test_cli_takes_mistakes_back(s, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    o = cohort.add_order(s, "P1", "DAPO", days(-30), days(30), protected_person_id="V1")
    b = orders.add_breach(s, o, days(-2), "texts")
    a = clares_law.new_application(s, "P1", "right to ask", "partner", days(-10), "PC Shaw", at_risk_id="V2")
    step = clares_law.add_step(s, a, "full checks", days(-9), "PC Shaw")
    plans.set_pillar(s, "P1", "supervision", "Weekly", "Police")
    plans.set_pillar(s, "P1", "supervision", "Oops", "Police")
    r = support.set_status(s, "V1", "IDVA", "declined", days(-2))
    path = str(s.path)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["order", path, "remove-breach", str(b), "--reason", "wrong order"]) == 0
    assert main(["clares-law", path, "remove-step", str(step), "--reason", "wrong application"]) == 0
    assert main(["plan", path, "P1", "restore", "1", "--reason", "typo"]) == 0
    assert main(["victim-support", path, "remove", str(r), "--reason", "wrong victim"]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and "version 3 (version 1 restored)" in out
    assert main(["order", path, "remove-breach", str(b)]) == 1
    assert "needs --reason" in capsys.readouterr().err

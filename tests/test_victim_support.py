"""Victim support per victim of a cohort subject: status history, who counts, bad input, the CLI."""

import pytest

from matac_desk.domain import UserError
from matac_desk.intake import links
from matac_desk.meeting import support

from casefile_support import days, seed


@pytest.fixture
def s(store):
    seed(store)
    return store


def test_victims_and_status(s):
    links.add_link(s, "P1", "V3", "girlfriend", days(-5), "intelligence report")
    assert support.victims_of(s, "P1") == ["V1", "V2", "V3"]
    support.set_status(s, "V1", "IDVA", "offered", days(-20))
    support.set_status(s, "V1", "IDVA", "engaged", days(-10), note="weekly calls")
    support.set_status(s, "V2", "Refuge outreach", "unreachable", days(-2))
    rows = {(r["subject_id"], r["victim_id"]): r for r in support.cohort_support(s)}
    assert rows[("P1", "V1")]["status"] == "engaged" and rows[("P1", "V1")]["date"] == days(-10)
    assert rows[("P1", "V3")]["status"] == "none recorded" and rows[("P2", "V3")]["status"] == "none recorded"
    assert {r["victim_id"] for r in support.not_supported(s)} == {"V2", "V3"}
    assert support.cohort_support(s, days(-15), subject_id="P1")[0]["status"] == "offered"
    assert [h["status"] for h in support.history(s, "V1")] == ["engaged", "offered"]


@pytest.mark.parametrize("args, message", [
    (("V1", "IDVA", "thrilled", None), "unknown support status 'thrilled'"),
    (("V1", "", "engaged", None), "is required"),
    (("V1", "IDVA", "engaged", days(3)), "in the future"),
    (("P2", "IDVA", "engaged", None), "not a victim or partner of anyone in the cohort"),
    (("NOPE", "IDVA", "engaged", None), "no person with id"),
])
def test_bad_input_writes_nothing(s, args, message):
    before = (s.scalar("SELECT count(*) FROM victim_support"), s.scalar("SELECT count(*) FROM audit_log"))
    with pytest.raises(UserError, match=message):
        support.set_status(s, *args)
    assert (s.scalar("SELECT count(*) FROM victim_support"), s.scalar("SELECT count(*) FROM audit_log")) == before


def test_cli_victim_support(s, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    path = str(s.path)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["victim-support", path, "set", "V1", "--service", "IDVA", "--status", "engaged"]) == 0
    assert main(["victim-support", path, "--person", "P1", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"P1,Lee Smith,V1,Zoë Nowak,IDVA,engaged,{days(0)}" in out and "P1,Lee Smith,V2,Amira Haddad,,none recorded," in out
    assert main(["victim-support", path, "set", "V1", "--service", "IDVA", "--status", "meh"]) == 1
    assert "unknown support status 'meh'" in capsys.readouterr().err

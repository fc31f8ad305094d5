"""Orders in detail: requirements, electronic monitoring, breaches; what expires and what was breached."""

import pytest

from matac_desk.domain import UserError
from matac_desk.meeting import cohort, orders

from casefile_support import days, seed


@pytest.fixture
def s(store):
    seed(store)
    return store


@pytest.fixture
def dapo(s):
    return cohort.add_order(s, "P1", "DAPO", days(-60), days(20), protected_person_id="V2")


def test_requirements_and_monitoring_end(s, dapo):
    orders.add_requirement(s, dapo, "negative", "no contact", "Not to contact Amira Haddad directly or indirectly")
    orders.add_requirement(s, dapo, "positive", "electronic monitoring", "Location tag", until=days(10))
    orders.add_requirement(s, dapo, "notification", "address change", "Tell the police of a new address in 3 days")
    assert [r["kind"] for r in orders.requirements(s, dapo)] == ["negative", "positive", "notification"]
    assert orders.monitoring_end(s, dapo) == days(10)
    (o,) = orders.all_orders(s, person_id="P1")
    assert (o["em_end"], o["requirements"], o["status"]) == (days(10), 3, "in force")


def test_expiring_within_28_days(s, dapo):
    far = cohort.add_order(s, "P2", "restraining order", days(-10), days(200))
    orders.add_requirement(s, far, "positive", "electronic monitoring", "Tag", until=days(5))
    cohort.add_order(s, "P2", "bail conditions", days(-100), days(-1))             # ended: never listed
    got = [(r["id"], r["what"], r["days_left"]) for r in orders.expiring(s)]
    assert got == [(far, "electronic monitoring", 5), (dapo, "order", 20)]
    assert orders.expiring(s, days(-40)) == []


def test_breaches_since_the_last_meeting(s, dapo):
    orders.add_breach(s, dapo, days(-30), "Contacted V2 by phone; arrested")
    b2 = orders.add_breach(s, dapo, days(-3), "Seen in the exclusion zone")
    assert [b["id"] for b in orders.breached_since(s, days(-10))] == [b2]
    assert len(orders.breaches(s, person_id="P1")) == 2
    assert orders.all_orders(s)[0]["breaches"] == 2


@pytest.mark.parametrize("call, message", [
    (lambda s, o: orders.add_breach(s, o, days(-61), "x"), "before the order started"),
    (lambda s, o: orders.add_breach(s, o, days(1), "x"), "in the future"),
    (lambda s, o: orders.add_breach(s, o, days(-1), "  "), "is required"),
    (lambda s, o: orders.add_breach(s, 999, days(-1), "x"), "no order number 999"),
    (lambda s, o: orders.add_requirement(s, o, "sideways", "no contact", "x"), "unknown requirement kind 'sideways'"),
    (lambda s, o: orders.add_requirement(s, o, "negative", "curfew", "x"), "unknown negative requirement type"),
    (lambda s, o: orders.add_requirement(s, o, "positive", "curfew", "x", until=days(30)), "after the order ends"),
])
def test_bad_input_writes_nothing(s, dapo, call, message):
    tables = ("order_breaches", "order_requirements", "audit_log")
    before = [s.scalar(f"SELECT count(*) FROM {t}") for t in tables]
    with pytest.raises(UserError, match=message) as e:
        call(s, dapo)
    assert "\n" not in str(e.value)
    assert [s.scalar(f"SELECT count(*) FROM {t}") for t in tables] == before


def test_breach_after_the_order_ended_is_refused(s):
    old = cohort.add_order(s, "P1", "DVPO", days(-100), days(-80))
    with pytest.raises(UserError, match="after the order ended"):
        orders.add_breach(s, old, days(-50), "x")


def test_cli_order(s, dapo, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    path = str(s.path)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["order", path, "breach", str(dapo), "--date", days(-2), "--note", "Sent texts to V2"]) == 0
    assert main(["order", path, "requirement", str(dapo), "positive", "electronic monitoring", "GPS tag",
                 "--until", days(9)]) == 0
    assert main(["order", path, "--list", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"{dapo},P1,Lee Smith,DAPO,{days(-60)},{days(20)},in force,{days(9)},1,1,{days(-2)}"
    assert main(["order", path, "--breaches"]) == 0
    assert "Sent texts to V2" in capsys.readouterr().out
    assert main(["order", path, "--list", "--expiring"]) == 0
    assert "electronic monitoring" in capsys.readouterr().out
    assert main(["order", path, "P1"]) == 0                       # the subject's orders, as before
    assert "DAPO" in capsys.readouterr().out
    assert main(["order", path, "breach", str(dapo), "--date", days(-90), "--note", "x"]) == 1
    assert "before the order started" in capsys.readouterr().err

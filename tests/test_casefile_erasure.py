"""Erasure reaches the case file: a subject's plan, applications, orders' detail and his victims' support go;
a victim's erasure keeps the subject's Clare's Law application, without her."""

from matac_desk.meeting import clares_law, cohort, orders, plans, support
from matac_desk.storage import retention

from casefile_support import days, seed


def _fill(store):
    seed(store)
    plans.set_pillar(store, "P1", "victim safety", "Safety plan with Amira", "IDVA service")
    a = clares_law.new_application(store, "P1", "right to ask", "partner", days(-5), "PC Shaw", at_risk_id="V2")
    clares_law.add_step(store, a, "initial checks", days(-4), "PC Shaw")
    o = cohort.add_order(store, "P1", "DAPO", days(-30), days(30), protected_person_id="V1")
    orders.add_requirement(store, o, "negative", "no contact", "No contact")
    orders.add_breach(store, o, days(-2), "texts")
    support.set_status(store, "V2", "IDVA", "engaged", days(-1))
    return a


def test_erasing_the_subject_removes_his_case_file(store):
    _fill(store)
    retention.erase_person(store, "P1", "no policing purpose left")
    for table in ("risk_plans", "dvds_applications", "dvds_steps", "order_requirements", "order_breaches"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
    assert store.scalar("PRAGMA foreign_key_check") is None


def test_erasing_a_victim_keeps_the_subjects_application_without_her(store):
    a = _fill(store)
    retention.erase_person(store, "V2", "erasure request upheld")
    got = clares_law.application(store, a)
    assert got["at_risk_id"] is None and got["subject_id"] == "P1"
    assert store.scalar("SELECT count(*) FROM victim_support") == 0
    assert store.scalar("PRAGMA foreign_key_check") is None

"""The demo generator fills the case file (issue 20)."""

import datetime as dt

from matac_desk.services.demo import DemoSpec, fill_store


def test_demo_fills_the_case_file(store):
    """Every part of the case file has something to show in the demo (issue 20)."""
    from matac_desk.meeting import clares_law, orders, plans, support
    fill_store(store, DemoSpec(seed=7, incidents=600, as_of=dt.date.today()))
    for table in ("risk_plans", "dvds_applications", "dvds_steps", "order_requirements", "victim_support"):
        assert store.scalar(f"SELECT count(*) FROM {table}") > 0, table
    assert store.scalar("SELECT count(*) FROM persons WHERE ethnicity IS NOT NULL") > 0
    assert store.scalar("SELECT count(*) FROM links WHERE grading LIKE '% C'") > 0
    assert {r["state"] for r in plans.due(store)} & {"overdue", "due", "no plan"}
    assert clares_law.applications(store)
    assert orders.all_orders(store) and support.cohort_support(store)

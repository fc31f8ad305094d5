"""The case file's reminders on the agenda: plan reviews, Clare's Law, orders ending, breaches, victim support."""

import datetime as dt

from matac_desk.meeting import agenda, clares_law, cohort, meetings, orders, plans, reminders, support

from casefile_support import days, seed


def test_reminders_reach_the_agenda(store):
    seed(store)
    plans.set_pillar(store, "P1", "supervision", "Weekly OM contact", "Police")
    plans.review(store, "P1", days(5))
    clares_law.new_application(store, "P1", "right to know", "police", days(-26), "DS Khan", at_risk_id="V2")
    o = cohort.add_order(store, "P1", "DAPO", days(-30), days(20), protected_person_id="V1")
    orders.add_requirement(store, o, "positive", "electronic monitoring", "tag", until=days(12))
    orders.add_breach(store, o, days(-2), "texts")
    orders.add_breach(store, o, days(-20), "older")
    support.set_status(store, "V1", "IDVA", "engaged", days(-3))
    prev = meetings.schedule_meeting(store, days(-14))
    store.conn.execute("UPDATE meetings SET status = 'held' WHERE id = ?", [prev])
    mid = meetings.schedule_meeting(store, days(7))
    r = reminders.reminders(store, days(7))
    assert r.since == days(-14)
    assert {(p["person_id"], p["state"]) for p in r.plan_reviews} == {("P1", "overdue"), ("P2", "no plan")}
    assert [a["state"] for a in r.clares_law] == ["overdue"]                  # deadline days(2), before the meeting
    assert [(x["what"], x["days_left"]) for x in r.expiring_orders] == [("electronic monitoring", 5), ("order", 13)]
    assert [b["date"] for b in r.breaches] == [days(-2)]
    assert {v["victim_id"] for v in r.victims_without_support} == {"V2", "V3"}
    a = agenda.build_agenda(store, mid)
    text = agenda.agenda_text(a)
    assert "7. Case file (" in text and "Breach of order" in text and "electronic monitoring ends" in text
    assert "V2" in a.person_ids() and '"case_file"' in agenda.agenda_json(a)
    assert len(reminders.reminders(store, days(-60))) < len(r)

"""The case file in the profile and the pack: its sections, and C-graded intelligence withheld from partner versions."""

from matac_desk.intake import links
from matac_desk.meeting import clares_law, cohort, meetings, orders, plans, support
from matac_desk.pack import profile_pdf
from matac_desk.services import subject_file

from casefile_support import days, seed
from pack_support import fold, page_texts


def _world(store):
    seed(store)
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, forename, surname, created_at, updated_at)"
                           " VALUES ('V9', 'Secret', 'Sourcewoman', ?, ?)", [now, now])
    links.add_link(store, "P1", "V9", "girlfriend", days(-20), "covert source", grading="2C C")
    links.add_link(store, "P1", "V2", "girlfriend", days(-30), "intel report", grading="1B P")
    plans.set_pillar(store, "P1", "supervision", "Weekly home visits", "Police")
    plans.review(store, "P1", days(3))
    a = clares_law.new_application(store, "P1", "right to know", "police", days(-10), "DS Khan", at_risk_id="V2")
    clares_law.add_step(store, a, "full checks", days(-5), "DS Khan")
    o = cohort.add_order(store, "P1", "DAPO", days(-30), days(40), protected_person_id="V1")
    orders.add_requirement(store, o, "positive", "electronic monitoring", "GPS tag", until=days(10))
    orders.add_breach(store, o, days(-3), "Entered the exclusion zone")
    support.set_status(store, "V1", "IDVA", "engaged", days(-4))


def _has(text: str, *wanted: str) -> bool:
    return all(fold(w) in text for w in wanted)


def test_subject_file_and_withheld(store):
    _world(store)
    sf = subject_file.subject_file(store, "P1", picture_ids=["V1", "V2", "V9"])
    assert sf.plan_state == "due" and sf.applications[0]["steps"][-1]["step"] == "full checks"
    assert sf.orders[0]["em_end"] == days(10) and len(sf.orders[0]["breach_list"]) == 1
    assert {v["victim_id"]: v["status"] for v in sf.victim_support}["V1"] == "engaged"
    assert sf.withheld == {"V9"} and sf.withheld_links == 1        # V2 is known from incidents and a P link too


def test_profile_full_and_redacted(store):
    _world(store)
    full, _ = profile_pdf(store, "P1", recipient="OM")
    text = fold(" ".join(page_texts(full)))
    for heading in ("Risk management plan", "Clare's Law applications", "Orders in detail", "Victim support",
                    "Equality monitoring"):
        assert _has(text, heading), heading
    assert _has(text, "Secret Sourcewoman", "GPS tag", "review due")
    red, _ = profile_pdf(store, "P1", recipient="Housing", redact=True)
    text = fold(" ".join(page_texts(red)))
    assert not _has(text, "Sourcewoman") and not _has(text, "V9")
    assert _has(text, "1 intelligence link(s) graded with handling code C")
    assert _has(text, "Amira Haddad")                               # a P-graded partner stays


def test_pack_has_the_case_file_section(store):
    from matac_desk.pack import pack_pdf
    _world(store)
    mid = meetings.schedule_meeting(store, days(5))
    pdf, _ = pack_pdf(store, mid, recipient="MATAC attendees")
    text = fold(" ".join(page_texts(pdf)))
    assert _has(text, "8. Case file: reviews, Clare's Law, orders, breaches, victim support")
    assert _has(text, "Entered the exclusion zone", "electronic monitoring")


def test_redacted_pack_withholds_conditional_persons(store):
    from matac_desk.pack import pack_pdf
    _world(store)
    mid = meetings.schedule_meeting(store, days(5))
    full, _ = pack_pdf(store, mid, recipient="MATAC attendees")
    assert _has(fold(" ".join(page_texts(full))), "Secret Sourcewoman")
    red, _ = pack_pdf(store, mid, recipient="Housing", redact=True)
    assert not _has(fold(" ".join(page_texts(red))), "Sourcewoman")

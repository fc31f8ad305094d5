"""The dashboard's attention list and the person page's case file (Qt-free)."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.meeting import actions, cohort, meetings, workload
from matac_desk.services import attention, casefile
from matac_desk.storage import audit
from matac_desk.intake import links
from matac_desk.storage.store import Store

from conftest import PASSPHRASE
from scoring_support import A, load, row


@pytest.fixture
def small(store, tmp_path):
    load(store, tmp_path, [row("R1", 10, "Common assault", "P1", "V1"), row("R2", 40, "Stalking", "P1", "V2"),
                           row("R3", 300, "Shoplifting", "P2", "V3")])
    return store


@pytest.mark.parametrize("offsets, expected_days", [((), None), ((0,), 0), ((1,), 1), ((10, 38), 10),
                                                    ((-5, 23), 23)])
def test_days_to_the_next_meeting(small, offsets, expected_days):
    for d in offsets:
        meetings.schedule_meeting(small, A + dt.timedelta(days=d))
    a = attention.attention(small, A)
    assert a.days_to_meeting == expected_days


@pytest.mark.parametrize("previous, since", [(None, A - dt.timedelta(days=28)), (-14, A - dt.timedelta(days=14))])
def test_new_partners_are_looked_for_since_the_previous_meeting(small, previous, since):
    if previous is not None:
        meetings.schedule_meeting(small, A + dt.timedelta(days=previous))
    links.add_link(small, "P1", "V3", "girlfriend", A - dt.timedelta(days=20), "intelligence", today=A)
    a = attention.attention(small, A)
    assert a.since == since.isoformat()
    found = [(p.perpetrator_id, p.partner_id) for p in a.new_partners]
    assert found == ([("P1", "V3")] if since < A - dt.timedelta(days=20) else [])


def test_overdue_actions_overloaded_officers_and_unmapped_offences(small):
    late = actions.add_action(small, "P1", "Police", "check bail", due=A - dt.timedelta(days=3))
    actions.add_action(small, "P1", "Housing", "tenancy", due=A + dt.timedelta(days=3))
    workload.add_om(small, "DC Full", "North", other_cases=50)
    workload.add_om(small, "DC Free", "North", other_cases=10)
    a = attention.attention(small, A)
    assert [(x.id, x.days_overdue) for x in a.overdue_actions] == [(late, 3)]
    assert [c.name for c in a.overloaded] == ["DC Full"]
    assert [u.key for u in a.unmapped] == ["shoplifting"]


def test_the_case_file_gathers_what_matac_holds(small):
    mid = meetings.schedule_meeting(small, A)
    meetings.record_decision(small, mid, "P1", "adopt")
    meetings.add_minutes(small, mid, "P1", "Engaging.")
    aid = actions.add_action(small, "P1", "Police", "check bail", meeting_id=mid)
    cf = casefile.case_file(small, "P1", A)
    assert cf.in_cohort and [m.event for m in cf.membership] == ["adopted"]
    assert [d["decision"] for d in cf.decisions] == ["adopt"]
    assert [n["text"] for n in cf.minutes] == ["Engaging."]
    assert [x.id for x in cf.actions] == [aid]
    assert cf.explanation.score.incidents == 2
    assert {"meeting.decision", "meeting.minutes", "action.added"} <= {e["action"] for e in cf.audit}


def test_viewing_audits_once_even_on_a_read_only_store(small):
    ro = Store.open(small.path, PASSPHRASE, read_only=True)
    try:
        before = len(audit.entries(small.conn, person_id="P1", action="person.viewed"))
        prof, cf = casefile.view(ro, "P1", A)
        assert prof.id == cf.person_id == "P1"
        assert len(audit.entries(small.conn, person_id="P1", action="person.viewed")) == before + 1
    finally:
        ro.close()


def test_the_case_file_says_what_is_live_and_who_is_a_subject(small):
    done = actions.add_action(small, "P1", "Police", "check bail")
    still = actions.add_action(small, "P1", "Housing", "tenancy")
    actions.update_action(small, done, status="done")
    tid = cohort.add_tactic_to_toolkit(small, "disruption", "Curfew checks")
    agreed = cohort.agree_tactic(small, "P1", tid)
    stopped = cohort.agree_tactic(small, "P1", tid)
    cohort.set_tactic_status(small, stopped, "stopped")
    cf = casefile.case_file(small, "P1", A)
    assert [a.id for a in cf.open_actions] == [still]
    assert [t["id"] for t in cf.live_tactics] == [agreed]
    assert cf.is_subject                                   # a perpetrator, though not in the cohort
    victim = casefile.case_file(small, "V1", A)
    assert not victim.is_subject
    cohort.set_subject_details(small, "V1", risk_level="high")   # details recorded already: kept editable
    assert casefile.case_file(small, "V1", A).is_subject

"""One question, one answer: the Dashboard and the next meeting's agenda list the same new partner alerts for
the same period, each saying what the perpetrator is; the Nominations page and the agenda nominate the same
number, from one setting; the pack says which day its scores are as of."""

from __future__ import annotations

import datetime as dt

import pytest
from pack_support import demo_store

from conftest import TODAY
from matac_desk.meeting import agenda, meetings
from matac_desk.services import attention, selection


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = demo_store(tmp_path_factory.mktemp("answer"), seed=3, incidents=300)
    yield store
    store.close()


def _pairs(alerts):
    return [(a.perpetrator_id, a.partner_id, a.first_linked) for a in alerts]


def test_dashboard_and_agenda_list_the_same_alerts_for_the_same_period(demo):
    m = meetings.next_meeting(demo, TODAY)
    a = agenda.build_agenda(demo, m.id)
    dash = attention.attention(demo, TODAY)
    assert dash.since == a.since
    assert dash.next_meeting.id == m.id
    on_the_agenda = {p for p in _pairs(a.new_partners) if p[2] <= TODAY.isoformat()}
    assert set(_pairs(dash.new_partners)) == on_the_agenda
    assert dash.new_partners, "the demo has new partners to compare"


def test_each_alert_says_what_the_perpetrator_is(demo):
    m = meetings.next_meeting(demo, TODAY)
    a = agenda.build_agenda(demo, m.id)
    nominated = {n.person_id for n in a.nominations}
    for alert in a.new_partners:
        assert alert.roles and set(alert.roles) <= set(agenda.ALERT_ROLES)
        assert ("nominee" in alert.roles) == (alert.perpetrator_id in nominated)
        assert alert.role_text in agenda.agenda_text(a)
        if alert.incident_ref:
            assert alert.offence


def test_the_nominations_page_and_the_agenda_nominate_the_same_people(demo):
    demo.set_setting("agenda.nominations_top_n", 4)
    try:
        m = meetings.next_meeting(demo, TODAY)
        a = agenda.build_agenda(demo, m.id)
        day = dt.date.fromisoformat(m.date)
        rows = selection.nomination_rows(demo, day)
        assert [r.person_id for r in rows] == [n.person_id for n in a.nominations]
        assert sum(1 for n in a.nominations if "score" in n.reasons) == 4 == a.top_n
        assert selection.nominations_top_n(demo) == 4
        assert "the top 4 scores" in agenda.agenda_text(a)
    finally:
        demo.set_setting("agenda.nominations_top_n", agenda.NOMINATIONS_TOP_N)


def test_the_agenda_says_its_scores_are_as_of_the_meeting_and_reviews_by_rank(demo):
    m = meetings.next_meeting(demo, TODAY)
    a = agenda.build_agenda(demo, m.id)
    assert f"Scores as of {m.date}" in agenda.agenda_text(a)
    ranks = [r.rank for r in a.review if r.rank is not None]
    assert ranks == sorted(ranks)

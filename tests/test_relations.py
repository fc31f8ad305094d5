"""A perpetrator's victims, partners and children, as the profile and the person page list them."""

from __future__ import annotations

import datetime as dt

from matac_desk.services import relations

from test_person_profile import filled  # noqa: F401  (fixture: P1 against V1 and V2; V2's child C1)

AS_OF = dt.date(2026, 4, 1)


def test_victims_and_partners_with_dates_counts_and_how_known(filled):  # noqa: F811
    rel = relations.relations(filled, "P1", as_of=AS_OF, since=dt.date(2026, 1, 1))
    lines = {p.person_id: p for p in rel.partners}
    assert set(lines) == {"V1", "V2"}
    v1, v2 = lines["V1"], lines["V2"]
    assert (v1.relationship, v1.kind, v1.first, v1.last, v1.incidents, v1.sources) == (
        "girlfriend", "partner", "2026-01-10", "2026-01-10", 1, "incidents")
    # V2: the intelligence link (2025-09-01) is earlier than the incident (2026-03-05)
    assert (v2.kind, v2.first, v2.last, v2.incidents, v2.sources) == (
        "ex-partner", "2025-09-01", "2026-03-05", 1, "incidents and intelligence")
    # V1's first intimate link falls in the period: a new partner, listed first
    assert (v1.new, v2.new) == (True, False)
    assert [p.person_id for p in rel.partners] == ["V1", "V2"]


def test_nothing_is_new_outside_the_period(filled):  # noqa: F811
    rel = relations.relations(filled, "P1", as_of=AS_OF, since=dt.date(2026, 2, 1))
    assert not any(p.new for p in rel.partners)


def test_incidents_after_the_day_are_left_out(filled):  # noqa: F811
    rel = relations.relations(filled, "P1", as_of=dt.date(2026, 2, 1), since=dt.date(2026, 1, 1))
    assert {p.person_id: p.incidents for p in rel.partners} == {"V1": 1, "V2": 0}


def test_children_of_his_partners(filled):  # noqa: F811
    rel = relations.relations(filled, "P1", as_of=AS_OF, since=dt.date(2026, 1, 1))
    assert [(c.person_id, c.name, c.age, c.linked_to) for c in rel.children] == [("C1", "Ruby Price", 6, "Amy Price")]


def test_a_merged_record_reads_as_the_person_kept(filled):  # noqa: F811
    rel = relations.relations(filled, "P1-OLD", as_of=AS_OF, since=dt.date(2026, 1, 1))
    assert rel.person_id == "P1" and {p.person_id for p in rel.partners} == {"V1", "V2"}


def test_the_period_runs_from_the_last_meeting_or_28_days(filled):  # noqa: F811
    assert relations.period(filled, AS_OF) == (dt.date(2026, 3, 4), AS_OF)
    from matac_desk.meeting import meetings
    meetings.schedule_meeting(filled, "2026-03-10")
    assert relations.period(filled, AS_OF) == (dt.date(2026, 3, 10), AS_OF)

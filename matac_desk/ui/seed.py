"""A few months of MATAC work on top of a demo store, for the screenshots and the GUI tests (Qt-free).

The demo generator makes police records only. :func:`seed_meetings` adds
what a coordinator's store holds after two meetings: offender managers
(one overloaded, one waiting for MOSOVO training), two held meetings with
adoptions and snapshots, the next two scheduled, attendees, tactics,
actions (some overdue), minutes, an order, a Clare's Law disclosure, an open
referral, and a new partner of a cohort subject linked a few days ago.
Everything goes through the services, as the client would write it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..meeting import actions, cohort, meetings, workload
from ..intake import links
from ..analysis import nominations
from ..storage.store import Store

__all__ = ["Seeded", "seed_meetings"]


@dataclass
class Seeded:
    held: list[int] = field(default_factory=list)
    next_meeting: int = 0
    cohort: list[str] = field(default_factory=list)
    new_partner: tuple[str, str] | None = None   # (perpetrator, partner)
    referred: str | None = None
    actions: list[int] = field(default_factory=list)


def seed_meetings(store: Store, today: _dt.date, *, adopt: int = 6) -> Seeded:
    out = Seeded()
    oms = [workload.add_om(store, "DC Rachel Moss", "North", mosovo_completed_on="2025-03-01", other_cases=12),
           workload.add_om(store, "DC Imran Shah", "Central", other_cases=49, other_high_risk=11),
           workload.add_om(store, "PC Dafydd Price", "South", mosovo_waiting=True, other_cases=20, other_high_risk=2)]
    first = meetings.schedule_meeting(store, today - _dt.timedelta(days=56), chair="DI Helen Carter")
    second = meetings.schedule_meeting(store, today - _dt.timedelta(days=28), chair="DI Helen Carter")
    out.next_meeting = meetings.schedule_meeting(store, today + _dt.timedelta(days=7), chair="DI Helen Carter")
    meetings.schedule_meeting(store, today + _dt.timedelta(days=35))
    for mid in (first, second, out.next_meeting):
        for name, agency in (("DI Helen Carter", "Police"), ("Sam Okafor", "Probation"),
                             ("Jo Whitfield", "Children's social care"), ("Priya Nair", "IDVA service")):
            meetings.add_attendee(store, mid, name, agency, apology=(mid == second and agency == "Probation"))
    half = max(1, adopt // 2)
    for mid, n in ((first, half), (second, adopt - half)):
        m = meetings.meeting(store, mid)
        noms = nominations.nominations(store, m.date, top_n=n + 1)
        for k, nom in enumerate(noms[:n + 1]):
            if k == n:
                meetings.record_decision(store, mid, nom.person_id, "do not adopt",
                                         reason="managed through MAPPA already")
                continue
            meetings.record_decision(store, mid, nom.person_id, "adopt")
            out.cohort.append(nom.person_id)
        meetings.add_minutes(store, mid, None, "Quorate. Actions from the previous meeting reviewed.")
        meetings.mark_held(store, mid, today=today)
        out.held.append(mid)
    tools = cohort.toolkit(store)
    om_of = dict(zip(("North", "Central", "South"), oms))
    for k, pid in enumerate(out.cohort):
        division = store.scalar("SELECT i.division FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
                                " WHERE v.perpetrator_id = ? ORDER BY i.date DESC LIMIT 1", [pid])
        workload.allocate(store, pid, om_of.get(division, oms[k % 3]), allow_overloaded=True, as_of=today)
        cohort.agree_tactic(store, pid, tools[k % len(tools)]["id"], meeting_id=first if k < half else second,
                            on=today - _dt.timedelta(days=56 if k < half else 28))
        due = today + _dt.timedelta(days=(-10 if k % 2 == 0 else 14) - k)
        out.actions.append(actions.add_action(
            store, pid, ("Police", "Probation", "Housing", "Children's social care")[k % 4],
            ("Check bail conditions with the custody suite", "Offer the Drive programme",
             "Review tenancy and target hardening for the victim", "Refer the children to early help")[k % 4],
            owner=("DC Rachel Moss", "Sam Okafor", "Lee Barnes", "Jo Whitfield")[k % 4], due=due,
            meeting_id=first if k < half else second))
        meetings.add_minutes(store, second, pid, "Engaging poorly with probation; partner disclosed new concerns."
                             if k % 2 else "Stable; no new incidents reported by partners.")
    if out.cohort:
        lead = out.cohort[0]
        cohort.set_subject_details(store, lead, mappa_category=3, mappa_level=2, marac=True, risk_level="high",
                                   risk_weapons=True)
        cohort.set_subject_details(store, out.cohort[-1], mappa_level=2)
        cohort.add_order(store, lead, "DVPO", today - _dt.timedelta(days=20), today + _dt.timedelta(days=8),
                         conditions="Not to enter the street where the victim lives")
        cohort.record_disclosure(store, lead, "right to know", today - _dt.timedelta(days=15),
                                 recipient_name="current partner", decision="disclosed")
        actions.update_action(store, out.actions[0], status="in progress", note="Custody suite contacted",
                              on=today - _dt.timedelta(days=3))
        partner = _unlinked_person(store, lead)
        if partner:
            links.add_link(store, lead, partner, "girlfriend", today - _dt.timedelta(days=4),
                           "Intelligence report (neighbour)", today=today)
            out.new_partner = (lead, partner)
    for nom in nominations.nominations(store, today, top_n=12):
        if nom.person_id not in out.cohort:
            nominations.refer(store, nom.person_id, "Children's social care", "Jo Whitfield",
                              "Three children on a child protection plan; new partner reported", date=today)
            out.referred = nom.person_id
            break
    return out


def _unlinked_person(store: Store, pid: str) -> str | None:
    """An adult victim of someone else who has no record with ``pid``: his new partner in the story."""
    return store.scalar(
        "SELECT v.victim_id FROM involvements v JOIN persons p ON p.id = v.victim_id"
        " WHERE v.perpetrator_id <> ? AND p.dob < '2000-01-01' AND v.relationship_kind IN ('partner', 'ex-partner')"
        " AND v.victim_id NOT IN (SELECT victim_id FROM involvements WHERE perpetrator_id = ?)"
        " AND v.victim_id NOT IN (SELECT person_b_id FROM links WHERE person_a_id = ?)"
        " AND v.victim_id NOT IN (SELECT person_a_id FROM links WHERE person_b_id = ?)"
        " ORDER BY v.victim_id LIMIT 1", [pid, pid, pid, pid])

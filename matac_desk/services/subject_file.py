"""A subject's case file beyond the meeting's record, as plain data: what the person page and the profile show.

:func:`subject_file` gathers, for one person as of a day: his risk management
plan, his Clare's Law applications with their steps, his orders with their
requirements and breaches, the support status of each of his victims and
partners, his equality fields, and the intelligence links around him graded
with handling code C (shared only with conditions). :func:`withheld` says
which persons a partner-agency (redacted) version must leave out: those
known only through C-graded links.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..intake.links import conditional_links
from ..meeting import clares_law, cohort, orders, plans, support
from ..meeting.checks import day as _day
from ..storage.store import Store
from . import equality

__all__ = ["SubjectFile", "subject_file", "withheld"]


@dataclass
class SubjectFile:
    person_id: str
    as_of: str
    plan: plans.Plan | None
    plan_state: str
    applications: list[dict] = field(default_factory=list)      # each with "steps"
    orders: list[dict] = field(default_factory=list)            # each with "requirements" and "breach_list"
    victim_support: list[dict] = field(default_factory=list)
    equality: dict = field(default_factory=dict)
    conditional_links: list[int] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)     # persons a partner-agency version leaves out
    withheld_links: int = 0                              # the C-graded links among the picture's persons


def subject_file(store: Store, person_id: str, as_of: _dt.date | str | None = None, *,
                 picture_ids=()) -> SubjectFile:
    """His case file as of a day; ``picture_ids``: the persons around him a profile shows (for :func:`withheld`)."""
    pid = cohort.require_person(store, person_id)
    d = _day(as_of, "as of")
    p = plans.plan(store, pid)
    apps = clares_law.applications(store, as_of=d, subject_id=pid)
    for a in apps:
        a["steps"] = clares_law.steps(store, a["id"])
    ords = orders.all_orders(store, as_of=d, person_id=pid)
    all_breaches = orders.breaches(store, person_id=pid)
    for o in ords:
        o["requirement_list"] = orders.requirements(store, o["id"])
        o["breach_list"] = [b for b in all_breaches if b["order_id"] == o["id"]]
    gone, n = withheld(store, pid, picture_ids)
    return SubjectFile(pid, d, p, p.review_state(d) if p else "no plan", apps, ords,
                       support.cohort_support(store, d, subject_id=pid), equality.fields(store, pid, d),
                       conditional_links(store, [pid]), gone, n)


def withheld(store: Store, centre: str, person_ids) -> tuple[set[str], int]:
    """``(persons known only through C-graded links, the C-graded links among them)`` for a redacted version.

    Of ``person_ids`` (a picture around ``centre``), a person is withheld
    when every intelligence link joining him to another of them is graded
    with handling code C and no DA incident joins him to any of them.
    """
    ids = list(dict.fromkeys([centre, *person_ids]))
    members = set(ids)
    c_links = conditional_links(store, ids)
    if not c_links:
        return set(), 0
    rows = store.conn.execute(
        f"SELECT id, person_a_id, person_b_id, coalesce(grading, '') FROM links WHERE person_a_id IN"
        f" ({', '.join('?' * len(ids))}) OR person_b_id IN ({', '.join('?' * len(ids))})", ids * 2).fetchall()
    shown_by_open, by_c = set(), set()
    counted = 0
    for lid, a, b, grade in rows:
        if a not in members or b not in members:
            continue
        if grade.endswith(" C"):
            by_c |= {a, b}
            counted += 1
        else:
            shown_by_open |= {a, b}
    involved = set()
    for a, b in store.conn.execute(
            f"SELECT perpetrator_id, victim_id FROM involvements WHERE perpetrator_id IN ({', '.join('?' * len(ids))})"
            f" OR victim_id IN ({', '.join('?' * len(ids))})", ids * 2):
        if a in members and b in members:
            involved |= {a, b}
    out = {x for x in by_c - shown_by_open - involved if x != centre}
    return out, counted

"""A perpetrator's victims, partners and children, as plain rows: what the profile and the person page list.

:func:`relations` reads, over all of his merged records up to a day, every
victim (from incidents) and every intimate partner (from incidents and
intelligence links) with the relationship, the first and latest dates, the
number of incidents and how each is known, marking those who are *new
partners* in the period (see :func:`matac_desk.analysis.graph.new_partners`); and
the children (under 18) in his relationship picture, two steps out, with
the adults each is linked to. The printed profile
(:mod:`matac_desk.pack.profile`) and the person page's tabs both use it.

The period for "new" is :func:`period`: from the latest meeting before the
day (or 28 days back) to the day, as the profile prints it.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field

from ..meeting import cohort, meetings
from ..analysis import picture, scoring
from ..domain import display_name
from ..storage.store import Store

__all__ = ["PartnerLine", "ChildLine", "Relations", "period", "relations", "INTIMATE"]

INTIMATE = ("partner", "ex-partner")
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class PartnerLine:
    """A victim or partner of the subject, over all his records."""
    person_id: str
    name: str
    dob: str | None
    relationship: str | None
    kind: str                 # partner / ex-partner / family / other
    first: str
    last: str
    incidents: int
    sources: str              # "incidents", "intelligence" or both
    new: bool                 # a new partner in the period


@dataclass(frozen=True)
class ChildLine:
    person_id: str
    name: str
    dob: str | None
    age: int | None
    linked_to: str            # whose child: names of the linked adults


@dataclass(frozen=True)
class Relations:
    person_id: str
    as_of: str
    since: str
    partners: list[PartnerLine]
    children: list[ChildLine]
    layout: picture.Layout
    names: dict[str, str] = field(default_factory=dict)   # everyone named above and in the picture


def period(store: Store, as_of: _dt.date) -> tuple[_dt.date, _dt.date]:
    """``(since, as_of)``: since the latest meeting before ``as_of``, or the 28 days before it."""
    prev = meetings.previous_meeting(store, as_of)
    since = _dt.date.fromisoformat(prev.date) if prev else as_of - _dt.timedelta(days=DEFAULT_DAYS)
    if since >= as_of:
        since = as_of - _dt.timedelta(days=DEFAULT_DAYS)
    return since, as_of


def _age(dob: str | None, on: _dt.date) -> int | None:
    if not dob:
        return None
    try:
        d = _dt.date.fromisoformat(dob)
    except ValueError:
        return None
    return on.year - d.year - ((on.month, on.day) < (d.month, d.day))


def relations(store: Store, person_id: str, *, as_of: _dt.date, since: _dt.date | None = None) -> Relations:
    """His victims and partners (new partners first, then intimate ones, by first date) and the children.

    ``since`` defaults to :func:`period`. A merged record is read as the
    person it was merged into.

    Notes
    -----
    One query for his involvements, one for his links, and the radius-2
    neighbourhood (:func:`matac_desk.analysis.picture.neighbourhood_layout`); the
    children are those the picture places (at most 48 per ring).
    """
    pid = cohort.require_person(store, person_id)
    if since is None:
        since, _ = period(store, as_of)
    day = as_of.isoformat()
    roots = scoring.root_map(store)
    members = sorted({pid} | {k for k, v in roots.items() if v == pid})
    q_members = json.dumps(members)
    conn = store.conn
    layout = picture.neighbourhood_layout(store, pid, radius=2, as_of=as_of, since=since)
    new_ids = {n.id for n in layout.nodes if n.kind == "new partner"}

    # victims (incidents) and intimate partners (intelligence links), over all his records
    rows = conn.execute(
        "SELECT v.victim_id, i.date, v.relationship, v.relationship_kind, i.ref FROM involvements v"
        " JOIN incidents i ON i.ref = v.incident_ref WHERE v.perpetrator_id IN (SELECT value FROM json_each(?))"
        " AND i.date <= ? ORDER BY i.date", [q_members, day]).fetchall()
    lines: dict[str, dict] = {}
    for victim, date, rel, kind, ref in rows:
        v = roots.get(victim, victim)
        if v == pid:
            continue
        e = lines.setdefault(v, {"first": date, "last": date, "refs": set(), "rel": rel, "kind": kind,
                                 "src": set()})
        e["last"] = max(e["last"], date)
        e["refs"].add(ref)
        e["rel"], e["kind"] = rel or e["rel"], kind or e["kind"]
        e["src"].add("incidents")
    for a, b, rel, kind, first in conn.execute(
            "SELECT person_a_id, person_b_id, relationship, relationship_kind, first_seen FROM links"
            " WHERE (person_a_id IN (SELECT value FROM json_each(?1)) OR person_b_id IN (SELECT value FROM"
            " json_each(?1))) AND relationship_kind IN ('partner', 'ex-partner') AND first_seen <= ?2",
            [q_members, day]):
        other = roots.get(b, b) if roots.get(a, a) == pid else roots.get(a, a)
        if other == pid:
            continue
        e = lines.setdefault(other, {"first": first, "last": first, "refs": set(), "rel": rel, "kind": kind,
                                     "src": set()})
        e["first"] = min(e["first"], first)
        e["last"] = max(e["last"], first)
        if not e["refs"]:
            e["rel"], e["kind"] = rel, kind
        e["src"].add("intelligence")
    people = {p: (display_name(f, s), dob) for p, f, s, dob in conn.execute(
        "SELECT id, forename, surname, dob FROM persons WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(lines) | {n.id for n in layout.nodes}))])}
    partners = [PartnerLine(o, people.get(o, (o, None))[0], people.get(o, (o, None))[1], e["rel"], e["kind"] or "other",
                            e["first"], e["last"], len(e["refs"]), " and ".join(sorted(e["src"])), o in new_ids)
                for o, e in lines.items()]
    partners.sort(key=lambda p: (not p.new, p.kind not in INTIMATE, p.first, p.person_id))

    # children: under-18s in his picture, with the adults they are linked to
    node = {n.id: n for n in layout.nodes}
    children = []
    for n in layout.nodes:
        if n.kind != "child":
            continue
        adults = sorted({node[e.b if e.a == n.id else e.a].label for e in layout.edges
                         if n.id in (e.a, e.b) and node[e.b if e.a == n.id else e.a].kind != "child"})
        dob = people.get(n.id, (n.label, None))[1]
        children.append(ChildLine(n.id, n.label, dob, _age(dob, as_of), ", ".join(adults)))
    return Relations(pid, day, since.isoformat(), partners, children, layout,
                     {k: v[0] for k, v in people.items()})

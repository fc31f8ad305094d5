"""Equality monitoring: a person's sex, ethnicity and disability, and who is scored, nominated and adopted.

The fields and their accepted values are :mod:`matac_desk.intake.equality`'s;
:func:`set_fields` changes them by hand (checked, audited, one transaction;
a value not accepted is one line and nothing is written). :func:`who_is_nominated`
answers the PCC's question, whether the selection treats groups differently:
per division, sex, ethnic group or age band, how many perpetrators were
scored, nominated and adopted, and the share of the scored in each group
nominated and adopted.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter

from ..analysis import scoring
from ..domain import UserError
from ..intake import equality as eq
from ..meeting.checks import day
from ..meeting.cohort import require_person
from ..storage.store import Store

__all__ = ["DIMENSIONS", "fields", "set_fields", "who_is_nominated", "group_of"]

DIMENSIONS = ("division", "sex", "ethnicity", "age band")


def fields(store: Store, person_id: str, as_of: _dt.date | str | None = None) -> dict:
    """``{sex, ethnicity, disability}`` as codes, their labels, and the age band on ``as_of``."""
    pid = require_person(store, person_id)
    sex, eth, dis, dob = store.conn.execute("SELECT sex, ethnicity, disability, dob FROM persons WHERE id = ?",
                                            [pid]).fetchone()
    return {"sex": sex, "ethnicity": eth, "disability": dis, "sex_label": eq.label("sex", sex),
            "ethnicity_label": eq.label("ethnicity", eth), "disability_label": eq.label("disability", dis),
            "age_band": eq.age_band(dob, day(as_of, "as of"))}


def set_fields(store: Store, person_id: str, *, reason: str | None = None, **values) -> dict:
    """Set any of sex, ethnicity, disability (codes or words; "" or None clears); returns ``{field: (old, new)}``."""
    pid = require_person(store, person_id)
    unknown = sorted(set(values) - set(eq.FIELDS))
    if unknown:
        raise UserError(f"unknown equality field(s): {', '.join(unknown)}; known: {', '.join(eq.FIELDS)}")
    new = {}
    for f, v in values.items():
        try:
            new[f] = eq.parse(f, v)
        except ValueError as e:
            raise UserError(str(e)) from None
    old = fields(store, pid)
    changed = {f: (old[f], v) for f, v in new.items() if old[f] != v}
    if changed:
        with store.transaction():
            store.conn.execute(f"UPDATE persons SET {', '.join(f'{f} = ?' for f in changed)} WHERE id = ?",
                               [v for _, v in changed.values()] + [pid])
            store.audit("person.equality_changed", entity="person", entity_id=pid,
                        detail={"fields": sorted(changed)}, reason=reason)
    return changed


def group_of(dimension: str, row: tuple, on: str) -> str:
    """The group of a person ``(division, sex, ethnicity, dob)`` in one of :data:`DIMENSIONS`."""
    division, sex, eth, dob = row
    if dimension == "division":
        return division or "Not recorded"
    if dimension == "sex":
        return eq.label("sex", sex)
    if dimension == "ethnicity":
        return eq.ethnic_group(eth)
    if dimension == "age band":
        return eq.age_band(dob, on)
    raise UserError(f"unknown dimension {dimension!r}; one of: {', '.join(DIMENSIONS)}")


def who_is_nominated(store: Store, dimension: str, as_of: _dt.date | str | None = None, *,
                     since: _dt.date | str | None = None) -> list[dict]:
    """Per group of ``dimension``: scored (everyone scored on ``as_of``), nominated and adopted since ``since``.

    Nominated: put before a meeting (a nomination, a partner referral, or a
    decision to adopt or not), so everyone adopted was nominated; adopted:
    an ``adopted`` event; both counted once per person, between ``since``
    (default: a year before ``as_of``) and ``as_of``. Division is the
    division of his latest scored incident (or his subject record's).
    """
    if dimension not in DIMENSIONS:
        raise UserError(f"unknown dimension {dimension!r}; one of: {', '.join(DIMENSIONS)}")
    d = day(as_of, "as of")
    start = day(since, "since") if since else (_dt.date.fromisoformat(d) - _dt.timedelta(days=365)).isoformat()
    scores = scoring.score_all(store, d)
    division = {s.perpetrator_id: s.division for s in scores}
    nominated = {r[0] for r in store.conn.execute(
        "SELECT person_id FROM cohort_events WHERE event IN ('nominated', 'adopted', 'not adopted')"
        " AND date > ? AND date <= ?"
        " UNION SELECT person_id FROM referrals WHERE date > ? AND date <= ?"
        " UNION SELECT d.person_id FROM decisions d JOIN meetings m ON m.id = d.meeting_id"
        " WHERE d.decision IN ('adopt', 'do not adopt') AND m.date > ? AND m.date <= ?", [start, d] * 3)}
    adopted = {r[0] for r in store.conn.execute(
        "SELECT person_id FROM cohort_events WHERE event = 'adopted' AND date > ? AND date <= ?", [start, d])}
    ids = set(division) | nominated | adopted
    people = {}
    for chunk in (sorted(ids)[i:i + 900] for i in range(0, len(ids), 900)):
        for pid, sex, eth, dob, sub_div in store.conn.execute(
                f"SELECT p.id, p.sex, p.ethnicity, p.dob, s.division FROM persons p LEFT JOIN subjects s"
                f" ON s.person_id = p.id WHERE p.id IN ({', '.join('?' * len(chunk))})", chunk):
            people[pid] = (division.get(pid) or sub_div, sex, eth, dob)
    counts = {k: Counter() for k in ("scored", "nominated", "adopted")}
    for key, members in (("scored", division), ("nominated", nominated), ("adopted", adopted)):
        for pid in members:
            if pid in people:
                counts[key][group_of(dimension, people[pid], d)] += 1
    order = {b: i for i, b in enumerate(eq.AGE_BANDS)} if dimension == "age band" else {}
    groups = sorted(set().union(*counts.values()), key=lambda g: (order.get(g, len(order)), g))
    rows = []
    for g in groups + ["All"]:
        n = {k: (sum(c.values()) if g == "All" else c[g]) for k, c in counts.items()}
        rows.append({"group": g, **n,
                     "nominated_share": round(n["nominated"] / n["scored"], 4) if n["scored"] else None,
                     "adopted_share": round(n["adopted"] / n["scored"], 4) if n["scored"] else None})
    return rows

"""Orders in detail: their requirements (positive, negative, notification), electronic monitoring, breaches.

An order (:mod:`matac_desk.meeting.cohort` keeps its type, dates, protected
person and conditions) gains requirements: *negative* ones forbid (no contact,
an exclusion zone), *positive* ones oblige (attend a programme, wear an
electronic monitoring tag), *notification* ones are what a DAPO obliges the
subject to tell the police (a change of name or address). Each is free text
with a type from a short list; one with an end of its own (electronic
monitoring usually ends before the order) carries ``until``.

A breach is a criminal offence and goes back to court: recorded with its day
and a note, never before the order started nor after it ended.

What reaches the agenda and the Dashboard: orders in force that end within
:data:`EXPIRY_WINDOW_DAYS` (28) days, electronic monitoring that ends within
that window, and breaches since the last meeting held.
"""

from __future__ import annotations

import datetime as _dt

from ..domain import UserError, display_name
from ..storage import audit
from ..storage.store import Store
from .checks import day, now, shown, text
from .cohort import in_force, order as get_order, require_person

__all__ = ["REQUIREMENT_KINDS", "REQUIREMENT_TYPES", "EXPIRY_WINDOW_DAYS", "add_requirement", "requirements",
           "remove_requirement", "add_breach", "breaches", "all_orders", "expiring", "breached_since",
           "monitoring_end", "remove_breach"]

REQUIREMENT_KINDS = ("positive", "negative", "notification")
REQUIREMENT_TYPES = {
    "negative": ("no contact", "exclusion zone", "not to enter premises", "no molestation", "no weapons", "other"),
    "positive": ("attend a programme", "electronic monitoring", "curfew", "alcohol or drug treatment", "other"),
    "notification": ("name change", "address change", "other"),
}
EXPIRY_WINDOW_DAYS = 28


def add_requirement(store: Store, order_id: int, kind: str, type_: str, text_: str, *,
                    until: _dt.date | str | None = None) -> int:
    """Add a requirement to an order; ``until`` (e.g. electronic monitoring's end) within the order's dates."""
    o = get_order(store, order_id)
    k = (kind or "").strip().casefold()
    if k not in REQUIREMENT_KINDS:
        raise UserError(f"unknown requirement kind {shown(kind)}; one of: {', '.join(REQUIREMENT_KINDS)}")
    t = " ".join((type_ or "").split()).casefold()
    if t not in REQUIREMENT_TYPES[k]:
        raise UserError(f"unknown {k} requirement type {shown(type_)}; one of: {', '.join(REQUIREMENT_TYPES[k])}")
    body = text(text_, "the requirement's wording", required=True)
    end = day(until, "until") if until else None
    if end and end < o["start"]:
        raise UserError(f"until {end} is before the order starts ({o['start']})")
    if end and o["end"] and end > o["end"]:
        raise UserError(f"until {end} is after the order ends ({o['end']})")
    with store.transaction():
        rid = store.conn.execute("INSERT INTO order_requirements (order_id, kind, type, text, until) VALUES (?,?,?,?,?)",
                                 [order_id, k, t, body, end]).lastrowid
        store.audit("order.requirement_added", entity="person", entity_id=o["person_id"],
                    detail={"order_id": order_id, "requirement": rid, "kind": k, "type": t})
    return rid


def remove_requirement(store: Store, requirement_id: int, *, reason: str) -> None:
    row = store.conn.execute("SELECT order_id FROM order_requirements WHERE id = ?", [requirement_id]).fetchone()
    if row is None:
        raise UserError(f"no order requirement number {requirement_id}")
    o = get_order(store, row[0])
    with store.transaction():
        store.conn.execute("DELETE FROM order_requirements WHERE id = ?", [requirement_id])
        store.audit("order.requirement_removed", entity="person", entity_id=o["person_id"],
                    detail={"order_id": row[0], "requirement": requirement_id}, reason=reason)


def requirements(store: Store, order_id: int) -> list[dict]:
    """An order's requirements: negative first, then positive, then notification."""
    return [{"id": i, "kind": k, "type": t, "text": x, "until": u} for i, k, t, x, u in store.conn.execute(
        "SELECT id, kind, type, text, until FROM order_requirements WHERE order_id = ?"
        " ORDER BY CASE kind WHEN 'negative' THEN 0 WHEN 'positive' THEN 1 ELSE 2 END, id", [order_id])]


def monitoring_end(store: Store, order_id: int) -> str | None:
    """The day electronic monitoring under the order ends (the latest such requirement's ``until``), or None."""
    return store.scalar("SELECT max(until) FROM order_requirements WHERE order_id = ? AND type = 'electronic monitoring'",
                        [order_id])


def add_breach(store: Store, order_id: int, on: _dt.date | str, note: str) -> int:
    """Record a breach of an order on a day; refused before the order started, after it ended or in the future."""
    o = get_order(store, order_id)
    d = day(on, "the breach date")
    if d > _dt.date.today().isoformat():
        raise UserError(f"the breach date {d} is in the future")
    if d < o["start"]:
        raise UserError(f"the breach date {d} is before the order started ({o['start']})")
    if o["end"] and d > o["end"]:
        raise UserError(f"the breach date {d} is after the order ended ({o['end']})")
    n = text(note, "a note on the breach (what happened, the action taken)", required=True)
    with store.transaction():
        bid = store.conn.execute("INSERT INTO order_breaches (order_id, date, note, recorded_at, recorded_by)"
                                 " VALUES (?,?,?,?,?)", [order_id, d, n, now(), audit.current_actor()]).lastrowid
        store.audit("order.breach", entity="person", entity_id=o["person_id"],
                    detail={"order_id": order_id, "breach": bid, "type": o["type"]})
    return bid


_BREACH_SQL = ("SELECT b.id, b.order_id, o.type, o.person_id, p.forename, p.surname, b.date, b.note"
               " FROM order_breaches b JOIN orders o ON o.id = b.order_id JOIN persons p ON p.id = o.person_id")


def breaches(store: Store, *, person_id: str | None = None, since: _dt.date | str | None = None,
             until: _dt.date | str | None = None) -> list[dict]:
    """Breaches, newest first; of one subject, after ``since`` and on or before ``until`` when given."""
    where, args = [], []
    if person_id:
        where.append("o.person_id = ?")
        args.append(require_person(store, person_id))
    if since:
        where.append("b.date > ?")
        args.append(day(since, "since"))
    if until:
        where.append("b.date <= ?")
        args.append(day(until, "until"))
    sql = _BREACH_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY b.date DESC, b.id DESC"
    return [{"id": i, "order_id": oid, "type": t, "person_id": pid, "name": display_name(fn, sn), "date": d,
             "note": n} for i, oid, t, pid, fn, sn, d, n in store.conn.execute(sql, args)]


def all_orders(store: Store, *, as_of: _dt.date | str | None = None, in_force_only: bool = False,
               person_id: str | None = None) -> list[dict]:
    """Every order with its subject, status on ``as_of``, electronic monitoring end, requirements and breaches."""
    d = day(as_of, "as of")
    args = [require_person(store, person_id)] if person_id else []
    rows = store.conn.execute(
        "SELECT o.id, o.person_id, p.forename, p.surname, o.type, o.start_date, o.end_date, o.protected_person_id,"
        " (SELECT max(until) FROM order_requirements r WHERE r.order_id = o.id AND r.type = 'electronic monitoring'),"
        " (SELECT count(*) FROM order_requirements r WHERE r.order_id = o.id),"
        " (SELECT count(*) FROM order_breaches b WHERE b.order_id = o.id),"
        " (SELECT max(date) FROM order_breaches b WHERE b.order_id = o.id)"
        " FROM orders o JOIN persons p ON p.id = o.person_id"
        + (" WHERE o.person_id = ?" if person_id else "") + " ORDER BY coalesce(o.end_date, '9999'), o.id", args)
    out = []
    for oid, pid, fn, sn, t, s, e, prot, em, nreq, nb, last in rows:
        o = {"id": oid, "person_id": pid, "name": display_name(fn, sn), "type": t, "start": s, "end": e,
             "protected_person_id": prot, "em_end": em, "requirements": nreq, "breaches": nb, "last_breach": last}
        live = in_force(o, d)
        o["status"] = "in force" if live else ("ended" if s <= d else f"from {s}")
        if in_force_only and not live:
            continue
        out.append(o)
    return out


def expiring(store: Store, as_of: _dt.date | str | None = None, *, within_days: int = EXPIRY_WINDOW_DAYS) -> list[dict]:
    """Orders in force whose end, or whose electronic monitoring's end, falls within the next ``within_days``.

    Each row is an order (:func:`all_orders`) with ``what`` (``order``
    or ``electronic monitoring``), ``ends`` and ``days_left``; soonest first.
    """
    d = day(as_of, "as of")
    limit = (_dt.date.fromisoformat(d) + _dt.timedelta(days=within_days)).isoformat()
    out = []
    for o in all_orders(store, as_of=d, in_force_only=True):
        for what, ends in (("order", o["end"]), ("electronic monitoring", o["em_end"])):
            if ends and d <= ends <= limit:
                out.append(o | {"what": what, "ends": ends,
                                "days_left": (_dt.date.fromisoformat(ends) - _dt.date.fromisoformat(d)).days})
    out.sort(key=lambda r: (r["ends"], r["id"]))
    return out


def breached_since(store: Store, since: _dt.date | str | None, as_of: _dt.date | str | None = None) -> list[dict]:
    """Breaches after ``since`` (the last meeting held; None: every breach) up to ``as_of``, newest first."""
    return breaches(store, since=since, until=day(as_of, "as of"))


def remove_breach(store: Store, breach_id: int, *, reason: str) -> dict:
    """Delete a breach recorded in error; the audit log keeps why."""
    row = store.conn.execute("SELECT order_id, date FROM order_breaches WHERE id = ?", [breach_id]).fetchone()
    if row is None:
        raise UserError(f"no breach number {breach_id}")
    why = text(reason, "the reason for removing the breach", required=True)
    o = get_order(store, row[0])
    with store.transaction():
        store.conn.execute("DELETE FROM order_breaches WHERE id = ?", [breach_id])
        store.audit("order.breach_removed", entity="person", entity_id=o["person_id"], reason=why,
                    detail={"order_id": row[0], "breach": breach_id, "date": row[1]})
    return {"order_id": row[0], "date": row[1]}

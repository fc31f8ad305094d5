"""The cohort: who is managed through MATAC, since when, and what is known and agreed about each subject.

Membership is a history of events per person (``cohort_events``):
nominated, adopted (date, meeting, entry score), not adopted, exited
(date, meeting, reason, exit score). A person is *in the cohort* when his
latest adoption or exit event is an adoption; he can re-enter later.

Facts about a subject (offender manager, MAPPA, MARAC and IOM flags, risk
factors, orders, Clare's Law disclosures) and what the meeting agreed
(tactics from the toolkit) live here too. Opinions (minutes) live with the
meeting (:mod:`matac_desk.meeting.meetings`), kept apart from facts.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from ..domain import UserError, iso_day, display_name
from ..storage.store import Store

__all__ = [
    "EXIT_REASONS",
    "ORDER_TYPES",
    "DISCLOSURE_KINDS",
    "DISCLOSURE_DECISIONS",
    "TOOLKIT_CATEGORIES",
    "TACTIC_STATUSES",
    "LIVE_TACTIC_STATUSES",
    "CohortMember",
    "Membership",
    "require_person",
    "in_cohort",
    "cohort_ids",
    "cohort",
    "membership_history",
    "record_event",
    "subject_details",
    "set_subject_details",
    "add_order",
    "order",
    "orders",
    "in_force",
    "order_status",
    "update_order",
    "remove_order",
    "record_disclosure",
    "disclosure",
    "disclosures",
    "update_disclosure",
    "remove_disclosure",
    "toolkit",
    "add_tactic_to_toolkit",
    "set_tactic_active",
    "toolkit_usage",
    "agree_tactic",
    "remove_tactic",
    "set_tactic_status",
    "tactics",
]

EXIT_REASONS = (
    "sustained reduction in offending",
    "custody",
    "moved out of area",
    "deceased",
    "transferred to MAPPA or another process",
    "other",
)
ORDER_TYPES = ("DVPN", "DVPO", "DAPN", "DAPO", "restraining order", "non-molestation order", "SPO",
               "bail conditions")
TOOLKIT_CATEGORIES = ("support and diversion", "disruption", "enforcement", "safeguarding")
TACTIC_STATUSES = ("agreed", "in progress", "completed", "stopped")
LIVE_TACTIC_STATUSES = ("agreed", "in progress")     # a tactic still being carried out
_EVENTS = ("nominated", "adopted", "not adopted", "exited")
DISCLOSURE_KINDS = ("right to ask", "right to know")
DISCLOSURE_DECISIONS = ("pending", "disclosed", "not disclosed")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def require_person(store: Store, person_id: str) -> str:
    """The root id of a person (following a merge); a UserError when there is no such person."""
    row = store.conn.execute("SELECT id, merged_into FROM persons WHERE id = ?", [person_id]).fetchone()
    if not row:
        raise UserError(f"no person with id {person_id!r} in this store")
    return row[1] or row[0]


# --------------------------------------------------------------------------
# Membership
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    event: str
    date: str
    meeting_id: int | None
    score: float | None
    reason: str | None


@dataclass(frozen=True)
class CohortMember:
    person_id: str
    name: str
    adopted_on: str
    adopted_meeting_id: int | None
    entry_score: float | None
    division: str | None
    om_id: int | None
    om_name: str | None
    mappa_level: int | None


_LATEST_STATE = """
SELECT person_id, event, date, meeting_id, score FROM (
    SELECT person_id, event, date, meeting_id, score,
           row_number() OVER (PARTITION BY person_id ORDER BY date DESC, id DESC) AS n
    FROM cohort_events WHERE event IN ('adopted', 'exited') AND date <= ?
) WHERE n = 1
"""


def cohort_ids(store: Store, as_of: _dt.date | str | None = None) -> set[str]:
    """Ids of everyone in the cohort on ``as_of`` (default today)."""
    day = iso_day(as_of)
    return {pid for pid, event, *_ in store.conn.execute(_LATEST_STATE, [day]) if event == "adopted"}


def in_cohort(store: Store, person_id: str, as_of: _dt.date | str | None = None) -> bool:
    return person_id in cohort_ids(store, as_of)


def cohort(store: Store, as_of: _dt.date | str | None = None) -> list[CohortMember]:
    """The cohort on ``as_of``, with each subject's adoption, division and offender manager."""
    day = iso_day(as_of)
    rows = store.conn.execute(
        f"""
        SELECT s.person_id, p.forename, p.surname, s.date, s.meeting_id, s.score,
               coalesce(sub.division, om.division), sub.om_id, om.name, sub.mappa_level
        FROM ({_LATEST_STATE}) s
        JOIN persons p ON p.id = s.person_id
        LEFT JOIN subjects sub ON sub.person_id = s.person_id
        LEFT JOIN offender_managers om ON om.id = sub.om_id
        WHERE s.event = 'adopted'
        ORDER BY s.date, s.person_id
        """,
        [day],
    ).fetchall()
    return [CohortMember(r[0], display_name(r[1], r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows]


def membership_history(store: Store, person_id: str) -> list[Membership]:
    return [Membership(*r) for r in store.conn.execute(
        "SELECT event, date, meeting_id, score, reason FROM cohort_events WHERE person_id = ? ORDER BY date, id",
        [person_id])]


def record_event(store: Store, person_id: str, event: str, date: _dt.date | str, *, meeting_id: int | None = None,
                 score: float | None = None, reason: str | None = None) -> int:
    """Append a membership event, checking that it makes sense for the person's current state."""
    if event not in _EVENTS:
        raise UserError(f"unknown cohort event {event!r}; one of: {', '.join(_EVENTS)}")
    pid = require_person(store, person_id)
    day = iso_day(date)
    current = in_cohort(store, pid, day)
    if event == "adopted" and current:
        raise UserError(f"{pid} is already in the cohort")
    if event == "exited":
        if not current:
            raise UserError(f"{pid} is not in the cohort, so cannot exit")
        if reason not in EXIT_REASONS:
            raise UserError(f"an exit needs a reason, one of: {'; '.join(EXIT_REASONS)}")
    with store.transaction():
        rid = store.conn.execute(
            "INSERT INTO cohort_events (person_id, event, date, meeting_id, score, reason) VALUES (?,?,?,?,?,?)",
            [pid, event, day, meeting_id, score, reason]).lastrowid
        store.audit(f"cohort.{event.replace(' ', '_')}", entity="person", entity_id=pid,
                    detail={"meeting_id": meeting_id, "score": score, "date": day})
    return rid


# --------------------------------------------------------------------------
# Subject details
# --------------------------------------------------------------------------

_DETAIL_FIELDS = {
    "om_id": int, "division": str, "mappa_category": int, "mappa_level": int, "marac": bool, "iom": bool,
    "risk_level": str, "risk_weapons": bool, "risk_substance_misuse": bool, "risk_mental_health": bool,
}


def subject_details(store: Store, person_id: str) -> dict:
    row = store.conn.execute(
        "SELECT om_id, division, mappa_category, mappa_level, marac, iom, risk_level, risk_weapons,"
        " risk_substance_misuse, risk_mental_health, updated_at FROM subjects WHERE person_id = ?",
        [person_id]).fetchone()
    keys = list(_DETAIL_FIELDS) + ["updated_at"]
    if not row:
        return {k: None for k in keys} | {"marac": False, "iom": False, "risk_weapons": False,
                                           "risk_substance_misuse": False, "risk_mental_health": False}
    d = dict(zip(keys, row))
    for k, t in _DETAIL_FIELDS.items():
        if t is bool:
            d[k] = bool(d[k])
    return d


def set_subject_details(store: Store, person_id: str, *, reason: str | None = None, **fields) -> dict:
    """Set any of the subject's details; returns what changed as ``{field: (old, new)}``.

    ``reason`` goes into the audit entry (an undo says so).
    """
    pid = require_person(store, person_id)
    unknown = set(fields) - set(_DETAIL_FIELDS)
    if unknown:
        raise UserError(f"unknown subject detail(s): {', '.join(sorted(unknown))}")
    if "mappa_category" in fields and fields["mappa_category"] not in (None, 1, 2, 3, 4):
        raise UserError("MAPPA category must be 1, 2, 3 or 4")
    if "mappa_level" in fields and fields["mappa_level"] not in (None, 1, 2, 3):
        raise UserError("MAPPA level must be 1, 2 or 3")
    if "risk_level" in fields and fields["risk_level"] not in (None, "standard", "medium", "high"):
        raise UserError("risk level must be standard, medium or high")
    if fields.get("om_id") is not None and not store.scalar(
            "SELECT 1 FROM offender_managers WHERE id = ?", [fields["om_id"]]):
        raise UserError(f"no offender manager with id {fields['om_id']}")
    old = subject_details(store, pid)
    new = dict(old) | fields
    changed = {k: (old[k], new[k]) for k in fields if old[k] != new[k]}
    if not changed:
        return {}
    cols = list(_DETAIL_FIELDS)
    values = [int(new[c]) if _DETAIL_FIELDS[c] is bool else new[c] for c in cols]
    with store.transaction():
        store.conn.execute(
            f"INSERT INTO subjects (person_id, {', '.join(cols)}, updated_at) VALUES (?, {', '.join('?' * len(cols))}, ?)"
            f" ON CONFLICT (person_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in cols)
            + ", updated_at = excluded.updated_at",
            [pid, *values, _now()])
        store.audit("subject.changed", entity="person", entity_id=pid, detail={"fields": sorted(changed)},
                    reason=reason)
    return changed


# --------------------------------------------------------------------------
# Orders and disclosures
# --------------------------------------------------------------------------

def _order_fields(store: Store, order_type: str, start, end, protected_person_id: str | None) -> tuple:
    """The checked (type, start, end, protected id) of an order; a UserError names what is wrong."""
    if order_type not in ORDER_TYPES:
        raise UserError(f"unknown order type {order_type!r}; one of: {', '.join(ORDER_TYPES)}")
    s, e = iso_day(start), (iso_day(end) if end else None)
    if e and e < s:
        raise UserError("an order cannot end before it starts")
    if protected_person_id:
        protected_person_id = require_person(store, protected_person_id)
    return order_type, s, e, protected_person_id or None


def add_order(store: Store, person_id: str, order_type: str, start: _dt.date | str, end: _dt.date | str | None = None,
              protected_person_id: str | None = None, conditions: str | None = None, *,
              reason: str | None = None) -> int:
    pid = require_person(store, person_id)
    order_type, s, e, protected_person_id = _order_fields(store, order_type, start, end, protected_person_id)
    with store.transaction():
        oid = store.conn.execute(
            "INSERT INTO orders (person_id, type, start_date, end_date, protected_person_id, conditions, recorded_at)"
            " VALUES (?,?,?,?,?,?,?)", [pid, order_type, s, e, protected_person_id, conditions, _now()]).lastrowid
        store.audit("order.added", entity="person", entity_id=pid, detail={"order_id": oid, "type": order_type},
                    reason=reason)
    return oid


_ORDER_SQL = ("SELECT o.id, o.type, o.start_date, o.end_date, o.protected_person_id, p.forename, p.surname,"
              " o.conditions, o.person_id FROM orders o LEFT JOIN persons p ON p.id = o.protected_person_id")


def _order_row(r) -> dict:
    return {"id": r[0], "type": r[1], "start": r[2], "end": r[3], "protected_person_id": r[4],
            "protected_name": display_name(r[5], r[6]) if r[4] else None, "conditions": r[7], "person_id": r[8]}


def order(store: Store, order_id: int) -> dict:
    """One order (as :func:`orders` gives them, with ``person_id``); a UserError when there is none."""
    row = store.conn.execute(_ORDER_SQL + " WHERE o.id = ?", [order_id]).fetchone()
    if row is None:
        raise UserError(f"no order number {order_id}")
    return _order_row(row)


def in_force(o: dict, day: _dt.date | str) -> bool:
    """Whether an order (as :func:`orders` gives it) is in force on a day: started, and not ended before it."""
    d = iso_day(day)
    return o["start"] <= d and (o["end"] is None or o["end"] >= d)


def order_status(o: dict, day: _dt.date | str) -> str:
    """``"in force"``, ``"ended"``, or ``"from <start>"`` for one not started yet, on a day."""
    d = iso_day(day)
    if o["start"] > d:
        return f"from {o['start']}"
    return "in force" if in_force(o, d) else "ended"


def orders(store: Store, person_id: str, *, in_force_on: _dt.date | str | None = None) -> list[dict]:
    """A subject's orders, newest first; with ``in_force_on``, only those in force that day (:func:`in_force`)."""
    rows = store.conn.execute(_ORDER_SQL + " WHERE o.person_id = ? ORDER BY o.start_date DESC, o.id",
                              [person_id]).fetchall()
    out = [_order_row(r) for r in rows]
    return out if in_force_on is None else [o for o in out if in_force(o, in_force_on)]


_ORDER_EDITABLE = ("type", "start", "end", "protected_person_id", "conditions")
_ORDER_COLUMNS = {"type": "type", "start": "start_date", "end": "end_date",   # field: column
                  "protected_person_id": "protected_person_id", "conditions": "conditions"}


def update_order(store: Store, order_id: int, *, reason: str | None = None, **fields) -> dict:
    """Correct or end an order (``end="2027-01-31"``); returns what changed as ``{field: (old, new)}``.

    The fields are those of :func:`orders`: ``type``, ``start``, ``end``,
    ``protected_person_id``, ``conditions``. The whole order is checked
    again as :func:`add_order` checks a new one.
    """
    unknown = set(fields) - set(_ORDER_EDITABLE)
    if unknown:
        raise UserError(f"unknown order field(s): {', '.join(sorted(unknown))}")
    old = order(store, order_id)
    new = {k: old[k] for k in _ORDER_EDITABLE} | fields
    new["type"], new["start"], new["end"], new["protected_person_id"] = _order_fields(
        store, new["type"], new["start"], new["end"], new["protected_person_id"])
    new["conditions"] = (new["conditions"] or "").strip() or None
    return _write_changes(store, "orders", order_id, old, new, _ORDER_COLUMNS, "order.changed", old["person_id"],
                          {"order_id": order_id}, reason)


def remove_order(store: Store, order_id: int, *, reason: str) -> dict:
    """Delete an order recorded in error (an undone addition); returns it as it was. Audited with the reason."""
    old = order(store, order_id)
    _delete_row(store, "orders", order_id, "order.removed", old["person_id"],
                {"order_id": order_id, "type": old["type"]}, reason)
    return old


def _write_changes(store: Store, table: str, row_id: int, old: dict, new: dict, columns: dict[str, str],
                   action: str, person_id: str, detail: dict, reason: str | None) -> dict:
    """Write the fields whose value differs in one transaction with its audit entry; ``{field: (old, new)}``."""
    changed = {k: (old[k], new[k]) for k in columns if old[k] != new[k]}
    if not changed:
        return {}
    with store.transaction():
        store.conn.execute(f"UPDATE {table} SET {', '.join(f'{columns[k]} = ?' for k in changed)} WHERE id = ?",
                           [new[k] for k in changed] + [row_id])
        store.audit(action, entity="person", entity_id=person_id, detail=detail | {"fields": sorted(changed)},
                    reason=reason)
    return changed


def _delete_row(store: Store, table: str, row_id: int, action: str, person_id: str, detail: dict,
                reason: str | None) -> None:
    with store.transaction():
        store.conn.execute(f"DELETE FROM {table} WHERE id = ?", [row_id])
        store.audit(action, entity="person", entity_id=person_id, detail=detail, reason=reason)


def record_disclosure(store: Store, subject_id: str, kind: str, date: _dt.date | str, *,
                      disclosed_to_id: str | None = None, recipient_name: str | None = None,
                      decision: str = "pending", notes: str | None = None, reason: str | None = None) -> int:
    """A Clare's Law (DVDS) application or disclosure: right to ask or right to know."""
    pid = require_person(store, subject_id)
    if kind not in DISCLOSURE_KINDS:
        raise UserError("a Clare's Law disclosure is 'right to ask' or 'right to know'")
    if decision not in DISCLOSURE_DECISIONS:
        raise UserError("decision must be pending, disclosed or not disclosed")
    if disclosed_to_id:
        disclosed_to_id = require_person(store, disclosed_to_id)
    elif not (recipient_name or "").strip():
        raise UserError("say to whom: a person id in the store, or the recipient's name")
    with store.transaction():
        did = store.conn.execute(
            "INSERT INTO disclosures (subject_id, disclosed_to_id, recipient_name, kind, date, decision, notes,"
            " recorded_at) VALUES (?,?,?,?,?,?,?,?)",
            [pid, disclosed_to_id, recipient_name, kind, iso_day(date), decision, notes, _now()]).lastrowid
        store.audit("disclosure.recorded", entity="person", entity_id=pid,
                    detail={"disclosure_id": did, "kind": kind, "decision": decision}, reason=reason)
    return did


_DISCLOSURE_SQL = ("SELECT d.id, d.kind, d.date, d.decision, d.disclosed_to_id, p.forename, p.surname,"
                   " d.recipient_name, d.notes, d.subject_id FROM disclosures d"
                   " LEFT JOIN persons p ON p.id = d.disclosed_to_id")


def _disclosure_row(r) -> dict:
    return {"id": r[0], "kind": r[1], "date": r[2], "decision": r[3], "to_id": r[4],
            "to_name": display_name(r[5], r[6]) if r[4] else r[7], "notes": r[8], "subject_id": r[9]}


def disclosure(store: Store, disclosure_id: int) -> dict:
    """One Clare's Law record (as :func:`disclosures` gives them); a UserError when there is none."""
    row = store.conn.execute(_DISCLOSURE_SQL + " WHERE d.id = ?", [disclosure_id]).fetchone()
    if row is None:
        raise UserError(f"no Clare's Law record number {disclosure_id}")
    return _disclosure_row(row)


def disclosures(store: Store, subject_id: str) -> list[dict]:
    rows = store.conn.execute(_DISCLOSURE_SQL + " WHERE d.subject_id = ? ORDER BY d.date DESC, d.id",
                              [subject_id]).fetchall()
    return [_disclosure_row(r) for r in rows]


_DISCLOSURE_EDITABLE = ("kind", "date", "decision", "notes")


def update_disclosure(store: Store, disclosure_id: int, *, reason: str | None = None, **fields) -> dict:
    """Correct a Clare's Law record or record the panel's decision; returns ``{field: (old, new)}``.

    Fields: ``kind``, ``date``, ``decision``, ``notes``. Audited as
    ``clares_law.changed`` (the ``disclosure.*`` family is for what leaves
    the program).
    """
    unknown = set(fields) - set(_DISCLOSURE_EDITABLE)
    if unknown:
        raise UserError(f"unknown Clare's Law field(s): {', '.join(sorted(unknown))}")
    old = disclosure(store, disclosure_id)
    new = {k: old[k] for k in _DISCLOSURE_EDITABLE} | fields
    if new["kind"] not in DISCLOSURE_KINDS:
        raise UserError("a Clare's Law disclosure is 'right to ask' or 'right to know'")
    if new["decision"] not in DISCLOSURE_DECISIONS:
        raise UserError("decision must be pending, disclosed or not disclosed")
    new["date"] = iso_day(new["date"])
    new["notes"] = (new["notes"] or "").strip() or None
    return _write_changes(store, "disclosures", disclosure_id, old, new, {k: k for k in _DISCLOSURE_EDITABLE},
                          "clares_law.changed", old["subject_id"], {"disclosure_id": disclosure_id}, reason)


def remove_disclosure(store: Store, disclosure_id: int, *, reason: str) -> dict:
    """Delete a Clare's Law record made in error (an undone addition); returns it as it was."""
    old = disclosure(store, disclosure_id)
    _delete_row(store, "disclosures", disclosure_id, "clares_law.removed", old["subject_id"],
                {"disclosure_id": disclosure_id, "kind": old["kind"]}, reason)
    return old


# --------------------------------------------------------------------------
# Toolkit and tactics
# --------------------------------------------------------------------------

def toolkit(store: Store, *, include_inactive: bool = False) -> list[dict]:
    sql = "SELECT id, category, name, description, active FROM toolkit"
    if not include_inactive:
        sql += " WHERE active"
    order = "CASE category " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(TOOLKIT_CATEGORIES)) + " END"
    return [{"id": r[0], "category": r[1], "name": r[2], "description": r[3], "active": bool(r[4])}
            for r in store.conn.execute(f"{sql} ORDER BY {order}, id")]


def add_tactic_to_toolkit(store: Store, category: str, name: str, description: str = "") -> int:
    if category not in TOOLKIT_CATEGORIES:
        raise UserError(f"unknown toolkit category {category!r}; one of: {', '.join(TOOLKIT_CATEGORIES)}")
    name = " ".join(name.split())
    if not name:
        raise UserError("a tactic needs a name")
    if len(name) > 120:
        raise UserError("a tactic's name is at most 120 characters")
    same = store.conn.execute("SELECT name, active FROM toolkit WHERE lower(name) = lower(?)", [name]).fetchone()
    if same:
        raise UserError(f"the toolkit already has {same[0]!r}" + ("" if same[1] else " (retired: restore it)"))
    description = " ".join((description or "").split())
    with store.transaction():
        tid = store.conn.execute("INSERT INTO toolkit (category, name, description) VALUES (?,?,?)",
                                 [category, name, description]).lastrowid
        store.audit("toolkit.added", entity="toolkit", entity_id=str(tid))
    return tid


def set_tactic_active(store: Store, tactic: int | str, active: bool) -> dict:
    """Retire a tactic from the toolkit (``active`` False) or restore it; returns its row.

    A retired tactic is no longer offered for new agreements; what was
    agreed with it stays on the subjects' records. Retiring one already
    retired (or restoring one in use) changes nothing.
    """
    tid = _tactic_id(store, tactic)
    row = store.conn.execute("SELECT active FROM toolkit WHERE id = ?", [tid]).fetchone()
    if bool(row[0]) != bool(active):
        with store.transaction():
            store.conn.execute("UPDATE toolkit SET active = ? WHERE id = ?", [int(bool(active)), tid])
            store.audit("toolkit.restored" if active else "toolkit.retired", entity="toolkit", entity_id=str(tid))
    return next(t for t in toolkit(store, include_inactive=True) if t["id"] == tid)


def toolkit_usage(store: Store) -> dict[int, int]:
    """``{tactic id: how many times it was agreed for a subject}``, for the tactics ever agreed."""
    return dict(store.conn.execute("SELECT tactic_id, count(*) FROM subject_tactics GROUP BY tactic_id"))


def _tactic_id(store: Store, tactic: int | str) -> int:
    if isinstance(tactic, int) or (isinstance(tactic, str) and tactic.isdigit()):
        tid = store.scalar("SELECT id FROM toolkit WHERE id = ?", [int(tactic)])
    else:
        tid = store.scalar("SELECT id FROM toolkit WHERE lower(name) = lower(?)", [tactic.strip()])
    if tid is None:
        raise UserError(f"no tactic {tactic!r} in the toolkit")
    return tid


def agree_tactic(store: Store, person_id: str, tactic: int | str, *, meeting_id: int | None = None,
                 on: _dt.date | str | None = None, notes: str | None = None) -> int:
    pid = require_person(store, person_id)
    tid = _tactic_id(store, tactic)
    name, active = store.conn.execute("SELECT name, active FROM toolkit WHERE id = ?", [tid]).fetchone()
    if not active:
        raise UserError(f"{name!r} is retired from the toolkit; restore it to the toolkit first")
    with store.transaction():
        rid = store.conn.execute(
            "INSERT INTO subject_tactics (person_id, tactic_id, meeting_id, agreed_on, notes) VALUES (?,?,?,?,?)",
            [pid, tid, meeting_id, iso_day(on), notes]).lastrowid
        store.audit("tactic.agreed", entity="person", entity_id=pid, detail={"tactic_id": tid, "meeting_id": meeting_id})
    return rid


def remove_tactic(store: Store, subject_tactic_id: int, *, reason: str | None = None) -> dict:
    """Take back a tactic agreed in error (an undo); returns the row as it was. Audited with the reason."""
    row = store.conn.execute("SELECT person_id, tactic_id, meeting_id, agreed_on, notes, status FROM subject_tactics"
                             " WHERE id = ?", [subject_tactic_id]).fetchone()
    if not row:
        raise UserError(f"no agreed tactic {subject_tactic_id} (removed since?)")
    _delete_row(store, "subject_tactics", subject_tactic_id, "tactic.removed", row[0],
                {"tactic_id": row[1], "meeting_id": row[2]}, reason)
    return dict(zip(("person_id", "tactic_id", "meeting_id", "agreed_on", "notes", "status"), row))


def set_tactic_status(store: Store, subject_tactic_id: int, status: str) -> None:
    if status not in TACTIC_STATUSES:
        raise UserError("tactic status must be agreed, in progress, completed or stopped")
    row = store.conn.execute("SELECT person_id FROM subject_tactics WHERE id = ?", [subject_tactic_id]).fetchone()
    if not row:
        raise UserError(f"no agreed tactic {subject_tactic_id}")
    with store.transaction():
        store.conn.execute("UPDATE subject_tactics SET status = ? WHERE id = ?", [status, subject_tactic_id])
        store.audit("tactic.status", entity="person", entity_id=row[0], detail={"id": subject_tactic_id, "status": status})


def tactics(store: Store, person_id: str) -> list[dict]:
    rows = store.conn.execute(
        "SELECT st.id, t.category, t.name, st.agreed_on, st.status, st.meeting_id, st.notes FROM subject_tactics st"
        " JOIN toolkit t ON t.id = st.tactic_id WHERE st.person_id = ? ORDER BY st.agreed_on, st.id",
        [person_id]).fetchall()
    return [{"id": r[0], "category": r[1], "name": r[2], "agreed_on": r[3], "status": r[4], "meeting_id": r[5],
             "notes": r[6]} for r in rows]

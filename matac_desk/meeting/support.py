"""Victim support: for each victim or partner of a cohort subject, the support service and where it stands.

The first thing a MARAC chair asks: has each victim been offered support
(an IDVA, another commissioned service), and does she take it? A history per
victim (``victim_support``): each record names the service, the status
(offered, contacted, engaged, declined, unreachable, closed), the day and a
note; the latest is the status. Only victims and partners of subjects
in the cohort are recorded here (:func:`victims_of` says who they are:
the victims of his DA incidents and his partners in intelligence links).

No contact details are kept or shown: the partner pack prints the status only.
"""

from __future__ import annotations

import datetime as _dt

from ..domain import UserError, display_name
from ..storage import audit
from ..storage.store import Store
from .checks import day, now, shown, text
from .cohort import cohort_ids, require_person

__all__ = ["STATUSES", "SERVICES", "victims_of", "set_status", "status", "history", "cohort_support",
           "not_supported", "remove_record"]

STATUSES = ("offered", "contacted", "engaged", "declined", "unreachable", "closed")
SERVICES = ("IDVA", "ISVA", "Refuge", "Outreach service", "Children and young people's service", "Other")


def _records(store: Store, pid: str) -> list[str]:
    """The person and the records merged into him."""
    return [pid] + [r[0] for r in store.conn.execute("SELECT id FROM persons WHERE merged_into = ?", [pid])]


def victims_of(store: Store, subject_id: str) -> list[str]:
    """Ids of the subject's victims (DA incidents) and partners (intelligence links), merged records resolved."""
    ids = _records(store, require_person(store, subject_id))
    marks = ", ".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT victim_id FROM involvements WHERE perpetrator_id IN ({marks})"
        f" UNION SELECT person_b_id FROM links WHERE person_a_id IN ({marks}) AND relationship_kind IN"
        f" ('partner', 'ex-partner') UNION SELECT person_a_id FROM links WHERE person_b_id IN ({marks})"
        " AND relationship_kind IN ('partner', 'ex-partner')", ids * 3)
    out = []
    for (v,) in rows:
        root = require_person(store, v)
        if root not in out and root not in ids:
            out.append(root)
    return sorted(out)


def _subjects_of(store: Store, victim_id: str, as_of: str) -> list[str]:
    return [s for s in sorted(cohort_ids(store, as_of)) if victim_id in victims_of(store, s)]


def set_status(store: Store, victim_id: str, service: str, status_: str, on: _dt.date | str | None = None, *,
               note: str | None = None) -> int:
    """Record where a victim's support stands; she must be a victim or partner of a subject in the cohort."""
    vid = require_person(store, victim_id)
    st = " ".join((status_ or "").split()).casefold()
    if st not in STATUSES:
        raise UserError(f"unknown support status {shown(status_)}; one of: {', '.join(STATUSES)}")
    svc = text(service, "the support service", required=True, limit=120)
    d = day(on, "the date")
    if d > _dt.date.today().isoformat():
        raise UserError(f"the date {d} is in the future")
    subjects = _subjects_of(store, vid, _dt.date.today().isoformat())
    if not subjects:
        raise UserError(f"{vid} is not a victim or partner of anyone in the cohort")
    with store.transaction():
        rid = store.conn.execute(
            "INSERT INTO victim_support (victim_id, service, status, date, note, recorded_at, recorded_by)"
            " VALUES (?,?,?,?,?,?,?)", [vid, svc, st, d, text(note, "the note"), now(), audit.current_actor()]).lastrowid
        store.audit("victim_support.set", entity="person", entity_id=vid, detail={"status": st, "service": svc},
                    persons=subjects)
    return rid


def history(store: Store, victim_id: str) -> list[dict]:
    vid = require_person(store, victim_id)
    return [{"id": i, "service": s, "status": st, "date": d, "note": n} for i, s, st, d, n in store.conn.execute(
        "SELECT id, service, status, date, note FROM victim_support WHERE victim_id = ? ORDER BY date DESC, id DESC",
        [vid])]


def status(store: Store, victim_id: str) -> dict | None:
    """The latest support record of a victim, or None when none is held."""
    h = history(store, victim_id)
    return h[0] if h else None


def cohort_support(store: Store, as_of: _dt.date | str | None = None, *, subject_id: str | None = None) -> list[dict]:
    """One row per victim or partner of each cohort subject (or of one subject): service, status, date.

    ``status`` is ``"none recorded"`` when nothing is held. No contact details.
    """
    d = day(as_of, "as of")
    subjects = [require_person(store, subject_id)] if subject_id else sorted(cohort_ids(store, d))
    names = {}
    out = []
    for sid in subjects:
        for vid in victims_of(store, sid):
            for pid in (sid, vid):
                if pid not in names:
                    fn, sn = store.conn.execute("SELECT forename, surname FROM persons WHERE id = ?", [pid]).fetchone()
                    names[pid] = display_name(fn, sn)
            cur = store.conn.execute("SELECT service, status, date FROM victim_support WHERE victim_id = ? AND date <= ?"
                                     " ORDER BY date DESC, id DESC LIMIT 1", [vid, d]).fetchone()
            out.append({"subject_id": sid, "subject_name": names[sid], "victim_id": vid, "victim_name": names[vid],
                        "service": cur[0] if cur else "", "status": cur[1] if cur else "none recorded",
                        "date": cur[2] if cur else None})
    return out


def not_supported(store: Store, as_of: _dt.date | str | None = None) -> list[dict]:
    """Victims of cohort subjects with no support recorded, or unreachable (the Dashboard's and agenda's list)."""
    return [r for r in cohort_support(store, as_of) if r["status"] in ("none recorded", "unreachable")]


def remove_record(store: Store, record_id: int, *, reason: str) -> dict:
    """Delete a support record made in error (the status falls back to the one before); audited."""
    row = store.conn.execute("SELECT victim_id, status, date FROM victim_support WHERE id = ?", [record_id]).fetchone()
    if row is None:
        raise UserError(f"no victim support record number {record_id}")
    why = text(reason, "the reason for removing the record", required=True)
    with store.transaction():
        store.conn.execute("DELETE FROM victim_support WHERE id = ?", [record_id])
        store.audit("victim_support.removed", entity="person", entity_id=row[0], reason=why,
                    detail={"record": record_id, "status": row[1]})
    return {"victim_id": row[0], "status": row[1], "date": row[2]}

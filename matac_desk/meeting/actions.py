"""Partnership actions: who does what for which subject, by when, and how it went.

An action is raised at a meeting for a subject and owned by an agency (and
usually a named person there). It is *overdue* when it is neither done nor
cancelled and its due date is before the day asked about. Open actions
carry forward: every later meeting's agenda lists them until they are done
or cancelled. Status changes are dated updates, so the history stays.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..storage import audit
from ..domain import UserError, iso_day, display_name, safe_cell
from ..storage.files import csv_bytes, write_atomically
from ..storage.store import Store

__all__ = ["STATUSES", "Action", "add_action", "update_action", "remove_action", "revert_update", "list_actions",
           "action_history", "export_actions_csv", "agencies", "owners"]

STATUSES = ("open", "in progress", "done", "cancelled")
CLOSED = ("done", "cancelled")


@dataclass(frozen=True)
class Action:
    id: int
    person_id: str
    subject_name: str
    meeting_id: int | None
    meeting_date: str | None
    agency: str
    owner: str | None
    description: str
    due_date: str | None
    status: str
    overdue: bool
    days_overdue: int
    last_update: str | None




def add_action(store: Store, person_id: str, agency: str, description: str, *, owner: str | None = None,
               due: _dt.date | str | None = None, meeting_id: int | None = None) -> int:
    from .cohort import require_person
    pid = require_person(store, person_id)
    agency, description = agency.strip(), description.strip()
    if not agency:
        raise UserError("an action needs an agency")
    if not description:
        raise UserError("an action needs a description")
    if meeting_id is not None and not store.scalar("SELECT 1 FROM meetings WHERE id = ?", [meeting_id]):
        raise UserError(f"no meeting {meeting_id}")
    due_iso = iso_day(due) if due else None
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with store.transaction():
        aid = store.conn.execute(
            "INSERT INTO actions (person_id, meeting_id, agency, owner, description, due_date, status, created_at)"
            " VALUES (?,?,?,?,?,?, 'open', ?)", [pid, meeting_id, agency, owner, description, due_iso, now]).lastrowid
        store.audit("action.added", entity="person", entity_id=pid, detail={"action_id": aid, "agency": agency})
    return aid


def update_action(store: Store, action_id: int, *, status: str | None = None, note: str | None = None,
                  on: _dt.date | str | None = None, due: _dt.date | str | None = None,
                  owner: str | None = None) -> dict:
    """A dated update: a new status, a note, a new due date or owner.

    Returns ``{"update_id": ..., "before": {status, due_date, owner}}`` for
    :func:`revert_update` (an undo).
    """
    row = store.conn.execute("SELECT person_id, status, due_date, owner FROM actions WHERE id = ?",
                             [action_id]).fetchone()
    if not row:
        raise UserError(f"no action {action_id}")
    if status is not None and status not in STATUSES:
        raise UserError(f"status must be one of: {', '.join(STATUSES)}")
    if status is None and note is None and due is None and owner is None:
        raise UserError("nothing to update: give a status, a note, a due date or an owner")
    day = iso_day(on) if on else _dt.date.today().isoformat()
    with store.transaction():
        if status is not None:
            store.conn.execute("UPDATE actions SET status = ? WHERE id = ?", [status, action_id])
        if due is not None:
            store.conn.execute("UPDATE actions SET due_date = ? WHERE id = ?", [iso_day(due), action_id])
        if owner is not None:
            store.conn.execute("UPDATE actions SET owner = ? WHERE id = ?", [owner, action_id])
        uid = store.conn.execute("INSERT INTO action_updates (action_id, date, status, note) VALUES (?,?,?,?)",
                                 [action_id, day, status, note]).lastrowid
        store.audit("action.updated", entity="person", entity_id=row[0],
                    detail={"action_id": action_id, "status": status})
    return {"update_id": uid, "before": {"status": row[1], "due_date": row[2], "owner": row[3]}}


def _after_update(store: Store, action_id: int, update_id: int) -> bool:
    return bool(store.scalar("SELECT 1 FROM action_updates WHERE action_id = ? AND id > ?", [action_id, update_id]))


def revert_update(store: Store, action_id: int, update_id: int, before: dict, *, reason: str | None = None) -> None:
    """Take back an update (an undo): the status, due date and owner it replaced, and its dated entry.

    Refused when the action was updated again since.
    """
    row = store.conn.execute("SELECT person_id FROM actions WHERE id = ?", [action_id]).fetchone()
    if not row:
        raise UserError(f"no action {action_id}")
    if _after_update(store, action_id, update_id):
        raise UserError(f"action {action_id} was updated again since; this update was not taken back")
    with store.transaction():
        store.conn.execute("UPDATE actions SET status = ?, due_date = ?, owner = ? WHERE id = ?",
                           [before["status"], before["due_date"], before["owner"], action_id])
        store.conn.execute("DELETE FROM action_updates WHERE id = ?", [update_id])
        store.audit("action.update_removed", entity="person", entity_id=row[0], detail={"action_id": action_id},
                    reason=reason)


def remove_action(store: Store, action_id: int, *, reason: str | None = None) -> None:
    """Delete an action added in error (an undo); refused once it has been updated."""
    row = store.conn.execute("SELECT person_id FROM actions WHERE id = ?", [action_id]).fetchone()
    if not row:
        raise UserError(f"no action {action_id} (removed since?)")
    if _after_update(store, action_id, 0):
        raise UserError(f"action {action_id} has been updated since it was added; it was not removed")
    with store.transaction():
        store.conn.execute("DELETE FROM actions WHERE id = ?", [action_id])
        store.audit("action.removed", entity="person", entity_id=row[0], detail={"action_id": action_id},
                    reason=reason)


def list_actions(store: Store, *, as_of: _dt.date | str | None = None, agency: str | None = None,
                 owner: str | None = None, person_id: str | None = None, status: str | None = None,
                 open_only: bool = False, overdue_only: bool = False, meeting_id: int | None = None) -> list[Action]:
    """Actions filtered as asked, overdue first (most overdue first), then by due date."""
    day = iso_day(as_of) if as_of else _dt.date.today().isoformat()
    where, params = [], []
    if agency:
        where.append("lower(a.agency) = lower(?)")
        params.append(agency)
    if owner:
        where.append("lower(a.owner) = lower(?)")
        params.append(owner)
    if person_id:
        where.append("a.person_id = ?")
        params.append(person_id)
    if status:
        where.append("a.status = ?")
        params.append(status)
    if open_only or overdue_only:
        where.append("a.status NOT IN ('done', 'cancelled')")
    if overdue_only:
        where.append("a.due_date < ?")
        params.append(day)
    if meeting_id is not None:
        where.append("a.meeting_id = ?")
        params.append(meeting_id)
    sql = (
        "SELECT a.id, a.person_id, p.forename, p.surname, a.meeting_id, m.date, a.agency, a.owner, a.description,"
        " a.due_date, a.status, (SELECT max(date) FROM action_updates u WHERE u.action_id = a.id)"
        " FROM actions a JOIN persons p ON p.id = a.person_id LEFT JOIN meetings m ON m.id = a.meeting_id"
        + (" WHERE " + " AND ".join(where) if where else "")
    )
    out = []
    today = _dt.date.fromisoformat(day)
    for r in store.conn.execute(sql, params):
        due = r[9]
        overdue = r[10] not in CLOSED and due is not None and due < day
        days = (today - _dt.date.fromisoformat(due)).days if overdue else 0
        out.append(Action(r[0], r[1], display_name(r[2], r[3]), r[4], r[5], r[6], r[7], r[8], due, r[10], overdue,
                          days, r[11]))
    out.sort(key=lambda a: (not a.overdue, -a.days_overdue, a.status in CLOSED, a.due_date or "9999", a.id))
    return out


def action_history(store: Store, action_id: int) -> list[dict]:
    return [{"date": d, "status": s, "note": n} for d, s, n in store.conn.execute(
        "SELECT date, status, note FROM action_updates WHERE action_id = ? ORDER BY date, id", [action_id])]


def agencies(store: Store) -> list[str]:
    return [a for (a,) in store.conn.execute("SELECT DISTINCT agency FROM actions ORDER BY agency")]


def owners(store: Store) -> list[str]:
    """The owners named on actions, for a filter: each once, sorted ignoring capitals."""
    return sorted({o for (o,) in store.conn.execute("SELECT DISTINCT owner FROM actions") if o}, key=str.casefold)


EXPORT_COLUMNS = ("id", "agency", "owner", "person_id", "subject_name", "description", "due_date", "status",
                  "overdue", "days_overdue", "meeting_date", "last_update")


def export_actions_csv(store: Store, path: str | os.PathLike, *, agency: str | None = None,
                       recipient: str | None = None, reason: str | None = None, **filters) -> int:
    """Write one agency's (or every) action list as CSV, formula-safe; the export is audited as a disclosure.

    The entry is written (and synced) before the file is renamed into place, so there is never a file
    without its entry (:func:`~matac_desk.storage.files.write_atomically`); a store opened read-only exports too.
    """
    rows = list_actions(store, agency=agency, **filters)
    target = Path(path)

    def text() -> bytes:
        return csv_bytes([EXPORT_COLUMNS] + [
            [safe_cell("true" if d[c] is True else "false" if d[c] is False else d[c]) for c in EXPORT_COLUMNS]
            for d in map(asdict, rows)])

    def record() -> None:  # a disclosure, with the subjects it names (synced before the file appears)
        audit.audit_export(store, "actions", (a.person_id for a in rows), recipient=recipient or agency,
                           reason=reason, detail={"rows": len(rows), "file": target.name,
                                                  "agency": agency or "every agency"})

    write_atomically(target, text, before_rename=record)
    return len(rows)

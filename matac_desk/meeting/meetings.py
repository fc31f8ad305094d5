"""The four-weekly MATAC meeting: schedule, attendees, decisions and minutes.

A meeting has a date, an area (some forces split the meeting by area; the
empty area is the force-wide meeting), a chair, attendees and apologies.
The next meeting defaults to four weeks after the last; a year's schedule
is made in one step.

Decisions per subject: adopt, do not adopt (with a reason), continue, exit
(with one of :data:`matac_desk.meeting.cohort.EXIT_REASONS`). Adopting and exiting
write the cohort history with the score on the meeting's date; deciding on
a referred person closes the referral. Minutes are free text with the
chair's name, kept apart from facts.

The agenda is built, not typed: see :mod:`matac_desk.meeting.agenda`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from . import cohort
from ..domain import UserError, iso_day
from ..storage.store import Store

__all__ = [
    "CYCLE_DAYS",
    "DECISIONS",
    "Meeting",
    "schedule_meeting",
    "schedule_year",
    "next_meeting_date",
    "meetings",
    "meeting",
    "find_meeting",
    "next_meeting",
    "previous_meeting",
    "add_attendee",
    "attendees",
    "record_decision",
    "decisions",
    "add_minutes",
    "minutes",
    "mark_held",
]

CYCLE_DAYS = 28
DECISIONS = ("adopt", "do not adopt", "continue", "exit")


@dataclass(frozen=True)
class Meeting:
    id: int
    date: str
    area: str
    chair: str | None
    status: str
    number: int  # the meeting's number in its area's series, 1 for the first

    @property
    def label(self) -> str:
        where = f" ({self.area})" if self.area else ""
        return f"MATAC meeting {self.number}{where}, {self.date}"




def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


_SELECT = """
SELECT id, date, area, chair, status,
       row_number() OVER (PARTITION BY area ORDER BY date, id) AS number
FROM meetings WHERE status <> 'cancelled'
"""


def meetings(store: Store, area: str | None = None) -> list[Meeting]:
    """Every meeting not cancelled, by date (optionally one area's)."""
    rows = store.conn.execute(f"SELECT * FROM ({_SELECT}) ORDER BY date, id").fetchall()
    out = [Meeting(*r) for r in rows]
    return [m for m in out if area is None or m.area == area]


def meeting(store: Store, meeting_id: int) -> Meeting:
    for m in meetings(store):
        if m.id == meeting_id:
            return m
    raise UserError(f"no meeting {meeting_id}")


def find_meeting(store: Store, date: _dt.date | str, area: str = "") -> Meeting:
    day = iso_day(date)
    for m in meetings(store, area):
        if m.date == day:
            return m
    known = ", ".join(m.date for m in meetings(store, area)[-6:]) or "none scheduled"
    raise UserError(f"no meeting on {day}{' for ' + area if area else ''} (latest: {known})")


def next_meeting(store: Store, on_or_after: _dt.date | str | None = None, area: str = "") -> Meeting | None:
    """The next scheduled meeting on or after a day (default today)."""
    day = iso_day(on_or_after) if on_or_after else _dt.date.today().isoformat()
    for m in meetings(store, area):
        if m.date >= day and m.status == "scheduled":
            return m
    return None


def previous_meeting(store: Store, before: _dt.date | str, area: str = "") -> Meeting | None:
    """The latest meeting strictly before a day."""
    day = iso_day(before)
    earlier = [m for m in meetings(store, area) if m.date < day]
    return earlier[-1] if earlier else None


def next_meeting_date(store: Store, area: str = "") -> _dt.date:
    """Four weeks after the last meeting of the area; today when there is none."""
    ms = meetings(store, area)
    if not ms:
        return _dt.date.today()
    return _dt.date.fromisoformat(ms[-1].date) + _dt.timedelta(days=CYCLE_DAYS)


def schedule_meeting(store: Store, date: _dt.date | str | None = None, *, area: str = "",
                     chair: str | None = None) -> int:
    day = iso_day(date) if date else next_meeting_date(store, area).isoformat()
    if store.scalar("SELECT 1 FROM meetings WHERE date = ? AND area = ? AND status <> 'cancelled'", [day, area]):
        raise UserError(f"a meeting on {day}{' for ' + area if area else ''} is already scheduled")
    with store.transaction():
        mid = store.conn.execute("INSERT INTO meetings (date, area, chair) VALUES (?,?,?)"
                                 " ON CONFLICT (date, area) DO UPDATE SET status = 'scheduled', chair = excluded.chair",
                                 [day, area, chair]).lastrowid
        mid = store.scalar("SELECT id FROM meetings WHERE date = ? AND area = ?", [day, area])
        store.audit("meeting.scheduled", entity="meeting", entity_id=str(mid), detail={"date": day})
    return mid


def schedule_year(store: Store, start: _dt.date | str | None = None, *, area: str = "", count: int = 13,
                  chair: str | None = None) -> list[int]:
    """A year of four-weekly meetings (13) from ``start`` (default: the next due date); existing days are kept."""
    first = _dt.date.fromisoformat(iso_day(start)) if start else next_meeting_date(store, area)
    ids = []
    with store.transaction():
        for i in range(count):
            day = (first + _dt.timedelta(days=CYCLE_DAYS * i)).isoformat()
            if store.scalar("SELECT 1 FROM meetings WHERE date = ? AND area = ? AND status <> 'cancelled'",
                            [day, area]):
                continue
            ids.append(schedule_meeting(store, day, area=area, chair=chair))
    return ids


def add_attendee(store: Store, meeting_id: int, name: str, agency: str, *, apology: bool = False) -> int:
    meeting(store, meeting_id)
    name, agency = name.strip(), agency.strip()
    if not name or not agency:
        raise UserError("an attendee needs a name and an agency")
    with store.transaction():
        aid = store.conn.execute("INSERT INTO meeting_attendees (meeting_id, name, agency, role) VALUES (?,?,?,?)",
                                 [meeting_id, name, agency, "apology" if apology else "attendee"]).lastrowid
        store.audit("meeting.attendee", entity="meeting", entity_id=str(meeting_id))
    return aid


def attendees(store: Store, meeting_id: int) -> list[dict]:
    return [{"name": n, "agency": a, "role": r} for n, a, r in store.conn.execute(
        "SELECT name, agency, role FROM meeting_attendees WHERE meeting_id = ? ORDER BY role, agency, name",
        [meeting_id])]


def _score_on(store: Store, person_id: str, day: str) -> float | None:
    from ..analysis import scoring
    s = scoring.score_person(store, person_id, as_of=_dt.date.fromisoformat(day))
    return None if s is None else s.score


def record_decision(store: Store, meeting_id: int, person_id: str, decision: str, *, reason: str | None = None,
                    score: float | None = None) -> dict:
    """Record the meeting's decision on a subject and what follows from it, in one transaction.

    ``adopt`` adds the person to the cohort with the entry score; ``exit``
    takes him out with the exit score and ``reason`` (one of the exit
    reasons); ``do not adopt`` needs a reason; open referrals of the person
    are closed by adopt and do-not-adopt. Returns what was written.
    """
    m = meeting(store, meeting_id)
    pid = cohort.require_person(store, person_id)
    if decision not in DECISIONS:
        raise UserError(f"unknown decision {decision!r}; one of: {', '.join(DECISIONS)}")
    member = cohort.in_cohort(store, pid, m.date)
    if decision == "adopt" and member:
        raise UserError(f"{pid} is already in the cohort; record 'continue' or 'exit'")
    if decision in ("continue", "exit") and not member:
        raise UserError(f"{pid} is not in the cohort on {m.date}; record 'adopt' or 'do not adopt'")
    if decision == "do not adopt" and not (reason or "").strip():
        raise UserError("'do not adopt' needs a reason")
    if decision == "exit" and reason not in cohort.EXIT_REASONS:
        raise UserError(f"an exit needs a reason, one of: {'; '.join(cohort.EXIT_REASONS)}")
    if store.scalar("SELECT 1 FROM decisions WHERE meeting_id = ? AND person_id = ?", [meeting_id, pid]):
        raise UserError(f"this meeting has already decided on {pid}")
    if score is None and decision in ("adopt", "exit", "continue"):
        score = _score_on(store, pid, m.date)
    written = {"decision": decision, "person_id": pid, "meeting_id": meeting_id, "score": score}
    with store.transaction():
        store.conn.execute("INSERT INTO decisions (meeting_id, person_id, decision, reason, score, recorded_at)"
                           " VALUES (?,?,?,?,?,?)", [meeting_id, pid, decision, reason, score, _now()])
        if decision == "adopt":
            cohort.record_event(store, pid, "adopted", m.date, meeting_id=meeting_id, score=score)
        elif decision == "exit":
            cohort.record_event(store, pid, "exited", m.date, meeting_id=meeting_id, score=score, reason=reason)
        elif decision == "do not adopt":
            cohort.record_event(store, pid, "not adopted", m.date, meeting_id=meeting_id, score=score, reason=reason)
        if decision in ("adopt", "do not adopt"):
            status = "adopted" if decision == "adopt" else "not adopted"
            n = store.conn.execute("UPDATE referrals SET status = ?, decided_meeting_id = ? WHERE person_id = ?"
                                   " AND status = 'open'", [status, meeting_id, pid]).rowcount
            written["referrals_closed"] = max(n, 0)
        store.audit("meeting.decision", entity="person", entity_id=pid,
                    detail={"meeting_id": meeting_id, "decision": decision, "score": score})
    return written


def decisions(store: Store, meeting_id: int | None = None, person_id: str | None = None) -> list[dict]:
    where, params = [], []
    if meeting_id is not None:
        where.append("d.meeting_id = ?")
        params.append(meeting_id)
    if person_id is not None:
        where.append("d.person_id = ?")
        params.append(person_id)
    sql = ("SELECT d.meeting_id, m.date, d.person_id, d.decision, d.reason, d.score FROM decisions d"
           " JOIN meetings m ON m.id = d.meeting_id" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY m.date, d.id")
    keys = ("meeting_id", "date", "person_id", "decision", "reason", "score")
    return [dict(zip(keys, r)) for r in store.conn.execute(sql, params)]


def add_minutes(store: Store, meeting_id: int, person_id: str | None, text: str, *, chair: str | None = None) -> int:
    """Minutes for a subject (or the meeting as a whole when ``person_id`` is None): opinion, kept apart from facts."""
    m = meeting(store, meeting_id)
    pid = cohort.require_person(store, person_id) if person_id else None
    text = text.strip()
    if not text:
        raise UserError("the minutes are empty")
    with store.transaction():
        rid = store.conn.execute("INSERT INTO minutes (meeting_id, person_id, text, chair, recorded_at)"
                                 " VALUES (?,?,?,?,?)", [meeting_id, pid, text, chair or m.chair, _now()]).lastrowid
        store.audit("meeting.minutes", entity="person" if pid else "meeting", entity_id=pid or str(meeting_id),
                    detail={"meeting_id": meeting_id})
    return rid


def minutes(store: Store, *, meeting_id: int | None = None, person_id: str | None = None) -> list[dict]:
    where, params = [], []
    if meeting_id is not None:
        where.append("n.meeting_id = ?")
        params.append(meeting_id)
    if person_id is not None:
        where.append("n.person_id = ?")
        params.append(person_id)
    sql = ("SELECT n.meeting_id, m.date, n.person_id, n.text, n.chair FROM minutes n JOIN meetings m"
           " ON m.id = n.meeting_id" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.date, n.id")
    return [{"meeting_id": a, "date": b, "person_id": c, "text": d, "chair": e}
            for a, b, c, d, e in store.conn.execute(sql, params)]


def mark_held(store: Store, meeting_id: int, *, chair: str | None = None, snapshot: bool = True) -> None:
    """The meeting took place: mark it held and keep every score as it stood that day."""
    m = meeting(store, meeting_id)
    with store.transaction():
        store.conn.execute("UPDATE meetings SET status = 'held', chair = coalesce(?, chair) WHERE id = ?",
                           [chair, meeting_id])
        store.audit("meeting.held", entity="meeting", entity_id=str(meeting_id))
        if snapshot:
            from ..analysis import nominations
            nominations.take_snapshot(store, as_of=_dt.date.fromisoformat(m.date), label=m.label,
                                      meeting_id=meeting_id)

"""The four-weekly MATAC meeting: schedule, attendees, decisions and minutes.

A meeting has a date, an area (some forces split the meeting by area; the
empty area is the force-wide meeting), a chair, attendees and apologies.
The next meeting defaults to four weeks after the last; a year's schedule
is made in one step.

Decisions per subject: for someone not in the cohort adopt or do not adopt
(with a reason); for a subject in the cohort continue, escalate (stay in
the cohort, move to disruption and enforcement) or exit (with one of
:data:`matac_desk.meeting.cohort.EXIT_REASONS`). Adopting and exiting write
the cohort history with the score on the meeting's date; deciding on a
referred person closes the referral. Minutes are free text with the
chair's name, kept apart from facts.

Marking a meeting held keeps every score as it stood that day (a
snapshot) and closes its agenda: no decision is recorded at a held
meeting. It is refused before the meeting's day unless an early reason is
given. A held meeting can be reopened with a reason: it is scheduled
again and its snapshot is kept, marked superseded (it no longer counts in
score trends; holding the meeting again takes a new one). Every write has
its inverse here (:func:`remove_decision`, :func:`remove_attendee`,
:func:`remove_minutes`, :func:`reopen_meeting`) for the edit history of
:mod:`matac_desk.services.edits`; each is audited with its reason.

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
    "HeldTooEarly",
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
    "update_attendee",
    "remove_attendee",
    "attendees",
    "decision_choices",
    "record_decision",
    "remove_decision",
    "decisions",
    "add_minutes",
    "remove_minutes",
    "minutes",
    "held_steps",
    "mark_held",
    "reopen_meeting",
    "NEW_DECISIONS",
    "MEMBER_DECISIONS",
]

CYCLE_DAYS = 28
NEW_DECISIONS = ("adopt", "do not adopt")                # someone not in the cohort
MEMBER_DECISIONS = ("continue", "escalate", "exit")        # a subject in the cohort
DECISIONS = NEW_DECISIONS + MEMBER_DECISIONS


def decision_choices(member: bool) -> tuple[str, ...]:
    """The decisions a meeting can record on a person: a cohort subject's, or a nominee's."""
    return MEMBER_DECISIONS if member else NEW_DECISIONS


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
    return [{"id": i, "name": n, "agency": a, "role": r} for i, n, a, r in store.conn.execute(
        "SELECT id, name, agency, role FROM meeting_attendees WHERE meeting_id = ? ORDER BY role, agency, name, id",
        [meeting_id])]


def _attendee(store: Store, attendee_id: int) -> dict:
    row = store.conn.execute("SELECT id, meeting_id, name, agency, role FROM meeting_attendees WHERE id = ?",
                             [attendee_id]).fetchone()
    if row is None:
        raise UserError(f"no attendee {attendee_id} (removed since?)")
    return dict(zip(("id", "meeting_id", "name", "agency", "role"), row))


def update_attendee(store: Store, attendee_id: int, *, name: str | None = None, agency: str | None = None,
                    apology: bool | None = None, reason: str | None = None) -> dict:
    """Correct an attendee (name, agency, attended or sent apologies); ``{field: (old, new)}`` of what changed."""
    old = _attendee(store, attendee_id)
    new = dict(old)
    if name is not None:
        new["name"] = name.strip()
    if agency is not None:
        new["agency"] = agency.strip()
    if apology is not None:
        new["role"] = "apology" if apology else "attendee"
    if not new["name"] or not new["agency"]:
        raise UserError("an attendee needs a name and an agency")
    changed = {k: (old[k], new[k]) for k in ("name", "agency", "role") if old[k] != new[k]}
    if changed:
        with store.transaction():
            store.conn.execute("UPDATE meeting_attendees SET name = ?, agency = ?, role = ? WHERE id = ?",
                               [new["name"], new["agency"], new["role"], attendee_id])
            store.audit("meeting.attendee_changed", entity="meeting", entity_id=str(old["meeting_id"]),
                        detail={"fields": sorted(changed)}, reason=reason)
    return changed


def remove_attendee(store: Store, attendee_id: int, *, reason: str | None = None) -> dict:
    """Take an attendee off the meeting's list (recorded in error); returns the row as it was."""
    old = _attendee(store, attendee_id)
    with store.transaction():
        store.conn.execute("DELETE FROM meeting_attendees WHERE id = ?", [attendee_id])
        store.audit("meeting.attendee_removed", entity="meeting", entity_id=str(old["meeting_id"]), reason=reason)
    return old


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
    if m.status == "held":
        raise UserError(f"{m.label} is held: its agenda is closed; reopen the meeting to record a decision")
    member = cohort.in_cohort(store, pid, m.date)
    if decision in NEW_DECISIONS and member:
        raise UserError(f"{pid} is already in the cohort; record 'continue', 'escalate' or 'exit'")
    if decision in MEMBER_DECISIONS and not member:
        raise UserError(f"{pid} is not in the cohort on {m.date}; record 'adopt' or 'do not adopt'")
    if decision == "do not adopt" and not (reason or "").strip():
        raise UserError("'do not adopt' needs a reason")
    if decision == "exit" and reason not in cohort.EXIT_REASONS:
        raise UserError(f"an exit needs a reason, one of: {'; '.join(cohort.EXIT_REASONS)}")
    if store.scalar("SELECT 1 FROM decisions WHERE meeting_id = ? AND person_id = ?", [meeting_id, pid]):
        raise UserError(f"this meeting has already decided on {pid}")
    if score is None and decision in ("adopt", "exit", "continue", "escalate"):
        score = _score_on(store, pid, m.date)
    written = {"decision": decision, "person_id": pid, "meeting_id": meeting_id, "score": score}
    with store.transaction():
        written["decision_id"] = store.conn.execute(
            "INSERT INTO decisions (meeting_id, person_id, decision, reason, score, recorded_at)"
            " VALUES (?,?,?,?,?,?)", [meeting_id, pid, decision, reason, score, _now()]).lastrowid
        if decision == "adopt":
            cohort.record_event(store, pid, "adopted", m.date, meeting_id=meeting_id, score=score)
        elif decision == "exit":
            cohort.record_event(store, pid, "exited", m.date, meeting_id=meeting_id, score=score, reason=reason)
        elif decision == "do not adopt":
            cohort.record_event(store, pid, "not adopted", m.date, meeting_id=meeting_id, score=score, reason=reason)
        if decision in ("adopt", "do not adopt"):
            status = "adopted" if decision == "adopt" else "not adopted"
            ids = [r[0] for r in store.conn.execute(
                "SELECT id FROM referrals WHERE person_id = ? AND status = 'open'", [pid])]
            store.conn.executemany("UPDATE referrals SET status = ?, decided_meeting_id = ? WHERE id = ?",
                                   [(status, meeting_id, i) for i in ids])
            written["referrals_closed"] = len(ids)
            written["referral_ids"] = ids
        store.audit("meeting.decision", entity="person", entity_id=pid,
                    detail={"meeting_id": meeting_id, "decision": decision, "score": score})
    return written


def remove_decision(store: Store, meeting_id: int, person_id: str, *, reason: str | None = None) -> dict:
    """Take back a decision recorded in error (an undo), with what followed from it, in one transaction.

    The cohort history entry it wrote is removed and the referrals it
    closed are open again. Refused when the meeting is held (reopen it
    first) or when a later cohort event depends on it. Returns the decision.
    """
    m = meeting(store, meeting_id)
    pid = cohort.require_person(store, person_id)
    row = store.conn.execute("SELECT id, decision, reason, score FROM decisions WHERE meeting_id = ? AND person_id = ?",
                             [meeting_id, pid]).fetchone()
    if row is None:
        raise UserError(f"{m.label} has no decision on {pid} to take back")
    if m.status == "held":
        raise UserError(f"{m.label} is held: reopen it before taking back its decision on {pid}")
    did, decision, why, score = row
    event = {"adopt": "adopted", "exit": "exited", "do not adopt": "not adopted"}.get(decision)
    if event and store.scalar("SELECT 1 FROM cohort_events WHERE person_id = ? AND (date > ? OR (date = ? AND"
                              " coalesce(meeting_id, 0) <> ?))", [pid, m.date, m.date, meeting_id]):
        raise UserError(f"the cohort history of {pid} changed after this decision; it was not taken back")
    with store.transaction():
        store.conn.execute("DELETE FROM decisions WHERE id = ?", [did])
        if event:
            store.conn.execute("DELETE FROM cohort_events WHERE person_id = ? AND meeting_id = ? AND event = ?",
                               [pid, meeting_id, event])
        if decision in NEW_DECISIONS:
            store.conn.execute("UPDATE referrals SET status = 'open', decided_meeting_id = NULL WHERE person_id = ?"
                               " AND decided_meeting_id = ?", [pid, meeting_id])
        store.audit("meeting.decision_removed", entity="person", entity_id=pid,
                    detail={"meeting_id": meeting_id, "decision": decision}, reason=reason)
    return {"decision": decision, "reason": why, "score": score, "person_id": pid, "meeting_id": meeting_id}


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
    if len(text) > 20000:
        raise UserError(f"the minutes are {len(text):,} characters long; keep them under 20,000")
    with store.transaction():
        rid = store.conn.execute("INSERT INTO minutes (meeting_id, person_id, text, chair, recorded_at)"
                                 " VALUES (?,?,?,?,?)", [meeting_id, pid, text, chair or m.chair, _now()]).lastrowid
        store.audit("meeting.minutes", entity="person" if pid else "meeting", entity_id=pid or str(meeting_id),
                    detail={"meeting_id": meeting_id})
    return rid


def remove_minutes(store: Store, minutes_id: int, *, reason: str | None = None) -> dict:
    """Delete minutes saved in error (an undo); returns them as they were."""
    row = store.conn.execute("SELECT meeting_id, person_id, text, chair FROM minutes WHERE id = ?",
                             [minutes_id]).fetchone()
    if row is None:
        raise UserError(f"no minutes {minutes_id} (removed since?)")
    mid, pid, text, chair = row
    with store.transaction():
        store.conn.execute("DELETE FROM minutes WHERE id = ?", [minutes_id])
        store.audit("meeting.minutes_removed", entity="person" if pid else "meeting", entity_id=pid or str(mid),
                    detail={"meeting_id": mid}, reason=reason)
    return {"meeting_id": mid, "person_id": pid, "text": text, "chair": chair}


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


def held_steps(store: Store, meeting_id: int) -> list[str]:
    """What marking the meeting held will do, in words, for the confirmation."""
    m = meeting(store, meeting_id)
    decided = store.scalar("SELECT count(*) FROM decisions WHERE meeting_id = ?", [meeting_id])
    return [f"keep every person's score as it stands on {m.date} as this meeting's snapshot (the trend since "
            "the last meeting is measured from it)",
            f"close the agenda: {decided} decision(s) recorded; no more decisions at this meeting",
            "the next meeting's agenda then counts new partners and actions from this meeting on"]


def _today(today: _dt.date | str | None) -> str:
    return iso_day(today) if today else _dt.date.today().isoformat()


class HeldTooEarly(UserError):
    """Marking a meeting held before its day, with no reason given. ``said(how)`` words the way to give the
    reason for the screen or the command line that asked."""

    def __init__(self, label: str, days: int, how: str = "give the reason"):
        self.label, self.days = label, days
        super().__init__(f"{label} is {days} day(s) away; a meeting is marked held on or after its day "
                         f"(to record it early, {how})")

    def said(self, how: str) -> "HeldTooEarly":
        return HeldTooEarly(self.label, self.days, how)


def mark_held(store: Store, meeting_id: int, *, chair: str | None = None, snapshot: bool = True,
              today: _dt.date | str | None = None, early_reason: str | None = None,
              reason: str | None = None) -> dict:
    """The meeting took place: mark it held and keep every score as it stood that day.

    Refused before the meeting's day (``today``, default the real day)
    unless ``early_reason`` says why; refused when it is held already.
    Returns ``{"snapshot_id": ...}``. ``reason`` is the audit reason (a redo).
    """
    m = meeting(store, meeting_id)
    if m.status == "held":
        raise UserError(f"{m.label} is already held")
    day = _today(today)
    early_reason = (early_reason or "").strip() or None
    if m.date > day and early_reason is None:
        days = (_dt.date.fromisoformat(m.date) - _dt.date.fromisoformat(day)).days
        raise HeldTooEarly(m.label, days)
    out: dict = {"snapshot_id": None}
    with store.transaction():
        store.conn.execute("UPDATE meetings SET status = 'held', chair = coalesce(?, chair) WHERE id = ?",
                           [chair, meeting_id])
        detail = {"early": True, "early_reason": early_reason} if m.date > day else None
        store.audit("meeting.held", entity="meeting", entity_id=str(meeting_id), detail=detail, reason=reason)
        if snapshot:
            from ..analysis import nominations
            out["snapshot_id"] = nominations.take_snapshot(store, as_of=_dt.date.fromisoformat(m.date),
                                                           label=m.label, meeting_id=meeting_id).id
    return out


def reopen_meeting(store: Store, meeting_id: int, reason: str, *, today: _dt.date | str | None = None) -> dict:
    """Put a held meeting back to scheduled (a mistake, or more to decide), audited with the reason.

    Its snapshots are kept, marked superseded: they no longer count in
    score trends, and holding the meeting again takes a new one. Returns
    ``{"superseded": [snapshot ids]}``.
    """
    m = meeting(store, meeting_id)
    if m.status != "held":
        raise UserError(f"{m.label} is not held, so there is nothing to reopen")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("reopening a held meeting needs a reason")
    day = _today(today)
    ids = [r[0] for r in store.conn.execute(
        "SELECT id FROM score_snapshots WHERE meeting_id = ? AND superseded_at IS NULL", [meeting_id])]
    with store.transaction():
        store.conn.execute("UPDATE meetings SET status = 'scheduled' WHERE id = ?", [meeting_id])
        store.conn.executemany(
            "UPDATE score_snapshots SET superseded_at = ?, label = coalesce(label, '') || ? WHERE id = ?",
            [(_now(), f" (superseded: meeting reopened {day})", i) for i in ids])
        store.audit("meeting.reopened", entity="meeting", entity_id=str(meeting_id),
                    detail={"superseded_snapshots": ids}, reason=reason)
    return {"superseded": ids}

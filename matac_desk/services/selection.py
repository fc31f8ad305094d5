"""Selecting the cohort: the rows of the nominations and cohort tables, and the decisions taken on them.

Step 3 of the MATAC process, Qt-free. :func:`nomination_rows` and
:func:`cohort_rows` flatten what :mod:`matac_desk.analysis.nominations`,
:mod:`matac_desk.meeting.cohort` and the scorer say about each person into one
:class:`SelectionRow` (score and R/F/G/V, the change since the latest snapshot
before the date scored (:func:`matac_desk.analysis.nominations.change`),
serial flag, division, referrals, offender manager), ready for a sortable
table. :func:`decide` records adopt, do not adopt and exit through
:func:`matac_desk.meeting.meetings.record_decision` at the meeting chosen, or the
next scheduled one.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from ..meeting import agenda, cohort, meetings
from ..analysis import nominations, scoring
from ..domain import Cancelled, UserError, never_cancelled, no_progress
from ..storage.store import Store

__all__ = ["SelectionRow", "nomination_rows", "cohort_rows", "decision_meeting", "decide", "TREND_ARROWS",
           "nominations_top_n"]

TREND_ARROWS = {"up": "▲", "down": "▼", "same": "=", "new": "new", "none": ""}
nominations_top_n = agenda.nominations_top_n


@dataclass(frozen=True)
class SelectionRow:
    """One person in the nominations or the cohort table.

    ``score`` and its parts are None when he has no incident in the scoring
    window; ``change`` is his score minus his score at the latest snapshot
    before the day scored (``since`` that snapshot's date; ``direction``
    up/down/same/none, see :class:`matac_desk.analysis.nominations.Change`); ``reasons`` says why
    he is nominated (score, referral) or, in the cohort, is empty.
    """

    person_id: str
    name: str
    rank: int | None
    score: int | float | None
    r: int | None
    f: int | None
    g: int | None
    v: int | None
    incidents: int
    victims: int
    latest_incident: str | None
    serial: bool
    division: str | None
    change: int | float | None
    direction: str
    reasons: str = ""
    referrals: int = 0
    referral_agencies: str = ""
    adopted_on: str | None = None
    entry_score: float | None = None
    om_name: str | None = None
    in_cohort: bool = False
    moved: nominations.Change | None = None
    as_of: str | None = None

    @property
    def trend_text(self) -> str:
        """"▲ +3 since 10 Nov" (the one change figure), or "new" when no earlier snapshot scored him."""
        if self.moved is None or self.moved.since is None:
            return ""
        return self.moved.text() if self.moved.value is not None else "new"


def _row(pid: str, name: str, s: scoring.PersonScore | None, t: nominations.Change, division: str | None,
         **extra) -> SelectionRow:
    return SelectionRow(
        pid, name, s.rank if s else None, s.score if s else None, s.r if s else None, s.f if s else None,
        s.g if s else None, s.v if s else None, s.incidents if s else 0, s.victims if s else 0,
        s.latest_incident if s else None, bool(s and s.serial), division, t.value,
        t.direction, moved=t, as_of=t.as_of, **extra)


def nomination_rows(store: Store, as_of: _dt.date | str | None = None, top_n: int | None = None,
                    division: str | None = None, *,
                    progress: Callable[[int, int, str], None] = no_progress,
                    cancelled: Callable[[], bool] = never_cancelled) -> list[SelectionRow]:
    """The nominations (top serial scores outside the cohort, and open referrals), by rank, as of a day.

    The same list as the agenda of a meeting on that day
    (:func:`matac_desk.meeting.agenda.meeting_nominations`); ``top_n``
    defaults to the one setting both use (:func:`nominations_top_n`).

    Notes
    -----
    One :func:`~matac_desk.analysis.scoring.score_all`, then two queries for the changes.
    """
    day = scoring.as_of_date(as_of)
    noms = agenda.meeting_nominations(store, day, top_n=top_n, division=division, progress=progress,
                                      cancelled=cancelled)
    moved = nominations.changes(store, {n.person_id: n.score.score if n.score else None for n in noms}, day)
    out = []
    for n in noms:
        if cancelled():
            raise Cancelled()
        reasons = " and ".join({"score": "top score", "referral": "referral"}[r] for r in n.reasons)
        out.append(_row(n.person_id, n.name, n.score, moved[n.person_id], n.division,
                        reasons=reasons,
                        referrals=len(n.referrals),
                        referral_agencies=", ".join(dict.fromkeys(r.agency for r in n.referrals)),
                        in_cohort=n.in_cohort))
    return out


def cohort_rows(store: Store, as_of: _dt.date | str | None = None, division: str | None = None, *,
                progress: Callable[[int, int, str], None] = no_progress,
                cancelled: Callable[[], bool] = never_cancelled) -> list[SelectionRow]:
    """The cohort with each subject's score as of ``as_of`` and trend, highest score first.

    Membership is as every recorded decision leaves it, including one taken
    at a meeting dated after ``as_of`` (as the nominations count it), so an
    adoption recorded ahead of the meeting day moves the person from one
    table to the other. ``division`` keeps the subjects of one division (the
    subject's own, else his latest incident's; case-insensitive).
    """
    day = scoring.as_of_date(as_of)
    latest = store.scalar("SELECT max(date) FROM cohort_events")
    members = cohort.cohort(store, max(day.isoformat(), latest or ""))
    scores = {s.perpetrator_id: s for s in scoring.score_all(store, day, progress=progress, cancelled=cancelled)}
    want = division.strip().casefold() if division and division.strip() else None
    moved = nominations.changes(store, {m.person_id: scores[m.person_id].score if m.person_id in scores else None
                                        for m in members}, day)
    out = []
    for m in members:
        if cancelled():
            raise Cancelled()
        s = scores.get(m.person_id)
        div = m.division or (s.division if s else None)
        if want is not None and (div or "").casefold() != want:
            continue
        out.append(_row(m.person_id, m.name, s, moved[m.person_id], div,
                        adopted_on=m.adopted_on, entry_score=m.entry_score, om_name=m.om_name, in_cohort=True))
    out.sort(key=lambda r: (r.score is None, -(r.score or 0), r.person_id))
    return out


def decision_meeting(store: Store, meeting_id: int | None = None,
                     today: _dt.date | None = None) -> meetings.Meeting:
    """The meeting a decision is recorded at: the one given, else the next scheduled one."""
    if meeting_id is not None:
        return meetings.meeting(store, meeting_id)
    m = meetings.next_meeting(store, today or _dt.date.today())
    if m is None:
        raise UserError("no meeting is scheduled: schedule the next MATAC meeting first (Meetings)")
    return m


def decide(store: Store, person_id: str, decision: str, *, reason: str | None = None,
           meeting_id: int | None = None, today: _dt.date | None = None) -> dict:
    """Record ``adopt``, ``do not adopt``, ``continue`` or ``exit`` at the chosen (or next) meeting.

    Returns what :func:`matac_desk.meeting.meetings.record_decision` wrote, with the meeting's label.
    """
    m = decision_meeting(store, meeting_id, today)
    written = meetings.record_decision(store, m.id, person_id, decision, reason=reason)
    return written | {"meeting": m.label}

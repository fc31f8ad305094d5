"""What needs the coordinator's attention today: the dashboard's second half, Qt-free.

One call gathers the next meeting and how many days remain, the new
partner alerts since the previous meeting (:func:`matac_desk.meeting.agenda.partner_alerts`:
the same list, for the same period and scope, as the next meeting's agenda:
new partners of cohort subjects, referred and serial perpetrators), overdue
partnership actions, overloaded offender managers and the offences the
gravity table does not map. Each list is what the dashboard shows and
links from; the desktop client calls this on its background connection.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable

from ..meeting import actions, agenda, meetings, workload
from ..analysis import scoring
from ..domain import Cancelled, never_cancelled, no_progress
from ..storage.store import Store

__all__ = ["Attention", "attention", "DEFAULT_PERIOD_DAYS"]

DEFAULT_PERIOD_DAYS = 28


@dataclass(frozen=True)
class Attention:
    """``since`` is the previous meeting's date (or 28 days ago); ``days_to_meeting`` 0 on the day.

    ``new_partners`` are the alerts of (since, today]: the next meeting's agenda lists the same ones
    (``since`` is the meeting before it), and any found after today as well.
    """

    today: str
    next_meeting: meetings.Meeting | None
    days_to_meeting: int | None
    previous_meeting: meetings.Meeting | None
    since: str
    new_partners: list[agenda.PartnerAlert] = field(default_factory=list)
    overdue_actions: list[actions.Action] = field(default_factory=list)
    overloaded: list[workload.Caseload] = field(default_factory=list)
    unmapped: list[scoring.UnmappedOffence] = field(default_factory=list)


def attention(store: Store, today: _dt.date | None = None, *,
              progress: Callable[[int, int, str], None] = no_progress,
              cancelled: Callable[[], bool] = never_cancelled) -> Attention:
    """Everything urgent as of ``today`` (default the real today).

    Notes
    -----
    The new partner search dominates: the cohort scope's graph, one ring
    (see :func:`matac_desk.analysis.graph.new_partners`); the rest are single queries.
    """
    day = today or _dt.date.today()
    steps = 5
    progress(0, steps, "Meetings")
    nxt = meetings.next_meeting(store, day)
    # the period of the next meeting's agenda: since the meeting before it
    prev = meetings.previous_meeting(store, nxt.date if nxt else day)
    if prev is not None and prev.date >= day.isoformat():
        prev = meetings.previous_meeting(store, day)
    since = _dt.date.fromisoformat(prev.date) if prev else day - _dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    days = (_dt.date.fromisoformat(nxt.date) - day).days if nxt else None
    if cancelled():
        raise Cancelled()
    progress(1, steps, "New partners")
    partners = agenda.partner_alerts(store, since, day, cancelled=cancelled) if since < day else []
    progress(2, steps, "Actions")
    overdue = actions.list_actions(store, as_of=day, overdue_only=True)
    if cancelled():
        raise Cancelled()
    progress(3, steps, "Workload")
    overloaded = [c for c in workload.caseloads(store, day) if c.overloaded]
    progress(4, steps, "Gravity table")
    unmapped = scoring.unmapped_offences(store)
    progress(steps, steps, "")
    return Attention(day.isoformat(), nxt, days, prev, since.isoformat(), partners, overdue, overloaded, unmapped)

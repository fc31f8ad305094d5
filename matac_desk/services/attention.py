"""What needs the coordinator's attention today: the dashboard's second half, Qt-free.

One call gathers the next meeting and how many days remain, the new
partners of the cohort's perpetrators since the previous meeting
(:func:`matac_desk.analysis.graph.new_partners`, scope ``cohort``), overdue
partnership actions, overloaded offender managers and the offences the
gravity table does not map. Each list is what the dashboard shows and
links from; the desktop client calls this on its background connection.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable

from ..meeting import actions, meetings, workload
from ..analysis import graph, scoring
from ..domain import Cancelled, never_cancelled, no_progress
from ..storage.store import Store

__all__ = ["Attention", "attention", "DEFAULT_PERIOD_DAYS"]

DEFAULT_PERIOD_DAYS = 28


@dataclass(frozen=True)
class Attention:
    """``since`` is the previous meeting's date (or 28 days ago); ``days_to_meeting`` 0 on the day."""

    today: str
    next_meeting: meetings.Meeting | None
    days_to_meeting: int | None
    previous_meeting: meetings.Meeting | None
    since: str
    new_partners: list[graph.NewPartner] = field(default_factory=list)
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
    prev = meetings.previous_meeting(store, day)
    since = _dt.date.fromisoformat(prev.date) if prev else day - _dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    days = (_dt.date.fromisoformat(nxt.date) - day).days if nxt else None
    if cancelled():
        raise Cancelled()
    progress(1, steps, "New partners")
    partners = graph.new_partners(store, since=since, as_of=day, scope="cohort", cancelled=cancelled)
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

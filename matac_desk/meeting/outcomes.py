"""Outcomes: does MATAC work for the people it manages? Before/after, in equal windows.

For every adoption period of a subject (adopted on day A, exited on day E,
or still in the cohort on the day asked about), the *follow-up* is the
number of days from A to E (or to that day). The same number of days
before adoption is compared with the follow-up after it:

* before: the ``follow_up`` days ending the day before A;
* after: the ``follow_up`` days starting the day after A.

The adoption day itself belongs to neither (its incident is usually why
he was nominated). In each window: DA incidents as perpetrator (distinct
refs), harm (the sum over those incidents of each incident's gravity
points, from the active scoring configuration), and distinct victims;
after adoption, *new* victims are victims never recorded as his before A.
Entry score (at adoption) is set beside the exit score, or the latest
score while he is still in the cohort.

Periods with a follow-up shorter than the minimum (default 90 days, a
setting) are reported apart and left out of the cohort totals: a
fortnight without an incident says nothing yet.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field

from ..domain import display_name
from ..storage.store import Store

__all__ = ["DEFAULT_MIN_FOLLOW_UP_DAYS", "Window", "Period", "CohortOutcome", "Harm", "subject_outcomes",
           "cohort_outcomes", "min_follow_up_days"]

DEFAULT_MIN_FOLLOW_UP_DAYS = 90


@dataclass(frozen=True)
class Window:
    start: str
    end: str
    incidents: int
    harm: int
    victims: int


@dataclass(frozen=True)
class Period:
    person_id: str
    name: str
    adopted_on: str
    exited_on: str | None
    exit_reason: str | None
    follow_up_days: int
    before: Window
    after: Window
    new_victims: int
    entry_score: float | None
    exit_or_latest_score: float | None
    enough_follow_up: bool

    @property
    def score_change(self) -> float | None:
        if self.entry_score is None or self.exit_or_latest_score is None:
            return None
        return self.exit_or_latest_score - self.entry_score

    def as_row(self) -> dict:
        return {
            "person_id": self.person_id, "name": self.name, "adopted_on": self.adopted_on,
            "exited_on": self.exited_on or "", "exit_reason": self.exit_reason or "",
            "follow_up_days": self.follow_up_days,
            "incidents_before": self.before.incidents, "incidents_after": self.after.incidents,
            "harm_before": self.before.harm, "harm_after": self.after.harm,
            "victims_before": self.before.victims, "victims_after": self.after.victims,
            "new_victims": self.new_victims, "entry_score": self.entry_score,
            "exit_or_latest_score": self.exit_or_latest_score,
            "enough_follow_up": self.enough_follow_up,
        }


@dataclass(frozen=True)
class CohortOutcome:
    as_of: str
    min_follow_up_days: int
    periods: int
    subjects: int
    incidents_before: int
    incidents_after: int
    harm_before: int
    harm_after: int
    victims_before: int
    victims_after: int
    new_victims: int
    subjects_with_new_victims: int
    mean_entry_score: float | None
    mean_exit_or_latest_score: float | None
    too_short: list[Period] = field(default_factory=list)

    @staticmethod
    def _change(before: int, after: int) -> float | None:
        return None if before == 0 else (after - before) / before

    @property
    def incident_change(self) -> float | None:
        return self._change(self.incidents_before, self.incidents_after)

    @property
    def harm_change(self) -> float | None:
        return self._change(self.harm_before, self.harm_after)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["too_short"] = [p.person_id for p in self.too_short]
        d["incident_change"] = self.incident_change
        d["harm_change"] = self.harm_change
        return d


def min_follow_up_days(store: Store) -> int:
    return int(store.get_setting("outcomes.min_follow_up_days", DEFAULT_MIN_FOLLOW_UP_DAYS))


def _iso(day) -> _dt.date:
    if day is None:
        return _dt.date.today()
    if isinstance(day, _dt.date):
        return day
    return _dt.date.fromisoformat(str(day))


def _periods(store: Store, as_of: _dt.date) -> list[tuple]:
    """(person_id, adopted_on, entry_score, exited_on, exit_score, exit_reason) for periods starting by as_of."""
    events = store.conn.execute(
        "SELECT person_id, event, date, score, reason FROM cohort_events WHERE event IN ('adopted', 'exited')"
        " AND date <= ? ORDER BY person_id, date, id", [as_of.isoformat()]).fetchall()
    out, open_ = [], {}
    for pid, event, date, score, reason in events:
        if event == "adopted":
            open_[pid] = (pid, date, score)
        elif pid in open_:
            p = open_.pop(pid)
            out.append(p + (date, score, reason))
    out += [p + (None, None, None) for p in open_.values()]
    return sorted(out, key=lambda p: (p[1], p[0]))


class Harm:
    """Each incident's gravity points under the active scoring configuration."""

    def __init__(self, store: Store):
        from ..analysis import scoring
        cfg = scoring.ensure_active_config(store).config
        self.points = cfg.gravity_points()
        self.unmapped = cfg.unmapped_points

    def of(self, offence_keys: list[str]) -> int:
        return max(self.points.get(k, self.unmapped) for k in offence_keys)


def _members(store: Store, root: str) -> list[str]:
    return [root] + [r for (r,) in store.conn.execute("SELECT id FROM persons WHERE merged_into = ?", [root])]


def subject_outcomes(store: Store, as_of: _dt.date | str | None = None,
                     person_id: str | None = None) -> list[Period]:
    """Every adoption period (of one subject, or of all) with its before/after windows."""
    from ..analysis import scoring
    day = _iso(as_of)
    minimum = min_follow_up_days(store)
    harm = Harm(store)
    roots = scoring.root_map(store)
    out = []
    for pid, adopted, entry, exited, exit_score, reason in _periods(store, day):
        if person_id is not None and pid != person_id:
            continue
        a = _dt.date.fromisoformat(adopted)
        end = min(_dt.date.fromisoformat(exited), day) if exited else day
        follow = (end - a).days
        members = _members(store, pid)
        marks = ",".join("?" * len(members))
        rows = store.conn.execute(
            f"SELECT i.ref, i.date, v.victim_id, v.offence_key FROM involvements v JOIN incidents i"
            f" ON i.ref = v.incident_ref WHERE v.perpetrator_id IN ({marks}) AND i.date <= ?",
            members + [end.isoformat()]).fetchall()
        incidents: dict[str, tuple[str, list[str]]] = {}
        victims_by_ref: dict[str, set[str]] = {}
        for ref, date, victim, okey in rows:
            incidents.setdefault(ref, (date, []))[1].append(okey)
            victims_by_ref.setdefault(ref, set()).add(roots.get(victim, victim))

        def window(lo: _dt.date, hi: _dt.date) -> Window:
            refs = [r for r, (d, _) in incidents.items() if lo.isoformat() <= d <= hi.isoformat()]
            vs = set().union(*(victims_by_ref[r] for r in refs)) if refs else set()
            return Window(lo.isoformat(), hi.isoformat(), len(refs), sum(harm.of(incidents[r][1]) for r in refs),
                          len(vs))

        one = _dt.timedelta(days=1)
        span = _dt.timedelta(days=follow)
        before = window(a - span, a - one) if follow else Window(adopted, adopted, 0, 0, 0)
        after = window(a + one, a + span) if follow else Window(adopted, adopted, 0, 0, 0)
        known = set().union(*(victims_by_ref[r] for r, (d, _) in incidents.items() if d < adopted)) \
            if incidents else set()
        later = set().union(*(victims_by_ref[r] for r, (d, _) in incidents.items() if adopted < d <= end.isoformat())) \
            if incidents else set()
        if exited:
            final = exit_score
        else:
            s = scoring.score_person(store, pid, as_of=day)
            final = None if s is None else s.score
        name = store.conn.execute("SELECT forename, surname FROM persons WHERE id = ?", [pid]).fetchone()
        out.append(Period(pid, display_name(*name) if name else pid, adopted, exited, reason, follow, before, after,
                          len(later - known), _whole(entry), _whole(final), follow >= minimum))
    return out


def _whole(score: float | None) -> float | int | None:
    """A score as stored (REAL) given back as a whole number when it is one, so that every screen and page
    prints 17, never 17.0 beside 17."""
    if isinstance(score, float) and score.is_integer():
        return int(score)
    return score


def cohort_outcomes(store: Store, as_of: _dt.date | str | None = None) -> CohortOutcome:
    """The cohort's before/after totals over periods with enough follow-up; shorter ones apart."""
    day = _iso(as_of)
    periods = subject_outcomes(store, day)
    ok = [p for p in periods if p.enough_follow_up]
    scored = [p for p in ok if p.entry_score is not None and p.exit_or_latest_score is not None]

    def mean(values):
        values = list(values)
        return round(sum(values) / len(values), 1) if values else None

    return CohortOutcome(
        as_of=day.isoformat(), min_follow_up_days=min_follow_up_days(store), periods=len(ok),
        subjects=len({p.person_id for p in ok}),
        incidents_before=sum(p.before.incidents for p in ok), incidents_after=sum(p.after.incidents for p in ok),
        harm_before=sum(p.before.harm for p in ok), harm_after=sum(p.after.harm for p in ok),
        victims_before=sum(p.before.victims for p in ok), victims_after=sum(p.after.victims for p in ok),
        new_victims=sum(p.new_victims for p in ok), subjects_with_new_victims=sum(1 for p in ok if p.new_victims),
        mean_entry_score=mean(p.entry_score for p in scored),
        mean_exit_or_latest_score=mean(p.exit_or_latest_score for p in scored),
        too_short=[p for p in periods if not p.enough_follow_up],
    )

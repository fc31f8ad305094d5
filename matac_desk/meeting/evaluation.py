"""Did MATAC work? Adopted subjects against a matched comparison group.

A before/after figure for adopted subjects always looks good: they are
adopted at their peak score, recency decays by itself and extreme scores
regress toward the mean. This module sets beside each adopted subject a
perpetrator who, at the same meeting, scored near the adoption threshold
but was not adopted, and compares the change in both groups over equal
windows (a difference in differences).

The comparison group
--------------------
For each adoption (a ``cohort_events`` row ``adopted``) the ranking used is
the snapshot kept for that meeting (``score_snapshots.meeting_id``), else the
latest snapshot taken on or before the adoption day. The *threshold* is the
lowest score adopted from that ranking. Candidates are the perpetrators of
the same ranking who

* scored at least ``threshold - distance`` (a setting, default 5 points),
* were not adopted at any time from one window before the decision to one
  window after it, and were not in the cohort on the day,
* are not merged into another record.

Each adopted subject gets the nearest candidate with the same serial flag
and a score within ``distance`` of his own, preferring the same division,
then the same entry score band (``band`` points wide, default 5), then the
smallest score difference; each candidate is used once (without
replacement). Subjects with no such candidate stay unmatched and are
counted.

The windows and measures
------------------------
``window`` days (default 365; 182 for six months) before the decision day
(the day itself excluded) and after it, for both members of a pair, on the
subject's decision day. Only pairs whose after-window has ended by the day
asked about are measured. Measures: DA incidents as perpetrator (distinct
references), distinct victims, harm (the sum of each incident's highest
gravity points under the active configuration), new partners (intimate
partners never recorded before the decision day) and days to the first
incident after (the window's length when there is none).

The estimate
------------
For each measure: each group's total before and after and its change in
per cent; the difference in differences in percentage points (adopted
change minus comparison change: negative means the adopted group's harm
fell further), with a 95% interval from a bootstrap of the matched pairs
(2,000 resamples, a fixed seed, so the same store gives the same figures).
With fewer than 20 pairs the sentence says the numbers are too small to
conclude. Per tactic, the subjects who had it agreed within the window
after their decision, each against his own matched comparison.

Everything here is Qt-free and reads only; nothing is written.
"""

from __future__ import annotations

import datetime as _dt
import random
import re
from dataclasses import dataclass, field

from ..domain import INTIMATE_KINDS, UserError
from ..storage.store import Store

__all__ = [
    "DEFAULT_WINDOW_DAYS", "DEFAULT_DISTANCE", "DEFAULT_BAND", "MEASURES", "MEASURE_LABELS",
    "MIN_PAIRS_TO_CONCLUDE", "MIN_TACTIC_SUBJECTS", "Unit", "Pair", "Balance", "Estimate", "Evaluation",
    "TacticEffect", "parse_window", "settings", "evaluate", "tactic_effects",
]

DEFAULT_WINDOW_DAYS = 365
DEFAULT_DISTANCE = 5.0
DEFAULT_BAND = 5.0
BOOTSTRAP_RESAMPLES = 2000
SEED = 20150401            # Northumbria's MATAC began in 2015; any fixed number would do
MIN_PAIRS_TO_CONCLUDE = 20
MIN_TACTIC_SUBJECTS = 10

MEASURES = ("incidents", "victims", "harm", "new_partners", "days_to_first")
MEASURE_LABELS = {
    "incidents": "DA incidents", "victims": "distinct victims", "harm": "harm (gravity sum)",
    "new_partners": "new partners", "days_to_first": "days to the first incident after",
}


# ----------------------------------------------------------------- settings

def parse_window(text: str | int) -> int:
    """``12m`` / ``6m`` / ``365d`` / ``365`` as a number of days (1 month = 365/12 days, rounded).

    >>> parse_window("12m"), parse_window("6m"), parse_window("90d")
    (365, 182, 90)
    """
    if isinstance(text, int):
        days = text
    else:
        m = re.fullmatch(r"\s*(\d{1,4})\s*([md]?)\s*", str(text).lower())
        if not m:
            raise UserError(f"a window is a number of months or days, such as 12m, 6m or 365d "
                            f"(not {str(text)[:20]!r})")
        n, unit = int(m.group(1)), m.group(2)
        days = int(n * 365 / 12) if unit == "m" else n
    if not 28 <= days <= 1830:
        raise UserError(f"a window is between 28 days and 5 years (not {days} days)")
    return days


@dataclass(frozen=True)
class Settings:
    window_days: int = DEFAULT_WINDOW_DAYS
    distance: float = DEFAULT_DISTANCE
    band: float = DEFAULT_BAND


def settings(store: Store) -> Settings:
    """The comparison settings kept in the store (``outcomes.comparison_*``), with their defaults."""
    return Settings(
        window_days=int(store.get_setting("outcomes.comparison_window_days", DEFAULT_WINDOW_DAYS)),
        distance=float(store.get_setting("outcomes.comparison_distance", DEFAULT_DISTANCE)),
        band=float(store.get_setting("outcomes.comparison_band", DEFAULT_BAND)),
    )


# ------------------------------------------------------------------- groups

@dataclass(frozen=True)
class Unit:
    """One person at one decision: his entry figures and his measures in the two windows."""

    person_id: str
    decision_date: str
    snapshot_id: int
    score: float
    serial: bool
    division: str | None
    incidents_at_entry: int
    victims_at_entry: int
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    adopted: Unit
    comparison: Unit
    same_division: bool
    same_band: bool


@dataclass(frozen=True)
class Balance:
    """Mean entry figures per group, to show that the groups are alike where it matters."""

    group: str
    n: int
    mean_score: float | None
    mean_incidents: float | None
    mean_victims: float | None
    serial_share: float | None


@dataclass(frozen=True)
class Estimate:
    measure: str
    n_pairs: int
    adopted_before: float | None       # totals; None for days_to_first (no "before")
    adopted_after: float               # totals; for days_to_first the mean days
    comparison_before: float | None
    comparison_after: float
    adopted_change: float | None       # per cent; None for days_to_first
    comparison_change: float | None
    difference: float | None           # percentage points (mean days for days_to_first)
    low: float | None
    high: float | None

    @property
    def covers_zero(self) -> bool | None:
        if self.low is None or self.high is None:
            return None
        return self.low <= 0 <= self.high


@dataclass(frozen=True)
class Evaluation:
    as_of: str
    window_days: int
    distance: float
    adoptions: int
    pairs: list[Pair]
    unmatched: list[str]            # person ids of adopted subjects with no comparison
    too_recent: int                 # matched pairs whose after-window has not ended
    balance: list[Balance]
    estimates: dict[str, Estimate]
    naive_change: float | None      # the adopted group's own before/after change in incidents, per cent

    def sentence(self, measure: str = "incidents") -> str:
        """The finding in plain words, with its interval and its caveats."""
        return describe(self.estimates.get(measure), self.window_days, measure)


@dataclass(frozen=True)
class TacticEffect:
    tactic: str
    category: str
    n: int
    mean_difference: float | None     # harm points: (subject after - before) - (comparison after - before)
    low: float | None
    high: float | None

    @property
    def warning(self) -> str:
        if self.n < MIN_TACTIC_SUBJECTS:
            return f"only {self.n} subject{'s' if self.n != 1 else ''}: too few to say"
        if self.low is not None and self.low <= 0 <= self.high:
            return "the interval includes no difference"
        return ""


def _day(value) -> _dt.date:
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


def _adoptions(store: Store) -> list[tuple[str, str, int | None]]:
    return store.conn.execute(
        "SELECT e.person_id, e.date, e.meeting_id FROM cohort_events e JOIN persons p ON p.id = e.person_id"
        " WHERE e.event = 'adopted' AND p.merged_into IS NULL ORDER BY e.date, e.id").fetchall()


def _snapshot_for(store: Store, meeting_id: int | None, day: str) -> int | None:
    if meeting_id is not None:
        row = store.conn.execute("SELECT max(id) FROM score_snapshots WHERE meeting_id = ?", [meeting_id]).fetchone()
        if row and row[0] is not None:
            return row[0]
    row = store.conn.execute("SELECT id FROM score_snapshots WHERE as_of <= ? ORDER BY as_of DESC, id DESC LIMIT 1",
                             [day]).fetchone()
    return row[0] if row else None


def _intervals(store: Store) -> dict[str, list[tuple[_dt.date, _dt.date]]]:
    """Each person's time in the cohort: (adopted, exited or far future)."""
    out: dict[str, list] = {}
    start: dict[str, _dt.date] = {}
    for pid, event, date in store.conn.execute(
            "SELECT person_id, event, date FROM cohort_events WHERE event IN ('adopted', 'exited')"
            " ORDER BY person_id, date, id"):
        d = _dt.date.fromisoformat(date)
        if event == "adopted":
            start[pid] = d
        elif pid in start:
            out.setdefault(pid, []).append((start.pop(pid), d))
    for pid, d in start.items():
        out.setdefault(pid, []).append((d, _dt.date.max))
    return out


def _adopted_between(spans, lo: _dt.date, hi: _dt.date) -> bool:
    return any(a <= hi and e >= lo for a, e in spans)


class _Incidents:
    """Every DA incident of the persons asked for, with victims, harm and intimate relationships."""

    def __init__(self, store: Store, person_ids: set[str]):
        from .outcomes import Harm
        harm = Harm(store)
        self.by_person: dict[str, list[tuple[str, str, set, set, int]]] = {}
        members: dict[str, str] = {pid: pid for pid in person_ids}
        ids = list(person_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for rec, root in store.conn.execute(
                    f"SELECT id, merged_into FROM persons WHERE merged_into IN ({marks})", chunk):
                members[rec] = root
        all_ids = list(members)
        raw: dict[str, dict[str, list]] = {}
        for i in range(0, len(all_ids), 500):
            chunk = all_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for perp, ref, date, victim, okey, kind in store.conn.execute(
                    f"SELECT v.perpetrator_id, i.ref, i.date, v.victim_id, v.offence_key, v.relationship_kind"
                    f" FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
                    f" WHERE v.perpetrator_id IN ({marks})", chunk):
                inc = raw.setdefault(members[perp], {}).setdefault(ref, [date, set(), set(), []])
                inc[1].add(victim)
                if kind in INTIMATE_KINDS:
                    inc[2].add(victim)
                inc[3].append(okey)
        for pid, incs in raw.items():
            self.by_person[pid] = sorted(
                (date, ref, victims, partners, harm.of(keys)) for ref, (date, victims, partners, keys) in incs.items())

    def measures(self, person_id: str, decision: _dt.date, window: int) -> tuple[dict, dict]:
        incs = self.by_person.get(person_id, [])
        lo, d, hi = (decision - _dt.timedelta(days=window)).isoformat(), decision.isoformat(), \
            (decision + _dt.timedelta(days=window)).isoformat()
        before = [x for x in incs if lo <= x[0] < d]
        after = [x for x in incs if d < x[0] <= hi]
        known_partners = set().union(*(x[3] for x in incs if x[0] < d)) if incs else set()
        earlier_partners = set().union(*(x[3] for x in incs if x[0] < lo)) if incs else set()
        seen_before_window = set(earlier_partners)
        new_before = set()
        for x in before:
            new_before |= x[3] - seen_before_window
            seen_before_window |= x[3]

        def figures(rows, new_partners):
            return {"incidents": len(rows), "victims": len(set().union(*(x[2] for x in rows))) if rows else 0,
                    "harm": sum(x[4] for x in rows), "new_partners": len(new_partners)}

        b = figures(before, new_before)
        a = figures(after, set().union(*(x[3] for x in after)) - known_partners if after else set())
        first_after = min((_dt.date.fromisoformat(x[0]) for x in after), default=None)
        last_before = max((_dt.date.fromisoformat(x[0]) for x in before), default=None)
        a["days_to_first"] = (first_after - decision).days if first_after else window
        b["days_to_first"] = (decision - last_before).days if last_before else window
        return b, a


def _band(score: float, width: float) -> int:
    return int(score // width) if width > 0 else 0


def _match(store: Store, cfg: Settings, as_of: _dt.date):
    """Adopted units, their comparisons (None when unmatched), from the snapshots."""
    spans = _intervals(store)
    win = _dt.timedelta(days=cfg.window_days)
    by_snapshot: dict[int, list[tuple[str, _dt.date]]] = {}
    unmatched: list[str] = []
    for pid, date, meeting_id in _adoptions(store):
        d = _dt.date.fromisoformat(date)
        if d > as_of:
            continue
        sid = _snapshot_for(store, meeting_id, date)
        if sid is None:
            unmatched.append(pid)
            continue
        by_snapshot.setdefault(sid, []).append((pid, d))
    used: set[str] = set()
    matched: list[tuple[Unit, Unit | None, bool, bool]] = []
    for sid in sorted(by_snapshot):
        rows = {pid: (score, bool(serial), division, inc, vic) for pid, score, serial, division, inc, vic in
                store.conn.execute(
                    "SELECT s.person_id, s.score, s.serial, s.division, s.incidents, s.victims"
                    " FROM snapshot_scores s JOIN persons p ON p.id = s.person_id"
                    " WHERE s.snapshot_id = ? AND p.merged_into IS NULL", [sid])}
        adopted = [(pid, d) for pid, d in by_snapshot[sid] if pid in rows]
        unmatched += [pid for pid, _ in by_snapshot[sid] if pid not in rows]
        if not adopted:
            continue
        threshold = min(rows[pid][0] for pid, _ in adopted)
        adopted_ids = {pid for pid, _ in adopted}
        # Highest scorers first: they have the fewest near neighbours.
        for pid, d in sorted(adopted, key=lambda a: (-rows[a[0]][0], a[0])):
            score, serial, division, inc, vic = rows[pid]
            unit = Unit(pid, d.isoformat(), sid, score, serial, division, inc, vic)
            best, best_key = None, None
            for cid, (cs, cserial, cdiv, cinc, cvic) in rows.items():
                if cid in adopted_ids or cid in used or cserial != serial or cs < threshold - cfg.distance:
                    continue
                if abs(cs - score) > cfg.distance:
                    continue
                if _adopted_between(spans.get(cid, []), d - win, d + win):
                    continue
                key = (cdiv != division, _band(cs, cfg.band) != _band(score, cfg.band), abs(cs - score), cid)
                if best_key is None or key < best_key:
                    best, best_key = (cid, cs, cserial, cdiv, cinc, cvic), key
            if best is None:
                unmatched.append(pid)
                continue
            used.add(best[0])
            comp = Unit(best[0], d.isoformat(), sid, best[1], best[2], best[3], best[4], best[5])
            matched.append((unit, comp, not best_key[0], not best_key[1]))
    return matched, unmatched


# ----------------------------------------------------------------- estimate

def _pct(before: float, after: float) -> float | None:
    return None if before == 0 else 100.0 * (after - before) / before


def _did(pairs: list[tuple[dict, dict, dict, dict]], measure: str) -> float | None:
    ab = sum(p[0][measure] for p in pairs)
    aa = sum(p[1][measure] for p in pairs)
    cb = sum(p[2][measure] for p in pairs)
    ca = sum(p[3][measure] for p in pairs)
    if measure == "days_to_first":
        n = len(pairs) or 1
        return (aa - ca) / n
    a, c = _pct(ab, aa), _pct(cb, ca)
    return None if a is None or c is None else a - c


def _interval(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    values = sorted(values)
    lo = values[int(0.025 * (len(values) - 1))]
    hi = values[int(round(0.975 * (len(values) - 1)))]
    return round(lo, 1), round(hi, 1)


def _estimate(pairs: list[tuple[dict, dict, dict, dict]], measure: str, rng: random.Random) -> Estimate:
    n = len(pairs)
    ab = float(sum(p[0][measure] for p in pairs))
    aa = float(sum(p[1][measure] for p in pairs))
    cb = float(sum(p[2][measure] for p in pairs))
    ca = float(sum(p[3][measure] for p in pairs))
    if measure == "days_to_first":
        # No "before" to compare with: the mean days to the first incident after, per group, and their gap.
        ab = cb = None
        aa, ca = (round(aa / n, 1), round(ca / n, 1)) if n else (0.0, 0.0)
        a_change = c_change = None
    else:
        a_change, c_change = _pct(ab, aa), _pct(cb, ca)
    diff = _did(pairs, measure) if n else None
    boots = []
    if n >= 2 and diff is not None:
        for _ in range(BOOTSTRAP_RESAMPLES):
            sample = [pairs[rng.randrange(n)] for _ in range(n)]
            v = _did(sample, measure)
            if v is not None:
                boots.append(v)
    low, high = _interval(boots)
    r = (lambda v: None if v is None else round(v, 1))
    return Estimate(measure, n, ab, aa, cb, ca, r(a_change), r(c_change), r(diff), low, high)


def _balance(group: str, units: list[Unit]) -> Balance:
    n = len(units)

    def mean(vals):
        vals = list(vals)
        return round(sum(vals) / len(vals), 2) if vals else None

    return Balance(group, n, mean(u.score for u in units), mean(u.incidents_at_entry for u in units),
                   mean(u.victims_at_entry for u in units), mean(1.0 if u.serial else 0.0 for u in units))


def evaluate(store: Store, as_of: _dt.date | str | None = None, *, window_days: int | None = None,
             distance: float | None = None) -> Evaluation:
    """Adopted subjects against their matched comparison group, per measure.

    Parameters
    ----------
    as_of : date or ISO string, optional
        The day asked about (default today): only pairs whose after-window
        has ended by then are measured.
    window_days, distance : optional
        Override the store's settings (:func:`settings`).

    Notes
    -----
    Cost: one read of the adoptions and of each adoption meeting's ranking,
    one read of the involvements of the persons paired, and
    ``BOOTSTRAP_RESAMPLES`` resamples of the pairs per measure.
    """
    day = _day(as_of)
    cfg = settings(store)
    cfg = Settings(window_days if window_days is not None else cfg.window_days,
                   distance if distance is not None else cfg.distance, cfg.band)
    matched, unmatched = _match(store, cfg, day)
    ripe = [m for m in matched
            if _dt.date.fromisoformat(m[0].decision_date) + _dt.timedelta(days=cfg.window_days) <= day]
    incidents = _Incidents(store, {m[0].person_id for m in ripe} | {m[1].person_id for m in ripe})
    pairs: list[Pair] = []
    measured = []
    for unit, comp, same_div, same_band in ripe:
        d = _dt.date.fromisoformat(unit.decision_date)
        ab, aa = incidents.measures(unit.person_id, d, cfg.window_days)
        cb, ca = incidents.measures(comp.person_id, d, cfg.window_days)
        pairs.append(Pair(Unit(**{**unit.__dict__, "before": ab, "after": aa}),
                          Unit(**{**comp.__dict__, "before": cb, "after": ca}), same_div, same_band))
        measured.append((ab, aa, cb, ca))
    rng = random.Random(SEED)
    estimates = {m: _estimate(measured, m, rng) for m in MEASURES}
    naive = _pct(sum(p[0]["incidents"] for p in measured), sum(p[1]["incidents"] for p in measured)) \
        if measured else None
    balance = [_balance("adopted", [p.adopted for p in pairs]), _balance("comparison", [p.comparison for p in pairs])]
    return Evaluation(day.isoformat(), cfg.window_days, cfg.distance, len(matched) + len(unmatched), pairs,
                      sorted(set(unmatched)), len(matched) - len(ripe), balance, estimates,
                      None if naive is None else round(naive, 1))


def _months(days: int) -> str:
    months = round(days * 12 / 365)
    if abs(months * 365 / 12 - days) <= 2:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{days} days"


def _moved(change: float) -> str:
    if change < 0:
        return f"fell by {abs(change):.0f}%"
    if change > 0:
        return f"rose by {change:.0f}%"
    return "did not change"


def describe(e: Estimate | None, window_days: int, measure: str = "incidents") -> str:
    """A plain-words sentence for one estimate (see :meth:`Evaluation.sentence`)."""
    what = MEASURE_LABELS.get(measure, measure)
    if e is None or e.n_pairs == 0:
        return (f"No adopted subject has a matched comparison with {_months(window_days)} of follow-up yet, "
                "so there is nothing to compare.")
    pairs = f"{e.n_pairs} matched pair{'s' if e.n_pairs != 1 else ''}"
    if measure == "days_to_first":
        text = (f"Over {_months(window_days)}, the adopted group's first incident after the decision came after "
                f"{e.adopted_after:.0f} days on average and the comparison group's after {e.comparison_after:.0f} "
                f"(no incident counts as {window_days})")
        if e.difference is not None and e.low is not None:
            text += f"; the difference, {e.difference:+.0f} days (95% interval {e.low:+.0f} to {e.high:+.0f})"
        text += f", from {pairs}."
    elif e.adopted_change is None or e.comparison_change is None:
        return (f"Over {_months(window_days)}, {pairs}: one group had no {what} before the decision, so no "
                "change in per cent can be given.")
    else:
        text = (f"Over {_months(window_days)} the adopted group's {what} {_moved(e.adopted_change)} and the "
                f"comparison group's {_moved(e.comparison_change)}")
        if e.low is not None:
            gap = abs(e.difference)
            direction = "further fall" if e.difference < 0 else ("smaller fall or rise" if e.difference > 0 else "difference")
            text += (f"; the difference, {gap:.0f} point{'s' if round(gap) != 1 else ''} "
                     f"({direction}; 95% interval {e.low:+.0f} to {e.high:+.0f})")
            if e.covers_zero:
                text += ", includes no difference at all, so this does not show that MATAC made one"
            elif e.difference < 0:
                text += ", is what MATAC may have added"
            else:
                text += ", suggests the adopted group did worse than the comparison"
        text += f" ({pairs})."
    if e.n_pairs < MIN_PAIRS_TO_CONCLUDE:
        text += (f" With fewer than {MIN_PAIRS_TO_CONCLUDE} pairs the numbers are too small to conclude anything; "
                 "the interval shows how wide the uncertainty is.")
    return text


# ------------------------------------------------------------------ tactics

def tactic_effects(store: Store, as_of: _dt.date | str | None = None, *,
                   evaluation: Evaluation | None = None) -> list[TacticEffect]:
    """Per tactic and per category: the harm change of the subjects who had it, each against his comparison.

    A subject "had" a tactic when it was agreed from his decision day to the
    end of his after-window. Each value is (his after - before harm) minus
    (his comparison's after - before harm); the mean over the subjects, with
    a bootstrap 95% interval. Listed by category and name, never ranked.
    """
    ev = evaluation or evaluate(store, as_of)
    if not ev.pairs:
        return []
    window = _dt.timedelta(days=ev.window_days)
    rows = store.conn.execute(
        "SELECT st.person_id, st.agreed_on, t.name, t.category FROM subject_tactics st"
        " JOIN toolkit t ON t.id = st.tactic_id").fetchall()
    had: dict[str, list[tuple[str, str, str]]] = {}
    for pid, agreed, name, category in rows:
        had.setdefault(pid, []).append((agreed, name, category))
    groups: dict[tuple[str, str], dict[str, float]] = {}
    for p in ev.pairs:
        d = _dt.date.fromisoformat(p.adopted.decision_date)
        value = (p.adopted.after["harm"] - p.adopted.before["harm"]) - \
            (p.comparison.after["harm"] - p.comparison.before["harm"])
        for agreed, name, category in had.get(p.adopted.person_id, []):
            if d.isoformat() <= agreed <= (d + window).isoformat():
                key = (p.adopted.person_id, p.adopted.decision_date)
                groups.setdefault((category, name), {})[key] = value
                groups.setdefault((category, f"all {category}"), {})[key] = value
    rng = random.Random(SEED)
    out = []
    for (category, name), per_subject in sorted(groups.items()):
        values = list(per_subject.values())
        n = len(values)
        mean = sum(values) / n
        boots = [sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(BOOTSTRAP_RESAMPLES)] \
            if n >= 2 else []
        low, high = _interval(boots)
        out.append(TacticEffect(name, category, n, round(mean, 1), low, high))
    return out

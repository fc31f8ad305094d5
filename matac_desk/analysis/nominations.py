"""Score snapshots, partner referrals and nominations for the cohort.

- **Snapshots** save every scored perpetrator's score, parts and rank as of
  a date, with the configuration version that produced them: per meeting
  (``meeting_id``) and on demand. A saved snapshot never changes, whatever
  happens to the configuration afterwards; :func:`score_history` and
  :func:`trend` read a subject's score at entry, at every meeting and at
  exit from them.
- **Referrals**: any agency can refer a person (agency, referrer, date,
  reason). An open referral is scored like everyone else and always appears
  among the nominations until a meeting decides on it
  (:func:`decide_referral`).
- **Nominations**: the serial perpetrators with the highest scores who are
  not in the cohort (a person is in the cohort when his latest
  ``cohort_events`` row is ``adopted``), top N and optionally one division,
  plus every open referral.

Persons are resolved to their root record (``persons.merged_into``) as
scoring does.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import dataclass
from typing import Callable

from ..storage import audit
from ..domain import UserError, never_cancelled, no_progress
from .scoring import (
    PersonScore,
    as_of_date,
    ensure_active_config,
    person_names,
    resolve_person,
    root_map,
    score_all,
)

__all__ = [
    "Snapshot",
    "HistoryPoint",
    "Trend",
    "Referral",
    "Nomination",
    "REFERRAL_DECISIONS",
    "take_snapshot",
    "list_snapshots",
    "get_snapshot",
    "snapshot_scores",
    "score_history",
    "trend",
    "refer",
    "referrals",
    "decide_referral",
    "cohort_ids",
    "nominations",
    "Change",
    "changes",
    "change",
]

REFERRAL_DECISIONS = ("adopted", "not adopted", "withdrawn")
_MAX_TEXT = 2000


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _text(value: str | None, what: str, *, required: bool, limit: int = _MAX_TEXT) -> str | None:
    text = " ".join((value or "").split())
    if required and not text:
        raise UserError(f"{what} is required")
    if len(text) > limit:
        raise UserError(f"{what} is longer than {limit} characters")
    return text or None


def _check_meeting(store, meeting_id: int | None) -> None:
    if meeting_id is not None and store.scalar("SELECT 1 FROM meetings WHERE id = ?", [meeting_id]) is None:
        raise UserError(f"no meeting with id {meeting_id}")


# --------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """A saved ranking: ``persons`` scores as of ``as_of`` under configuration ``config_version``."""

    id: int
    as_of: str
    taken_at: str
    taken_by: str
    label: str | None
    meeting_id: int | None
    config_version: int
    persons: int


_SNAPSHOT_COLS = "id, as_of, taken_at, taken_by, label, meeting_id, config_version, persons"


def take_snapshot(
    store,
    as_of: _dt.date | str | None = None,
    label: str | None = None,
    meeting_id: int | None = None,
    *,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> Snapshot:
    """Score everyone with the active configuration and save the ranking.

    Parameters
    ----------
    as_of : date or ISO string, optional
        Default today.
    label : str, optional
        For the coordinator ("June MATAC", "exit review").
    meeting_id : int, optional
        The meeting the snapshot belongs to; must exist.

    Returns
    -------
    Snapshot

    Notes
    -----
    One transaction: the configuration (saved as version 1 when none is
    saved yet), the snapshot, its scores and the audit entry go in together.
    Cost: one :func:`~matac_desk.analysis.scoring.score_all` plus one insert per
    scored person.
    """
    a = as_of_date(as_of)
    label = _text(label, "the snapshot label", required=False, limit=200)
    _check_meeting(store, meeting_id)
    with store.transaction():
        stored = ensure_active_config(store)
        scores = score_all(store, a, stored.config, version=stored.version, progress=progress, cancelled=cancelled)
        taken_at, actor = _now(), audit.current_actor()
        sid = store.conn.execute(
            "INSERT INTO score_snapshots (config_version, as_of, taken_at, taken_by, label, meeting_id, persons)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [stored.version, a.isoformat(), taken_at, actor, label, meeting_id, len(scores)]).lastrowid
        store.conn.executemany(
            "INSERT INTO snapshot_scores (snapshot_id, person_id, rank, score, r, f, g, v, incidents, victims,"
            " latest_incident, serial, division) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((sid, s.perpetrator_id, s.rank, s.score, s.r, s.f, s.g, s.v, s.incidents, s.victims,
              s.latest_incident, int(s.serial), s.division) for s in scores))
        store.audit("score.snapshot", entity="score_snapshot", entity_id=str(sid),
                    detail={"as_of": a.isoformat(), "config_version": stored.version, "persons": len(scores),
                            "meeting_id": meeting_id})
    return Snapshot(sid, a.isoformat(), taken_at, actor, label, meeting_id, stored.version, len(scores))


def list_snapshots(store, *, meeting_id: int | None = None, superseded: bool = False) -> list[Snapshot]:
    """Saved snapshots, oldest first (only one meeting's with ``meeting_id``).

    A snapshot of a meeting that was reopened is superseded (its label says
    so) and left out, so that it counts in no trend, unless ``superseded``.
    """
    keep = "" if superseded else " AND superseded_at IS NULL"
    if meeting_id is None:
        rows = store.conn.execute(f"SELECT {_SNAPSHOT_COLS} FROM score_snapshots WHERE 1{keep} ORDER BY as_of, id")
    else:
        rows = store.conn.execute(f"SELECT {_SNAPSHOT_COLS} FROM score_snapshots WHERE meeting_id = ?{keep}"
                                  " ORDER BY as_of, id", [meeting_id])
    return [Snapshot(*r) for r in rows]


def get_snapshot(store, snapshot_id: int) -> Snapshot:
    row = store.conn.execute(f"SELECT {_SNAPSHOT_COLS} FROM score_snapshots WHERE id = ?", [snapshot_id]).fetchone()
    if row is None:
        raise UserError(f"no score snapshot with id {snapshot_id}")
    return Snapshot(*row)


def _score_from_row(row, version: int) -> PersonScore:
    pid, rank, score, r, f, g, v, inc, vic, latest, serial, division = row
    score = int(score) if float(score).is_integer() else score
    return PersonScore(pid, score, r, f, g, v, inc, vic, latest, bool(serial), division, rank, version)


_SCORE_COLS = "person_id, rank, score, r, f, g, v, incidents, victims, latest_incident, serial, division"


def snapshot_scores(store, snapshot_id: int, *, top: int | None = None) -> list[PersonScore]:
    """The ranking a snapshot saved, exactly as it was saved (rank 1 first)."""
    snap = get_snapshot(store, snapshot_id)
    sql = f"SELECT {_SCORE_COLS} FROM snapshot_scores WHERE snapshot_id = ? ORDER BY rank"
    params: list = [snapshot_id]
    if top is not None:
        sql += " LIMIT ?"
        params.append(top)
    return [_score_from_row(r, snap.config_version) for r in store.conn.execute(sql, params)]


@dataclass(frozen=True)
class HistoryPoint:
    """A person in one snapshot; ``score`` None when he was not scored then (nothing in the window)."""

    snapshot: Snapshot
    score: PersonScore | None

    @property
    def points(self) -> int | float:
        """The score, 0 when he was not scored."""
        return self.score.score if self.score else 0


def score_history(store, person_id: str) -> list[HistoryPoint]:
    """The person's score in every snapshot from the first that scored him, oldest first.

    Rows saved under any of his merged records count as his; when two of
    his records were scored in the same snapshot (before the merge), the
    better ranked is shown.
    """
    roots = root_map(store)
    root = resolve_person(store, person_id, roots)
    members = sorted({root} | {k for k, v in roots.items() if v == root})
    q = ",".join("?" * len(members))
    found: dict[int, tuple] = {}
    for row in store.conn.execute(f"SELECT snapshot_id, {_SCORE_COLS} FROM snapshot_scores"
                                  f" WHERE person_id IN ({q}) ORDER BY rank DESC", members):
        found[row[0]] = row[1:]
    snaps = list_snapshots(store)
    out: list[HistoryPoint] = []
    for snap in snaps:
        row = found.get(snap.id)
        if row is None and not out:
            continue
        out.append(HistoryPoint(snap, _score_from_row(row, snap.config_version) if row else None))
    return out


@dataclass(frozen=True)
class Trend:
    """The change between two snapshots of one person: ``change`` is current minus previous points."""

    person_id: str
    current: HistoryPoint | None
    previous: HistoryPoint | None
    change: int | float | None

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``same``, ``new`` (no earlier snapshot) or ``none`` (no snapshot)."""
        if self.current is None:
            return "none"
        if self.previous is None or self.change is None:
            return "new"
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


def trend(store, person_id: str, *, snapshot_id: int | None = None, meetings_only: bool = False) -> Trend:
    """The person's trend: his score in a snapshot (default the latest) against the one before it.

    With ``meetings_only`` only snapshots taken for a meeting count ("since
    the last meeting"). A snapshot that did not score him counts as 0 points.
    """
    root = resolve_person(store, person_id)
    points = [p for p in score_history(store, root) if not meetings_only or p.snapshot.meeting_id is not None]
    if snapshot_id is not None:
        get_snapshot(store, snapshot_id)
        idx = next((i for i, p in enumerate(points) if p.snapshot.id == snapshot_id), None)
        if idx is None:
            return Trend(root, None, None, None)
        points = points[:idx + 1]
    if not points:
        return Trend(root, None, None, None)
    current = points[-1]
    previous = points[-2] if len(points) > 1 else None
    change = None
    if previous is not None:
        change = current.points - previous.points
        if isinstance(change, float) and change.is_integer():
            change = int(change)
    return Trend(root, current, previous, change)


# --------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Referral:
    """A partner agency's referral of a person for MATAC."""

    id: int
    person_id: str
    agency: str
    referrer: str | None
    date: str
    reason: str
    status: str
    decided_meeting_id: int | None


_REFERRAL_COLS = "id, person_id, agency, referrer, date, reason, status, decided_meeting_id"


def refer(store, person_id: str, agency: str, referrer: str | None, reason: str,
          date: _dt.date | str | None = None) -> Referral:
    """Record a referral; it stays open (and among the nominations) until a meeting decides on it.

    The person must be held (a merged record is referred as its root). The
    date defaults to today and cannot be in the future. Audited with the
    person's id; the referrer's name and the reason stay out of the log.
    """
    roots = root_map(store)
    root = resolve_person(store, person_id, roots)
    agency = _text(agency, "the referring agency", required=True, limit=200)
    referrer = _text(referrer, "the referrer", required=False, limit=200)
    reason = _text(reason, "the reason for the referral", required=True)
    day = as_of_date(date)
    if day > _dt.date.today():
        raise UserError(f"the referral date {day.isoformat()} is in the future")
    with store.transaction():
        rid = store.conn.execute(
            "INSERT INTO referrals (person_id, agency, referrer, date, reason) VALUES (?, ?, ?, ?, ?)",
            [root, agency, referrer, day.isoformat(), reason]).lastrowid
        store.audit("referral.created", entity="person", entity_id=root,
                    detail={"referral": rid, "agency": agency, "date": day.isoformat()})
    return Referral(rid, root, agency, referrer, day.isoformat(), reason, "open", None)


def referrals(store, *, status: str | None = "open", person_id: str | None = None) -> list[Referral]:
    """Referrals, oldest first: open ones by default, all with ``status=None``."""
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if person_id is not None:
        roots = root_map(store)
        root = resolve_person(store, person_id, roots)
        members = sorted({root} | {k for k, v in roots.items() if v == root})
        where.append(f"person_id IN ({','.join('?' * len(members))})")
        params.extend(members)
    sql = f"SELECT {_REFERRAL_COLS} FROM referrals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [Referral(*r) for r in store.conn.execute(sql + " ORDER BY date, id", params)]


def decide_referral(store, referral_id: int, decision: str, *, meeting_id: int | None = None) -> Referral:
    """Record a meeting's decision on an open referral (``adopted``, ``not adopted``, ``withdrawn``)."""
    if decision not in REFERRAL_DECISIONS:
        raise UserError(f"decision {decision!r}: one of {', '.join(REFERRAL_DECISIONS)}")
    row = store.conn.execute(f"SELECT {_REFERRAL_COLS} FROM referrals WHERE id = ?", [referral_id]).fetchone()
    if row is None:
        raise UserError(f"no referral with id {referral_id}")
    ref = Referral(*row)
    if ref.status != "open":
        raise UserError(f"referral {referral_id} was already decided ({ref.status})")
    _check_meeting(store, meeting_id)
    with store.transaction():
        store.conn.execute("UPDATE referrals SET status = ?, decided_meeting_id = ? WHERE id = ?",
                           [decision, meeting_id, referral_id])
        store.audit("referral.decided", entity="person", entity_id=ref.person_id,
                    detail={"referral": referral_id, "decision": decision, "meeting_id": meeting_id})
    return dataclasses.replace(ref, status=decision, decided_meeting_id=meeting_id)


# --------------------------------------------------------------------------
# Nominations
# --------------------------------------------------------------------------

def cohort_ids(store) -> set[str]:
    """Root ids of the persons in the cohort: their latest cohort event (by date, then id) is ``adopted``."""
    roots = root_map(store)
    rows = store.conn.execute(
        "SELECT person_id, event FROM cohort_events ORDER BY date, id").fetchall()
    latest: dict[str, str] = {}
    for pid, event in rows:
        latest[roots.get(pid, pid)] = event
    return {pid for pid, event in latest.items() if event == "adopted"}


@dataclass(frozen=True)
class Nomination:
    """A candidate for the cohort.

    ``reasons`` holds ``"score"`` (a top serial perpetrator not in the
    cohort) and/or ``"referral"`` (an open partner referral). ``score`` is
    None for a referred person with no incident in the window.
    """

    person_id: str
    name: str
    score: PersonScore | None
    reasons: tuple[str, ...]
    referrals: tuple[Referral, ...]
    in_cohort: bool

    @property
    def division(self) -> str | None:
        return self.score.division if self.score else None


def nominations(
    store,
    as_of: _dt.date | str | None = None,
    top_n: int = 20,
    division: str | None = None,
    *,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> list[Nomination]:
    """The nominations for the next meeting.

    Parameters
    ----------
    top_n : int
        How many top-scoring serial perpetrators outside the cohort to list.
    division : str, optional
        Only perpetrators whose latest incident was in this division
        (case-insensitive). Referred persons from another division are left
        out too; a referred person with no incident in the window has no
        division and is always listed.

    Returns
    -------
    list of Nomination
        By rank; referred persons without a score last, oldest referral first.

    Notes
    -----
    One :func:`~matac_desk.analysis.scoring.score_all` with the active configuration.
    """
    if top_n < 0:
        raise UserError("the number of nominations cannot be negative")
    want = division.strip().casefold() if division and division.strip() else None
    scores = score_all(store, as_of, progress=progress, cancelled=cancelled)
    cohort = cohort_ids(store)
    by_id = {s.perpetrator_id: s for s in scores}
    roots = root_map(store)
    open_refs: dict[str, list[Referral]] = {}
    for ref in referrals(store, status="open"):
        open_refs.setdefault(roots.get(ref.person_id, ref.person_id), []).append(ref)

    def in_division(s: PersonScore | None) -> bool:
        return want is None or s is None or (s.division or "").casefold() == want

    chosen: list[str] = []
    for s in scores:
        if len(chosen) >= top_n:
            break
        if s.serial and s.perpetrator_id not in cohort and in_division(s) and (want is None or s.division):
            chosen.append(s.perpetrator_id)
    top = set(chosen)
    for pid in open_refs:
        if pid not in top and in_division(by_id.get(pid)):
            chosen.append(pid)
    names = person_names(store, chosen)
    out = []
    for pid in chosen:
        reasons = tuple(r for r, yes in (("score", pid in top), ("referral", pid in open_refs)) if yes)
        out.append(Nomination(pid, names.get(pid, "(name not recorded)"), by_id.get(pid), reasons,
                              tuple(open_refs.get(pid, ())), pid in cohort))
    out.sort(key=lambda n: (n.score is None, n.score.rank if n.score else 0,
                            n.referrals[0].date if n.referrals else "", n.person_id))
    return out


# --------------------------------------------------------------------------
# The change figure
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A score shown on a date against the latest snapshot strictly before that date: the one change figure.

    ``value`` is the score shown minus the score at that snapshot (a
    snapshot that did not score him counts 0 points once an earlier one
    had); None when no snapshot before the date scored him, or there is
    none. ``since`` is that snapshot's date. Every screen, the agenda, the
    pack and the profile print this and nothing else ("▲ +3 since 10 Nov").
    """

    person_id: str
    shown: int | float | None
    as_of: str
    value: int | float | None
    since: str | None
    snapshot_id: int | None = None

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``same`` or ``none`` (nothing to compare with)."""
        if self.value is None:
            return "none"
        return "up" if self.value > 0 else "down" if self.value < 0 else "same"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "=", "none": ""}[self.direction]

    @property
    def since_text(self) -> str:
        """The snapshot's date, short: "10 Nov" (with the year when it is not the year shown)."""
        if self.since is None:
            return ""
        d = _dt.date.fromisoformat(self.since)
        return f"{d.day} {d:%b}" + ("" if d.year == _dt.date.fromisoformat(self.as_of).year else f" {d.year}")

    @property
    def number(self) -> str:
        """The value signed ("+3", "−2", "0"), with a true minus sign; "" when there is none."""
        if self.value is None:
            return ""
        v = _plain(self.value)
        return "0" if v == 0 else (f"+{v:g}" if v > 0 else f"−{-v:g}")

    def text(self) -> str:
        """"▲ +3 since 10 Nov", "= 0 since 10 Nov", or "no earlier snapshot"."""
        if self.value is None:
            return "no earlier snapshot" if self.since is None else f"not scored on {self.since_text}"
        return f"{self.arrow} {self.number} since {self.since_text}"


def _plain(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


def changes(store, shown: dict[str, int | float | None], as_of: _dt.date | str) -> dict[str, Change]:
    """The :class:`Change` of each person's score ``shown[pid]`` (None = not scored: 0 points) on ``as_of``.

    Against the latest snapshot taken as of a date strictly before ``as_of``
    (by date, then id). Persons are read with their merged records, as
    :func:`score_history` reads them. ``value`` is None when no snapshot up to
    that one scored him (``since`` then says which snapshot he was missing from).

    Notes
    -----
    Two queries whatever the number of persons.
    """
    day = as_of_date(as_of).isoformat()
    snap = store.conn.execute("SELECT id, as_of FROM score_snapshots WHERE as_of < ? ORDER BY as_of DESC, id DESC"
                              " LIMIT 1", [day]).fetchone()
    if snap is None:
        return {pid: Change(pid, _plain(s), day, None, None) for pid, s in shown.items()}
    sid, since = snap
    roots = root_map(store)
    wanted = {roots.get(pid, pid) for pid in shown}
    members = {r: r for r in wanted} | {k: v for k, v in roots.items() if v in wanted}
    ids = json.dumps(sorted(members))
    at: dict[str, tuple[int, float]] = {}
    for pid, rank, score in store.conn.execute(
            "SELECT person_id, rank, score FROM snapshot_scores WHERE snapshot_id = ? AND person_id IN"
            " (SELECT value FROM json_each(?))", [sid, ids]):
        root = members[pid]
        if root not in at or rank < at[root][0]:
            at[root] = (rank, score)
    earlier = {members[pid] for (pid,) in store.conn.execute(
        "SELECT DISTINCT s.person_id FROM snapshot_scores s JOIN score_snapshots n ON n.id = s.snapshot_id"
        " WHERE (n.as_of < ? OR (n.as_of = ? AND n.id < ?)) AND s.person_id IN (SELECT value FROM json_each(?))",
        [since, since, sid, ids])}
    out = {}
    for pid, s in shown.items():
        root = roots.get(pid, pid)
        if root in at:
            before = at[root][1]
        elif root in earlier:
            before = 0
        else:
            out[pid] = Change(pid, _plain(s), day, None, since, sid)
            continue
        out[pid] = Change(pid, _plain(s), day, _plain((s or 0) - before), since, sid)
    return out


def change(store, person_id: str, shown: int | float | None, as_of: _dt.date | str) -> Change:
    """One person's :class:`Change` (see :func:`changes`)."""
    return changes(store, {person_id: shown}, as_of)[person_id]

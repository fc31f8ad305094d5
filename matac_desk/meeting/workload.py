"""Offender managers' workload, against the standard Surrey publishes.

An offender manager (OM) is *overloaded* when their caseload reaches the
case limit (default 50: the standard is *fewer than* 50) or when high-risk
cases reach the share limit (default 20%: the standard is *under* 20%).
Both limits are settings. Overloaded OMs are flagged and never suggested
for a new subject; the suggestion is the least-loaded OM in the subject's
division.

A caseload is the OM's cohort subjects plus the cases they manage outside
MATAC (recorded on the OM). A subject counts as high risk when the OM or
the meeting says so (``subjects.risk_level``), or, when nobody has said,
when he is managed at MAPPA level 2 or 3 or a victim of his was assessed
high risk on DASH in the last 365 days.

The inspectorate's recommendation: every MAPPA level 2 or 3 nominal is
allocated to a suitably trained police OM (the College of Policing MOSOVO
course). :func:`training_flags` lists every subject where that is not so.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .cohort import cohort_ids, require_person
from ..domain import Overloaded, UserError, display_name
from ..storage.store import Store

__all__ = ["DEFAULT_LIMITS", "Caseload", "limits", "set_limits", "add_om", "update_om", "offender_managers",
           "high_risk_ids", "caseloads", "division_caseloads", "suggest_om", "allocate", "training_flags"]

DEFAULT_LIMITS = {"max_cases": 50, "max_high_risk_share": 0.20}


@dataclass(frozen=True)
class Caseload:
    om_id: int
    name: str
    division: str
    cohort_cases: int
    other_cases: int
    cases: int
    high_risk: int
    high_risk_share: float
    over_cases: bool
    over_high_risk: bool
    mosovo_trained: bool
    mosovo_waiting: bool

    @property
    def overloaded(self) -> bool:
        return self.over_cases or self.over_high_risk


def limits(store: Store) -> dict:
    return DEFAULT_LIMITS | (store.get_setting("workload.limits") or {})


def set_limits(store: Store, *, max_cases: int | None = None, max_high_risk_share: float | None = None) -> dict:
    new = limits(store)
    if max_cases is not None:
        if max_cases < 1:
            raise UserError("the case limit must be 1 or more")
        new["max_cases"] = int(max_cases)
    if max_high_risk_share is not None:
        if not 0 < max_high_risk_share <= 1:
            raise UserError("the high-risk share limit is a fraction between 0 and 1 (0.2 for 20%)")
        new["max_high_risk_share"] = float(max_high_risk_share)
    store.set_setting("workload.limits", new)
    return new


def add_om(store: Store, name: str, division: str, *, mosovo_completed_on: str | None = None,
           mosovo_waiting: bool = False, other_cases: int = 0, other_high_risk: int = 0) -> int:
    name, division = name.strip(), division.strip()
    if not name:
        raise UserError("an offender manager needs a name")
    if other_high_risk > other_cases or other_cases < 0 or other_high_risk < 0:
        raise UserError("other cases must be 0 or more, and high-risk ones no more than all of them")
    if store.scalar("SELECT 1 FROM offender_managers WHERE name = ? AND division = ?", [name, division]):
        raise UserError(f"{name} is already an offender manager in {division or 'no division'}")
    with store.transaction():
        oid = store.conn.execute(
            "INSERT INTO offender_managers (name, division, mosovo_completed_on, mosovo_waiting, other_cases,"
            " other_high_risk) VALUES (?,?,?,?,?,?)",
            [name, division, mosovo_completed_on, int(mosovo_waiting), other_cases, other_high_risk]).lastrowid
        store.audit("om.added", entity="offender_manager", entity_id=str(oid))
    return oid


def update_om(store: Store, om_id: int, **fields) -> None:
    allowed = {"name", "division", "mosovo_completed_on", "mosovo_waiting", "other_cases", "other_high_risk", "active"}
    bad = set(fields) - allowed
    if bad:
        raise UserError(f"unknown offender-manager field(s): {', '.join(sorted(bad))}")
    if not store.scalar("SELECT 1 FROM offender_managers WHERE id = ?", [om_id]):
        raise UserError(f"no offender manager {om_id}")
    if not fields:
        return
    with store.transaction():
        store.conn.execute(f"UPDATE offender_managers SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                           [int(v) if isinstance(v, bool) else v for v in fields.values()] + [om_id])
        store.audit("om.changed", entity="offender_manager", entity_id=str(om_id), detail={"fields": sorted(fields)})


def offender_managers(store: Store, division: str | None = None) -> list[dict]:
    sql = ("SELECT id, name, division, mosovo_completed_on, mosovo_waiting, other_cases, other_high_risk, active"
           " FROM offender_managers")
    params = []
    if division:
        sql += " WHERE lower(division) = lower(?)"
        params.append(division)
    keys = ("id", "name", "division", "mosovo_completed_on", "mosovo_waiting", "other_cases", "other_high_risk",
            "active")
    return [dict(zip(keys, r)) for r in store.conn.execute(sql + " ORDER BY division, name", params)]


def high_risk_ids(store: Store, ids: set[str], as_of: _dt.date | str | None = None) -> set[str]:
    """Which of these subjects count as high risk (see the module's rule)."""
    day = as_of.isoformat() if isinstance(as_of, _dt.date) else (as_of or _dt.date.today().isoformat())
    since = (_dt.date.fromisoformat(day) - _dt.timedelta(days=365)).isoformat()
    if not ids:
        return set()
    store.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _ids (id TEXT PRIMARY KEY)")
    store.conn.execute("DELETE FROM _ids")
    store.conn.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", [(i,) for i in ids])
    try:
        said = dict(store.conn.execute(
            "SELECT s.person_id, s.risk_level FROM subjects s JOIN _ids ON _ids.id = s.person_id"
            " WHERE s.risk_level IS NOT NULL"))
        mappa = {p for (p,) in store.conn.execute(
            "SELECT s.person_id FROM subjects s JOIN _ids ON _ids.id = s.person_id WHERE s.mappa_level >= 2")}
        dash = {p for (p,) in store.conn.execute(
            "SELECT DISTINCT coalesce(pp.merged_into, v.perpetrator_id) FROM involvements v"
            " JOIN incidents i ON i.ref = v.incident_ref JOIN persons pp ON pp.id = v.perpetrator_id"
            " JOIN _ids ON _ids.id = coalesce(pp.merged_into, v.perpetrator_id)"
            " WHERE v.dash_risk = 'high' AND i.date > ? AND i.date <= ?", [since, day])}
    finally:
        store.conn.execute("DELETE FROM _ids")
    out = set()
    for pid in ids:
        level = said.get(pid)
        if level is not None:
            if level == "high":
                out.add(pid)
        elif pid in mappa or pid in dash:
            out.add(pid)
    return out


def caseloads(store: Store, as_of: _dt.date | str | None = None) -> list[Caseload]:
    """Every active OM's caseload with the flags, most loaded first."""
    lim = limits(store)
    members = cohort_ids(store, as_of)
    alloc: dict[int, set[str]] = {}
    for pid, om in store.conn.execute("SELECT person_id, om_id FROM subjects WHERE om_id IS NOT NULL"):
        if pid in members:
            alloc.setdefault(om, set()).add(pid)
    high = high_risk_ids(store, members, as_of)
    out = []
    for om in offender_managers(store):
        if not om["active"]:
            continue
        mine = alloc.get(om["id"], set())
        cases = len(mine) + om["other_cases"]
        hr = len(mine & high) + om["other_high_risk"]
        share = hr / cases if cases else 0.0
        out.append(Caseload(
            om["id"], om["name"], om["division"], len(mine), om["other_cases"], cases, hr, share,
            cases >= lim["max_cases"], cases > 0 and share >= lim["max_high_risk_share"] - 1e-12,
            bool(om["mosovo_completed_on"]), bool(om["mosovo_waiting"])))
    out.sort(key=lambda c: (-c.cases, -c.high_risk_share, c.name))
    return out


def division_caseloads(store: Store, as_of: _dt.date | str | None = None) -> list[dict]:
    per: dict[str, dict] = {}
    for c in caseloads(store, as_of):
        d = per.setdefault(c.division, {"division": c.division, "oms": 0, "cases": 0, "high_risk": 0,
                                        "overloaded_oms": 0})
        d["oms"] += 1
        d["cases"] += c.cases
        d["high_risk"] += c.high_risk
        d["overloaded_oms"] += c.overloaded
    for d in per.values():
        d["high_risk_share"] = d["high_risk"] / d["cases"] if d["cases"] else 0.0
        d["average_cases"] = d["cases"] / d["oms"] if d["oms"] else 0.0
    return sorted(per.values(), key=lambda d: d["division"])


def suggest_om(store: Store, division: str, as_of: _dt.date | str | None = None) -> Caseload | None:
    """The least-loaded OM in the division who is not overloaded (None when there is none)."""
    free = [c for c in caseloads(store, as_of) if c.division.casefold() == division.casefold() and not c.overloaded]
    free.sort(key=lambda c: (c.cases, c.high_risk_share, c.name))
    return free[0] if free else None


def allocate(store: Store, person_id: str, om_id: int, *, allow_overloaded: bool = False,
             as_of: _dt.date | str | None = None, reason: str | None = None) -> dict:
    """Give a subject to an OM; an overloaded OM is refused unless ``allow_overloaded``.

    A subject without a division takes the OM's. Returns what changed, as
    :func:`~matac_desk.meeting.cohort.set_subject_details` does.
    """
    from .cohort import set_subject_details
    pid = require_person(store, person_id)
    load = next((c for c in caseloads(store, as_of) if c.om_id == om_id), None)
    if load is None:
        raise UserError(f"no active offender manager {om_id}")
    if load.overloaded and not allow_overloaded:
        why = "cases" if load.over_cases else "high-risk share"
        raise Overloaded(f"{load.name} is overloaded ({load.cases} cases, {load.high_risk_share:.0%} high risk; "
                        f"limit exceeded: {why}); choose another offender manager")
    fields = {"om_id": om_id}
    if not store.scalar("SELECT division FROM subjects WHERE person_id = ?", [pid]):
        fields["division"] = load.division
    return set_subject_details(store, pid, reason=reason, **fields)


def training_flags(store: Store, as_of: _dt.date | str | None = None) -> list[dict]:
    """Cohort subjects at MAPPA level 2 or 3 whose OM has not completed MOSOVO training (or who have no OM)."""
    members = cohort_ids(store, as_of)
    out = []
    for pid, level, om_id, om_name, done, waiting, fn, sn in store.conn.execute(
            "SELECT s.person_id, s.mappa_level, s.om_id, om.name, om.mosovo_completed_on, om.mosovo_waiting,"
            " p.forename, p.surname FROM subjects s JOIN persons p ON p.id = s.person_id"
            " LEFT JOIN offender_managers om ON om.id = s.om_id WHERE s.mappa_level >= 2 ORDER BY s.person_id"):
        if pid not in members or done:
            continue
        problem = ("no offender manager allocated" if om_id is None else
                   "offender manager waiting for a MOSOVO place" if waiting else
                   "offender manager not MOSOVO trained")
        out.append({"person_id": pid, "name": display_name(fn, sn), "mappa_level": level, "om_id": om_id,
                    "om_name": om_name, "problem": problem})
    return out

"""Referral prompts between MATAC, MAPPA and MARAC, each recorded with its outcome.

* **MAPPA category 3**: consider a referral for a cohort subject with high
  harm who is not managed under MAPPA. Three signs of high harm are
  weighed: among the top scores (rank within ``mappa_top_n``, default 10),
  gravity 4 or more, and a victim assessed high risk on DASH in the last
  365 days; a prompt needs ``mappa_min_signs`` of them (default 2), so the
  meeting sees the few who stand out rather than everyone with an ABH.
* **MARAC**: consider a referral for a victim or new partner of a cohort
  subject at high DASH risk in the period, or a *repeat*: new abuse
  between the same pair within 12 months of a MARAC referral.

A prompt stops appearing once an outcome (referred or not referred) has
been recorded for the same forum, person and (for MARAC) perpetrator,
until a year has passed. Referrals *into* MATAC from MAPPA and MARAC are
partner referrals (:func:`matac_desk.analysis.nominations.refer`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .cohort import cohort_ids, require_person, subject_details
from ..domain import UserError, display_name
from ..storage.store import Store

__all__ = ["Prompt", "referral_prompts", "record_forum_referral", "forum_referrals", "DEFAULTS"]

DEFAULTS = {"mappa_top_n": 10, "mappa_min_gravity": 4, "mappa_min_signs": 2, "repeat_days": 365,
            "reprompt_days": 365}


@dataclass(frozen=True)
class Prompt:
    forum: str                 # 'MAPPA' or 'MARAC'
    person_id: str             # the subject (MAPPA) or the victim / new partner (MARAC)
    person_name: str
    related_person_id: str | None  # MARAC: the perpetrator
    reason: str


def _settings(store: Store) -> dict:
    return DEFAULTS | (store.get_setting("forums") or {})


def _recent_outcome(store: Store, forum: str, pid: str, related: str | None, day: str, reprompt: int) -> bool:
    since = (_dt.date.fromisoformat(day) - _dt.timedelta(days=reprompt)).isoformat()
    sql = ("SELECT 1 FROM forum_referrals WHERE forum = ? AND person_id = ? AND outcome <> 'pending'"
           " AND coalesce(outcome_on, prompted_on) > ?")
    params = [forum, pid, since]
    if related is not None:
        sql += " AND related_person_id IS ?"
        params.append(related)
    return bool(store.scalar(sql, params))


def referral_prompts(store: Store, as_of: _dt.date | str | None = None, *,
                     since: _dt.date | str | None = None) -> list[Prompt]:
    """Every MAPPA and MARAC referral the meeting should consider now."""
    from ..analysis import scoring
    day = (as_of if isinstance(as_of, str) else (as_of or _dt.date.today()).isoformat())
    start = since if isinstance(since, str) else (since or (_dt.date.fromisoformat(day) - _dt.timedelta(days=28))
                                                  ).isoformat()
    cfg = _settings(store)
    members = cohort_ids(store, day)
    year_ago = (_dt.date.fromisoformat(day) - _dt.timedelta(days=365)).isoformat()
    names = {pid: display_name(f, s) for pid, f, s in store.conn.execute("SELECT id, forename, surname FROM persons")}
    out: list[Prompt] = []

    ranked = {s.perpetrator_id: s for s in scoring.score_all(store, as_of=_dt.date.fromisoformat(day))}
    for pid in sorted(members):
        if subject_details(store, pid)["mappa_category"] is not None:
            continue
        s = ranked.get(pid)
        reasons = []
        if s is not None and s.rank is not None and s.rank <= cfg["mappa_top_n"]:
            reasons.append(f"ranked {s.rank} by score")
        if s is not None and s.g >= cfg["mappa_min_gravity"]:
            reasons.append(f"gravity {s.g}")
        if store.scalar(
                "SELECT 1 FROM involvements v JOIN incidents i ON i.ref = v.incident_ref JOIN persons p"
                " ON p.id = v.perpetrator_id WHERE coalesce(p.merged_into, p.id) = ? AND v.dash_risk = 'high'"
                " AND i.date > ? AND i.date <= ?", [pid, year_ago, day]):
            reasons.append("a victim at high DASH risk in the last year")
        if len(reasons) >= cfg["mappa_min_signs"] and not _recent_outcome(store, "MAPPA", pid, None, day,
                                                                          cfg["reprompt_days"]):
            out.append(Prompt("MAPPA", pid, names.get(pid, pid), None,
                              "consider a MAPPA category 3 referral: " + "; ".join(reasons)))

    # MARAC: high-risk victims of cohort subjects in the period, and repeats
    rows = store.conn.execute(
        "SELECT DISTINCT coalesce(pp.merged_into, pp.id), coalesce(pv.merged_into, pv.id), i.date, v.dash_risk"
        " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
        " JOIN persons pp ON pp.id = v.perpetrator_id JOIN persons pv ON pv.id = v.victim_id"
        " WHERE i.date > ? AND i.date <= ? ORDER BY i.date", [start, day]).fetchall()
    marac = {(p, v): d for p, v, d in store.conn.execute(
        "SELECT related_person_id, person_id, max(prompted_on) FROM forum_referrals WHERE forum = 'MARAC'"
        " AND outcome = 'referred' GROUP BY related_person_id, person_id")}
    seen = set()
    for perp, victim, date, dash in rows:
        if perp not in members or (perp, victim) in seen:
            continue
        reason = None
        referred = marac.get((perp, victim))
        if referred and referred < date and (_dt.date.fromisoformat(date) - _dt.date.fromisoformat(referred)).days \
                <= cfg["repeat_days"]:
            reason = f"repeat: new abuse on {date} within 12 months of the MARAC referral of {referred}"
        elif dash == "high":
            reason = f"high DASH risk on {date}"
        if reason and not (reason.startswith("high") and _recent_outcome(store, "MARAC", victim, perp, day,
                                                                          cfg["reprompt_days"])):
            seen.add((perp, victim))
            out.append(Prompt("MARAC", victim, names.get(victim, victim), perp, "consider a MARAC referral: " + reason))
    return out


def record_forum_referral(store: Store, forum: str, person_id: str, outcome: str, *, reason: str,
                          related_person_id: str | None = None, on: _dt.date | str | None = None,
                          notes: str | None = None) -> int:
    """Record what was done about a prompt: referred, or not referred (with the reason)."""
    if forum not in ("MAPPA", "MARAC"):
        raise UserError("forum must be MAPPA or MARAC")
    if outcome not in ("pending", "referred", "not referred"):
        raise UserError("outcome must be pending, referred or not referred")
    pid = require_person(store, person_id)
    rel = require_person(store, related_person_id) if related_person_id else None
    day = on if isinstance(on, str) else (on or _dt.date.today()).isoformat()
    with store.transaction():
        rid = store.conn.execute(
            "INSERT INTO forum_referrals (forum, person_id, related_person_id, reason, prompted_on, outcome,"
            " outcome_on, notes) VALUES (?,?,?,?,?,?,?,?)",
            [forum, pid, rel, reason, day, outcome, None if outcome == "pending" else day, notes]).lastrowid
        store.audit("forum.referral", entity="person", entity_id=pid, detail={"forum": forum, "outcome": outcome})
    return rid


def forum_referrals(store: Store, person_id: str | None = None) -> list[dict]:
    sql = "SELECT id, forum, person_id, related_person_id, reason, prompted_on, outcome, outcome_on FROM forum_referrals"
    params = []
    if person_id:
        sql += " WHERE person_id = ? OR related_person_id = ?"
        params = [person_id, person_id]
    keys = ("id", "forum", "person_id", "related_person_id", "reason", "prompted_on", "outcome", "outcome_on")
    return [dict(zip(keys, r)) for r in store.conn.execute(sql + " ORDER BY prompted_on, id", params)]

"""A subject's risk management plan: MAPPA's four pillars, the risk of serious harm and the next review.

The four pillars are supervision, monitoring and control, interventions and
treatment, and victim safety planning; each holds what is planned and the
agency that owns it. Beside them, the risk-of-serious-harm summary: who is
at risk, the nature of the harm and how soon it could happen. A plan has a
next review date; a review records the day it was reviewed and sets the next.

Versioned: every change writes a new row (``risk_plans``, ``version`` 1, 2,
…) holding the whole plan as it then stood and what changed; rows are never
updated, so each earlier version can be read back. Each change is audited
(``plan.changed``, with the pillar or field named, never the text).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from ..domain import UserError, display_name
from ..storage import audit
from ..storage.store import Store
from .checks import day, now, shown, text
from .cohort import cohort_ids, require_person

__all__ = ["PILLARS", "PILLAR_LABELS", "ROSH_FIELDS", "Plan", "plan", "history", "set_pillar", "set_rosh",
           "review", "restore", "due", "DUE_WITHIN_DAYS"]

PILLARS = ("supervision", "monitoring", "interventions", "victim_safety")
PILLAR_LABELS = {"supervision": "Supervision", "monitoring": "Monitoring and control",
                 "interventions": "Interventions and treatment", "victim_safety": "Victim safety planning"}
ROSH_FIELDS = ("rosh_who", "rosh_nature", "rosh_imminence")
ROSH_LABELS = {"rosh_who": "who is at risk", "rosh_nature": "nature of the risk", "rosh_imminence": "imminence"}
DUE_WITHIN_DAYS = 7      # a review due within this many days is listed as due
_FIELDS = tuple(f for p in PILLARS for f in (p, f"{p}_owner")) + ROSH_FIELDS + ("next_review", "reviewed_on")
_ALIASES = {"monitoring and control": "monitoring", "interventions and treatment": "interventions",
            "victim safety": "victim_safety", "victim safety planning": "victim_safety", "victim-safety": "victim_safety"}


@dataclass(frozen=True)
class Plan:
    """One version of a subject's plan (the latest is the plan in force)."""
    person_id: str
    version: int
    fields: dict
    change: str
    changed_at: str
    changed_by: str

    def __getitem__(self, key: str):
        return self.fields[key]

    def review_state(self, as_of: _dt.date | str | None = None) -> str:
        """``overdue``, ``due`` (within :data:`DUE_WITHIN_DAYS`), ``no review date`` or ``""``."""
        nxt = self.fields["next_review"]
        if not nxt:
            return "no review date"
        today = _dt.date.fromisoformat(day(as_of, "as of"))
        if nxt < today.isoformat():
            return "overdue"
        if nxt <= (today + _dt.timedelta(days=DUE_WITHIN_DAYS)).isoformat():
            return "due"
        return ""


_SELECT = f"SELECT person_id, version, {', '.join(_FIELDS)}, change, changed_at, changed_by FROM risk_plans"


def _row(r) -> Plan:
    n = len(_FIELDS)
    return Plan(r[0], r[1], dict(zip(_FIELDS, r[2:2 + n])), r[2 + n], r[3 + n], r[4 + n])


def plan(store: Store, person_id: str) -> Plan | None:
    """The subject's plan as it stands (its latest version), or None when none was written."""
    r = store.conn.execute(_SELECT + " WHERE person_id = ? ORDER BY version DESC LIMIT 1",
                           [require_person(store, person_id)]).fetchone()
    return _row(r) if r else None


def history(store: Store, person_id: str) -> list[Plan]:
    """Every version of the subject's plan, oldest first."""
    return [_row(r) for r in store.conn.execute(_SELECT + " WHERE person_id = ? ORDER BY version",
                                                [require_person(store, person_id)])]


def _pillar(name: str) -> str:
    key = " ".join((name or "").replace("_", " ").split()).casefold()
    key = _ALIASES.get(key, key.replace(" ", "_"))
    if key not in PILLARS:
        raise UserError(f"unknown pillar {shown(name)}; one of: {', '.join(PILLARS)}")
    return key


def _write(store: Store, pid: str, changes: dict, change: str, reason: str | None) -> Plan:
    current = plan(store, pid)
    fields = dict(current.fields) if current else {f: None for f in _FIELDS}
    if all(fields[k] == v for k, v in changes.items()):
        return current
    fields |= changes
    version = (current.version if current else 0) + 1
    with store.transaction():
        store.conn.execute(
            f"INSERT INTO risk_plans (person_id, version, {', '.join(_FIELDS)}, change, changed_at, changed_by)"
            f" VALUES (?, ?, {', '.join('?' * len(_FIELDS))}, ?, ?, ?)",
            [pid, version, *(fields[f] for f in _FIELDS), change, now(), audit.current_actor()])
        store.audit("plan.changed", entity="person", entity_id=pid,
                    detail={"version": version, "change": change, "fields": sorted(changes)}, reason=reason)
    return plan(store, pid)


def set_pillar(store: Store, person_id: str, pillar: str, text_: str, owner: str, *,
               reason: str | None = None) -> Plan:
    """Set one pillar's plan and its owner agency; returns the new version (the same when nothing changed)."""
    pid = require_person(store, person_id)
    key = _pillar(pillar)
    t = text(text_, f"the {PILLAR_LABELS[key].lower()} plan", required=True)
    o = text(owner, f"the owner of the {PILLAR_LABELS[key].lower()} plan (an agency)", required=True, limit=120)
    return _write(store, pid, {key: t, f"{key}_owner": o}, f"{key} set", reason)


def set_rosh(store: Store, person_id: str, *, who: str | None = None, nature: str | None = None,
             imminence: str | None = None, reason: str | None = None) -> Plan:
    """Set the risk-of-serious-harm summary (any of who is at risk, the nature, the imminence)."""
    pid = require_person(store, person_id)
    changes = {f: text(v, ROSH_LABELS[f], required=True) for f, v in
               (("rosh_who", who), ("rosh_nature", nature), ("rosh_imminence", imminence)) if v is not None}
    if not changes:
        raise UserError("say what to set: who is at risk, the nature or the imminence")
    return _write(store, pid, changes, "risk of serious harm set", reason)


def review(store: Store, person_id: str, next_review: _dt.date | str, *, on: _dt.date | str | None = None,
           reason: str | None = None) -> Plan:
    """Record a review held ``on`` (default today) and set the next; the next must be after the review."""
    pid = require_person(store, person_id)
    held = day(on, "the review date")
    nxt = day(next_review, "the next review date")
    today = _dt.date.today().isoformat()
    if held > today:
        raise UserError(f"the review date {held} is in the future")
    if nxt <= today:
        raise UserError(f"the next review date {nxt} is in the past (today is {today}): give a date to come")
    if nxt <= held:
        raise UserError(f"the next review date {nxt} is not after the review on {held}: a review date in the "
                        "past cannot be set")
    if plan(store, pid) is None:
        raise UserError(f"{pid} has no risk management plan yet: set a pillar first")
    return _write(store, pid, {"reviewed_on": held, "next_review": nxt}, "reviewed", reason)


def restore(store: Store, person_id: str, version: int, *, reason: str) -> Plan:
    """Write an earlier version's plan again as a new version (undoing what came after; nothing is lost)."""
    pid = require_person(store, person_id)
    why = text(reason, "the reason for going back to an earlier version", required=True)
    old = next((h for h in history(store, pid) if h.version == version), None)
    if old is None:
        raise UserError(f"{pid}'s plan has no version {version}")
    return _write(store, pid, dict(old.fields), f"version {version} restored", why)


def due(store: Store, as_of: _dt.date | str | None = None, *, within_days: int = DUE_WITHIN_DAYS) -> list[dict]:
    """The cohort's plans whose review is overdue or due within ``within_days``, and subjects with no plan.

    One row per subject: ``person_id, name, next_review, state`` (``overdue``,
    ``due``, ``no review date``, ``no plan``), the most pressing first.
    """
    d = day(as_of, "as of")
    limit = (_dt.date.fromisoformat(d) + _dt.timedelta(days=within_days)).isoformat()
    members = sorted(cohort_ids(store, d))
    latest = {r[0]: _row(r) for r in store.conn.execute(
        _SELECT + " p WHERE version = (SELECT max(version) FROM risk_plans q WHERE q.person_id = p.person_id)")}
    names = {pid: (fn, sn) for pid, fn, sn in store.conn.execute(
        f"SELECT id, forename, surname FROM persons WHERE id IN ({', '.join('?' * len(members))})", members)}
    out = []
    for pid in members:
        p = latest.get(pid)
        nxt = p["next_review"] if p else None
        if p is None:
            state = "no plan"
        elif not nxt:
            state = "no review date"
        elif nxt < d:
            state = "overdue"
        elif nxt <= limit:
            state = "due"
        else:
            continue
        out.append({"person_id": pid, "name": display_name(*names.get(pid, (None, None))), "next_review": nxt,
                    "state": state, "days_overdue": (_dt.date.fromisoformat(d) - _dt.date.fromisoformat(nxt)).days
                    if state == "overdue" else 0})
    rank = {"overdue": 0, "no plan": 1, "no review date": 2, "due": 3}
    out.sort(key=lambda r: (rank[r["state"]], r["next_review"] or "", r["person_id"]))
    return out

"""Clare's Law (the Domestic Violence Disclosure Scheme, DVDS): applications, their steps and the deadline clock.

An application has a route (right to ask: the partner or a third party
applies; right to know: the police act on information), the applicant's
relation to the subject, the person at risk (a person in the store, or a
name), the day the request was received, steps with their date and who took
them, and an outcome (disclosed, not disclosed, withdrawn) when it is closed.

The deadline clock: an application should be decided within
:data:`DEFAULT_DEADLINE_DAYS` days of the request, the time the DVDS
statutory guidance sets (Home Office, *Domestic Violence Disclosure Scheme
(DVDS) Statutory Guidance*, April 2023, updated 16 August 2023, issued
under s.77 Domestic Abuse Act 2021:
https://www.gov.uk/government/publications/domestic-violence-disclosure-scheme-pilot-guidance;
it shortened the 35 days of the 2016 guidance to 28). A force may set its
own (setting ``clares_law.deadline_days``); each application keeps the
deadline it was opened under, so a change of the setting never moves the
clock of one already running.

Closing an application with a decision also records it among the
subject's Clare's Law disclosures (:func:`matac_desk.meeting.cohort.record_disclosure`),
which the profile and the pack print. Every change is audited
(``clares_law.*``; a disclosure leaving the program is the ``disclosure.*``
family's business).
"""

from __future__ import annotations

import datetime as _dt

from ..domain import UserError, display_name
from ..storage.store import Store
from .checks import day, now, shown, text
from .cohort import record_disclosure, require_person

__all__ = ["ROUTES", "STEPS", "OUTCOMES", "DEFAULT_DEADLINE_DAYS", "SETTING", "DUE_WITHIN_DAYS",
           "deadline_days", "new_application", "add_step", "close", "application", "applications", "due",
           "steps", "right_to_know_prefill", "remove_step", "reopen"]

ROUTES = ("right to ask", "right to know")
STEPS = ("request received", "initial checks", "face-to-face meeting", "full checks", "decision forum",
         "disclosure delivered", "disclosure refused", "safety plan")
OUTCOMES = ("disclosed", "not disclosed", "withdrawn")
DEFAULT_DEADLINE_DAYS = 28      # DVDS statutory guidance (Home Office, April 2023): see the module's docstring
SETTING = "clares_law.deadline_days"
DUE_WITHIN_DAYS = 7             # "due this week"


def deadline_days(store: Store) -> int:
    """Days from the request to the decision, from the settings (default :data:`DEFAULT_DEADLINE_DAYS`)."""
    value = store.get_setting(SETTING)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_DEADLINE_DAYS


def _not_future(d: str, what: str) -> str:
    if d > _dt.date.today().isoformat():
        raise UserError(f"{what} {d} is in the future")
    return d


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    v = " ".join((value or "").replace("-", " ").split()).casefold()
    v = {"rta": "right to ask", "rtk": "right to know"}.get(v, v)
    v = {c.replace("-", " "): c for c in choices}.get(v, v)
    if v not in choices:
        raise UserError(f"unknown {what} {shown(value)}; one of: {', '.join(choices)}")
    return v


def new_application(store: Store, subject_id: str, route: str, applicant_relation: str, received_on, by_whom: str,
                    *, at_risk_id: str | None = None, at_risk_name: str | None = None,
                    note: str | None = None) -> int:
    """Open an application; its first step, "request received", is recorded with it. Returns its number."""
    sid = require_person(store, subject_id)
    r = _choice(route, ROUTES, "route")
    relation = text(applicant_relation, "the applicant's relation to the subject", required=True, limit=120)
    received = _not_future(day(received_on, "the day the request was received"), "the request date")
    who = text(by_whom, "who received the request", required=True, limit=120)
    if at_risk_id:
        at_risk_id = require_person(store, at_risk_id)
        if at_risk_id == sid:
            raise UserError("the person at risk cannot be the subject")
    name = text(at_risk_name, "the name of the person at risk", limit=120)
    if not (at_risk_id or name):
        raise UserError("say who is at risk: a person id in the store, or a name")
    with store.transaction():
        aid = store.conn.execute(
            "INSERT INTO dvds_applications (subject_id, route, applicant_relation, at_risk_id, at_risk_name,"
            " received_on, deadline_days, recorded_at) VALUES (?,?,?,?,?,?,?,?)",
            [sid, r, relation, at_risk_id, name, received, deadline_days(store), now()]).lastrowid
        store.conn.execute("INSERT INTO dvds_steps (application_id, step, date, by_whom, note, recorded_at)"
                           " VALUES (?, 'request received', ?, ?, ?, ?)", [aid, received, who, text(note, "the note"),
                                                                          now()])
        store.audit("clares_law.opened", entity="person", entity_id=sid,
                    detail={"application": aid, "route": r}, persons=[at_risk_id] if at_risk_id else [])
    return aid


_SQL = ("SELECT a.id, a.subject_id, s.forename, s.surname, a.route, a.applicant_relation, a.at_risk_id,"
        " r.forename, r.surname, a.at_risk_name, a.received_on, a.deadline_days, a.outcome, a.closed_on,"
        " a.disclosure_id, (SELECT step FROM dvds_steps WHERE application_id = a.id ORDER BY date DESC, id DESC"
        " LIMIT 1) FROM dvds_applications a JOIN persons s ON s.id = a.subject_id"
        " LEFT JOIN persons r ON r.id = a.at_risk_id")


def _row(r, today: str) -> dict:
    deadline = (_dt.date.fromisoformat(r[10]) + _dt.timedelta(days=r[11])).isoformat()
    closed = r[13]
    left = (_dt.date.fromisoformat(deadline) - _dt.date.fromisoformat(today)).days
    if closed:
        state = "closed late" if closed > deadline else "closed"
    elif left < 0:
        state = "overdue"
    elif left <= DUE_WITHIN_DAYS:
        state = "due this week"
    else:
        state = "open"
    return {"id": r[0], "subject_id": r[1], "subject_name": display_name(r[2], r[3]), "route": r[4],
            "applicant_relation": r[5], "at_risk_id": r[6],
            "at_risk_name": display_name(r[7], r[8]) if r[6] else r[9], "received_on": r[10],
            "deadline": deadline, "days_left": None if closed else left, "state": state, "outcome": r[12],
            "closed_on": closed, "disclosure_id": r[14], "last_step": r[15]}


def application(store: Store, application_id: int, *, as_of=None) -> dict:
    """One application as :func:`applications` lists it; a UserError when there is none."""
    r = store.conn.execute(_SQL + " WHERE a.id = ?", [application_id]).fetchone()
    if r is None:
        raise UserError(f"no Clare's Law application number {application_id}")
    return _row(r, day(as_of, "as of"))


def applications(store: Store, *, as_of=None, subject_id: str | None = None, open_only: bool = False) -> list[dict]:
    """Applications, the most pressing first (overdue, due this week, open by deadline, then closed)."""
    sql, args = _SQL, []
    if subject_id:
        sql += " WHERE a.subject_id = ?"
        args.append(require_person(store, subject_id))
    today = day(as_of, "as of")
    rows = [_row(r, today) for r in store.conn.execute(sql, args)]
    if open_only:
        rows = [r for r in rows if not r["closed_on"]]
    rank = {"overdue": 0, "due this week": 1, "open": 2, "closed late": 3, "closed": 3}
    rows.sort(key=lambda r: (rank[r["state"]], r["deadline"] if not r["closed_on"] else "~" + r["closed_on"], r["id"]))
    return rows


def due(store: Store, as_of=None) -> list[dict]:
    """Open applications past their deadline or due within :data:`DUE_WITHIN_DAYS` days (the Dashboard, the agenda)."""
    return [r for r in applications(store, as_of=as_of, open_only=True) if r["state"] in ("overdue", "due this week")]


def steps(store: Store, application_id: int) -> list[dict]:
    application(store, application_id)
    return [{"id": i, "step": s, "date": d, "by": b, "note": n} for i, s, d, b, n in store.conn.execute(
        "SELECT id, step, date, by_whom, note FROM dvds_steps WHERE application_id = ? ORDER BY date, id",
        [application_id])]


def add_step(store: Store, application_id: int, step: str, on, by_whom: str, *, note: str | None = None) -> int:
    """Record a step taken on a day by someone; refused before the request was received, or once closed."""
    a = application(store, application_id)
    s = _choice(step, STEPS, "step")
    if s == "request received":
        raise UserError("the request was received when the application was opened; record another step")
    d = _not_future(day(on, f"the date of the {s}"), f"the date of the {s}")
    if d < a["received_on"]:
        raise UserError(f"the {s} step on {d} is before the request was received ({a['received_on']})")
    if a["closed_on"] and s != "safety plan":
        raise UserError(f"application {application_id} was closed on {a['closed_on']}; only a safety plan can follow")
    who = text(by_whom, f"who did the {s}", required=True, limit=120)
    with store.transaction():
        sid = store.conn.execute("INSERT INTO dvds_steps (application_id, step, date, by_whom, note, recorded_at)"
                                 " VALUES (?,?,?,?,?,?)",
                                 [application_id, s, d, who, text(note, "the note"), now()]).lastrowid
        store.audit("clares_law.step", entity="person", entity_id=a["subject_id"],
                    detail={"application": application_id, "step": s})
    return sid


def close(store: Store, application_id: int, outcome: str, on, by_whom: str, *, note: str | None = None) -> dict:
    """Close with the outcome; a decision (disclosed or not) is kept among the subject's disclosures too."""
    a = application(store, application_id)
    if a["closed_on"]:
        raise UserError(f"application {application_id} was already closed on {a['closed_on']} ({a['outcome']})")
    o = _choice(outcome, OUTCOMES, "outcome")
    d = _not_future(day(on, "the closing date"), "the closing date")
    if d < a["received_on"]:
        raise UserError(f"the closing date {d} is before the request was received ({a['received_on']})")
    who = text(by_whom, "who closed the application", required=True, limit=120)
    with store.transaction():
        did = None
        if o != "withdrawn":
            did = record_disclosure(store, a["subject_id"], a["route"], d, disclosed_to_id=a["at_risk_id"],
                                    recipient_name=None if a["at_risk_id"] else a["at_risk_name"], decision=o,
                                    notes=f"Clare's Law application {application_id}")
            store.conn.execute("INSERT INTO dvds_steps (application_id, step, date, by_whom, note, recorded_at)"
                               " VALUES (?,?,?,?,?,?)", [application_id, "disclosure delivered" if o == "disclosed"
                                                         else "disclosure refused", d, who, text(note, "the note"),
                                                         now()])
        store.conn.execute("UPDATE dvds_applications SET outcome = ?, closed_on = ?, disclosure_id = ? WHERE id = ?",
                           [o, d, did, application_id])
        store.audit("clares_law.closed", entity="person", entity_id=a["subject_id"],
                    detail={"application": application_id, "outcome": o, "late": d > a["deadline"]})
    return application(store, application_id)


def right_to_know_prefill(store: Store, subject_id: str, partner_id: str) -> dict:
    """What a new-partner alert offers to start a right-to-know application with (the form's defaults)."""
    return {"subject_id": require_person(store, subject_id), "route": "right to know",
            "applicant_relation": "police (new partner alert)", "at_risk_id": require_person(store, partner_id),
            "received_on": _dt.date.today().isoformat()}


def remove_step(store: Store, step_id: int, *, reason: str) -> dict:
    """Delete a step recorded in error (not the request itself, nor a closed application's decision); audited."""
    row = store.conn.execute("SELECT application_id, step, date FROM dvds_steps WHERE id = ?", [step_id]).fetchone()
    if row is None:
        raise UserError(f"no Clare's Law step number {step_id}")
    a = application(store, row[0])
    why = text(reason, "the reason for removing the step", required=True)
    if row[1] == "request received":
        raise UserError("the request received is the application itself: it cannot be removed as a step")
    if row[1] in ("disclosure delivered", "disclosure refused") and a["closed_on"]:
        raise UserError(f"the {row[1]} is application {row[0]}'s decision: reopen the application instead")
    with store.transaction():
        store.conn.execute("DELETE FROM dvds_steps WHERE id = ?", [step_id])
        store.audit("clares_law.step_removed", entity="person", entity_id=a["subject_id"], reason=why,
                    detail={"application": row[0], "step": row[1], "date": row[2]})
    return {"application_id": row[0], "step": row[1], "date": row[2]}


def reopen(store: Store, application_id: int, *, reason: str) -> dict:
    """Undo a closing made in error: the outcome, its decision step and the disclosure record it made go; audited."""
    from .cohort import remove_disclosure
    a = application(store, application_id)
    if not a["closed_on"]:
        raise UserError(f"application {application_id} is not closed")
    why = text(reason, "the reason for reopening", required=True)
    with store.transaction():
        if a["disclosure_id"]:
            store.conn.execute("UPDATE dvds_applications SET disclosure_id = NULL WHERE id = ?", [application_id])
            remove_disclosure(store, a["disclosure_id"], reason=why)
        store.conn.execute("DELETE FROM dvds_steps WHERE application_id = ? AND date = ? AND step IN"
                           " ('disclosure delivered', 'disclosure refused')", [application_id, a["closed_on"]])
        store.conn.execute("UPDATE dvds_applications SET outcome = NULL, closed_on = NULL WHERE id = ?",
                           [application_id])
        store.audit("clares_law.reopened", entity="person", entity_id=a["subject_id"], reason=why,
                    detail={"application": application_id, "outcome": a["outcome"]})
    return application(store, application_id)

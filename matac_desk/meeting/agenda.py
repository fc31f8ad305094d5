"""The meeting's agenda, built from the store rather than typed.

In order: new partner alerts since the previous meeting (:func:`partner_alerts`:
the new partners of the cohort's subjects, the nominees, the referred and
every serial perpetrator, each saying which of these he is; the Dashboard
shows the same list for the same period), nominations (:func:`meeting_nominations`:
the top ``agenda.nominations_top_n`` serial scores not in the cohort, and every
open partner referral; the Nominations page lists the same), each cohort
subject for review (by rank, with :func:`matac_desk.analysis.nominations.change`:
the score as of the meeting's date against the latest snapshot before it),
actions open from earlier meetings (carried forward) and due by the meeting,
overdue first, proposed exits, and referral prompts for MAPPA and MARAC.
Every score on the agenda is as of the meeting's date.

Proposed exits are prompts for the meeting, never decisions: a subject is
proposed when he has had no DA incident for ``quiet_days`` (default 180)
and has been in the cohort at least that long, when his score has fallen
by ``fall_share`` (default 30%) or more from entry, or when he no longer
scores at all (no incident in the scoring window).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import asdict, dataclass, field

from . import actions as actions_mod
from . import cohort as cohort_mod
from . import forums, meetings, reminders
from ..analysis import graph, nominations, scoring
from ..storage.store import Store

__all__ = ["Agenda", "ReviewItem", "ProposedExit", "PartnerAlert", "EXIT_RULES", "NOMINATIONS_TOP_N", "ALERT_ROLES",
           "build_agenda", "agenda_text", "plural", "clares_law_prompt", "agenda_json", "nomination_reason", "nominations_top_n",
           "meeting_nominations", "partner_alerts"]

EXIT_RULES = {"quiet_days": 180, "fall_share": 0.30}
NOMINATIONS_TOP_N = 10   # top scores on an agenda; the setting agenda.nominations_top_n changes it


@dataclass(frozen=True)
class ReviewItem:
    person_id: str
    name: str
    score: float | None
    r: int | None
    f: int | None
    g: int | None
    v: int | None
    rank: int | None
    change: float | None
    entry_score: float | None
    adopted_on: str
    division: str | None
    om_name: str | None
    open_actions: int
    overdue_actions: int
    new_partners: int
    latest_incident: str | None
    change_since: str | None = None     # the snapshot ``change`` is measured from
    change_text: str = ""               # "▲ +3 since 10 Nov" (:meth:`nominations.Change.text`)


@dataclass(frozen=True)
class ProposedExit:
    person_id: str
    name: str
    reason: str
    suggested_exit_reason: str


ALERT_ROLES = {"subject": "a cohort subject", "nominee": "nominated to this meeting",
               "referral": "referred by a partner agency", "serial": "a serial perpetrator"}


@dataclass(frozen=True)
class PartnerAlert(graph.NewPartner):
    """A new partner alert as the agenda and the Dashboard show it: what the perpetrator is
    (``roles``, from :data:`ALERT_ROLES`, first the strongest) and the linking incident's offence and DASH risk."""

    roles: tuple[str, ...] = ()
    offence: str | None = None
    dash_risk: str | None = None

    @property
    def role_text(self) -> str:
        """"a cohort subject", "nominated to this meeting and a serial perpetrator"."""
        said = [ALERT_ROLES[r] for r in self.roles]
        return " and ".join(said) if said else "in scope"


def nominations_top_n(store: Store) -> int:
    """How many top scores are nominated: the one setting the agenda and the Nominations page both use."""
    return int(store.get_setting("agenda.nominations_top_n", NOMINATIONS_TOP_N))


def meeting_nominations(store: Store, day: _dt.date, *, top_n: int | None = None, division: str | None = None,
                        progress=None, cancelled=None) -> list[nominations.Nomination]:
    """The nominations as of ``day``: the top ``top_n`` serial scores outside the cohort and every open referral.

    A person a meeting before ``day`` declined comes back only with a new
    incident or a new referral since. The agenda and the Nominations page
    both list exactly these.
    """
    top_n = nominations_top_n(store) if top_n is None else top_n
    kw = {k: v for k, v in (("progress", progress), ("cancelled", cancelled)) if v is not None}
    declined = dict(store.conn.execute(
        "SELECT d.person_id, max(m.date) FROM decisions d JOIN meetings m ON m.id = d.meeting_id"
        " WHERE d.decision = 'do not adopt' AND m.date < ? GROUP BY d.person_id", [day.isoformat()]).fetchall())
    found = [
        n for n in nominations.nominations(store, as_of=day, top_n=top_n + len(declined), division=division, **kw)
        if n.person_id not in declined
        or any(r.date > declined[n.person_id] for r in n.referrals)
        or (n.score is not None and n.score.latest_incident > declined[n.person_id])
    ]
    by_score = [n for n in found if "score" in n.reasons][:top_n]
    return [n for n in found if n in by_score or "score" not in n.reasons]


def partner_alerts(store: Store, since: _dt.date, as_of: _dt.date, *, nominees=(), cancelled=None,
                   ) -> list[PartnerAlert]:
    """The new partner alerts of the period (since, as_of]: every new partner of a cohort subject, a nominee,
    a referred or a serial perpetrator (graph scope ``cohort``), each with what he is and the linking
    incident's offence and DASH risk. Subjects first, then nominees, referrals, serial; then as found."""
    kw = {"cancelled": cancelled} if cancelled is not None else {}
    found = graph.new_partners(store, since=since, as_of=as_of, scope="cohort", **kw)
    if not found:
        return []
    day = as_of.isoformat()
    subjects = cohort_mod.cohort_ids(store, as_of)
    nominated = set(nominees)
    roots = scoring.root_map(store)
    referred = {roots.get(p, p) for (p,) in store.conn.execute(
        "SELECT person_id FROM referrals WHERE status = 'open' AND date <= ?", [day])}
    serial = graph.serial_perpetrators(store, as_of, among={a.perpetrator_id for a in found})
    refs = json.dumps(sorted({a.incident_ref for a in found if a.incident_ref}))
    facts: dict[str, tuple[str, str | None]] = {}
    for ref, offence, dash in store.conn.execute(
            "SELECT incident_ref, group_concat(DISTINCT offence), max(CASE dash_risk WHEN 'high' THEN 3"
            " WHEN 'medium' THEN 2 WHEN 'standard' THEN 1 END) FROM involvements"
            " WHERE incident_ref IN (SELECT value FROM json_each(?)) GROUP BY incident_ref", [refs]):
        facts[ref] = (offence, {3: "high", 2: "medium", 1: "standard"}.get(dash))
    out = []
    for a in found:
        p = a.perpetrator_id
        roles = tuple(r for r, yes in (("subject", p in subjects), ("nominee", p in nominated),
                                       ("referral", p in referred), ("serial", p in serial)) if yes)
        offence, dash = facts.get(a.incident_ref, (None, None)) if a.incident_ref else (None, None)
        out.append(PartnerAlert(**{f.name: getattr(a, f.name) for f in dataclasses.fields(graph.NewPartner)},
                                roles=roles, offence=offence.replace(",", "; ") if offence else None,
                                dash_risk=dash))
    order = {r: k for k, r in enumerate(ALERT_ROLES)}
    out.sort(key=lambda x: (order.get(x.roles[0], 9) if x.roles else 9, x.perpetrator_name.casefold(),
                            x.perpetrator_id, x.first_linked, x.partner_id))
    return out


@dataclass
class Agenda:
    meeting: meetings.Meeting
    previous: meetings.Meeting | None
    since: str
    attendees: list[dict]
    new_partners: list[PartnerAlert] = field(default_factory=list)
    nominations: list[nominations.Nomination] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    actions: list[actions_mod.Action] = field(default_factory=list)
    proposed_exits: list[ProposedExit] = field(default_factory=list)
    prompts: list[forums.Prompt] = field(default_factory=list)
    case_file: reminders.Reminders | None = None     # plan reviews, Clare's Law, orders, breaches, victim support
    top_n: int = NOMINATIONS_TOP_N

    @property
    def scores_as_of(self) -> str:
        """Every score on the agenda is as of the meeting's date."""
        return self.meeting.date

    def person_ids(self) -> list[str]:
        """Every person the agenda names, in the order it names them (for the audit log)."""
        ids: list[str] = []
        for np in self.new_partners:
            ids += [np.perpetrator_id, np.partner_id, *np.other_perpetrators, *(c.id for c in np.children),
                    *np.possible_duplicates]
        ids += [n.person_id for n in self.nominations] + [r.person_id for r in self.review]
        ids += [x.person_id for x in self.actions] + [x.person_id for x in self.proposed_exits]
        for pr in self.prompts:
            ids += [pr.person_id] + ([pr.related_person_id] if pr.related_person_id else [])
        ids += self.case_file.person_ids() if self.case_file else []
        return list(dict.fromkeys(ids))


def _rules(store: Store) -> dict:
    return EXIT_RULES | (store.get_setting("agenda.exit_rules") or {})


def build_agenda(store: Store, meeting_id: int, *, top_n: int | None = None, progress=None) -> Agenda:
    """Everything the meeting should consider, as of its date."""
    m = meetings.meeting(store, meeting_id)
    day = _dt.date.fromisoformat(m.date)
    prev = meetings.previous_meeting(store, m.date, m.area)
    since = _dt.date.fromisoformat(prev.date) if prev else day - _dt.timedelta(days=28)
    top_n = top_n or nominations_top_n(store)
    a = Agenda(m, prev, since.isoformat(), meetings.attendees(store, m.id))
    a.top_n = top_n
    a.nominations = meeting_nominations(store, day, top_n=top_n)
    a.new_partners = partner_alerts(store, since, day, nominees=[n.person_id for n in a.nominations])

    ranked = {s.perpetrator_id: s for s in scoring.score_all(store, as_of=day)}
    open_actions = actions_mod.list_actions(store, as_of=day, open_only=True)
    partners_by = {}
    for np in a.new_partners:
        partners_by[np.perpetrator_id] = partners_by.get(np.perpetrator_id, 0) + 1
    rules = _rules(store)
    members = cohort_mod.cohort(store, day)
    moved = nominations.changes(store, {c.person_id: (ranked[c.person_id].score if c.person_id in ranked else None)
                                        for c in members}, day)
    for member in members:
        pid = member.person_id
        s = ranked.get(pid)
        t = moved[pid]
        mine = [x for x in open_actions if x.person_id == pid]
        latest = s.latest_incident if s else store.scalar(
            "SELECT max(i.date) FROM involvements v JOIN incidents i ON i.ref = v.incident_ref JOIN persons p"
            " ON p.id = v.perpetrator_id WHERE coalesce(p.merged_into, p.id) = ? AND i.date <= ?", [pid, m.date])
        a.review.append(ReviewItem(
            pid, member.name, s.score if s else None, s.r if s else None, s.f if s else None, s.g if s else None,
            s.v if s else None, s.rank if s else None, t.value, member.entry_score,
            member.adopted_on, member.division, member.om_name, len(mine), sum(1 for x in mine if x.overdue),
            partners_by.get(pid, 0), latest, t.since, t.text()))
        reason = None
        adopted = _dt.date.fromisoformat(member.adopted_on)
        quiet = rules["quiet_days"]
        if s is None:
            reason = "no DA incident in the scoring window: no longer scores"
        elif (day - adopted).days >= quiet and latest and (day - _dt.date.fromisoformat(latest)).days >= quiet:
            reason = f"no DA incident for {(day - _dt.date.fromisoformat(latest)).days} days"
        elif member.entry_score and s.score <= member.entry_score * (1 - rules["fall_share"]):
            reason = f"score fell from {member.entry_score:g} at entry to {s.score:g}"
        if reason:
            a.proposed_exits.append(ProposedExit(pid, member.name, reason, "sustained reduction in offending"))
    a.review.sort(key=lambda r: (r.rank is None, r.rank or 0, r.person_id))

    # actions: open ones raised at earlier meetings carry forward, plus any due by this meeting
    a.actions = [x for x in open_actions
                 if (x.meeting_date is not None and x.meeting_date < m.date) or (x.due_date and x.due_date <= m.date)]
    a.prompts = forums.referral_prompts(store, day, since=since)
    a.case_file = reminders.reminders(store, day, since=since)
    return a


def _fmt(v) -> str:
    """A number as printed: integers as integers ("18", never "18.0")."""
    return "—" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def nomination_reason(n: nominations.Nomination) -> str:
    """Why a person is nominated, in words: his score and rank, and any referral."""
    parts = []
    if n.score is not None:
        s = n.score
        parts.append(f"score {_fmt(s.score)} (R{s.r} F{s.f} G{s.g} V{s.v}), rank {s.rank}"
                     + (", serial" if s.serial else ""))
    else:
        parts.append("no DA incident in the scoring window")
    for r in n.referrals:
        parts.append(f"referred by {r.agency} on {r.date}: {r.reason}")
    return "; ".join(parts)


def plural(n: int, one: str, many: str | None = None) -> str:
    """"1 action", "2 actions", "1 child", "3 children"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def clares_law_prompt(alert: graph.NewPartner) -> str:
    """The neutral prompt when no Clare's Law disclosure is recorded for a new partner."""
    return ("no Clare's Law disclosure is recorded: consider whether a right to know disclosure to "
            f"{alert.partner_name} is needed")


def agenda_text(a: Agenda) -> str:
    """The agenda as plain text (the CLI prints it; the pack lays it out itself)."""
    m = a.meeting
    out = [m.label, f"Chair: {m.chair or 'to be confirmed'}",
           f"Period reviewed: since {a.since}" + (f" (previous meeting {a.previous.date})" if a.previous else ""),
           f"Scores as of {a.scores_as_of} (the meeting's date)", ""]
    out.append(f"1. New partner alerts ({len(a.new_partners)}): new partners of cohort subjects, nominees, "
               "referred and serial perpetrators")
    for np in a.new_partners:
        flags = []
        if getattr(np, "offence", None):
            flags.append(np.offence + (f", DASH {np.dash_risk}" if np.dash_risk else ""))
        if np.children:
            flags.append(plural(len(np.children), "child", "children"))
        if np.other_perpetrators:
            flags.append("victim of others too")
        if np.possible_duplicates:
            flags.append("may also be recorded as " + ", ".join(np.possible_duplicates))
        flags.append(f"Clare's Law: {np.disclosure}" if np.disclosure else clares_law_prompt(np))
        role = f", {np.role_text}" if isinstance(np, PartnerAlert) else ""
        out.append(f"   {np.perpetrator_name} ({np.perpetrator_id}{role}) — {np.partner_name} ({np.partner_id}), "
                   f"first linked {np.first_linked} by {np.source}; " + "; ".join(flags))
    out.append(f"2. Nominations ({len(a.nominations)}: the top {a.top_n} scores outside the cohort and every open "
               "referral)")
    for n in a.nominations:
        out.append(f"   {n.name} ({n.person_id}) — {nomination_reason(n)}")
    out.append(f"3. Cohort review ({len(a.review)}), by rank")
    for r in a.review:
        change = f", {r.change_text}" if r.change_text else ""
        out.append(f"   {r.name} ({r.person_id}) — score {_fmt(r.score)}{change}; entry {_fmt(r.entry_score)}; "
                   f"OM {r.om_name or 'none'}; actions {r.open_actions} open, {r.overdue_actions} overdue"
                   + (f"; {plural(r.new_partners, 'new partner')}" if r.new_partners else ""))
    out.append(f"4. Actions due or overdue ({len(a.actions)})")
    for x in a.actions:
        flag = f"OVERDUE {plural(x.days_overdue, 'day')}" if x.overdue else f"due {x.due_date or '—'}"
        out.append(f"   [{x.id}] {x.agency}: {x.description} — {x.subject_name}; {flag}; {x.status}")
    out.append(f"5. Proposed exits ({len(a.proposed_exits)})")
    for e in a.proposed_exits:
        out.append(f"   {e.name} ({e.person_id}) — {e.reason}")
    out.append(f"6. Referral prompts ({len(a.prompts)})")
    for p in a.prompts:
        out.append(f"   {p.forum}: {p.person_name} ({p.person_id}) — {p.reason}")
    out += reminders.reminders_text(a.case_file, 7) if a.case_file else []
    return "\n".join(out)


def agenda_json(a: Agenda) -> str:
    def plain(x):
        return asdict(x) if hasattr(x, "__dataclass_fields__") else x
    return json.dumps({
        "meeting": asdict(a.meeting), "previous": asdict(a.previous) if a.previous else None, "since": a.since,
        "attendees": a.attendees, "new_partners": [plain(x) for x in a.new_partners],
        "nominations": [plain(x) for x in a.nominations], "review": [plain(x) for x in a.review],
        "actions": [plain(x) for x in a.actions], "proposed_exits": [plain(x) for x in a.proposed_exits],
        "prompts": [plain(x) for x in a.prompts], "case_file": plain(a.case_file) if a.case_file else None,
    }, indent=2, ensure_ascii=False, default=str)

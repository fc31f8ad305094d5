"""A perpetrator profile: what is known about one subject, gathered from the store and laid out on paper.

:func:`collect_profile` reads everything (plain data, no reportlab);
:func:`profile_story` lays it out as flowables, starting on a new page, for
the meeting pack and for :class:`ProfileDocument`, the stand-alone profile.

With ``redact`` (the partner-agency version) no victim's or partner's date
of birth, no incident address and no postcode is printed anywhere: the
tables leave those columns out, free text goes through a
:class:`~matac_desk.pack.redaction.Redactor` ("[withheld]", counted per
section) and the relationship picture prints no year of birth at all;
names stay. With ``agency`` only that agency's actions are listed.

The change beside the score is :func:`matac_desk.analysis.nominations.change`:
the score as of the profile's date against the latest snapshot before it.
A risk factor prints "yes", "no" only when the subject's details were
recorded (a risk level assessed, for the risk factors), and "not
recorded" otherwise. No sex is recorded for a person, so the profile
speaks of "the subject" and "they" (:func:`pronouns`).

Each section is its own function (``_section_*``), so a new section is one
more function and one more line in :data:`SECTIONS`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from ..meeting import actions as actions_mod
from ..meeting import cohort as cohort_mod
from ..meeting import forums, meetings
from ..analysis import nominations, picture, scoring
from ..services.people import PersonProfile, load_profile
from ..services.relations import ChildLine, PartnerLine, relations
from ..storage.store import Store
from . import charts
from .document import Document, data_table, key_values, outline
from .casefile import case_file_story, withhold_conditional
from ..services.subject_file import SubjectFile, subject_file
from .redaction import Redactor
from .styles import COLOURS, FONT, esc, label_runs, para, shaped_label

__all__ = ["PartnerLine", "ChildLine", "IncidentRow", "Profile", "ActionUpdate", "collect_profile", "profile_story",
           "ProfileDocument", "pronouns", "latest_updates", "actions_table", "SECTIONS", "render_change",
           "score_lines"]

_STATUS = {"serial window only": "serial rule only", "outside the window": "outside window",
           "after the as-of date": "later"}


@dataclass(frozen=True)
class IncidentRow:
    ref: str
    date: str
    offences: tuple[str, ...]
    gravity: int
    victims: tuple[str, ...]  # names
    status: str
    address: str | None
    postcode: str | None
    dash: str | None
    children_present: int | None


@dataclass(frozen=True)
class ActionUpdate:
    """An action's latest dated update: when, the status it set, its note and who made it (the audit log's actor)."""
    date: str
    status: str | None
    note: str | None
    who: str | None


def latest_updates(store: Store, action_ids) -> dict[int, ActionUpdate]:
    """The latest update of each action, with who made it (from the audit entry that recorded it)."""
    ids = json.dumps(sorted(set(action_ids)))
    out: dict[int, ActionUpdate] = {}
    rows = store.conn.execute(
        "SELECT u.action_id, u.date, u.status, u.note FROM action_updates u WHERE u.action_id IN"
        " (SELECT value FROM json_each(?)) ORDER BY u.action_id, u.date, u.id", [ids]).fetchall()
    who = {}
    for aid, actor in store.conn.execute(
            "SELECT CAST(json_extract(detail, '$.action_id') AS INTEGER), actor FROM audit_log"
            " WHERE action = 'action.updated' AND json_extract(detail, '$.action_id') IN"
            " (SELECT value FROM json_each(?)) ORDER BY id", [ids]):
        who[aid] = actor
    for aid, date, status, note in rows:
        out[aid] = ActionUpdate(date, status, note, who.get(aid))
    return out


def pronouns(sex: str | None) -> dict[str, str]:
    """Words for the subject by recorded sex; neutral ("they", "the subject's") when none is recorded.

    >>> pronouns("female")["they"], pronouns(None)["their"]
    ('she', 'their')
    """
    key = (sex or "").strip().casefold()[:1]
    if key == "m":
        return {"they": "he", "them": "him", "their": "his", "they_are": "he is"}
    if key == "f":
        return {"they": "she", "them": "her", "their": "her", "they_are": "she is"}
    return {"they": "they", "them": "them", "their": "their", "they_are": "they are"}


@dataclass
class Profile:
    person: PersonProfile
    as_of: str
    since: str
    details: dict
    om_name: str | None
    division: str | None
    membership: list[cohort_mod.Membership]
    explanation: scoring.Explanation
    rank: int | None
    history: list[nominations.HistoryPoint]
    change: nominations.Change
    incidents: list[IncidentRow]
    partners: list[PartnerLine]
    children: list[ChildLine]
    orders: list[dict]
    disclosures: list[dict]
    forum_referrals: list[dict]
    tactics: list[dict]
    actions: list[actions_mod.Action]
    minutes: list[dict]
    layout: picture.Layout
    names: dict[str, str] = field(default_factory=dict)
    case_file: SubjectFile | None = None     # plan, Clare's Law, orders in detail, victim support, equality
    updates: dict[int, ActionUpdate] = field(default_factory=dict)
    details_recorded: bool = False
    victim_names: dict[str, str] = field(default_factory=dict)

    @property
    def words(self) -> dict[str, str]:
        """Pronouns by the sex recorded in the case file's equality fields (codes M, F); neutral otherwise."""
        sex = (self.case_file.equality or {}).get("sex") if self.case_file is not None else None
        return pronouns(sex)

    @property
    def in_cohort_since(self) -> str | None:
        latest = None
        for m in self.membership:
            if m.event == "adopted" and m.date <= self.as_of:
                latest = m
            elif m.event == "exited" and m.date <= self.as_of:
                latest = None
        return latest.date if latest else None

    @property
    def entry_score(self) -> float | None:
        adopted = [m for m in self.membership if m.event == "adopted" and m.date <= self.as_of]
        return adopted[-1].score if adopted else None


def collect_profile(store: Store, person_id: str, *, as_of: _dt.date, since: _dt.date,
                    agency: str | None = None, rank: int | None = None) -> Profile:
    """Everything the profile prints about ``person_id`` as of a day (new partners: since ``since``)."""
    pid = cohort_mod.require_person(store, person_id)
    day = as_of.isoformat()
    person = load_profile(store, pid)
    expl = scoring.explain(store, pid, as_of)
    conn = store.conn
    details = cohort_mod.subject_details(store, pid)
    om = None
    if details.get("om_id") is not None:
        om = conn.execute("SELECT name, division FROM offender_managers WHERE id = ?", [details["om_id"]]).fetchone()
    rel = relations(store, pid, as_of=as_of, since=since)

    # the offending table: the explanation's incidents with where and how
    refs = [ln.ref for ln in expl.incidents if ln.date <= day]
    where = {r: (a, pc, kids) for r, a, pc, kids in conn.execute(
        "SELECT ref, address, postcode, children_present FROM incidents WHERE ref IN (SELECT value FROM json_each(?))",
        [json.dumps(refs)])}
    dash = {r: d for r, d in conn.execute(
        "SELECT incident_ref, max(CASE dash_risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'standard' THEN 1"
        " END) FROM involvements WHERE incident_ref IN (SELECT value FROM json_each(?)) GROUP BY incident_ref",
        [json.dumps(refs)])}
    victim_names = scoring.person_names(store, {v for ln in expl.incidents for v in ln.victim_ids})
    incidents = [IncidentRow(ln.ref, ln.date, ln.offences, ln.gravity,
                             tuple(victim_names.get(v, v) for v in ln.victim_ids), ln.status,
                             *(where.get(ln.ref, (None, None, None))[:2]),
                             {3: "high", 2: "medium", 1: "standard"}.get(dash.get(ln.ref)),
                             where.get(ln.ref, (None, None, None))[2])
                 for ln in expl.incidents if ln.date <= day]

    history = [h for h in nominations.score_history(store, pid) if h.snapshot.as_of <= day]
    change = nominations.change(store, pid, expl.score.score if expl.score else None, as_of)

    wanted = (agency or "").casefold()
    acts = [a for a in actions_mod.list_actions(store, as_of=day, person_id=pid)
            if not wanted or a.agency.casefold() == wanted]
    mins = [m for m in meetings.minutes(store, person_id=pid) if m["date"] <= day]
    return Profile(
        person=person, as_of=day, since=since.isoformat(), details=details, om_name=om[0] if om else None,
        division=details.get("division") or (om[1] if om else None) or (expl.score.division if expl.score else None),
        membership=cohort_mod.membership_history(store, pid), explanation=expl, rank=rank, history=history,
        change=change, incidents=incidents, partners=rel.partners, children=rel.children,
        orders=cohort_mod.orders(store, pid), disclosures=cohort_mod.disclosures(store, pid),
        forum_referrals=forums.forum_referrals(store, pid), tactics=cohort_mod.tactics(store, pid),
        actions=acts, minutes=mins, layout=rel.layout, names=dict(rel.names),
        case_file=subject_file(store, pid, day, picture_ids=[n.id for n in rel.layout.nodes]
                               + [x.person_id for x in rel.partners] + [c.person_id for c in rel.children]),
        updates=latest_updates(store, [a.id for a in acts]),
        details_recorded=details.get("updated_at") is not None,
        victim_names=scoring.person_names(store, set(expl.victim_ids)))


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

def _yes(value: bool, recorded: bool = True) -> str:
    """"yes"; "no" only when the answer was recorded; else "not recorded"."""
    return "<b>yes</b>" if value else "no" if recorded else "<font color='#5c6370'>not recorded</font>"


def render_change(c: nominations.Change) -> str:
    """The change figure as markup: "▲ +3 since 10 Nov" in red (a rise), green (a fall), grey (none)."""
    if c.value is None:
        return esc(c.text())
    colour = {"up": "#a3141b", "down": "#1e6b3a"}.get(c.direction, "#5c6370")
    return f'<font color="{colour}">{esc(c.arrow)}&nbsp;{esc(c.number)}</font> since&nbsp;{esc(c.since_text)}'


def _score_box(p: Profile, styles, width: float) -> Flowable:
    s = p.explanation.score
    if s is None:
        big = "not scored"
        parts = "no DA incident as perpetrator in the scoring window"
    else:
        big = f"{s.score:g}"
        parts = f"R {s.r} · F {s.f} · G {s.g} · V {s.v}"
    change = render_change(p.change)
    rank = f"rank {p.rank}" if p.rank else ""
    entry = f"entry score {p.entry_score:g}" if p.entry_score is not None else ""
    cells = [[para(f"<b>{big}</b> <font size='8' color='#5c6370'>as of {esc(p.as_of)}</font>", styles["Big"])],
             [para(parts, styles["Cell"])],
             [para(" · ".join(x for x in (rank, entry) if x) or "&nbsp;", styles["CellMuted"])],
             [para(change, styles["Cell"])]]
    t = Table(cells, colWidths=[width])
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), COLOURS["stripe"]),
                           ("BOX", (0, 0), (-1, -1), 0.6, COLOURS["rule"]),
                           ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return t


def _identity(p: Profile, styles, width: float) -> Flowable:
    per = p.person
    today = _dt.date.fromisoformat(p.as_of)
    age = per.age(today)
    aliases = "; ".join(esc(a) for a, _ in per.aliases) or "none recorded"
    ids = esc(per.id) + (f" (merged records: {esc(', '.join(per.merged_from))})" if per.merged_from else "")
    since = p.in_cohort_since
    status = f"in the cohort since {since}" if since else "not in the cohort"
    pairs = [
        ("Name", f"<b>{esc(per.name)}</b>"),
        ("Aliases", aliases),
        ("Date of birth", f"{esc(per.dob)}" + (f" (age {age})" if age is not None else "")),
        ("Person id", ids),
        ("Division", esc(p.division)),
        ("Offender manager", esc(p.om_name, "not allocated")),
        ("Cohort", status),
    ]
    return key_values(pairs, width, styles, key_share=0.3)


def score_lines(e: scoring.Explanation, names: dict[str, str]) -> list[str]:
    """Why a person scores what he scores, in sentences a partner can read: victims by name, plurals right."""
    from ..meeting.agenda import plural
    cfg = e.config
    out = []
    if len(e.records) > 1:
        out.append(f"merged records scored as one person: {', '.join(e.records)}")
    s = e.score
    if s is None:
        out.append(f"not scored: no DA incident as perpetrator in the {cfg.window_days + 1} days to {e.as_of}")
    else:
        out.append(f"score {s.score:g} = R {s.r} + F {s.f} + G {s.g} + V {s.v}" + (f", rank {s.rank}" if s.rank else ""))
        out.append(f"R {s.r}: latest incident {e.recency_ref} on {s.latest_incident}, "
                   f"{plural(e.recency_days, 'day')} before {e.as_of}")
        out.append(f"F {s.f}: {plural(s.incidents, 'incident')}: {', '.join(e.frequency_refs)}")
        out.append(f"G {s.g}: {', '.join(e.gravity_offences)} in {', '.join(e.gravity_refs)}")
        out.append(f"V {s.v}: {plural(s.victims, 'victim')}: "
                   + ", ".join(f"{names.get(v, v)} ({v})" for v in e.victim_ids))
    n_inc, n_vic = len(e.serial_refs), len(e.serial_victim_ids)
    out.append(f"serial: {'yes' if e.serial else 'no'}: {plural(n_inc, 'incident')} against {plural(n_vic, 'victim')} "
               f"in the {cfg.serial_window_days + 1} days to {e.as_of} (serial means at least "
               f"{plural(cfg.serial_min_incidents, 'incident')} against at least "
               f"{plural(cfg.serial_min_victims, 'different victim')})")
    if e.unmapped:
        out.append(f"offences not in the gravity table (scored {cfg.unmapped_points}): {', '.join(e.unmapped)}")
    return out


def _explanation(p: Profile, styles) -> list[Flowable]:
    return [para(esc(ln), styles["Explain"]) for ln in score_lines(p.explanation, p.victim_names)]


def _status_block(p: Profile, styles, width: float) -> Flowable:
    d = p.details
    mappa = "not managed under MAPPA"
    if d.get("mappa_category"):
        mappa = f"category {d['mappa_category']}" + (f", level {d['mappa_level']}" if d.get("mappa_level") else "")
    refs = [f"{r['forum']} {r['outcome']} ({r['prompted_on']})" for r in p.forum_referrals]
    recorded = p.details_recorded
    assessed = recorded and d.get("risk_level") is not None
    if not recorded and not d.get("mappa_category"):
        mappa = "<font color='#5c6370'>not recorded</font>"
    pairs = [("MAPPA", mappa), ("MARAC", _yes(d.get("marac"), recorded)), ("IOM", _yes(d.get("iom"), recorded)),
             ("Forum referrals", esc("; ".join(refs), "none recorded")),
             ("Risk level", esc(d.get("risk_level"), "not assessed")),
             ("Weapons", _yes(d.get("risk_weapons"), assessed)),
             ("Substance misuse", _yes(d.get("risk_substance_misuse"), assessed)),
             ("Mental health", _yes(d.get("risk_mental_health"), assessed))]
    half = (width - 8) / 2
    left = key_values(pairs[:4], half, styles, key_share=0.36)
    right = key_values(pairs[4:], half, styles, key_share=0.45)
    t = Table([[left, right]], colWidths=[half + 8, half])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def _redacted_layout(layout: picture.Layout) -> picture.Layout:
    """The picture without any year of birth, whoever it belongs to (children keep their age, never a date)."""
    nodes = tuple(dataclasses.replace(n, detail=n.detail if n.detail.startswith("age ") else "")
                  for n in layout.nodes)
    return dataclasses.replace(layout, nodes=nodes)


def _shaped_layout(layout: picture.Layout) -> picture.Layout:
    nodes = tuple(dataclasses.replace(n, label=shaped_label(n.label, FONT, 7)) for n in layout.nodes)
    return dataclasses.replace(layout, nodes=nodes)


def _plain(text, red: Redactor | None, section: str):
    """Free text as printed: through the redactor in a redacted version."""
    return red.text(text, section) if red is not None else text


def _section_head(p: Profile, styles, width: float, *, redact: bool, outline_level: int, **_) -> list[Flowable]:
    per = p.person
    out: list[Flowable] = [outline(para(f"{esc(per.name)} <font size='11' color='#5c6370'>{esc(per.id)}</font>",
                                        styles["H1"]), f"{per.name} ({per.id})", outline_level)]
    out.append(para(f"Perpetrator profile as of {p.as_of}" + (" · victims' details redacted" if redact else ""),
                    styles["Lead"]))
    right_w = 62 * mm
    left_w = width - right_w - 6 * mm
    trend_points = [(_dt.date.fromisoformat(h.snapshot.as_of).strftime("%b %y"), h.score.score if h.score else None)
                    for h in p.history[-12:]]
    top = Table([[_identity(p, styles, left_w),
                  [_score_box(p, styles, right_w), Spacer(1, 4),
                   charts.score_trend(trend_points, width=right_w, height=30 * mm)]]],
                colWidths=[left_w + 6 * mm, right_w])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    out.append(top)
    out.append(para("Why this score", styles["H2"]))
    out.extend(_explanation(p, styles))
    return out


def _section_offending(p: Profile, styles, width: float, *, redact: bool, **_) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), para("Offending history", styles["H2"])]
    end = p.as_of
    first = min([i.date for i in p.incidents] + [(_dt.date.fromisoformat(end) - _dt.timedelta(days=365)).isoformat()])
    marks = [(m.date, m.event) for m in p.membership if m.event in ("adopted", "exited")]
    out.append(charts.offending_timeline([(i.date, i.gravity) for i in p.incidents], first, end, width=width,
                                         height=26 * mm, marks=marks))
    out.append(Spacer(1, 4))
    if redact:
        header = ["Date", "Incident", "Offences", "G", "Victims", "DASH", "Counted"]
        widths = [17.5 * mm, 30 * mm, 48 * mm, 6 * mm, 35.5 * mm, 15 * mm, width - 152 * mm]
        rows = [[i.date, nobreak(i.ref), esc("; ".join(i.offences)), str(i.gravity), esc(", ".join(i.victims)),
                 esc(i.dash), esc(_STATUS.get(i.status, i.status))] for i in p.incidents]
    else:
        header = ["Date", "Incident", "Offences", "G", "Victims", "Where", "DASH", "Counted"]
        widths = [17.5 * mm, 30 * mm, 31.5 * mm, 6 * mm, 25 * mm, 34 * mm, 15 * mm, width - 159 * mm]
        rows = [[i.date, nobreak(i.ref), esc("; ".join(i.offences)), str(i.gravity), esc(", ".join(i.victims)),
                 esc(", ".join(x for x in (i.address, i.postcode) if x)), esc(i.dash),
                 esc(_STATUS.get(i.status, i.status))] for i in p.incidents]
    out.append(data_table(header, rows, widths, styles, empty="No incident as perpetrator is recorded."))
    return out


def _section_partners(p: Profile, styles, width: float, *, redact: bool, **_) -> list[Flowable]:
    out: list[Flowable] = [para("Victims and partners", styles["H2"])]
    if any(x.new for x in p.partners):
        out.append(para(f'<font color="#c2185b"><b>NEW</b></font> marks a new partner since {p.since}.',
                        styles["Note"]))
    if redact:
        header = ["Name", "Id", "Relationship", "First", "Latest", "Incid.", "Known from"]
        widths = [44 * mm, 22 * mm, 34 * mm, 18 * mm, 18 * mm, 12 * mm, width - 148 * mm]
    else:
        header = ["Name", "Id", "Born", "Relationship", "First", "Latest", "Incid.", "Known from"]
        widths = [38 * mm, 20 * mm, 18 * mm, 30 * mm, 18 * mm, 18 * mm, 12 * mm, width - 154 * mm]
    rows, marks_bg = [], {}
    for k, x in enumerate(p.partners):
        name = (f'<font color="#c2185b"><b>NEW</b></font> ' if x.new else "") + esc(x.name)
        rel = esc(x.relationship or x.kind) + ("" if not x.relationship or x.relationship == x.kind
                                               else f" <font color='#5c6370'>({esc(x.kind)})</font>")
        row = [name, nobreak(x.person_id)] + ([] if redact else [esc(x.dob)]) + [
            rel, x.first, x.last, str(x.incidents), esc(x.sources)]
        rows.append(row)
        if x.new:
            marks_bg[k] = COLOURS["amber_bg"]
    out.append(data_table(header, rows, widths, styles, row_backgrounds=marks_bg,
                          empty="No victim or partner is recorded."))
    return out


def _section_children(p: Profile, styles, width: float, *, redact: bool, **_) -> list[Flowable]:
    w = p.words
    out: list[Flowable] = [para(f"Children linked to {w['them']} or {w['their']} partners", styles["H2"])]
    header = ["Name", "Id", "Age" if redact else "Born (age)", "Linked to"]
    widths = [50 * mm, 24 * mm, 26 * mm, width - 100 * mm]
    rows = [[esc(c.name), nobreak(c.person_id),
             esc(c.age) if redact else f"{esc(c.dob)}" + (f" ({c.age})" if c.age is not None else ""),
             esc(c.linked_to)] for c in p.children]
    out.append(data_table(header, rows, widths, styles, empty="No child is linked in the records."))
    return out


def _section_orders(p: Profile, styles, width: float, *, red: Redactor | None, **_) -> list[Flowable]:
    out: list[Flowable] = [para("Orders and bail conditions", styles["H2"])]
    today = p.as_of
    rows = [[esc(o["type"]), o["start"], esc(o["end"], "open-ended"),
             "<b>in force</b>" if o["start"] <= today and (o["end"] is None or o["end"] >= today) else
             (f"from {o['start']}" if o["start"] > today else "ended"),
             esc(o["protected_name"]), esc(_plain(o["conditions"], red, "Order conditions"))] for o in p.orders]
    out.append(data_table(["Order", "From", "To", "Status", "Protects", "Conditions"], rows,
                          [30 * mm, 18 * mm, 18 * mm, 16 * mm, 34 * mm, width - 116 * mm], styles,
                          empty="No order or bail condition is recorded."))
    return out


def _section_disclosures(p: Profile, styles, width: float, *, red: Redactor | None, **_) -> list[Flowable]:
    out: list[Flowable] = [para("Clare's Law disclosures", styles["H2"])]
    rows = [[d["date"], esc(d["kind"]), esc(d["to_name"]), esc(d["decision"]),
             esc(_plain(d.get("notes"), red, "Clare's Law notes"), "")] for d in p.disclosures]
    out.append(data_table(["Date", "Kind", "To", "Decision", "Notes"], rows,
                          [20 * mm, 26 * mm, 44 * mm, 24 * mm, width - 114 * mm], styles,
                          empty="No Clare's Law application or disclosure is recorded."))
    return out


def _section_status(p: Profile, styles, width: float, **_) -> list[Flowable]:
    return [para("MAPPA, MARAC and IOM; risk factors", styles["H2"]), _status_block(p, styles, width)]


def _section_tactics(p: Profile, styles, width: float, *, red: Redactor | None, **_) -> list[Flowable]:
    out: list[Flowable] = [para("Tactics agreed", styles["H2"])]
    rows = [[t["agreed_on"], esc(t["category"]), esc(t["name"]), esc(t["status"]),
             esc(_plain(t["notes"], red, "Tactics' notes"), "")] for t in p.tactics]
    out.append(data_table(["Agreed", "Category", "Tactic", "Status", "Notes"], rows,
                          [18 * mm, 30 * mm, 50 * mm, 20 * mm, width - 118 * mm], styles,
                          empty="No tactic has been agreed yet."))
    return out


def _section_actions(p: Profile, styles, width: float, *, agency: str | None, red: Redactor | None,
                     **_) -> list[Flowable]:
    return [para("Actions" + (f" ({esc(agency)} only)" if agency else ""), styles["H2"]),
            actions_table(p.actions, styles, width, with_subject=False, updates=p.updates, red=red)]


def _section_minutes(p: Profile, styles, width: float, *, red: Redactor | None, **_) -> list[Flowable]:
    out: list[Flowable] = [para("Minutes from past meetings", styles["H2"])]
    if p.minutes:
        for m in p.minutes:
            out.append(para(f"<b>{m['date']}</b>" + (f" (chair {esc(m['chair'])})" if m.get("chair") else "")
                            + f": {esc(_plain(m['text'], red, 'Minutes'))}", styles["Minutes"]))
    else:
        out.append(para("No minutes are recorded for this subject.", styles["Note"]))
    return out


def picture_height(layout: picture.Layout) -> float:
    """The picture's height on paper: small networks take a third of a page and share it with other content."""
    n = len(layout.nodes)
    return (80 if n <= 8 else 110 if n <= 16 else 150) * mm


def _section_picture(p: Profile, styles, width: float, *, redact: bool, **_) -> list[Flowable]:
    layout = picture.limit_layout(_redacted_layout(p.layout) if redact else p.layout)
    drawing = picture.layout_drawing(_shaped_layout(layout), width, picture_height(layout), runs=label_runs)
    note = "People linked to the subject by incidents and intelligence, two steps out"
    if layout.hidden:
        note += f"; {layout.hidden} more {'person is' if layout.hidden == 1 else 'people are'} not drawn " \
                "(the closest and the new partners are)"
    note += ". " + ("No year of birth is printed in this version." if redact else "")
    return [KeepTogether([para("Relationship picture", styles["H2"]), para(note, styles["Note"]), drawing])]


# The profile's sections, in order: each is ``fn(profile, styles, width, **options) -> flowables``.
# The picture follows the people it draws, so the sections after it fill the rest of its page.
SECTIONS = [_section_head, _section_offending, _section_partners, _section_children, _section_picture,
            _section_orders, _section_disclosures, _section_status, _section_tactics, _section_actions,
            _section_minutes]


def profile_story(p: Profile, styles, width: float, *, redact: bool = False, agency: str | None = None,
                  outline_level: int = 1, red: Redactor | None = None) -> list[Flowable]:
    """The profile's flowables, starting with a page break and an outline entry under the pack's.

    ``red`` withholds victims' and partners' addresses, postcodes and dates of birth from free text; a
    redacted profile without one gets its own (:func:`matac_desk.pack.redaction.redactor_for` is read
    when the profile is collected: see :class:`ProfileDocument`).
    """
    if redact and red is None:
        raise ValueError("a redacted profile needs a redactor")
    p = withhold_conditional(p) if redact else p      # no one known only through C-graded intelligence
    out: list[Flowable] = [PageBreak()]
    for section in SECTIONS:
        out += section(p, styles, width, redact=redact, agency=agency, outline_level=outline_level,
                       red=red if redact else None)
    out += case_file_story(p, styles, width, redact=redact, red=red if redact else None)
    return out


def nobreak(ref) -> str:
    """An id or reference as markup, in a cell wide enough that it never breaks inside (the characters stay
    as typed, so searching the PDF for "CE-2026-0000244" finds it)."""
    return esc(ref)


def actions_table(acts: list[actions_mod.Action], styles, width: float, *, with_subject: bool = True,
                  with_agency: bool = True, updates: dict[int, ActionUpdate] | None = None,
                  red: Redactor | None = None) -> Flowable:
    """Actions, overdue first and marked in red: owner, due date, status, the latest update and who made it."""
    updates = updates or {}
    header = (["Subject"] if with_subject else []) + (["Agency / owner"] if with_agency else ["Owner"]) + \
        ["Action", "Due", "Status", "Latest update"]
    fixed = (34 * mm if with_subject else 0) + (30 * mm if with_agency else 24 * mm) + 18 * mm + 22 * mm
    rest = width - fixed
    widths = ([34 * mm] if with_subject else []) + ([30 * mm] if with_agency else [24 * mm]) + \
        [rest * 0.5, 18 * mm, 22 * mm, rest * 0.5]
    rows, bg = [], {}
    for k, a in enumerate(acts):
        status = esc(a.status)
        if a.overdue:
            status = (f'<font color="#a3141b"><b>OVERDUE</b> {a.days_overdue} '
                      f'{"day" if a.days_overdue == 1 else "days"}</font><br/>{status}')
            bg[k] = COLOURS["alert_bg"]
        row = ([f"{esc(a.subject_name)}<br/><font color='#5c6370'>{nobreak(a.person_id)}</font>"]
               if with_subject else [])
        if with_agency:
            row.append(f"<b>{esc(a.agency)}</b><br/>" + esc(a.owner, "no owner named"))
        else:
            row.append(esc(a.owner, "no owner named"))
        u = updates.get(a.id)
        if u is None:
            latest = "<font color='#5c6370'>no update recorded</font>"
        else:
            latest = f"<b>{esc(u.date)}</b>" + (f" ({esc(u.status)})" if u.status else "") \
                + (f": {esc(_plain(u.note, red, 'Action updates'))}" if u.note else "") \
                + f"<br/><font color='#5c6370'>by {esc(u.who, 'not recorded')}</font>"
        row += [esc(_plain(a.description, red, "Actions"))
                + (f"<br/><font color='#5c6370'>raised {a.meeting_date}</font>" if a.meeting_date else ""),
                esc(a.due_date, "none set"), status, latest]
        rows.append(row)
    return data_table(header, rows, widths, styles, row_backgrounds=bg, empty="No action is recorded.")


class ProfileDocument(Document):
    """A stand-alone perpetrator profile."""

    def __init__(self, profile: Profile, *, redact: bool = False, agency: str | None = None,
                 recipient: str = "", redactor: Redactor | None = None, **kwargs):
        super().__init__(**kwargs)
        self.profile = profile
        self.redact = redact
        self.banner = "REDACTED FOR PARTNER AGENCIES" if redact else ""
        self.redactor = redactor if redact else None
        if redact and redactor is None:
            raise ValueError("a redacted profile needs a redactor (redactor_for)")
        self.agency = agency
        self.recipient = recipient
        name = profile.person.name
        self.title = f"Perpetrator profile: {name} ({profile.person.id})"
        self.subject = (f"MATAC perpetrator profile as of {profile.as_of}, OFFICIAL-SENSITIVE"
                        + (", redacted for partner agencies" if redact else ""))
        self.running_title = f"Perpetrator profile · {name} ({profile.person.id})"

    def story(self) -> list[Flowable]:
        s = self.styles
        out: list[Flowable] = [self.next_template("portrait")]
        if self.redact:
            out.append(para("REDACTED FOR PARTNER AGENCIES: no victim's or partner's address, postcode or date of "
                            "birth is printed", s["Redacted"]))
        if self.recipient:
            out.append(para(f"Prepared for {esc(self.recipient)} · ref. {esc(self.reference)}", s["Note"]))
        story = profile_story(self.profile, s, self.frame_width, redact=self.redact, agency=self.agency,
                              outline_level=0, red=self.redactor)
        return out + story[1:]  # no page break before the first page's content

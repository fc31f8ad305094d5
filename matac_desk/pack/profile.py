"""A perpetrator profile: what is known about one subject, gathered from the store and laid out on paper.

:func:`collect_profile` reads everything (plain data, no reportlab);
:func:`profile_story` lays it out as flowables, starting on a new page, for
the meeting pack and for :class:`ProfileDocument`, the stand-alone profile.

With ``redact`` (the partner-agency version) no victim's or partner's date
of birth, no incident address and no postcode is printed anywhere,
including the relationship picture; names stay. With ``agency`` only that
agency's actions are listed.
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
from .styles import COLOURS, FONT, esc, para, shaped_label

__all__ = ["PartnerLine", "ChildLine", "IncidentRow", "Profile", "collect_profile", "profile_story",
           "ProfileDocument"]

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
    change: float | None
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
    change = None
    if len(history) >= 2:
        change = history[-1].points - history[-2].points

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
                               + [x.person_id for x in rel.partners] + [c.person_id for c in rel.children]))


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

def _yes(value: bool) -> str:
    return "<b>yes</b>" if value else "no"


def _score_box(p: Profile, styles, width: float) -> Flowable:
    s = p.explanation.score
    if s is None:
        big = "not scored"
        parts = "no DA incident as perpetrator in the scoring window"
    else:
        big = f"{s.score:g}"
        parts = f"R {s.r} · F {s.f} · G {s.g} · V {s.v}"
    change = ""
    if p.change is not None:
        arrow = "▲" if p.change > 0 else "▼" if p.change < 0 else "▶"
        colour = "#a3141b" if p.change > 0 else "#1e6b3a" if p.change < 0 else "#5c6370"
        change = f'<font color="{colour}">{arrow} {p.change:+g}</font> since the last snapshot'
    rank = f"rank {p.rank}" if p.rank else ""
    entry = f"entry score {p.entry_score:g}" if p.entry_score is not None else ""
    cells = [[para(f"<b>{big}</b>", styles["Big"])],
             [para(parts, styles["Cell"])],
             [para(" · ".join(x for x in (rank, entry) if x) or "&nbsp;", styles["CellMuted"])],
             [para(change or "no earlier snapshot to compare", styles["Cell"])]]
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


def _explanation(p: Profile, styles) -> list[Flowable]:
    lines = p.explanation.lines()
    out = []
    for ln in lines[1:]:
        if ln.strip() == "incidents:":
            break
        out.append(para(esc(ln.strip()), styles["Explain"]))
    return out


def _status_block(p: Profile, styles, width: float) -> Flowable:
    d = p.details
    mappa = "not managed under MAPPA"
    if d.get("mappa_category"):
        mappa = f"category {d['mappa_category']}" + (f", level {d['mappa_level']}" if d.get("mappa_level") else "")
    refs = [f"{r['forum']} {r['outcome']} ({r['prompted_on']})" for r in p.forum_referrals]
    pairs = [("MAPPA", mappa), ("MARAC", _yes(d.get("marac"))), ("IOM", _yes(d.get("iom"))),
             ("Forum referrals", esc("; ".join(refs), "none recorded")),
             ("Risk level", esc(d.get("risk_level"), "not assessed")),
             ("Weapons", _yes(d.get("risk_weapons"))),
             ("Substance misuse", _yes(d.get("risk_substance_misuse"))),
             ("Mental health", _yes(d.get("risk_mental_health")))]
    half = (width - 8) / 2
    left = key_values(pairs[:4], half, styles, key_share=0.36)
    right = key_values(pairs[4:], half, styles, key_share=0.45)
    t = Table([[left, right]], colWidths=[half + 8, half])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def _redacted_layout(layout: picture.Layout) -> picture.Layout:
    """The picture without any year of birth but the subject's and other perpetrators' (children keep their age)."""
    nodes = tuple(dataclasses.replace(n, detail="") if n.kind not in ("perpetrator", "child") else n
                  for n in layout.nodes)
    return dataclasses.replace(layout, nodes=nodes)


def _shaped_layout(layout: picture.Layout) -> picture.Layout:
    nodes = tuple(dataclasses.replace(n, label=shaped_label(n.label, FONT, 7)) for n in layout.nodes)
    return dataclasses.replace(layout, nodes=nodes)


def profile_story(p: Profile, styles, width: float, *, redact: bool = False, agency: str | None = None,
                  outline_level: int = 1) -> list[Flowable]:
    """The profile's flowables, starting with a page break and an outline entry under the pack's."""
    p = withhold_conditional(p) if redact else p      # no one known only through C-graded intelligence
    per = p.person
    out: list[Flowable] = [PageBreak()]
    out.append(outline(para(f"{esc(per.name)} <font size='11' color='#5c6370'>{esc(per.id)}</font>",
                            styles["H1"]), f"{per.name} ({per.id})", outline_level))
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
    out.append(para("Why he scores this", styles["H2"]))
    out.extend(_explanation(p, styles))

    # offending
    out.append(CondPageBreak(60 * mm))
    out.append(para("Offending history", styles["H2"]))
    end = p.as_of
    first = min([i.date for i in p.incidents] + [(_dt.date.fromisoformat(end) - _dt.timedelta(days=365)).isoformat()])
    marks = [(m.date, m.event) for m in p.membership if m.event in ("adopted", "exited")]
    out.append(charts.offending_timeline([(i.date, i.gravity) for i in p.incidents], first, end, width=width,
                                         height=26 * mm, marks=marks))
    out.append(Spacer(1, 4))
    if redact:
        header = ["Date", "Incident", "Offences", "G", "Victim(s)", "DASH", "Counted"]
        widths = [17.5 * mm, 27 * mm, 51 * mm, 6 * mm, 35.5 * mm, 15 * mm, width - 152 * mm]
        rows = [[i.date, esc(i.ref), esc("; ".join(i.offences)), str(i.gravity), esc(", ".join(i.victims)),
                 esc(i.dash), esc(_STATUS.get(i.status, i.status))] for i in p.incidents]
    else:
        header = ["Date", "Incident", "Offences", "G", "Victim(s)", "Where", "DASH", "Counted"]
        widths = [17.5 * mm, 27 * mm, 34.5 * mm, 6 * mm, 25 * mm, 34 * mm, 15 * mm, width - 159 * mm]
        rows = [[i.date, esc(i.ref), esc("; ".join(i.offences)), str(i.gravity), esc(", ".join(i.victims)),
                 esc(", ".join(x for x in (i.address, i.postcode) if x)), esc(i.dash),
                 esc(_STATUS.get(i.status, i.status))] for i in p.incidents]
    out.append(data_table(header, rows, widths, styles, empty="No incident as perpetrator is recorded."))

    # victims and partners
    out.append(para("Victims and partners", styles["H2"]))
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
        row = [name, esc(x.person_id)] + ([] if redact else [esc(x.dob)]) + [
            rel, x.first, x.last, str(x.incidents), esc(x.sources)]
        rows.append(row)
        if x.new:
            marks_bg[k] = COLOURS["amber_bg"]
    out.append(data_table(header, rows, widths, styles, row_backgrounds=marks_bg,
                          empty="No victim or partner is recorded."))

    out.append(para("Children linked to him or his partners", styles["H2"]))
    header = ["Name", "Id", "Age" if redact else "Born (age)", "Linked to"]
    widths = [50 * mm, 24 * mm, 26 * mm, width - 100 * mm]
    rows = [[esc(c.name), esc(c.person_id),
             esc(c.age) if redact else f"{esc(c.dob)}" + (f" ({c.age})" if c.age is not None else ""),
             esc(c.linked_to)] for c in p.children]
    out.append(data_table(header, rows, widths, styles, empty="No child is linked in the records."))

    out.append(para("Orders and bail conditions", styles["H2"]))
    today = p.as_of
    rows = [[esc(o["type"]), o["start"], esc(o["end"], "open-ended"),
             "<b>in force</b>" if o["start"] <= today and (o["end"] is None or o["end"] >= today) else "ended",
             esc(o["protected_name"]), esc(o["conditions"])] for o in p.orders]
    out.append(data_table(["Order", "From", "To", "Status", "Protects", "Conditions"], rows,
                          [30 * mm, 18 * mm, 18 * mm, 16 * mm, 34 * mm, width - 116 * mm], styles,
                          empty="No order or bail condition is recorded."))

    out.append(para("Clare's Law disclosures", styles["H2"]))
    rows = [[d["date"], esc(d["kind"]), esc(d["to_name"]), esc(d["decision"])] for d in p.disclosures]
    out.append(data_table(["Date", "Kind", "To", "Decision"], rows,
                          [20 * mm, 30 * mm, 60 * mm, width - 110 * mm], styles,
                          empty="No Clare's Law application or disclosure is recorded."))

    out.append(para("MAPPA, MARAC and IOM; risk factors", styles["H2"]))
    out.append(_status_block(p, styles, width))

    out.append(para("Tactics agreed", styles["H2"]))
    rows = [[t["agreed_on"], esc(t["category"]), esc(t["name"]), esc(t["status"]), esc(t["notes"], "")]
            for t in p.tactics]
    out.append(data_table(["Agreed", "Category", "Tactic", "Status", "Notes"], rows,
                          [18 * mm, 30 * mm, 50 * mm, 20 * mm, width - 118 * mm], styles,
                          empty="No tactic has been agreed yet."))

    out.append(para("Actions" + (f" ({esc(agency)} only)" if agency else ""), styles["H2"]))
    out.append(actions_table(p.actions, styles, width, with_subject=False))

    out.append(para("Minutes from past meetings", styles["H2"]))
    if p.minutes:
        for m in p.minutes:
            out.append(para(f"<b>{m['date']}</b>" + (f" (chair {esc(m['chair'])})" if m.get("chair") else "")
                            + f": {esc(m['text'])}", styles["Minutes"]))
    else:
        out.append(para("No minutes are recorded for him.", styles["Note"]))

    layout = _redacted_layout(p.layout) if redact else p.layout
    drawing = picture.layout_drawing(_shaped_layout(layout), width, 118 * mm)
    out.append(KeepTogether([para("Relationship picture", styles["H2"]),
                             para("People linked to him by incidents and intelligence, two steps out. "
                                  + ("Years of birth are withheld in this version." if redact else ""),
                                  styles["Note"]), drawing]))
    out += case_file_story(p, styles, width, redact=redact)
    return out


def actions_table(acts: list[actions_mod.Action], styles, width: float, *, with_subject: bool = True,
                  with_agency: bool = True) -> Flowable:
    """Actions, overdue first and marked in red."""
    header = (["Subject"] if with_subject else []) + (["Agency / owner"] if with_agency else []) + \
        ["Action", "Due", "Status"]
    fixed = (36 * mm if with_subject else 0) + (34 * mm if with_agency else 0) + 20 * mm + 30 * mm
    widths = ([36 * mm] if with_subject else []) + ([34 * mm] if with_agency else []) + \
        [width - fixed, 20 * mm, 30 * mm]
    rows, bg = [], {}
    for k, a in enumerate(acts):
        status = esc(a.status)
        if a.overdue:
            status = f'<font color="#a3141b"><b>OVERDUE</b> {a.days_overdue} days</font><br/>{status}'
            bg[k] = COLOURS["alert_bg"]
        row = ([f"{esc(a.subject_name)}<br/><font color='#5c6370'>{esc(a.person_id)}</font>"]
               if with_subject else [])
        if with_agency:
            row.append(f"<b>{esc(a.agency)}</b>" + (f"<br/>{esc(a.owner)}" if a.owner else ""))
        row += [esc(a.description) + (f"<br/><font color='#5c6370'>raised {a.meeting_date}</font>"
                                      if a.meeting_date else ""), esc(a.due_date), status]
        rows.append(row)
    return data_table(header, rows, widths, styles, row_backgrounds=bg, empty="No action is recorded.")


class ProfileDocument(Document):
    """A stand-alone perpetrator profile."""

    def __init__(self, profile: Profile, *, redact: bool = False, agency: str | None = None,
                 recipient: str = "", **kwargs):
        super().__init__(**kwargs)
        self.profile = profile
        self.redact = redact
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
                              outline_level=0)
        return out + story[1:]  # no page break before the first page's content

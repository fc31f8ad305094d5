"""The meeting pack: everything the MATAC meeting reads, in the order it meets it.

1. Cover: force and area, meeting number and date, chair, distribution,
   the pack reference and the handling statement.
2. Contents, with page numbers: the sections, each subject's profile and
   each agency's actions.
3. The agenda (:func:`matac_desk.meeting.agenda.build_agenda`).
4. Cohort summary: one row per subject, by rank, with the change figure
   (:func:`matac_desk.analysis.nominations.change`).
5. New partner alerts since the last meeting: the Dashboard's list, each
   saying what the perpetrator is, the linking incident's offence and DASH risk.
6. Nominations: name, score, risk, referring agency, a blank decision box.
7. One perpetrator profile per subject, each on a new page.
8. The action tracker by agency, overdue first, with each action's latest update.
9. Proposed exits and cohort outcomes, with a chart.

:func:`collect_pack` reads the store; :class:`MeetingPackDocument` lays it
out, one method per section (:meth:`MeetingPackDocument.story` lists them).
``redact`` and ``agency`` behave as in :mod:`matac_desk.pack.profile`; a
redacted pack prints "REDACTED FOR PARTNER AGENCIES" in every page's header
and passes free text through its :class:`~matac_desk.pack.redaction.Redactor`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from ..meeting import actions as actions_mod
from ..meeting import evaluation, force, meetings, outcomes
from ..analysis import scoring
from ..meeting.agenda import Agenda, build_agenda, clares_law_prompt, plural
from ..domain import Cancelled, UserError, never_cancelled, no_progress
from ..storage.store import Store
from . import charts
from .document import Document, data_table, key_values, outline
from .profile import Profile, actions_table, collect_profile, profile_story
from .casefile import pack_withheld, withhold_from_pack
from .document import Document, contents, data_table, key_values, outline
from .profile import ActionUpdate, Profile, actions_table, collect_profile, latest_updates, nobreak, profile_story, \
    render_change, score_lines
from .redaction import Redactor
from .styles import COLOURS, esc, para

__all__ = ["PackData", "collect_pack", "MeetingPackDocument", "HANDLING"]

HANDLING = (
    "This pack is marked OFFICIAL-SENSITIVE. It holds police information about identifiable people, including "
    "victims and children, shared for the MATAC meeting under the Data Protection Act 2018 (Part 3) and the "
    "information-sharing agreement between the partner agencies. Read it only if you attend the meeting or act on "
    "its decisions. Do not copy, forward or discuss it outside the meeting. Keep it locked away when not in use, "
    "never leave it unattended, and return it to the coordinator or destroy it securely (cross-cut shredding or a "
    "confidential waste sack) after the meeting. Every copy is recorded in the audit log with its recipient. "
    "Report a lost pack to the coordinator at once."
)


@dataclass
class PackData:
    agenda: Agenda
    force_name: str
    next_meeting: meetings.Meeting | None
    profiles: list[Profile]
    explanations: dict[str, scoring.Explanation]
    tracker: list[actions_mod.Action]
    periods: list[outcomes.Period]
    cohort_outcome: outcomes.CohortOutcome
    agency: str | None = None
    person_ids: list[str] = field(default_factory=list)
    previous_attendees: list[dict] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    withheld: set[str] = field(default_factory=set)   # known only through C-graded intelligence: not in a redacted pack
    evaluation: evaluation.Evaluation | None = None
    tactic_effects: list[evaluation.TacticEffect] = field(default_factory=list)
    updates: dict[int, ActionUpdate] = field(default_factory=dict)
    nominee_risk: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # (risk level, max DASH)
    victim_names: dict[str, str] = field(default_factory=dict)


def _agency_check(store: Store, agency: str | None, attendees: list[dict]) -> str | None:
    if agency is None:
        return None
    agency = " ".join(agency.split())
    if not agency:
        raise UserError("--agency needs a name")
    known = {a.casefold(): a for a in actions_mod.agencies(store)} | {x["agency"].casefold(): x["agency"]
                                                                      for x in attendees}
    if agency.casefold() not in known:
        names = ", ".join(sorted(set(known.values()), key=str.casefold)) or "none recorded"
        raise UserError(f"no agency {agency!r} has actions or attendees here (known agencies: {names})")
    return known[agency.casefold()]


def collect_pack(store: Store, meeting_id: int, *, agency: str | None = None,
                 progress: Callable[[int, int, str], None] = no_progress,
                 cancelled: Callable[[], bool] = never_cancelled) -> PackData:
    """Read everything the pack prints for one meeting. Raises Cancelled when asked to stop."""
    progress(0, 100, "Building the agenda")
    agenda = build_agenda(store, meeting_id)
    agency = _agency_check(store, agency, agenda.attendees)
    m = agenda.meeting
    day = _dt.date.fromisoformat(m.date)
    since = _dt.date.fromisoformat(agenda.since)
    wanted = agency.casefold() if agency else None
    if wanted:
        agenda.actions = [a for a in agenda.actions if a.agency.casefold() == wanted]
    if cancelled():
        raise Cancelled()
    explanations = {}
    for n in agenda.nominations:
        explanations[n.person_id] = scoring.explain(store, n.person_id, day)
    profiles = []
    total = len(agenda.review)
    for k, item in enumerate(agenda.review):
        if cancelled():
            raise Cancelled()
        progress(5 + int(60 * k / max(1, total)), 100, f"Gathering profile {k + 1} of {total}")
        profiles.append(collect_profile(store, item.person_id, as_of=day, since=since, agency=agency,
                                        rank=item.rank))
    tracker = [a for a in actions_mod.list_actions(store, as_of=day)
               if (a.status not in ("done", "cancelled") or (a.last_update or "") >= agenda.since)
               and (a.meeting_date is None or a.meeting_date <= m.date)
               and (not wanted or a.agency.casefold() == wanted)]
    periods = outcomes.subject_outcomes(store, day)
    nxt = next((x for x in meetings.meetings(store, m.area) if x.date > m.date and x.status == "scheduled"), None)
    ids = [r.person_id for r in agenda.review] + [n.person_id for n in agenda.nominations] \
        + [np.partner_id for np in agenda.new_partners] + (agenda.case_file.person_ids() if agenda.case_file else [])
    names = scoring.person_names(store, {p for np in agenda.new_partners for p in np.other_perpetrators})
    previous = meetings.attendees(store, agenda.previous.id) if agenda.previous else []
    ev = evaluation.evaluate(store, day)
    from ..meeting import cohort as cohort_mod
    risk = {}
    for n in agenda.nominations:
        level = cohort_mod.subject_details(store, n.person_id).get("risk_level")
        ex = explanations[n.person_id]
        refs = [ln.ref for ln in ex.incidents if ln.status == "scored"]
        dash = store.scalar(
            "SELECT max(CASE dash_risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'standard' THEN 1 END)"
            " FROM involvements WHERE incident_ref IN (SELECT value FROM json_each(?))",
            [__import__("json").dumps(refs)])
        risk[n.person_id] = (level, {3: "high", 2: "medium", 1: "standard"}.get(dash))
    victim_names = scoring.person_names(store, {v for ex in explanations.values() for ln in ex.incidents
                                                if ln.status == "scored" for v in ln.victim_ids}
                                        | {v for ex in explanations.values() for v in ex.victim_ids})
    progress(65, 100, "Gathered")
    return PackData(evaluation=ev, tactic_effects=evaluation.tactic_effects(store, evaluation=ev),
                    agenda=agenda, force_name=force.load(store).name, next_meeting=nxt, profiles=profiles,
                    explanations=explanations, tracker=tracker, periods=periods,
                    cohort_outcome=outcomes.cohort_outcomes(store, day), agency=agency,
                    person_ids=list(dict.fromkeys(ids)), previous_attendees=previous, names=names,
                    withheld=pack_withheld(store, agenda, profiles),
                    updates=latest_updates(store, [a.id for a in tracker]), nominee_risk=risk,
                    victim_names=victim_names)


def _reasons(n) -> str:
    said = {"score": "a top serial score outside the cohort", "referral": "a partner referral"}
    return " and ".join(said.get(r, r) for r in n.reasons)


def _num(v) -> str:
    """A number as printed: whole numbers without a decimal point."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}" if v.is_integer() else f"{v:.1f}"
    return str(v)


def _long_date(iso: str) -> str:
    d = _dt.date.fromisoformat(iso)
    return f"{d:%A} {d.day} {d:%B %Y}"


class MeetingPackDocument(Document):
    """The meeting pack as a PDF."""

    def __init__(self, data: PackData, *, redact: bool = False, recipient: str = "", redactor: Redactor | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.data = data
        self.redact = redact
        self.recipient = recipient
        if redact and redactor is None:
            raise ValueError("a redacted pack needs a redactor (redaction.redactor_for)")
        self.red = redactor if redact else None
        self.banner = "REDACTED FOR PARTNER AGENCIES" if redact else ""
        m = data.agenda.meeting
        self.title = f"MATAC meeting pack: meeting {m.number}" + (f" ({m.area})" if m.area else "") + f", {m.date}"
        self.subject = ("MATAC meeting pack, OFFICIAL-SENSITIVE"
                        + (", redacted for partner agencies" if redact else "")
                        + (f", actions of {data.agency} only" if data.agency else ""))
        self.running_title = f"MATAC meeting {m.number}" + (f" ({m.area})" if m.area else "") + f" · {m.date}"

    # -- sections ----------------------------------------------------------------
    def story(self) -> list[Flowable]:
        w = self.frame_width
        self.data = withhold_from_pack(self.data) if self.redact else self.data
        out: list[Flowable] = []
        out += self.cover(w)
        out += self.contents_page(w)
        out += self.agenda_section(w)
        out += self.summary_section(w)
        out += self.new_partner_section(w)
        out += self.nominations_section(w)
        out += self.profiles_section(w)
        out += self.tracker_section(w)
        out += self.exits_section(w)
        out += case_file_section(self, w)
        return out

    def section(self, number: int, title: str) -> list[Flowable]:
        return [PageBreak(), outline(para(f"{number}. {esc(title)}", self.styles["H1"]), f"{number}. {title}", 0)]

    def red_text(self, text, section: str):
        """Free text as printed: through the redactor in the redacted pack."""
        return self.red.text(text, section) if self.red is not None else text

    def contents_page(self, w: float) -> list[Flowable]:
        d = self.data
        lines = 7 + len(d.profiles) + len({a.agency for a in d.tracker})
        room = self.pagesize[1] - self.top_margin - self.bottom_margin - 30 * mm
        return [PageBreak(), outline(para("Contents", self.styles["H1"]), "Contents", 0, contents=False),
                para("Sections, each subject's profile and each agency's actions, with their page numbers.",
                     self.styles["Lead"]), *contents(self, lines, room)]

    def cover(self, w: float) -> list[Flowable]:
        s, d = self.styles, self.data
        m = d.agenda.meeting
        out: list[Flowable] = [self.next_template("portrait"), Spacer(1, 12 * mm)]
        out.append(para((esc(d.force_name).upper() + " · " if d.force_name else "")
                        + "HIGH HARM PERPETRATOR UNIT", s["CoverKicker"]))
        out.append(outline(para("MATAC meeting pack", s["CoverTitle"]), "Cover", 0, contents=False))
        out.append(para(f"Meeting {m.number} · {_long_date(m.date)}", s["CoverSub"]))
        out.append(para(f"Area: {esc(m.area or 'force-wide')} · Chair: {esc(m.chair, 'to be confirmed')}",
                        s["CoverSub"]))
        if self.redact:
            out.append(para("REDACTED FOR PARTNER AGENCIES<br/><font size='9'>Victims' and partners' addresses, "
                            "postcodes and dates of birth are withheld; names are kept.</font>", s["Redacted"]))
        else:
            out.append(Spacer(1, 8))
        facts = [("Pack reference", f"<b>{esc(self.reference)}</b>"), ("Printed", esc(self.printed_on)),
                 ("Prepared for", esc(self.recipient)),
                 ("Period reviewed", f"since {esc(d.agenda.since)}"
                  + (f" (previous meeting {d.agenda.previous.date})" if d.agenda.previous else "")),
                 ("Subjects", f"{len(d.agenda.review)} in the cohort; {plural(len(d.agenda.nominations), 'nomination')}; "
                              f"{plural(len(d.agenda.new_partners), 'new partner alert')}"),
                 ("Scores", f"as of the meeting's date, {esc(m.date)}")]
        if d.agency:
            facts.append(("Actions", f"only those of <b>{esc(d.agency)}</b>"))
        if d.next_meeting:
            facts.append(("Next meeting", _long_date(d.next_meeting.date)))
        out.append(key_values(facts, w, s, key_share=0.25))
        out.append(para("Distribution", s["H2"]))
        people = d.agenda.attendees
        if not people and d.previous_attendees:
            people = d.previous_attendees
            out.append(para("No attendance is recorded for this meeting yet: the pack goes to those invited to the "
                            "previous meeting.", s["Note"]))
        present = [a for a in people if a["role"] != "apology"]
        apologies = [a for a in people if a["role"] == "apology"]
        rows = [[esc(a["name"]), esc(a["agency"])] for a in present]
        out.append(data_table(["Name", "Agency"], rows, [w * 0.45, w * 0.55], s,
                              empty="No attendee is recorded yet: the coordinator distributes the pack."))
        if apologies:
            out.append(para("Apologies: " + "; ".join(f"{esc(a['name'])} ({esc(a['agency'])})" for a in apologies),
                            s["Note"]))
        agencies = sorted({a["agency"] for a in present}, key=str.casefold)
        if agencies:
            out.append(para("Agencies: " + ", ".join(esc(a) for a in agencies), s["Note"]))
        out.append(para("Handling", s["H2"]))
        out.append(para(HANDLING, s["Handling"]))
        return out

    def agenda_section(self, w: float) -> list[Flowable]:
        s, a = self.styles, self.data.agenda
        out = self.section(1, "Agenda")
        out.append(para(esc(a.meeting.label) + f" · chair {esc(a.meeting.chair, 'to be confirmed')}", s["Lead"]))
        overdue = sum(1 for x in a.actions if x.overdue)
        items = [
            ("Welcome, introductions and apologies", []),
            ("Minutes and actions of the previous meeting"
             + (f" ({a.previous.date})" if a.previous else ""), []),
            (f"New partner alerts since {a.since} ({len(a.new_partners)})",
             [f"{esc(n.perpetrator_name)} ({esc(n.role_text)}): new partner {esc(n.partner_name)}, first linked "
              f"{n.first_linked}" for n in a.new_partners]),
            (f"Nominations ({len(a.nominations)}: the top {a.top_n} scores outside the cohort and every open "
             "referral)",
             [f"{esc(n.name)} ({nobreak(n.person_id)}): " + _reasons(n) for n in a.nominations]),
            (f"Cohort review by rank ({plural(len(a.review), 'subject')})",
             [", ".join(esc(r.name) for r in a.review)] if a.review else []),
            (f"Actions due or carried forward ({len(a.actions)}, {overdue} overdue)", []),
            (f"Proposed exits ({len(a.proposed_exits)})",
             [f"{esc(e.name)}: {esc(e.reason)}" for e in a.proposed_exits]),
            (f"Referral prompts for MAPPA and MARAC ({len(a.prompts)})",
             [f"{esc(p.forum)}: {esc(p.person_name)} ({nobreak(p.person_id)}), {esc(p.reason)}" for p in a.prompts]),
            ("Any other business; date of the next meeting"
             + (f" ({_long_date(self.data.next_meeting.date)})" if self.data.next_meeting else ""), []),
        ]
        for k, (title, subs) in enumerate(items, 1):
            block = [para(f"<b>{k}.</b> {title}", s["Body"])]
            block += [para(x, s["Item"], ) for x in subs]
            if k == len(items) and len(block) == 1:
                # never leave the last item alone at the top of a page: it takes a line of the one before
                out.append(KeepTogether([out.pop(), block[0]]))
                continue
            out.append(KeepTogether(block) if len(block) < 8 else block[0])
            if len(block) >= 8:
                out.extend(block[1:])
        return out

    def summary_section(self, w: float) -> list[Flowable]:
        s, a = self.styles, self.data.agenda
        out = self.section(2, "Cohort summary")
        out.append(para(f"One row per subject, by rank among every scored perpetrator; scores as of {a.meeting.date}. "
                        "Change: the score against the latest snapshot before the meeting, with its date "
                        "(▲ up, ▼ down, = the same). "
                        "Actions: open / overdue" + (f", {esc(self.data.agency)} only" if self.data.agency else "")
                        + ".", s["Lead"]))
        exits = {e.person_id for e in a.proposed_exits}
        counts = {}
        for p in self.data.profiles:
            open_ = [x for x in p.actions if x.status not in ("done", "cancelled")]
            counts[p.person.id] = (len(open_), sum(1 for x in open_ if x.overdue))
        rows, bg = [], {}
        for k, r in enumerate(a.review):
            change = esc(r.change_text) if r.change is None else self._change_markup(r)
            score = "not scored" if r.score is None else f"<b>{r.score:g}</b><br/>" \
                f"<font size='6.5' color='#5c6370'>R{r.r} F{r.f} G{r.g} V{r.v}</font>"
            n_open, n_over = counts.get(r.person_id, (r.open_actions, r.overdue_actions))
            acts = f"{n_open} / " + (f'<font color="#a3141b"><b>{n_over}</b></font>' if n_over else "0")
            status = "<b>proposed exit</b>" if r.person_id in exits else f"adopted<br/>{r.adopted_on}"
            rows.append([esc(r.rank) if r.rank else "—", f"{esc(r.name)}<br/><font size='6.5' color='#5c6370'>"
                         f"{nobreak(r.person_id)}</font>", esc(r.division), esc(r.om_name, "not allocated"), score, change,
                         f'<font color="#c2185b"><b>{r.new_partners}</b></font>' if r.new_partners else "0", acts,
                         status])
            if r.new_partners:
                bg[k] = COLOURS["amber_bg"]
        widths = [10 * mm, 36 * mm, 16 * mm, 26 * mm, 17 * mm, 26 * mm, 15 * mm, 13 * mm, w - 159 * mm]
        out.append(data_table(["Rank", "Subject", "Division", "Offender manager", "Score", "Change", "New<br/>partners",
                               "Actions", "Status"], rows, widths, s, row_backgrounds=bg,
                              empty="The cohort is empty on the meeting's date."))
        return out

    def _change_markup(self, r) -> str:
        from ..analysis.nominations import Change
        return render_change(Change(r.person_id, r.score, self.data.agenda.meeting.date, r.change, r.change_since))

    def new_partner_section(self, w: float) -> list[Flowable]:
        s, a = self.styles, self.data.agenda
        out = self.section(3, "New partner alerts")
        out.append(para(f"New intimate partners, first linked between {a.since} and {a.meeting.date}, of the cohort's "
                        "subjects, the people nominated to this meeting, those referred by a partner agency and every "
                        "serial perpetrator: the list the Dashboard shows for the same period. Each alert says which "
                        "of these the perpetrator is.", s["Lead"]))
        if not a.new_partners:
            out.append(para("No new partner was found in the period.", s["Note"]))
        for n in a.new_partners:
            out.append(self._alert_box(n, w))
        return out

    def _alert_box(self, n, w: float) -> Flowable:
        s = self.styles
        born = "" if self.redact or not n.partner_dob else f", born {esc(n.partner_dob)}"
        linked = f"{n.first_linked} through {esc(n.source)}"
        if n.incident_ref:
            linked += " · " + (esc(n.offence) if n.offence else "offence not recorded") \
                + f" · DASH risk {esc(n.dash_risk, 'not recorded')}"
        pairs = [("Perpetrator", f"<b>{esc(n.perpetrator_name)}</b> ({nobreak(n.perpetrator_id)}): "
                                 f"{esc(n.role_text)}"),
                 ("New partner", f"<b>{esc(n.partner_name)}</b> ({nobreak(n.partner_id)}){born}"),
                 ("First linked", linked),
                 ("Relationship", esc(n.relationship, "not stated"))]
        if n.other_perpetrators:
            pairs.append(("Also a victim of", ", ".join(
                f"{esc(self.data.names.get(o, o))} ({nobreak(o)})" for o in n.other_perpetrators)))
        pairs.append(("Children", "; ".join(esc(c.text()) for c in n.children) or "none linked"))
        if n.possible_duplicates:
            pairs.append(("Possible duplicates", esc(", ".join(n.possible_duplicates))))
        if n.disclosure:
            pairs.append(("Clare's Law", esc(self.red_text(n.disclosure, "Clare's Law notes"))))
        else:
            pairs.append(("Clare's Law", f'<font color="#a3141b"><b>{esc(clares_law_prompt(n)[:1].upper() + clares_law_prompt(n)[1:])}.'
                                         '</b></font>'))
        box = key_values(pairs, w - 8, s, key_share=0.22)
        frame = Table([[box]], colWidths=[w])
        frame.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, COLOURS["new"]),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
        return KeepTogether([frame, Spacer(1, 6)])

    def nominations_section(self, w: float) -> list[Flowable]:
        s, a = self.styles, self.data.agenda
        out = self.section(4, "Nominations")
        out.append(para(f"The top {a.top_n} serial perpetrators outside the cohort (the number set in Settings, the "
                        "same as on the Nominations page) and every open partner referral, with their scores as of "
                        f"{a.meeting.date}. The decision box is for the meeting.", s["Lead"]))
        if not a.nominations:
            out.append(para("No nomination for this meeting.", s["Note"]))
        for n in a.nominations:
            out.append(self._nomination_block(n, w))
        return out

    def _nomination_block(self, n, w: float) -> Flowable:
        s, d = self.styles, self.data
        sc = n.score
        head = f"{esc(n.name)} <font color='#5c6370'>({nobreak(n.person_id)})</font>"
        level, dash = d.nominee_risk.get(n.person_id, (None, None))
        ex = d.explanations.get(n.person_id)
        score = ("not scored: no DA incident in the scoring window" if sc is None else
                 f"<b>{_num(sc.score)}</b> (R {sc.r} · F {sc.f} · G {sc.g} · V {sc.v}), rank {sc.rank}")
        facts = [("Why nominated", _reasons(n)),
                 ("Score", score)]
        if sc is not None:
            facts.append(("Offending", f"{plural(sc.incidents, 'DA incident')} against "
                                       f"{plural(sc.victims, 'victim')}, latest {esc(sc.latest_incident)}"
                                       + ("; serial" if sc.serial else "")
                                       + f"; division {esc(sc.division, 'not recorded')}"))
        facts.append(("Risk", f"risk level {esc(level, 'not assessed')}; highest DASH risk recorded: "
                              f"{esc(dash, 'none recorded')}"))
        if n.referrals:
            facts.append(("Referred by", "<br/>".join(
                f"<b>{esc(r.agency)}</b>" + (f" ({esc(r.referrer)})" if r.referrer else "")
                + f" on {r.date}: {esc(self.red_text(r.reason, 'Referral reasons'))}" for r in n.referrals)))
        else:
            facts.append(("Referred by", "no partner referral"))
        if ex is not None and sc is not None:
            facts.append(("Why this score", "<br/>".join(esc(x) for x in score_lines(ex, d.victim_names))))
        facts.append(("Decision", "☐ adopt&nbsp;&nbsp;&nbsp;☐ do not adopt&nbsp;&nbsp;&nbsp;☐ defer"
                                  "<br/><br/>Reason: ____________________________________________"))
        box = key_values(facts, w, s, key_share=0.2)
        return KeepTogether([para(head, s["H3"]), box, Spacer(1, 4)])

    def profiles_section(self, w: float) -> list[Flowable]:
        s = self.styles
        out = self.section(5, "Perpetrator profiles")
        out.append(para(f"{plural(len(self.data.profiles), 'subject')}, in the order of the cohort review (by rank). "
                        "Each profile starts on a new page; the contents page gives each one's page.", s["Lead"]))
        if not self.data.profiles:
            out.append(para("No subject is in the cohort.", s["Note"]))
        for k, p in enumerate(self.data.profiles):
            if self.cancelled():
                raise Cancelled()
            self.progress(65 + int(20 * k / max(1, len(self.data.profiles))), 100, "Laying out the profiles")
            out += profile_story(p, s, w, redact=self.redact, agency=self.data.agency, outline_level=1, red=self.red)
        return out

    def tracker_section(self, w: float) -> list[Flowable]:
        s, d = self.styles, self.data
        out = self.section(6, "Action tracker")
        overdue = sum(1 for a in d.tracker if a.overdue)
        out.append(para(f"Open actions and those closed since {d.agenda.since}, by agency, overdue first, with the "
                        f"owner, the due date and the latest update. {plural(len(d.tracker), 'action')}, "
                        f"<font color='#a3141b'><b>{overdue} overdue</b></font>."
                        + (f" Only {esc(d.agency)}'s actions are listed." if d.agency else ""), s["Lead"]))
        by_agency: dict[str, list[actions_mod.Action]] = {}
        for a in d.tracker:
            by_agency.setdefault(a.agency, []).append(a)
        if not by_agency:
            out.append(para("No action is open.", s["Note"]))
        for agency in sorted(by_agency, key=str.casefold):
            acts = by_agency[agency]
            n_over = sum(1 for a in acts if a.overdue)
            out.append(outline(para(f"{esc(agency)} <font size='9' color='#5c6370'>{plural(len(acts), 'action')}"
                                    + (f", <font color='#a3141b'>{n_over} overdue</font>" if n_over else "")
                                    + "</font>", s["H2"]), agency, 1))
            out.append(actions_table(acts, s, w, with_subject=True, with_agency=False, updates=d.updates, red=self.red))
        return out

    def exits_section(self, w: float) -> list[Flowable]:
        s, d = self.styles, self.data
        a = d.agenda
        out = self.section(7, "Proposed exits and cohort outcomes")
        out.append(para("Proposed exits", s["H2"]))
        rows = [[esc(e.name), nobreak(e.person_id), esc(e.reason), esc(e.suggested_exit_reason)]
                for e in a.proposed_exits]
        out.append(data_table(["Subject", "Id", "Why proposed", "Suggested exit reason"], rows,
                              [40 * mm, 22 * mm, w - 112 * mm, 50 * mm], s,
                              empty="No exit is proposed: every subject is still offending or too recently adopted."))
        c = d.cohort_outcome
        out.append(para("Cohort outcomes", s["H2"]))
        out.append(para(f"Before and after adoption in equal windows, over the {plural(c.periods, 'adoption period')} "
                        f"with at least {c.min_follow_up_days} days' follow-up ({plural(len(c.too_short), 'shorter period')}"
                        " left out). Harm: the sum of each incident's gravity points.", s["Lead"]))
        chart = charts.before_after([("DA incidents", c.incidents_before, c.incidents_after),
                                     ("Harm", c.harm_before, c.harm_after),
                                     ("Victims", c.victims_before, c.victims_after)] if c.periods else [],
                                    width=w * 0.55, height=42 * mm)

        def pct(x):
            return "—" if x is None else f"{x:+.0%}"
        facts = [("Subjects", str(c.subjects)), ("Incidents", f"{c.incidents_before} → {c.incidents_after} "
                                                               f"({pct(c.incident_change)})"),
                 ("Harm", f"{c.harm_before} → {c.harm_after} ({pct(c.harm_change)})"),
                 ("Victims", f"{c.victims_before} → {c.victims_after}"),
                 ("New victims after adoption", f"{c.new_victims} ({plural(c.subjects_with_new_victims, 'subject')})"),
                 ("Mean score", f"{_num(c.mean_entry_score)} at entry → {_num(c.mean_exit_or_latest_score)} now")]
        side = key_values(facts, w * 0.42, s, key_share=0.45)
        t = Table([[chart, side]], colWidths=[w * 0.57, w * 0.43])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        out.append(t)
        out.append(CondPageBreak(45 * mm))
        out.append(para("By subject", s["H3"]))
        rows = []
        for p in sorted(d.periods, key=lambda p: (p.adopted_on, p.person_id)):
            rows.append([esc(p.name), p.adopted_on, esc(p.exited_on, "in cohort"), str(p.follow_up_days),
                         f"{p.before.incidents} → {p.after.incidents}", f"{p.before.harm} → {p.after.harm}",
                         str(p.new_victims), f"{_num(p.entry_score)} → {_num(p.exit_or_latest_score)}",
                         "" if p.enough_follow_up else "too short"])
        out.append(data_table(["Subject", "Adopted", "Exited", "Days", "Incidents", "Harm", "New victims",
                               "Score", "Note"], rows,
                              [38 * mm, 18 * mm, 18 * mm, 11 * mm, 19 * mm, 19 * mm, 14 * mm, 22 * mm, w - 159 * mm],
                              s, empty="No subject has been adopted yet."))
        out += self.comparison_block(w)
        return out

    def comparison_block(self, w: float) -> list[Flowable]:
        """Adopted subjects against a matched comparison group, and the tactics table (counts only)."""
        s, ev = self.styles, self.data.evaluation
        if ev is None:
            return []
        out: list[Flowable] = [CondPageBreak(70 * mm), para("Against a comparison group", s["H2"]),
                               para(esc(ev.sentence()), s["Lead"])]
        e = ev.estimates["incidents"]
        if e.n_pairs:
            chart = charts.before_after([("Adopted: incidents", int(e.adopted_before), int(e.adopted_after)),
                                         ("Comparison: incidents", int(e.comparison_before),
                                          int(e.comparison_after))], width=w * 0.55, height=30 * mm,
                                        title=f"DA incidents {ev.window_days} days before and after the decision")
            facts = [(evaluation.MEASURE_LABELS[m], "—" if x.difference is None else
                      f"{x.difference:+.1f} ({x.low:+.1f} to {x.high:+.1f})" if x.low is not None else
                      f"{x.difference:+.1f}") for m, x in ev.estimates.items()]
            side = key_values([("Difference (95% interval)", "")] + facts, w * 0.42, s, key_share=0.55)
            t = Table([[chart, side]], colWidths=[w * 0.57, w * 0.43])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
            out.append(t)
            a, c = ev.balance
            out.append(para(f"Balance at entry: adopted {a.n}, mean score {esc(a.mean_score)}, mean incidents "
                            f"{esc(a.mean_incidents)}; comparison {c.n}, mean score {esc(c.mean_score)}, mean "
                            f"incidents {esc(c.mean_incidents)}. Differences are percentage points (days for the "
                            "time to the first incident).", s["Small"] if "Small" in s.byName else s["Lead"]))
        rows = [[esc(t.category), esc(t.tactic), str(t.n), "—" if t.mean_difference is None else
                 f"{t.mean_difference:+.1f}", "—" if t.low is None else f"{t.low:+.1f} to {t.high:+.1f}",
                 esc(t.warning)] for t in self.data.tactic_effects]
        out.append(para("Tactics against each subject's own comparison (harm; negative is less harm; not ranked)",
                        s["H3"]))
        out.append(data_table(["Category", "Tactic", "Subjects", "Harm difference", "95% interval", "Note"], rows,
                              [34 * mm, 52 * mm, 16 * mm, 22 * mm, 26 * mm, w - 150 * mm], s,
                              empty="No adopted subject with a tactic has a matched comparison with a full window."))
        return out


def case_file_section(doc: MeetingPackDocument, w: float) -> list[Flowable]:
    """Section 8: the case file's reminders (plan reviews, Clare's Law, orders ending, breaches, victim support)."""
    r = doc.data.agenda.case_file
    if r is None:
        return []
    s = doc.styles
    gone = doc.data.withheld if doc.redact else set()
    out = doc.section(8, "Case file: reviews, Clare's Law, orders, breaches, victim support")
    out.append(para(f"As of the meeting ({esc(r.as_of)}); breaches since {esc(r.since, 'the start')}.", s["Lead"]))
    out.append(para("Risk management plan reviews", s["H2"]))
    out.append(data_table(["Subject", "Id", "Next review", "State"],
                          [[esc(x["name"]), esc(x["person_id"]), esc(x["next_review"]), esc(x["state"])]
                           for x in r.plan_reviews], [60 * mm, 25 * mm, 30 * mm, w - 115 * mm], s,
                          empty="Every plan's review is more than a week away."))
    out.append(para("Clare's Law applications overdue or due within the week", s["H2"]))
    out.append(data_table(["No.", "Subject", "Route", "At risk", "Deadline", "State", "Last step"],
                          [[str(x["id"]), esc(x["subject_name"]), esc(x["route"]),
                            "withheld" if x["at_risk_id"] in gone else esc(x["at_risk_name"]),
                            x["deadline"], esc(x["state"]), esc(x["last_step"])] for x in r.clares_law],
                          [10 * mm, 36 * mm, 24 * mm, 36 * mm, 20 * mm, 22 * mm, w - 148 * mm], s,
                          empty="No application is overdue or due within the week."))
    out.append(para("Orders and electronic monitoring ending within 28 days", s["H2"]))
    out.append(data_table(["Order", "Subject", "What ends", "Ends", "Days"],
                          [[f"{esc(x['type'])} ({x['id']})", esc(x["name"]), esc(x["what"]), x["ends"],
                            str(x["days_left"])] for x in r.expiring_orders],
                          [34 * mm, 50 * mm, 40 * mm, 22 * mm, w - 146 * mm], s, empty="None."))
    out.append(para("Breaches since the last meeting", s["H2"]))
    out.append(data_table(["Date", "Order", "Subject", "Note"],
                          [[x["date"], f"{esc(x['type'])} ({x['order_id']})", esc(x["name"]), esc(x["note"])]
                           for x in r.breaches], [20 * mm, 34 * mm, 44 * mm, w - 98 * mm], s, empty="None."))
    out.append(para("Victims without support", s["H2"]))
    out.append(data_table(["Victim or partner", "Id", "Victim of", "Status"],
                          [[esc(x["victim_name"]), esc(x["victim_id"]), esc(x["subject_name"]), esc(x["status"])]
                           for x in r.victims_without_support if x["victim_id"] not in gone], [55 * mm, 25 * mm, 55 * mm, w - 135 * mm], s,
                          empty="Every victim of a subject has support recorded."))
    return out

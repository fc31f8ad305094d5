"""The case file's sections in a profile: plan, Clare's Law, orders in detail, victim support, equality.

Self-contained: :func:`case_file_story` lays out a
:class:`~matac_desk.services.subject_file.SubjectFile` after the rest of the
profile; :func:`withhold_conditional` gives the partner-agency version of a
profile without the persons known only through intelligence graded with
handling code C, and says how many such links were withheld.
"""

from __future__ import annotations

import dataclasses

from reportlab.lib.units import mm

from ..meeting.plans import PILLAR_LABELS, PILLARS, ROSH_FIELDS, ROSH_LABELS
from .document import data_table, key_values
from .styles import esc, para
from .styles import esc as _esc

__all__ = ["case_file_story", "withhold_conditional", "pack_withheld", "withhold_from_pack"]


def withhold_conditional(p, store=None):
    """The profile ``p`` without persons known only through C-graded links (see :func:`services.subject_file.withheld`)."""
    cf = getattr(p, "case_file", None)
    if cf is None or not getattr(cf, "withheld", None):
        return p
    gone = cf.withheld
    layout = dataclasses.replace(p.layout, nodes=tuple(n for n in p.layout.nodes if n.id not in gone),
                                 edges=tuple(e for e in p.layout.edges if e.a not in gone and e.b not in gone))
    return dataclasses.replace(p, partners=[x for x in p.partners if x.person_id not in gone],
                               children=[c for c in p.children if c.person_id not in gone], layout=layout)


def case_file_story(p, styles, width: float, *, redact: bool = False, red=None) -> list:
    """The flowables of the case file's sections (nothing when the profile carries none).

    In a redacted version every value printed goes through ``red`` (a
    :class:`~matac_desk.pack.redaction.Redactor`): a victim's address, postcode or date of birth written in a
    plan, a step's note, a requirement or a breach is withheld and counted as in the rest of the profile.
    """
    cf = getattr(p, "case_file", None)
    if cf is None:
        return []

    def esc(value, *default):
        if red is not None and isinstance(value, str):
            value = red.text(value, "Case file")
        return _esc(value, *default)
    s = styles
    out = [para("Risk management plan", s["H2"])]
    plan = cf.plan
    if plan is None:
        out.append(para("No risk management plan is recorded.", s["Note"]))
    else:
        state = {"overdue": " — <font color='#a3141b'><b>REVIEW OVERDUE</b></font>", "due": " — review due",
                 "no review date": " — no review date set"}.get(cf.plan_state, "")
        out.append(para(f"Version {plan.version} of {plan.changed_at[:10]}; reviewed {esc(plan['reviewed_on'])}, "
                        f"next review {esc(plan['next_review'])}{state}", s["Note"]))
        pairs = [(PILLAR_LABELS[k], esc(plan[k]) + (f" <font color='#5c6370'>({esc(plan[k + '_owner'])})</font>"
                                                      if plan[k + "_owner"] else "")) for k in PILLARS]
        pairs += [(f"Risk of serious harm: {ROSH_LABELS[k]}", esc(plan[k])) for k in ROSH_FIELDS]
        out.append(key_values(pairs, width, s, key_share=0.3))

    gone = cf.withheld if redact else set()
    out.append(para("Clare's Law applications", s["H2"]))
    rows = [[str(a["id"]), esc(a["route"]), "withheld" if a["at_risk_id"] in gone else esc(a["at_risk_name"]), a["received_on"], a["deadline"],
             esc(a["state"]) if a["state"] not in ("overdue",) else "<font color='#a3141b'><b>OVERDUE</b></font>",
             "<br/>".join(f"{st['date']} {esc(st['step'])} ({esc(st['by'])})" for st in a["steps"]),
             esc(a["outcome"], "")] for a in cf.applications]
    out.append(data_table(["No.", "Route", "At risk", "Received", "Deadline", "State", "Steps", "Outcome"], rows,
                          [9 * mm, 22 * mm, 30 * mm, 18 * mm, 18 * mm, 18 * mm, width - 139 * mm, 24 * mm], s,
                          empty="No Clare's Law application is recorded."))

    out.append(para("Orders in detail: requirements and breaches", s["H2"]))
    rows = []
    for o in cf.orders:
        reqs = "<br/>".join(f"<b>{esc(r['kind'])}</b> {esc(r['type'])}: {esc(r['text'])}"
                            + (f" (until {r['until']})" if r["until"] else "") for r in o["requirement_list"])
        brs = "<br/>".join(f"{b['date']}: {esc(b['note'])}" for b in o["breach_list"])
        rows.append([f"{esc(o['type'])} ({o['id']})", esc(o["status"]), esc(o["em_end"], "—"), reqs or "—",
                     brs or "none"])
    out.append(data_table(["Order", "Status", "Tag ends", "Requirements", "Breaches"], rows,
                          [26 * mm, 18 * mm, 18 * mm, width - 122 * mm, 60 * mm], s,
                          empty="No order is recorded."))

    out.append(para("Victim support", s["H2"]))
    rows = [[esc(v["victim_name"]), esc(v["victim_id"]), esc(v["service"], "—"), esc(v["status"]),
             esc(v["date"], "—")] for v in cf.victim_support if v["victim_id"] not in gone]
    out.append(data_table(["Victim or partner", "Id", "Service", "Status", "Since"], rows,
                          [50 * mm, 24 * mm, 40 * mm, 30 * mm, width - 144 * mm], s,
                          empty="No victim or partner is recorded."))

    e = cf.equality
    out.append(para("Equality monitoring", s["H2"]))
    out.append(para(f"Sex: {esc(e.get('sex_label'))} · ethnicity: {esc(e.get('ethnicity_label'))} · disability: "
                    f"{esc(e.get('disability_label'))} · age band: {esc(e.get('age_band'))}", s["Note"]))
    if redact and getattr(cf, "withheld_links", 0):
        out.append(para(f"{cf.withheld_links} intelligence link(s) graded with handling code C (sharing with "
                        f"conditions) are withheld from this version, with the {len(cf.withheld)} person(s) known "
                        "only through them.", s["Note"]))
    return out


def pack_withheld(store, agenda, profiles) -> set[str]:
    """Everyone a redacted pack leaves out: known only through C-graded links (profiles' and new partner alerts')."""
    from ..services.subject_file import withheld
    gone = {x for p in profiles if p.case_file for x in p.case_file.withheld}
    for np in agenda.new_partners:
        gone |= withheld(store, np.perpetrator_id, [np.partner_id])[0]
    return gone


def withhold_from_pack(data):
    """The pack's data without the new partner alerts of persons in ``data.withheld``."""
    if not data.withheld:
        return data
    agenda = dataclasses.replace(data.agenda, new_partners=[np for np in data.agenda.new_partners
                                                            if np.partner_id not in data.withheld])
    return dataclasses.replace(data, agenda=agenda)

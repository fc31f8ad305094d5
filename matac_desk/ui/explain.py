"""The score explanation as rich text: the rules and their windows, which incidents gave R, F, G and V, how
each offence was matched (Home Office code or wording), the involvements left out for age and the dates of
birth assumed, and the offences left unmapped.

Shared by the nominations page's side panel and the person page's Score tab. The sentences come from
:mod:`matac_desk.analysis.scoring` (``rules_sentence``, ``Explanation``), which the printed profile uses too.
"""

from __future__ import annotations

from html import escape

from ..analysis.scoring import Explanation, format_bands
from .widgets import ACCENT

__all__ = ["explanation_html", "history_html"]


def _refs(refs) -> str:
    return ", ".join(escape(r) for r in refs) or "—"


def _gravity_row(e: Explanation) -> str:
    s, cfg = e.score, e.config
    if cfg.gravity_mode == "sum":
        parts = " + ".join(f"{v} ({escape(r)})" for r, v in e.gravity_values)
        return (f"<tr><td><b>G {s.g}</b></td><td>Gravity: each incident's highest, added up: {e.gravity_total}"
                f" = {parts}; banded {escape(format_bands(cfg.gravity_sum_bands))}</td></tr>")
    return (f"<tr><td><b>G {s.g}</b></td><td>Gravity: {escape(', '.join(e.gravity_offences))} in "
            f"{_refs(e.gravity_refs)}</td></tr>")


def explanation_html(e: Explanation, *, incidents_shown: int = 30) -> str:
    s = e.score
    out = [f"<h3 style='margin:0'>{escape(e.name)}</h3>"
           f"<p style='margin-top:2px'>{escape(e.person_id)} · scored as of {escape(e.as_of)}"
           + (f" · configuration v{e.config_version}" if e.config_version else " · default configuration") + "</p>"]
    out.append(f"<p style='color:gray'>{escape(e.rules)}</p>")
    if len(e.records) > 1:
        out.append(f"<p>Merged records scored as one person: {_refs(e.records)}</p>")
    if s is None:
        out.append(f"<p><b>Not scored</b>: no counted incident as perpetrator in the {e.config.window_days + 1:,} "
                   f"days to {escape(e.as_of)}.</p>")
    else:
        rank = f", rank {s.rank}" if s.rank else ""
        out.append(f"<p style='font-size:large'><b>Score {s.score:g}</b> = R {s.r} + F {s.f} + G {s.g} + V {s.v}"
                   f"{rank}</p>")
        out.append("<table cellspacing='0' cellpadding='3'>"
                   f"<tr><td><b>R {s.r}</b></td><td>Recency: latest incident {escape(e.recency_ref or '')} on "
                   f"{escape(s.latest_incident)}, {e.recency_days} days before</td></tr>"
                   f"<tr><td><b>F {s.f}</b></td><td>Frequency: {s.incidents} incident(s): "
                   f"{_refs(e.frequency_refs)}</td></tr>"
                   + _gravity_row(e)
                   + f"<tr><td><b>V {s.v}</b></td><td>Victims: {s.victims}: {_refs(e.victim_ids)}</td></tr></table>")
    cfg = e.config
    serial = "yes" if e.serial else "no"
    groups = ""
    if cfg.serial_unconnected_victims:
        joined = [g for g in e.serial_groups if len(g) > 1]
        groups = f", {len(e.serial_groups)} unconnected" + (
            " (" + "; ".join(" and ".join(escape(v) for v in g) for g in joined)
            + " counted as one: family or shared an address)" if joined else "")
    out.append(f"<p><b>Serial</b>: {serial} ({len(e.serial_refs)} incident(s), {len(e.serial_victim_ids)} "
               f"victim(s){groups} in {cfg.serial_window_days + 1:,} days; the rule needs "
               f"{cfg.serial_min_incidents} and {cfg.serial_min_victims})</p>")
    if e.serial_refs and len(e.serial_refs) != len(e.frequency_refs):
        out.append(f"<p style='color:gray'>The serial test looks back {cfg.serial_window_days + 1:,} days and the "
                   f"score {cfg.window_days + 1:,}: it counts {len(e.serial_refs)} incident(s) where F counts "
                   f"{len(e.frequency_refs)}.</p>")
    if e.matches:
        out.append("<p><b>How each offence was matched</b> (a Home Office code before the wording):<br>"
                   + "<br>".join(escape(m) for m in e.matches) + "</p>")
    if e.not_counted:
        out.append(f"<p><b>Not counted</b> (domestic abuse is between two people {cfg.min_age} or over; the "
                   "children stay on the Children tab and in the profile):<br>"
                   + "<br>".join(escape(n) for n in e.not_counted) + "</p>")
    if e.assumed:
        out.append(f"<p>Date of birth not recorded, assumed {cfg.min_age} or over: "
                   f"{escape(', '.join(e.assumed))}</p>")
    if e.unmapped:
        out.append(f"<p style='color:{ACCENT['warning']}'><b>Unmapped offences</b> (scored "
                   f"{cfg.unmapped_points} each until the gravity table lists them): "
                   f"{escape('; '.join(e.unmapped))}</p>")
    if e.incidents:
        out.append("<table cellspacing='0' cellpadding='2' width='100%'><tr><th align='left'>Date</th>"
                   "<th align='left'>Incident</th><th align='right'>G</th><th align='left'>Offences</th>"
                   "<th align='left'>Counted</th></tr>")
        for ln in e.incidents[:incidents_shown]:
            faint = "" if ln.status == "scored" else " style='color:gray'"
            out.append(f"<tr{faint}><td nowrap>{escape(ln.date)}</td><td nowrap>{escape(ln.ref)}</td><td align='right'>"
                       f"{ln.gravity}</td><td>{escape('; '.join(ln.offences))}</td><td>{escape(ln.status)}</td></tr>")
        out.append("</table>")
        if len(e.incidents) > incidents_shown:
            out.append(f"<p>… and {len(e.incidents) - incidents_shown} earlier incident(s).</p>")
    return "".join(out)


def history_html(history, trend) -> str:
    """The score at each snapshot (meetings and on demand), oldest first, and the latest change."""
    if not history:
        return "<p>No snapshot has scored this person yet (snapshots are taken when a meeting is held).</p>"
    if hasattr(trend, "text"):     # nominations.Change: the one change figure
        head = f"<p><b>Change</b>: {escape(trend.text())} (the score as of {escape(trend.as_of)} against the " \
               "latest snapshot before that day)</p>"
    else:
        arrow = {"up": "▲ up", "down": "▼ down", "same": "= no change", "new": "new", "none": ""}[trend.direction]
        change = f" ({trend.change:+g})" if trend.change not in (None, 0) else ""
        head = f"<p><b>Trend since the previous snapshot</b>: {arrow}{change}</p>"
    rows = "".join(
        f"<tr><td>{escape(p.snapshot.as_of)}</td><td>{escape(p.snapshot.label or '')}</td>"
        f"<td align='right'>{p.points:g}</td><td>"
        + (f"R {p.score.r} F {p.score.f} G {p.score.g} V {p.score.v}, rank {p.score.rank}" if p.score else
           "not scored") + "</td></tr>" for p in history)
    return (head + "<table cellspacing='0' cellpadding='2'><tr><th align='left'>As of</th><th align='left'>Snapshot</th>"
            f"<th align='right'>Score</th><th align='left'>Parts</th></tr>{rows}</table>")

"""Audit entries in words: "Viewed the profile", "Disclosed a pack to Probation (41 persons)".

The audit log keeps event codes and structured detail (for checking and
for export); the screens show each entry as a sentence. An event this
module does not know is shown by its code in words ("toolkit added"),
never dropped.

>>> describe({"action": "person.viewed", "detail": '{"view": "profile"}', "recipient": None})
'Viewed the profile'
>>> describe({"action": "disclosure.pack", "detail": {"count": 41}, "recipient": "Probation"})
'Disclosed a meeting pack to Probation (41 persons)'
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["describe"]

_VIEWS = {"profile": "the profile", "graph": "the relationship graph", "graph export": "the graph picture (saved)",
          "score": "the score explanation", "case file": "the case file"}

_WORDS = {
    "person.viewed": "Viewed {view}",
    "person.merged": "Merged another record into this one",
    "person.unmerged": "Undid a merge",
    "person.not_duplicate": "Marked as not the same person as a probable duplicate",
    "person.erased": "Erased",
    "alias.added": "Added an alias",
    "alias.removed": "Removed an alias",
    "data_quality.resolved": "Marked a data-quality warning resolved",
    "subject.changed": "Changed the subject details ({fields})",
    "order.added": "Recorded an order ({type})",
    "order.changed": "Corrected an order ({fields})",
    "order.removed": "Removed an order recorded in error",
    "disclosure.recorded": "Recorded a Clare's Law application or disclosure",
    "tactic.agreed": "Agreed a tactic",
    "tactic.status": "Changed a tactic's status to {status}",
    "tactic.removed": "Took back a tactic agreed in error",
    "action.added": "Added an action for {agency}",
    "action.updated": "Updated action {action_id}",
    "action.update_removed": "Took back an update of action {action_id}",
    "action.removed": "Removed action {action_id} (added in error)",
    "meeting.decision": "Meeting decision: {decision}",
    "meeting.decision_removed": "Took back the meeting decision {decision}",
    "meeting.minutes": "Wrote minutes",
    "meeting.minutes_removed": "Removed minutes saved in error",
    "meeting.held": "Marked the meeting held",
    "meeting.reopened": "Reopened the meeting",
    "meeting.scheduled": "Scheduled a meeting on {date}",
    "meeting.attendee": "Added an attendee",
    "meeting.attendee_changed": "Corrected an attendee",
    "meeting.attendee_removed": "Removed an attendee",
    "cohort.adopted": "Adopted into the cohort",
    "cohort.exited": "Exited the cohort",
    "cohort.not_adopted": "Not adopted",
    "referral.created": "Referred by a partner agency",
    "referral.decided": "Referral decided",
    "forum.referral": "MAPPA or MARAC referral recorded",
    "link.added": "Added an intelligence link",
    "link.removed": "Removed an intelligence link",
    "view.listing": "Listed in {listing}",
    "score.snapshot": "Scores kept as a snapshot",
}


def _detail(entry: dict) -> dict:
    d = entry.get("detail")
    if isinstance(d, dict):
        return d
    if isinstance(d, str) and d.startswith("{"):
        try:
            out = json.loads(d)
            return out if isinstance(out, dict) else {}
        except ValueError:
            return {}
    return {}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def describe(entry: dict[str, Any]) -> str:
    """One audit entry as a sentence."""
    action = entry.get("action") or ""
    d = _detail(entry)
    if action.startswith("disclosure.") and action != "disclosure.recorded":
        what = action.split(".", 1)[1]
        n = d.get("count")
        kind = {"pack": "a meeting pack", "profile": "a profile", "csv": "a CSV export"}.get(what, f"a {what}")
        to = entry.get("recipient") or "an unstated recipient"
        return f"Disclosed {kind} to {to}" + (f" ({n} person{'s' if n != 1 else ''})" if n is not None else "")
    if action.startswith("export."):
        return f"Exported {action.split('.', 1)[1].replace('_', ' ')}"
    template = _WORDS.get(action)
    if template is None:
        return action.replace(".", " ").replace("_", " ").capitalize() or "(no event)"
    values = _Blank({k: (", ".join(map(str, v)).replace("_", " ") if isinstance(v, list) else v)
                     for k, v in d.items()})
    if "view" in values:
        values["view"] = _VIEWS.get(str(values["view"]), f"the {values['view']}")
    text = template.format_map(values)
    return text.replace(" (…)", "").replace(": …", "").replace(" …", "")

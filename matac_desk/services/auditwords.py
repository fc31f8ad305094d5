"""Audit entries in words: "Viewed the profile", "Disclosed a pack to Probation (41 persons)".

The audit log keeps event codes and structured detail (for checking and
for export); the screens show each entry as a sentence, made only from
what the entry itself holds (its code, its detail, its recipient): never a
name or an id looked up elsewhere. Every event the program writes has its
words here (``tests/test_audit_words.py`` scans the source for them); an
event this module does not know, from an older version, is shown by its
code in words ("toolkit added"), never dropped.

>>> describe({"action": "person.viewed", "detail": '{"view": "profile"}', "recipient": None})
'Viewed the profile'
>>> describe({"action": "disclosure.pack", "detail": {"count": 41}, "recipient": "Probation"})
'Disclosed a meeting pack to Probation (41 persons)'
>>> knows("person.viewed"), knows("toolkit.lent")
(True, False)
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

__all__ = ["describe", "knows", "in_code_words"]

_VIEWS = {"profile": "the profile", "graph": "the relationship graph", "graph export": "the graph picture (saved)",
          "score": "the score explanation", "case file": "the case file",
          "erasure mentions": "the mentions of the person in other records (before an erasure)"}

# What a disclosure sent out: ``disclosure.<what>`` (storage.audit.audit_disclosure, audit_export).
_DISCLOSED = {"pack": "a meeting pack", "profile": "a profile", "csv": "a CSV export", "audit-log": "the audit log",
              "return": "a quarterly return", "listing": "a listing", "picture": "a relationship picture",
              "actions": "an action list", "rejects": "the rejected rows of an import"}

_PUT_BACK = {"dob_changed": "date of birth"}


def _counts(d: dict, *names: tuple[str, str]) -> str:
    """``" (3 new, 1 rejected)"`` from the counts the detail holds, or nothing."""
    parts = [f"{d[k]:,} {word}" if isinstance(d[k], int) else f"{d[k]} {word}" for k, word in names
             if d.get(k) not in (None, "", [])]
    return f" ({', '.join(parts)})" if parts else ""


def _undone(d: dict) -> str:
    """What an undone import took away and put back: " (removed 3 persons, 5 incidents; restored 2 persons)"."""
    def said(counts: Any) -> str:
        if not isinstance(counts, dict):
            return ""
        return ", ".join(f"{n:,} {k}" for k, n in counts.items() if isinstance(n, int) and n)
    parts = [f"{verb} {text}" for verb, text in (("removed", said(d.get("removed"))),
                                                 ("restored", said(d.get("restored")))) if text]
    return f" ({'; '.join(parts)})" if parts else ""


def _words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value).replace("_", " ")
    return str(value).replace("_", " ")


# An event's words: a template over its detail (a missing value drops out with its brackets), or a function of the
# detail and the entry.
_Words = str | Callable[[dict, dict], str]

_WORDS: dict[str, _Words] = {
    # a person's record
    "person.viewed": "Viewed {view}",
    "person.merged": "Merged two records into one (merge {merge})",
    "person.unmerged": "Undid merge {merge}: the records stand apart again",
    "person.not_duplicate": "Marked two records as different people (decision {decision})",
    "person.not_duplicate_undone": "Took back the 'not the same person' decision {decision}",
    "person.put_back": lambda d, _e: f"Put back the {_PUT_BACK.get(d.get('kind'), 'name')} an import had changed",
    "person.equality_changed": "Changed the equality details ({fields})",
    "person.erased": lambda d, _e: "Erased a person" + _counts(d, ("records", "record(s)")),
    "alias.added": "Added an alias",
    "alias.removed": "Removed an alias",
    "data_quality.resolved": "Marked a data-quality warning resolved",
    "data_quality.reopened": "Reopened a data-quality warning",
    # the subject's case file
    "subject.changed": "Changed the subject details ({fields})",
    "order.added": "Recorded an order ({type})",
    "order.changed": "Corrected an order ({fields})",
    "order.removed": "Removed an order recorded in error",
    "order.requirement_added": "Added a {kind} requirement to an order",
    "order.requirement_removed": "Removed an order requirement recorded in error",
    "order.breach": "Recorded a breach of an order ({type})",
    "order.breach_removed": "Removed an order breach recorded in error",
    "disclosure.recorded": "Recorded a Clare's Law {kind} disclosure ({decision})",
    "clares_law.opened": "Opened a Clare's Law application ({route})",
    "clares_law.step": "Recorded a Clare's Law step: {step}",
    "clares_law.step_removed": "Removed a Clare's Law step recorded in error ({step})",
    "clares_law.closed": lambda d, _e: "Closed a Clare's Law application" + (f" ({d['outcome']})" if d.get("outcome")
                                                                              else "")
                                       + (", after the deadline" if d.get("late") else ""),
    "clares_law.reopened": "Reopened a Clare's Law application",
    "clares_law.changed": "Corrected a Clare's Law record ({fields})",
    "clares_law.removed": "Removed a Clare's Law record made in error ({kind})",
    "plan.changed": "Changed the risk management plan: {change} (version {version})",
    "victim_support.set": "Recorded victim support ({status})",
    "victim_support.removed": "Removed a victim support record made in error",
    "tactic.agreed": "Agreed a tactic",
    "tactic.status": "Changed a tactic's status to {status}",
    "tactic.removed": "Took back a tactic agreed in error",
    "toolkit.added": "Added a tactic to the toolkit",
    "toolkit.retired": "Retired a tactic from the toolkit",
    "toolkit.restored": "Restored a retired tactic to the toolkit",
    "action.added": "Added an action for {agency}",
    "action.updated": "Updated action {action_id}",
    "action.update_removed": "Took back an update of action {action_id}",
    "action.removed": "Removed action {action_id} (added in error)",
    "om.added": "Added an offender manager",
    "om.changed": "Changed an offender manager's details ({fields})",
    # the meeting
    "meeting.decision": "Decision at the meeting: {decision}",
    "meeting.decision_removed": "Took back the meeting decision {decision}",
    "meeting.minutes": "Wrote minutes",
    "meeting.minutes_removed": "Removed minutes saved in error",
    "meeting.held": lambda d, _e: "Marked the meeting held" + (" before its day" if d.get("early") else ""),
    "meeting.reopened": "Reopened the meeting",
    "meeting.scheduled": "Scheduled a meeting on {date}",
    "meeting.attendee": "Added an attendee",
    "meeting.attendee_changed": "Corrected an attendee",
    "meeting.attendee_removed": "Removed an attendee",
    "cohort.nominated": "Nominated for the cohort",
    "cohort.adopted": "Adopted into the cohort",
    "cohort.exited": "Exited the cohort",
    "cohort.not_adopted": "Not adopted",
    "referral.created": "Referred by a partner agency ({agency})",
    "referral.decided": "Decided on a partner referral: {decision}",
    "forum.referral": "Recorded a {forum} referral ({outcome})",
    "score.snapshot": "Kept the scores as a snapshot (as of {as_of})",
    "scoring.config_changed": "Changed the scoring configuration (version {version})",
    # records coming in
    "import": lambda d, _e: "Imported a force extract" + _counts(d, ("rows_read", "rows read"), ("new", "new"),
                                                                 ("updated", "updated"), ("rejected", "rejected")),
    "import.undone": lambda d, e: f"Undid import {e.get('entity_id') or ''}".rstrip() + _undone(d),
    "import.links": lambda d, _e: "Imported intelligence links" + _counts(d, ("new", "new"), ("updated", "updated"),
                                                                          ("rejected", "rejected")),
    "import_profile.saved": lambda _d, e: "Saved an import profile" + (f" ({e['entity_id']})" if e.get("entity_id")
                                                                        else ""),
    "import_profile.deleted": lambda _d, e: "Deleted an import profile" + (f" ({e['entity_id']})"
                                                                            if e.get("entity_id") else ""),
    "rejects.reviewed": lambda d, _e: "Reviewed the rejected rows of an import" + _counts(d, ("rows", "rows")),
    "link.added": lambda d, _e: "Added an intelligence link" + (" and a new person" if d.get("person_b_new") else ""),
    "link.removed": "Removed an intelligence link",
    # consultations
    "view.listing": lambda d, _e: "Shown in a listing" + (f": {_words(d['listing']).replace('-', ' ')}"
                                                          if d.get("listing") else "")
                                  + _counts(d, ("rows", "rows")),
    "retention.reviewed": lambda d, _e: "Listed who is due for retention review" + (f" on {d['as_of']}"
                                                                                     if d.get("as_of") else "")
                                        + _counts(d, ("due", "due")),
    # the store
    "store.created": "Created the store",
    "store.migrated": "Upgraded the store ({applied})",
    "store.rekeyed": "Changed the store's passphrase",
    "store.restored": "Restored the store from a backup",
    "backup.made": "Made a backup ({label})",
    "backups.rekeyed": lambda d, _e: "Re-keyed the backups with the new passphrase" + _counts(
        d, ("rekeyed", "re-keyed"), ("failed", "left as they were")),
    "settings.changed": lambda _d, e: "Changed a setting" + (f" ({_words(e['entity_id'])})" if e.get("entity_id")
                                                             else ""),
    "audit.rechained": "Re-chained the audit log in an upgrade ({migration})",
    "people_search.rebuilt": "Rebuilt the people search index",
    "demo.links": "Added demonstration intelligence links ({links})",
    "demo.case_file": "Added demonstration case-file records",
    "demo.case_file_done": "Finished the demonstration case files ({subjects} subjects)",
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


_BRACKETED_BLANK = re.compile(r" \([^()]*…[^()]*\)")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _disclosure(what: str, d: dict, entry: dict) -> str:
    kind = _DISCLOSED.get(what, f"a {what.replace('-', ' ')}")
    if what == "listing" and d.get("listing"):
        kind += f" ({_words(d['listing']).replace('-', ' ')})"
    n = d.get("count")
    to = entry.get("recipient") or "an unstated recipient"
    return f"Disclosed {kind} to {to}" + (f" ({n} person{'s' if n != 1 else ''})" if n is not None else "")


def _sentence(action: str, d: dict, entry: dict) -> str | None:
    """The entry's words, or None for an event this module does not know."""
    if action.startswith("disclosure.") and action not in _WORDS:
        what = action.split(".", 1)[1]
        return _disclosure(what, d, entry) if what in _DISCLOSED else None
    if action.startswith("export."):      # written by older versions
        return f"Exported {action.split('.', 1)[1].replace('_', ' ')}"
    words = _WORDS.get(action)
    if words is None:
        return None
    if callable(words):
        return words(d, entry)
    values = _Blank({k: _words(v) if isinstance(v, list) else v for k, v in d.items()})
    if "view" in values:
        values["view"] = _VIEWS.get(str(values["view"]), f"the {values['view']}")
    text = _BRACKETED_BLANK.sub("", words.format_map(values))     # a value the entry does not hold drops out
    return text.replace(": …", "").replace(" … ", " ").replace(" …", "")


def in_code_words(action: str) -> str:
    """An event not known here, by its code in words: "toolkit.lent" is "Toolkit lent"."""
    return action.replace(".", " ").replace("_", " ").capitalize() or "(no event)"


def knows(action: str) -> bool:
    """True when :func:`describe` has words of its own for the event (not only its code in words)."""
    return _sentence(action, {}, {"action": action}) is not None


def describe(entry: dict[str, Any]) -> str:
    """One audit entry as a sentence."""
    action = entry.get("action") or ""
    text = _sentence(action, _detail(entry), entry)
    return in_code_words(action) if text is None else text

"""Audit entries shown in words, not event codes and raw JSON; an unknown event still shows, by its code in words.

Every event code the program writes has words of its own: the source of
``matac_desk/`` is scanned for the calls that write audit entries, and each
code found must be one :func:`auditwords.knows`.
"""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import pytest

import matac_desk
from matac_desk.services import auditwords
from matac_desk.services.auditwords import describe, in_code_words, knows

SOURCE = Path(matac_desk.__file__).parent

# The functions that write an entry, and where their event code is: (position, keyword, prefix). ``append`` is the
# audit module's (``audit.append(conn, action)``), ``audit`` the store's (``store.audit(action)``); the others pass
# a code or a part of one down to them.
WRITERS = {
    "audit": (0, "action", ""),
    "append": (1, "action", ""),
    "_write_changes": (6, "action", ""),          # meeting.cohort: a corrected row and its entry
    "_delete_row": (3, "action", ""),             # meeting.cohort: a row removed and its entry
    "audit_disclosure": (1, "what", "disclosure."),
    "audit_export": (1, "what", "disclosure."),
    "_pack_audit": (6, "what", "disclosure."),
    "record_event": (2, "event", "cohort."),      # meeting.cohort: "not adopted" is cohort.not_adopted
}


def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _constants(node: ast.expr) -> list[str] | None:
    """The codes an argument can be: a string, either string of a conditional; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _constants(node.body), _constants(node.orelse)
        return a + b if a is not None and b is not None else None
    return None


def _defaults(tree: ast.AST) -> dict[tuple[str, str], str]:
    """Parameter defaults of the writers (``_pack_audit(..., what="pack")``)."""
    out = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name in WRITERS:
            args = fn.args.args[len(fn.args.args) - len(fn.args.defaults):]
            for a, d in zip(args, fn.args.defaults):
                if isinstance(d, ast.Constant) and isinstance(d.value, str):
                    out[(fn.name, a.arg)] = d.value
            for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults):
                if isinstance(d, ast.Constant) and isinstance(d.value, str):
                    out[(fn.name, a.arg)] = d.value
    return out


def written_codes() -> tuple[set[str], list[str]]:
    """Every event code written anywhere in matac_desk/, and the calls whose code the scan cannot tell."""
    codes: set[str] = set()
    unknown: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defaults = _defaults(tree)
        parents = {child: fn for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) for child in ast.walk(fn)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in WRITERS:
                continue
            if name == "append" and "audit" not in ast.unparse(node.func):
                continue                                    # a list's append
            position, keyword, prefix = WRITERS[name]
            arg = next((k.value for k in node.keywords if k.arg == keyword), None)
            if arg is None and len(node.args) > position:
                arg = node.args[position]
            if arg is None:                                 # left at its default
                default = defaults.get((name, keyword))
                if default is None:
                    unknown.append(f"{path.name}:{node.lineno}")
                else:
                    codes.add(prefix + default.replace(" ", "_"))
                continue
            values = _constants(arg)
            if values is not None:
                codes.update(prefix + v.replace(" ", "_") for v in values)
                continue
            # a writer handing on the code it was given (its own parameter): its callers are scanned instead
            inside = parents.get(node)
            handed_on = (inside is not None and inside.name in WRITERS
                         and any(isinstance(n, ast.Name) and n.id == WRITERS[inside.name][1] for n in ast.walk(arg)))
            if not handed_on:
                unknown.append(f"{path.name}:{node.lineno} {ast.unparse(arg)}")
    return codes, unknown


def test_doctests():
    assert doctest.testmod(auditwords).failed == 0


def test_the_scan_finds_the_writers_and_can_tell_every_code():
    codes, unknown = written_codes()
    assert not unknown, f"audit entries whose event code the scan cannot tell (add the writer to WRITERS): {unknown}"
    # the scan sees every way in: plain codes, conditionals, handed-on parts, defaults
    assert {"person.viewed", "person.merged", "toolkit.retired", "toolkit.restored", "data_quality.reopened",
            "clares_law.removed", "order.changed", "disclosure.pack", "disclosure.profile", "disclosure.audit-log",
            "disclosure.listing", "cohort.not_adopted", "store.created", "import"} <= codes
    assert len(codes) > 80


def test_every_event_the_program_writes_has_words_of_its_own():
    codes, _unknown = written_codes()
    missing = sorted(c for c in codes if not knows(c))
    assert not missing, f"events shown only by their code in words: {missing}"
    for code in codes:
        assert describe({"action": code, "detail": None, "recipient": None}) != in_code_words(code)


@pytest.mark.parametrize("entry, words", [
    ({"action": "person.viewed", "detail": '{"view": "graph"}'}, "Viewed the relationship graph"),
    ({"action": "disclosure.profile", "detail": '{"count": 1}', "recipient": "Probation"},
     "Disclosed a profile to Probation (1 person)"),
    ({"action": "disclosure.listing", "detail": '{"count": 12, "listing": "clares-law"}', "recipient": None},
     "Disclosed a listing (clares law) to an unstated recipient (12 persons)"),
    ({"action": "disclosure.audit-log", "detail": '{"count": 0, "entries": 40}', "recipient": "ICO"},
     "Disclosed the audit log to ICO (0 persons)"),
    ({"action": "subject.changed", "detail": '{"fields": ["mappa_level", "om_id"]}'},
     "Changed the subject details (mappa level, om id)"),
    ({"action": "meeting.decision", "detail": {"decision": "adopt", "meeting_id": 3}},
     "Decision at the meeting: adopt"),
    ({"action": "meeting.held", "detail": {"early": True, "early_reason": "bank holiday"}},
     "Marked the meeting held before its day"),
    ({"action": "action.added", "detail": None}, "Added an action for"),
    ({"action": "toolkit.retired", "detail": None}, "Retired a tactic from the toolkit"),
    ({"action": "clares_law.closed", "detail": '{"application": 4, "outcome": "disclosed", "late": true}'},
     "Closed a Clare's Law application (disclosed), after the deadline"),
    ({"action": "order.requirement_added", "detail": '{"kind": "negative", "type": "exclusion zone"}'},
     "Added a negative requirement to an order"),
    ({"action": "forum.referral", "detail": '{"forum": "MARAC", "outcome": "referred"}'},
     "Recorded a MARAC referral (referred)"),
    ({"action": "forum.referral", "detail": None}, "Recorded a referral"),
    ({"action": "plan.changed", "detail": '{"change": "reviewed", "version": 3, "fields": ["next_review"]}'},
     "Changed the risk management plan: reviewed (version 3)"),
    ({"action": "person.put_back", "detail": '{"warning": 9, "kind": "dob_changed"}'},
     "Put back the date of birth an import had changed"),
    ({"action": "import", "detail": '{"rows_read": 1200, "new": 40, "updated": 3, "rejected": 0}'},
     "Imported a force extract (1,200 rows read, 40 new, 3 updated, 0 rejected)"),
    ({"action": "view.listing", "detail": '{"listing": "import-person-changes", "rows": 3, "persons": ["p-1"]}'},
     "Shown in a listing: import person changes (3 rows)"),
    ({"action": "settings.changed", "entity_id": "idle_lock_minutes", "detail": None},
     "Changed a setting (idle lock minutes)"),
    ({"action": "link.added", "detail": '{"kind": "partner", "person_b_new": true}'},
     "Added an intelligence link and a new person"),
    ({"action": "toolkit.lent", "detail": None}, "Toolkit lent"),          # not known: its code in words
])
def test_entries_in_words(entry, words):
    assert describe(entry) == words


def test_the_words_hold_nothing_the_entry_does_not():
    """Pseudonyms and other persons in the detail stay out of the sentence; only the entry's own words go in."""
    entry = {"action": "link.added", "entity": "person", "entity_id": "p-" + "a" * 32,
             "detail": '{"link": 7, "person_b": "p-bbbbbbbb", "kind": "partner", "persons": ["p-bbbbbbbb"]}'}
    assert "p-" not in describe(entry)

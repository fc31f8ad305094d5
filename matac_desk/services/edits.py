"""Every change a coordinator makes by hand, each one that can be undone and redone: plain objects, no Qt.

On a person page: the subject's details (offender manager, division,
MAPPA, MARAC, IOM, risk), orders and bail conditions, Clare's Law records,
aliases, and data-quality warnings dealt with. At a meeting: decisions,
marking it held and reopening it, attendees, tactics agreed, actions
(added and updated) and minutes. Each :class:`Edit` goes through the services that own the
data (:mod:`~matac_desk.meeting.cohort`, :mod:`~matac_desk.meeting.workload`,
:mod:`~matac_desk.services.people`), which audit it:

- :meth:`Edit.apply` makes the change (the first time, and again on redo);
- :meth:`Edit.revert` writes the previous values back (undo), audited
  with the reason ``undo`` (a redo's with ``redo``).

Each call is one transaction: a refused change (a :class:`UserError`)
leaves the store as it was. An undo is refused when the value was changed
again since by something else, rather than overwrite that change.
``text`` names the edit for the Edit menu ("change MAPPA level");
``kinds`` are the change kinds the UI announces (see ``ui/context.py``).

>>> edit = SubjectEdit("NM0000123", mappa_level=2)      # doctest: +SKIP
>>> edit.apply(store); edit.text                        # doctest: +SKIP
'change MAPPA level'
>>> edit.revert(store)                                  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

from ..analysis import duplicates
from ..meeting import actions, cohort, meetings, workload
from . import people
from ..domain import UserError
from ..storage.store import Store

__all__ = ["Edit", "SubjectEdit", "AddOrder", "ChangeOrder", "AddDisclosure", "ChangeDisclosure", "AddAlias",
           "RemoveAlias", "ResolveWarning", "RecordDecision", "MarkHeld", "ReopenMeeting", "AddAttendee",
           "ChangeAttendee", "RemoveAttendee", "AgreeTactic", "AddAction", "UpdateAction", "AddMinutes",
           "Merge", "SUBJECT_LABELS", "UNDO", "REDO"]

UNDO, REDO = "undo", "redo"   # the audit reasons of an undo and a redo

SUBJECT_LABELS = {
    "om_id": "offender manager", "division": "division", "mappa_category": "MAPPA category",
    "mappa_level": "MAPPA level", "marac": "MARAC", "iom": "IOM", "risk_level": "risk level",
    "risk_weapons": "weapons risk", "risk_substance_misuse": "substance misuse risk",
    "risk_mental_health": "mental health risk",
}
_ORDER_LABELS = {"type": "type", "start": "start date", "end": "end date", "protected_person_id": "protected person",
                 "conditions": "conditions"}
_DISCLOSURE_LABELS = {"kind": "kind", "date": "date", "decision": "decision", "notes": "notes"}


class Edit:
    """One change to a person's record; ``apply`` then ``revert`` leaves the store as it was before."""

    text = "edit"
    kinds: tuple[str, ...] = ("cohort",)

    def __init__(self, person_id: str | None):
        self.person_id = person_id
        self.applied = False     # applied at least once: a further apply is a redo

    def apply(self, store: Store) -> bool:
        """Make the change in one transaction; False when it changed nothing (nothing to undo)."""
        with store.transaction():
            done = self._apply(store, REDO if self.applied else None)
        self.applied = True
        return done is not False

    def revert(self, store: Store) -> None:
        """Write the previous values back in one transaction (an undo)."""
        if not self.applied:
            raise UserError("nothing to undo: the change was never made")
        with store.transaction():
            self._revert(store)

    def _apply(self, store: Store, reason: str | None) -> bool | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _revert(self, store: Store) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


def _text(verb: str, fields, labels: dict[str, str], several: str) -> str:
    fields = list(fields)
    return f"{verb} {labels[fields[0]]}" if len(fields) == 1 else f"{verb} {several}"


def _still(current: dict, changed: dict[str, tuple], labels: dict[str, str], done: str) -> None:
    """Refuse an undo (or a redo) when a field no longer holds what the edit (or its undo) wrote: someone
    changed it since. ``done`` is what did not happen: "undone" or "redone"."""
    moved = {labels[k]: _shown(current[k]) for k, (_old, new) in changed.items() if current[k] != new}
    if moved:
        now = (f"it is now {next(iter(moved.values()))}" if len(moved) == 1 else
               "now " + ", ".join(f"{label} {value}" for label, value in moved.items()))
        raise UserError(f"the {', '.join(moved)} changed again since this edit ({now}); it was not {done}")


def _shown(value: Any) -> str:
    """A field's value in a message: none, yes or no, or the value (a long text cut short)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


class _FieldsEdit(Edit):
    """Set some fields of one record; undo sets the values they had."""

    labels: dict[str, str] = {}
    several = "details"

    def __init__(self, person_id: str, fields: dict[str, Any]):
        super().__init__(person_id)
        if not fields:
            raise UserError("nothing to change")
        self.fields = dict(fields)
        self.changed: dict[str, tuple] = {}
        self.text = _text("change", fields, self.labels, self.several)

    def _current(self, store: Store) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _set(self, store: Store, values: dict, reason: str | None) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, store, reason):
        if self.applied:
            _still(self._current(store), {k: (new, old) for k, (old, new) in self.changed.items()}, self.labels,
                   "redone")
            self._set(store, {k: new for k, (_old, new) in self.changed.items()}, reason)
            return True
        self.changed = self._set(store, self.fields, reason)
        return bool(self.changed)

    def _revert(self, store):
        _still(self._current(store), self.changed, self.labels, "undone")
        self._set(store, {k: old for k, (old, _new) in self.changed.items()}, UNDO)


class SubjectEdit(_FieldsEdit):
    """Subject details (see :func:`matac_desk.meeting.cohort.set_subject_details`).

    A new offender manager goes through :func:`matac_desk.meeting.workload.allocate`,
    which refuses an overloaded one unless ``allow_overloaded``.
    """

    labels = SUBJECT_LABELS
    several = "subject details"

    def __init__(self, person_id: str, *, allow_overloaded: bool = False, as_of: _dt.date | None = None,
                 **fields: Any):
        super().__init__(person_id, fields)
        self.allow_overloaded = allow_overloaded
        self.as_of = as_of

    def _current(self, store):
        return cohort.subject_details(store, cohort.require_person(store, self.person_id))

    def _set(self, store, values, reason):
        if not self.applied and values.get("om_id") is not None:
            rest = {k: v for k, v in values.items() if k != "om_id"}
            changed = workload.allocate(store, self.person_id, values["om_id"], allow_overloaded=self.allow_overloaded,
                                        as_of=self.as_of, reason=reason)
            return changed | (cohort.set_subject_details(store, self.person_id, reason=reason, **rest) if rest else {})
        return cohort.set_subject_details(store, self.person_id, reason=reason, **values)


class _RowEdit(_FieldsEdit):
    """Correct some fields of one numbered row (an order, a Clare's Law record) through its service.

    ``read(store, row_id)`` gives the row as a dict; ``update(store, row_id,
    reason=, **fields)`` writes and returns what changed.
    """

    read: Callable[[Store, int], dict]
    update: Callable[..., dict]

    def __init__(self, person_id: str, row_id: int, fields: dict[str, Any]):
        super().__init__(person_id, fields)
        self.row_id = row_id

    def _current(self, store):
        return type(self).read(store, self.row_id)

    def _set(self, store, values, reason):
        return type(self).update(store, self.row_id, reason=reason, **values)


class ChangeOrder(_RowEdit):
    """Correct an order, or end it (``end=`` a day): :func:`matac_desk.meeting.cohort.update_order`."""

    labels = _ORDER_LABELS
    several = "order"
    read = staticmethod(cohort.order)
    update = staticmethod(cohort.update_order)

    def __init__(self, person_id: str, order_id: int, **fields: Any):
        super().__init__(person_id, order_id, fields)
        if set(fields) == {"end"}:
            self.text = "end order" if fields["end"] else "reopen order"


class ChangeDisclosure(_RowEdit):
    """Correct a Clare's Law record or record its decision: :func:`matac_desk.meeting.cohort.update_disclosure`."""

    labels = _DISCLOSURE_LABELS
    read = staticmethod(cohort.disclosure)
    update = staticmethod(cohort.update_disclosure)

    def __init__(self, person_id: str, disclosure_id: int, **fields: Any):
        super().__init__(person_id, disclosure_id, fields)
        self.text = _text("change Clare's Law", fields, self.labels, "record")


class AddOrder(Edit):
    """A new order or bail conditions (:func:`matac_desk.meeting.cohort.add_order`); undo removes it."""

    def __init__(self, person_id: str, order_type: str, start: _dt.date | str, end: _dt.date | str | None = None,
                 protected_person_id: str | None = None, conditions: str | None = None):
        super().__init__(person_id)
        self.args = (order_type, start, end, protected_person_id, conditions)
        self.order_id: int | None = None
        self.text = f"add {order_type}"

    def _apply(self, store, reason):
        self.order_id = cohort.add_order(store, self.person_id, *self.args, reason=reason)
        return True

    def _revert(self, store):
        cohort.remove_order(store, self.order_id, reason=UNDO)


class AddDisclosure(Edit):
    """A Clare's Law application or disclosure (:func:`matac_desk.meeting.cohort.record_disclosure`); undo removes it."""

    def __init__(self, person_id: str, kind: str, date: _dt.date | str, **kw: Any):
        super().__init__(person_id)
        self.args = (kind, date)
        self.kw = kw
        self.disclosure_id: int | None = None
        self.text = f"record Clare's Law {kind}"

    def _apply(self, store, reason):
        self.disclosure_id = cohort.record_disclosure(store, self.person_id, *self.args, reason=reason, **self.kw)
        return True

    def _revert(self, store):
        cohort.remove_disclosure(store, self.disclosure_id, reason=UNDO)


class AddAlias(Edit):
    """Another name he is known by (:func:`matac_desk.services.people.add_alias`); undo removes it."""

    text = "add alias"
    kinds = ("persons",)

    def __init__(self, person_id: str, forename: str | None, surname: str | None, source: str | None = None):
        super().__init__(person_id)
        self.names = (forename, surname, source)
        self.alias_id: int | None = None

    def _apply(self, store, reason):
        f, s, src = self.names
        self.alias_id = people.add_alias(store, self.person_id, f, s, source=src, reason=reason)
        return True

    def _revert(self, store):
        people.remove_alias(store, self.alias_id, reason=UNDO)


class RemoveAlias(Edit):
    """Remove an alias recorded in error (:func:`matac_desk.services.people.remove_alias`); undo records it again."""

    text = "remove alias"
    kinds = ("persons",)

    def __init__(self, person_id: str, alias_id: int):
        super().__init__(person_id)
        self.alias_id = alias_id
        self.removed: people.Alias | None = None

    def _apply(self, store, reason):
        self.removed = people.remove_alias(store, self.alias_id, reason=reason)
        return True

    def _revert(self, store):
        a = self.removed
        self.alias_id = people.add_alias(store, self.person_id, a.forename, a.surname, source=a.source, reason=UNDO)


class ResolveWarning(Edit):
    """A data-quality warning checked and dealt with (:func:`matac_desk.services.people.resolve_warning`)."""

    text = "mark warning resolved"
    kinds = ("data_quality",)

    def __init__(self, person_id: str, warning_id: int):
        super().__init__(person_id)
        self.warning_id = warning_id

    def _apply(self, store, reason):
        people.resolve_warning(store, self.warning_id, reason=reason)
        return True

    def _revert(self, store):
        people.reopen_warning(store, self.warning_id, reason=UNDO)


# ---------------------------------------------------------------------------- the meeting

_DECISION_VERBS = {"adopt": "adopt", "do not adopt": "not adopt", "continue": "continue",
                   "escalate": "escalate", "exit": "exit"}


class RecordDecision(Edit):
    """A meeting's decision on a subject (:func:`~matac_desk.meeting.meetings.record_decision`); undo takes it back
    with the cohort history and the referrals it closed (:func:`~matac_desk.meeting.meetings.remove_decision`)."""

    kinds = ("cohort", "meetings")

    def __init__(self, meeting_id: int, person_id: str, decision: str, reason: str | None = None, *,
                 name: str | None = None):
        super().__init__(person_id)
        self.meeting_id, self.decision, self.reason = meeting_id, decision, reason
        self.text = f"{_DECISION_VERBS.get(decision, decision)} {name or person_id}"
        self.written: dict = {}

    def _apply(self, store, reason):
        self.written = meetings.record_decision(store, self.meeting_id, self.person_id, self.decision,
                                                reason=self.reason)
        return True

    def _revert(self, store):
        meetings.remove_decision(store, self.meeting_id, self.person_id, reason=UNDO)


class MarkHeld(Edit):
    """The meeting took place (:func:`~matac_desk.meeting.meetings.mark_held`); undo reopens it, its snapshot kept
    and marked superseded; redo holds it again with a new snapshot."""

    kinds = ("meetings", "scores")

    def __init__(self, meeting_id: int, *, label: str = "the meeting", today: _dt.date | None = None,
                 early_reason: str | None = None):
        super().__init__(None)
        self.meeting_id, self.today, self.early_reason = meeting_id, today, early_reason
        self.text = f"mark {label} held"

    def _apply(self, store, reason):
        meetings.mark_held(store, self.meeting_id, today=self.today, reason=reason,
                           early_reason=self.early_reason or ("held before and reopened by undo" if self.applied
                                                              else None))
        return True

    def _revert(self, store):
        meetings.reopen_meeting(store, self.meeting_id, UNDO, today=self.today)


class ReopenMeeting(Edit):
    """A held meeting scheduled again (:func:`~matac_desk.meeting.meetings.reopen_meeting`); undo holds it again."""

    kinds = ("meetings", "scores")

    def __init__(self, meeting_id: int, reason: str, *, label: str = "the meeting", today: _dt.date | None = None):
        super().__init__(None)
        self.meeting_id, self.reason, self.today = meeting_id, reason, today
        self.text = f"reopen {label}"

    def _apply(self, store, reason):
        meetings.reopen_meeting(store, self.meeting_id, self.reason if reason is None else f"{reason}: {self.reason}",
                                today=self.today)
        return True

    def _revert(self, store):
        meetings.mark_held(store, self.meeting_id, today=self.today, early_reason="held before; reopening undone",
                           reason=UNDO)


class AddAttendee(Edit):
    """An attendee or apology (:func:`~matac_desk.meeting.meetings.add_attendee`); undo removes it."""

    kinds = ("meetings",)

    def __init__(self, meeting_id: int, name: str, agency: str, *, apology: bool = False):
        super().__init__(None)
        self.meeting_id, self.args = meeting_id, (name, agency, apology)
        self.attendee_id: int | None = None
        self.text = f"add {'apology' if apology else 'attendee'} {name.strip()}"

    def _apply(self, store, reason):
        name, agency, apology = self.args
        self.attendee_id = meetings.add_attendee(store, self.meeting_id, name, agency, apology=apology)
        return True

    def _revert(self, store):
        meetings.remove_attendee(store, self.attendee_id, reason=UNDO)


class ChangeAttendee(_FieldsEdit):
    """Correct an attendee's name, agency, or attended / apology (:func:`~matac_desk.meeting.meetings.update_attendee`)."""

    labels = {"name": "attendee's name", "agency": "attendee's agency", "role": "attended or apologies"}
    several = "attendee"
    kinds = ("meetings",)

    def __init__(self, attendee_id: int, **fields: Any):
        if "apology" in fields:
            fields["role"] = "apology" if fields.pop("apology") else "attendee"
        super().__init__(None, fields)
        self.attendee_id = attendee_id

    def _current(self, store):
        return meetings._attendee(store, self.attendee_id)

    def _set(self, store, values, reason):
        kw = dict(values)
        if "role" in kw:
            kw["apology"] = kw.pop("role") == "apology"
        return meetings.update_attendee(store, self.attendee_id, reason=reason, **kw)


class RemoveAttendee(Edit):
    """Take an attendee off the list (:func:`~matac_desk.meeting.meetings.remove_attendee`); undo adds them back."""

    kinds = ("meetings",)

    def __init__(self, attendee_id: int, *, name: str = "attendee"):
        super().__init__(None)
        self.attendee_id = attendee_id
        self.removed: dict | None = None
        self.text = f"remove attendee {name}"

    def _apply(self, store, reason):
        self.removed = meetings.remove_attendee(store, self.attendee_id, reason=reason)
        return True

    def _revert(self, store):
        r = self.removed
        self.attendee_id = meetings.add_attendee(store, r["meeting_id"], r["name"], r["agency"],
                                                 apology=r["role"] == "apology")


class AgreeTactic(Edit):
    """A tactic from the toolkit agreed for a subject (:func:`~matac_desk.meeting.cohort.agree_tactic`); undo removes it."""

    def __init__(self, person_id: str, tactic: int | str, *, meeting_id: int | None = None,
                 on: _dt.date | str | None = None, notes: str | None = None, label: str | None = None):
        super().__init__(person_id)
        self.tactic, self.kw = tactic, {"meeting_id": meeting_id, "on": on, "notes": notes}
        self.row_id: int | None = None
        self.text = f"agree {label or 'tactic'}"

    def _apply(self, store, reason):
        self.row_id = cohort.agree_tactic(store, self.person_id, self.tactic, **self.kw)
        return True

    def _revert(self, store):
        cohort.remove_tactic(store, self.row_id, reason=UNDO)


class AddAction(Edit):
    """A partnership action (:func:`~matac_desk.meeting.actions.add_action`); undo removes it (refused once updated)."""

    kinds = ("actions",)

    def __init__(self, person_id: str, agency: str, description: str, **kw: Any):
        super().__init__(person_id)
        self.args, self.kw = (agency, description), kw
        self.action_id: int | None = None
        self.text = f"add action for {agency.strip() or 'an agency'}"

    def _apply(self, store, reason):
        self.action_id = actions.add_action(store, self.person_id, *self.args, **self.kw)
        return True

    def _revert(self, store):
        actions.remove_action(store, self.action_id, reason=UNDO)


class UpdateAction(Edit):
    """A dated update of an action (:func:`~matac_desk.meeting.actions.update_action`); undo takes it back."""

    kinds = ("actions",)

    def __init__(self, action_id: int, *, person_id: str | None = None, **kw: Any):
        super().__init__(person_id)
        self.action_id, self.kw = action_id, kw
        self.done: dict = {}
        status = kw.get("status")
        self.text = (f"close action {action_id}" if status in ("done", "cancelled") else
                     f"update action {action_id}")

    def _apply(self, store, reason):
        self.done = actions.update_action(store, self.action_id, **self.kw)
        return True

    def _revert(self, store):
        actions.revert_update(store, self.action_id, self.done["update_id"], self.done["before"], reason=UNDO)


class AddMinutes(Edit):
    """Minutes for a subject or the meeting (:func:`~matac_desk.meeting.meetings.add_minutes`); undo removes them."""

    kinds = ("minutes", "meetings")

    def __init__(self, meeting_id: int, person_id: str | None, text: str, *, chair: str | None = None,
                 name: str | None = None):
        super().__init__(person_id)
        self.meeting_id, self.minutes_text, self.chair = meeting_id, text, chair
        self.minutes_id: int | None = None
        self.text = f"save minutes for {name or person_id or 'the meeting'}"

    def _apply(self, store, reason):
        self.minutes_id = meetings.add_minutes(store, self.meeting_id, self.person_id, self.minutes_text,
                                               chair=self.chair)
        return True

    def _revert(self, store):
        meetings.remove_minutes(store, self.minutes_id, reason=UNDO)


class Merge(Edit):
    """Two records found to be one person (:func:`~matac_desk.analysis.duplicates.merge`, which backs the store up
    first); undo is :func:`~matac_desk.analysis.duplicates.unmerge` (refused when a later merge builds on it)."""

    kinds = ("persons", "links", "scores")

    def __init__(self, keep_id: str, merge_id: str, reason: str):
        super().__init__(keep_id)
        self.merge_id, self.reason = merge_id, reason
        self.number: int | None = None
        self.text = f"merge {merge_id} into {keep_id}"

    # merge and unmerge back the store up first, which cannot be done inside a transaction: each is one
    # transaction of its own after its backup, so they are not wrapped in another here
    def apply(self, store: Store) -> bool:
        self.number = duplicates.merge(store, self.person_id, self.merge_id, self.reason)
        self.applied = True
        return True

    def revert(self, store: Store) -> None:
        if not self.applied:
            raise UserError("nothing to undo: the change was never made")
        duplicates.unmerge(store, self.merge_id, UNDO)

"""Corrections made on a person page, each one that can be undone and redone: plain objects, no Qt.

A coordinator corrects what is theirs to keep: the subject's details
(offender manager, division, MAPPA, MARAC, IOM, risk), orders and bail
conditions, Clare's Law records, aliases, and data-quality warnings
dealt with. Each :class:`Edit` goes through the services that own the
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

from ..meeting import cohort, workload
from . import people
from ..domain import UserError
from ..storage.store import Store

__all__ = ["Edit", "SubjectEdit", "AddOrder", "ChangeOrder", "AddDisclosure", "ChangeDisclosure", "AddAlias",
           "RemoveAlias", "ResolveWarning", "SUBJECT_LABELS", "UNDO", "REDO"]

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

    def __init__(self, person_id: str):
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

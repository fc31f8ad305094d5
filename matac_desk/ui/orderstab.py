"""The person page's "Orders and disclosures" tab: orders and bail conditions, and Clare's Law records, editable.

Add, correct or end an order; record a Clare's Law application or
disclosure and its decision. Each is one :mod:`matac_desk.services.edits` edit
through the edit history (so Ctrl+Z takes it back), asked for in a small
form (:func:`.dialogs.ask`). The person protected by an order, or told
under Clare's Law, is chosen among the people linked to him (or typed:
an id in the store, or for a disclosure the recipient's name).
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

from ..meeting.cohort import DISCLOSURE_DECISIONS, DISCLOSURE_KINDS, ORDER_TYPES, in_force, order_status
from ..domain import UserError
from ..services.edits import AddDisclosure, AddOrder, ChangeDisclosure, ChangeOrder
from . import dialogs
from .context import show_error
from .models import Column, RowRole, RowsModel
from .widgets import button, sortable_table

__all__ = ["OrdersTab"]

_ID_AT_END = re.compile(r"\(([^()]+)\)\s*$")


class OrdersTab(QWidget):
    """Two tables with their buttons; ``show_records`` fills them."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: str | None = None
        self.people: list[tuple[str, str]] = []     # (id, name) of those linked to him: whom an order protects
        self.editable = False
        today = lambda: self.ctx.today()  # noqa: E731  (ctx.today may be swapped: read it each time)
        self.order_model = RowsModel([
            Column("Order", lambda o: o["type"]),
            Column("From", lambda o: o["start"]),
            Column("To", lambda o: o["end"] or "open-ended"),
            Column("Status", lambda o: order_status(o, today())),
            Column("Protects", lambda o: o["protected_name"], tooltip=lambda o: o["protected_person_id"]),
            Column("Conditions", lambda o: o["conditions"], tooltip=lambda o: o["conditions"]),
        ], accent=lambda o: "ok" if in_force(o, today()) else None)
        self.disclosure_model = RowsModel([
            Column("Date", lambda d: d["date"]),
            Column("Kind", lambda d: d["kind"]),
            Column("To", lambda d: d["to_name"], tooltip=lambda d: d["to_id"]),
            Column("Decision", lambda d: d["decision"]),
            Column("Notes", lambda d: d["notes"], tooltip=lambda d: d["notes"]),
        ], accent=lambda d: "warning" if d["decision"] == "pending" else None)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.order_view = sortable_table("person_orders", "Orders and bail conditions", self.order_model)
        self.order_view.doubleClicked.connect(lambda _i: self.edit_order())
        self.add_order_button = button("&Add order…", self.add_order, tip="Record an order or bail conditions")
        self.edit_order_button = button("&Edit…", self.edit_order, accessible="Edit the selected order",
                                        tip="Correct the selected order")
        self.end_order_button = button("End &today", self.end_order, accessible="End the selected order today",
                                       tip="The selected order ended today")
        lay.addWidget(self._box("Orders and bail conditions", self.order_view,
                                (self.add_order_button, self.edit_order_button, self.end_order_button)), 3)
        self.disclosure_view = sortable_table("person_disclosures", "Clare's Law disclosures", self.disclosure_model)
        self.disclosure_view.doubleClicked.connect(lambda _i: self.edit_disclosure())
        self.add_disclosure_button = button("Record Clare's &Law…", self.add_disclosure,
                                            tip="A right-to-ask application or a right-to-know disclosure")
        self.edit_disclosure_button = button("Decision or &correction…", self.edit_disclosure,
                                             accessible="Change the selected Clare's Law record",
                                             tip="Record the panel's decision, or correct the selected record")
        lay.addWidget(self._box("Clare's Law (DVDS) applications and disclosures", self.disclosure_view,
                                (self.add_disclosure_button, self.edit_disclosure_button)), 2)
        self.buttons = [self.add_order_button, self.edit_order_button, self.end_order_button,
                        self.add_disclosure_button, self.edit_disclosure_button]
        self._enable()

    @staticmethod
    def _box(title: str, view, buttons) -> QGroupBox:
        box = QGroupBox(title)
        v = QVBoxLayout(box)
        v.addWidget(view, 1)
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        return box

    # ------------------------------------------------------------ showing
    def show_records(self, person_id: str, orders: list[dict], disclosures: list[dict],
                     people: list[tuple[str, str]], *, editable: bool) -> None:
        self.person_id = person_id
        self.people = people
        self.editable = editable
        self.order_model.set_rows(orders)
        self.disclosure_model.set_rows(disclosures)
        self._enable()

    def clear(self) -> None:
        self.person_id = None
        self.people = []
        self.editable = False
        self.order_model.clear()
        self.disclosure_model.clear()
        self._enable()

    def _enable(self) -> None:
        on = self.editable and self.person_id is not None
        for b in self.buttons:
            b.setEnabled(on)
        self.edit_order_button.setEnabled(on and self.order_model.rowCount() > 0)
        self.end_order_button.setEnabled(on and self.order_model.rowCount() > 0)
        self.edit_disclosure_button.setEnabled(on and self.disclosure_model.rowCount() > 0)

    def _selected(self, view, model) -> dict | None:
        rows = view.selectionModel().selectedRows()
        if rows:
            return model.data(rows[0], RowRole)
        if model.rowCount() == 1:
            return model.row(0)
        return None

    # ------------------------------------------------------------ people
    def _choices(self, current: str | None = None) -> list[str]:
        out = [""] + [f"{name} ({pid})" for pid, name in self.people]
        if current and current not in out:
            out.append(current)
        return out

    def _person_of(self, text: str) -> str | None:
        """The id in "Name (ID)", or the text itself (an id typed), or None for nothing."""
        text = (text or "").strip()
        if not text:
            return None
        m = _ID_AT_END.search(text)
        return m.group(1).strip() if m else text

    def _label(self, pid: str | None, name: str | None) -> str:
        return f"{name} ({pid})" if pid else ""

    # ------------------------------------------------------------ orders
    def _order_form(self, title: str, o: dict | None):
        today = self.ctx.today()
        return dialogs.ask(self, title, [
            dialogs.Field("type", "&Order", kind="choice", choices=ORDER_TYPES, default=o["type"] if o else "DVPO"),
            dialogs.Field("start", "&From", kind="date", default=o["start"] if o else today),
            dialogs.Field("end", "&To", kind="optional date", default=o["end"] if o else None),
            dialogs.Field("protects", "&Protects", kind="choice", editable=True,
                          choices=self._choices(self._label(o["protected_person_id"], o["protected_name"]) if o
                                                else None),
                          default=self._label(o["protected_person_id"], o["protected_name"]) if o else "",
                          placeholder="a person linked to him, or an id"),
            dialogs.Field("conditions", "&Conditions", kind="long", default=o["conditions"] if o else "",
                          placeholder="e.g. not to contact her or enter her street"),
        ], ok="Save")

    def add_order(self) -> None:
        got = self._order_form("Add an order or bail conditions", None)
        if got is None or self.person_id is None:
            return
        self._submit(AddOrder(self.person_id, got["type"], got["start"], got["end"],
                              self._person_of(got["protects"]), got["conditions"] or None))

    def edit_order(self) -> None:
        o = self._selected(self.order_view, self.order_model)
        if not self._check(o, "an order"):
            return
        got = self._order_form("Correct the order", o)
        if got is None:
            return
        new = {"type": got["type"], "start": got["start"].isoformat(),
               "end": got["end"].isoformat() if got["end"] else None,
               "protected_person_id": self._person_of(got["protects"]), "conditions": got["conditions"] or None}
        fields = {k: v for k, v in new.items() if v != o[k]}
        if fields:
            self._submit(ChangeOrder(self.person_id, o["id"], **fields))

    def end_order(self) -> None:
        o = self._selected(self.order_view, self.order_model)
        if not self._check(o, "an order"):
            return
        today = self.ctx.today().isoformat()
        if o["end"] is not None and o["end"] <= today:
            show_error(self, UserError(f"this {o['type']} ended on {o['end']} already"), "End the order")
            return
        self._submit(ChangeOrder(self.person_id, o["id"], end=today))

    # ------------------------------------------------------------ Clare's Law
    def add_disclosure(self) -> None:
        got = dialogs.ask(self, "Record a Clare's Law application or disclosure", [
            dialogs.Field("kind", "&Kind", kind="choice", choices=DISCLOSURE_KINDS, default="right to know"),
            dialogs.Field("date", "&Date", kind="date", default=self.ctx.today()),
            dialogs.Field("to", "&To", kind="choice", editable=True, choices=self._choices(), required=True,
                          placeholder="the partner at risk (or who applied), or a name"),
            dialogs.Field("decision", "D&ecision", kind="choice", choices=DISCLOSURE_DECISIONS, default="pending"),
            dialogs.Field("notes", "&Notes", kind="long"),
        ], intro="Facts only: what was applied for or disclosed, to whom, and the panel's decision.", ok="Save")
        if got is None or self.person_id is None:
            return
        known = {pid for pid, _ in self.people}
        to = self._person_of(got["to"])
        kw = {"disclosed_to_id": to} if to in known else {"recipient_name": got["to"].strip()}
        self._submit(AddDisclosure(self.person_id, got["kind"], got["date"], decision=got["decision"],
                                   notes=got["notes"] or None, **kw))

    def edit_disclosure(self) -> None:
        d = self._selected(self.disclosure_view, self.disclosure_model)
        if not self._check(d, "a Clare's Law record"):
            return
        got = dialogs.ask(self, "Clare's Law: decision or correction", [
            dialogs.Field("kind", "&Kind", kind="choice", choices=DISCLOSURE_KINDS, default=d["kind"]),
            dialogs.Field("date", "&Date", kind="date", default=d["date"]),
            dialogs.Field("decision", "D&ecision", kind="choice", choices=DISCLOSURE_DECISIONS, default=d["decision"]),
            dialogs.Field("notes", "&Notes", kind="long", default=d["notes"] or ""),
        ], intro=f"To {d['to_name'] or 'someone not named'}.", ok="Save")
        if got is None:
            return
        new = {"kind": got["kind"], "date": got["date"].isoformat(), "decision": got["decision"],
               "notes": got["notes"] or None}
        fields = {k: v for k, v in new.items() if v != d[k]}
        if fields:
            self._submit(ChangeDisclosure(self.person_id, d["id"], **fields))

    # ------------------------------------------------------------ common
    def _check(self, row: dict | None, what: str) -> bool:
        if self.person_id is None:
            return False
        if row is None:
            show_error(self, UserError(f"select {what} first"), "Orders and disclosures")
            return False
        return True

    def _submit(self, edit) -> None:
        self.ctx.history.submit(edit, parent=self)



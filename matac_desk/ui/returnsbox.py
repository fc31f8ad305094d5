"""The Packs page's Returns box: the quarterly return (CSV or PDF, OFFICIAL) and who is nominated, by group.

The return is :func:`matac_desk.pack.returns.export_return` (counts only,
small numbers suppressed, an audited disclosure to the recipient asked
for); "who is nominated" is :func:`matac_desk.services.equality.who_is_nominated`
shown as a table (counts only).
"""

from __future__ import annotations

import datetime as _dt

from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from ..services import equality
from .context import show_error
from .models import Column, RowsModel
from .widgets import button, sortable_table, text_label

__all__ = ["ReturnsBox", "ended_quarters"]


def ended_quarters(today: _dt.date, n: int = 8) -> list[str]:
    """The last ``n`` calendar quarters that have ended, newest first (``2026Q3``)."""
    y, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(n):
        q -= 1
        if q == 0:
            y, q = y - 1, 4
        out.append(f"{y}Q{q}")
    return out


def _pct(x) -> str:
    return "—" if x is None else f"{x:.1%}"


class ReturnsBox(QGroupBox):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__("Returns: the quarterly return and who is nominated", parent)
        self.setAccessibleName("Returns")
        self.setMaximumWidth(900)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        note = text_label("About returns")
        note.setText("Counts only, no one named; counts from 1 to 4 are shown as <5, with further cells hidden so "
                     "that no total gives one away. Marked OFFICIAL. Saving is a disclosure recorded in the audit log.")
        lay.addWidget(note)
        form = QFormLayout()
        self.quarter = QComboBox()
        self.quarter.setAccessibleName("Quarter")
        self.quarter.addItems(ended_quarters(ctx.today()))
        form.addRow("&Quarter:", self.quarter)
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        self.format.addItems(["CSV", "PDF"])
        form.addRow("&Format:", self.format)
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Return recipient")
        self.recipient.setPlaceholderText("who receives it: the OPCC, the Home Office… (recorded in the audit log)")
        form.addRow("Re&cipient:", self.recipient)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.save_button = button("Save the &return…", self.save_return)
        row.addWidget(self.save_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = text_label("Return message")
        lay.addWidget(self.message)

        row = QHBoxLayout()
        self.dimension = QComboBox()
        self.dimension.setAccessibleName("Group by")
        self.dimension.addItems(list(equality.DIMENSIONS))
        row.addWidget(self.dimension)
        self.show_button = button("Who is &nominated", self.show_nominated,
                                  tip="Scored today, nominated and adopted in the last year, per group")
        row.addWidget(self.show_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.model = RowsModel([Column("Group", lambda r: r["group"]),
                                Column("Scored", lambda r: r["scored"], numeric=True),
                                Column("Nominated", lambda r: r["nominated"], numeric=True),
                                Column("Adopted", lambda r: r["adopted"], numeric=True),
                                Column("Nominated share", lambda r: _pct(r["nominated_share"]),
                                       sort=lambda r: r["nominated_share"] or 0, numeric=True),
                                Column("Adopted share", lambda r: _pct(r["adopted_share"]),
                                       sort=lambda r: r["adopted_share"] or 0, numeric=True)])
        self.view = sortable_table("returns_nominated", "Who is nominated", self.model)
        self.view.setMinimumHeight(140)
        lay.addWidget(self.view)

    def save_return(self, *, path: str | None = None):
        from ..meeting import force
        from ..pack.returns import export_return
        recipient = " ".join(self.recipient.text().split())
        if not recipient:
            self.message.setText("Say who receives the return first.")
            return None
        q = self.quarter.currentText()
        suffix = ".pdf" if self.format.currentText() == "PDF" else ".csv"
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the return", f"matac-return-{q}{suffix}",
                                                  "PDF (*.pdf)" if suffix == ".pdf" else "CSV (*.csv)")
            if not path:
                return None

        def run(store):
            return export_return(store, path, q, recipient=recipient, force=force.load(store).name)

        return self.ctx.change(run, kinds=("audit",), what="Save the return", parent=self,
                               done=lambda e: self.message.setText(
                                   f"Saved {e.path.name} (reference {e.reference}); recorded as a disclosure to "
                                   f"{recipient}."))

    def show_nominated(self):
        dim = self.dimension.currentText()
        return self.ctx.read(equality.who_is_nominated, dim, self.ctx.today()).then(
            self.model.set_rows, lambda e: show_error(self, e, "Who is nominated"))

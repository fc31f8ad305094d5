"""The quarterly return as CSV or PDF, marked OFFICIAL (counts only, no personal data), written as a disclosure.

The figures and their suppression are :mod:`matac_desk.meeting.returns`'s;
this module lays them out. The PDF is a :class:`~.document.Document` whose
pages are marked OFFICIAL at the top and the bottom (it names no one); the
CSV carries the marking in its first and last lines. Either is written
atomically, audited just before the rename as a disclosure to its recipient
(``disclosure.return``), naming no person.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from ..domain import UserError, safe_cell
from ..meeting.returns import TOTAL, Return, build_return
from ..storage.audit import audit_disclosure
from ..storage.files import csv_bytes, write_atomically
from . import Export, new_reference
from .document import Document, data_table
from .styles import COLOURS, FONT, FONT_BOLD, esc, para

__all__ = ["RETURN_MARKING", "ReturnDocument", "return_csv", "export_return"]

RETURN_MARKING = "OFFICIAL"
_NOTE = ("Counts only; no person is named. Any count from 1 to 4 is shown as <5, and further cells are suppressed so "
         "that no total or breakdown reveals one (every row's divisions add up to its Total; each breakdown's parts "
         "add up to its whole). Quarters are calendar quarters.")


def _title(ret: Return, force: str) -> str:
    return f"{force + ': ' if force else ''}MATAC quarterly return {ret.quarter} ({ret.first} to {ret.last})"


def return_csv(ret: Return, force: str = "") -> bytes:
    shown = ret.shown()
    rows = [[RETURN_MARKING], [_title(ret, force)], [_NOTE], [],
            ["section", "measure"] + ret.columns]
    rows += [[safe_cell(sec), safe_cell(measure)] + [safe_cell(c) for c in cells]
             for (sec, measure, _), cells in zip(ret.rows, shown)]
    rows += [[]] + [[safe_cell(line)] for line in ret.headline]
    rows += [[], [RETURN_MARKING]]
    return csv_bytes(rows)


class ReturnDocument(Document):
    """The return on landscape pages, marked OFFICIAL."""

    pagesize = landscape(A4)
    title = "MATAC quarterly return"

    def __init__(self, ret: Return, force: str, **kw):
        super().__init__(**kw)
        self.ret = ret
        self.force = force
        self.running_title = f"MATAC quarterly return {ret.quarter}"

    def page_templates(self):
        from reportlab.platypus import PageTemplate
        return [PageTemplate("return", [self._frame(self.pagesize, "body")], onPage=self.on_page,
                             pagesize=self.pagesize)]

    def on_page(self, canvas, doc) -> None:
        """As :meth:`Document.on_page`, with the marking this document needs: OFFICIAL (it holds no personal data)."""
        w, h = canvas._pagesize
        canvas.saveState()
        canvas.setFillColor(COLOURS["ink"])
        canvas.setFont(FONT_BOLD, self.marking_size)
        canvas.drawCentredString(w / 2, h - 8.5 * mm, RETURN_MARKING)
        canvas.drawCentredString(w / 2, 6.5 * mm, RETURN_MARKING)
        canvas.setStrokeColor(COLOURS["rule"])
        canvas.setLineWidth(0.6)
        canvas.line(self.left_margin, h - self.header_rule_gap, w - self.right_margin, h - self.header_rule_gap)
        canvas.line(self.left_margin, self.footer_rule_gap, w - self.right_margin, self.footer_rule_gap)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(COLOURS["muted"])
        canvas.drawString(self.left_margin, h - self.header_rule_gap + 2.2 * mm, self.running_title)
        canvas.drawRightString(w - self.right_margin, h - self.header_rule_gap + 2.2 * mm, f"Ref. {self.reference}")
        canvas.drawString(self.left_margin, self.footer_rule_gap - 4 * mm, f"Printed {self.printed_on}")
        canvas.restoreState()

    def story(self):
        s = self.styles
        out = [para(esc(_title(self.ret, self.force)), s["H1"]), para(esc(_NOTE), s["Note"])]
        shown = self.ret.shown()
        width = self.frame_width
        first = width * 0.36
        rest = (width - first) / len(self.ret.columns)
        section = None
        rows = []
        for (sec, measure, _), cells in zip(self.ret.rows, shown):
            if sec != section:
                if rows:
                    out.append(data_table(["Measure"] + [esc(c) for c in self.ret.columns], rows,
                                          [first] + [rest] * len(self.ret.columns), s,
                                          align_right=tuple(range(1, len(self.ret.columns) + 1))))
                out.append(para(esc(sec), s["H2"]))
                section, rows = sec, []
            rows.append([esc(measure)] + [f"<b>{esc(c)}</b>" if col == TOTAL else esc(c)
                                          for col, c in zip(self.ret.columns, cells)])
        if rows:
            out.append(data_table(["Measure"] + [esc(c) for c in self.ret.columns], rows,
                                  [first] + [rest] * len(self.ret.columns), s,
                                  align_right=tuple(range(1, len(self.ret.columns) + 1))))
        if self.ret.headline:
            out.append(para("Outcomes against a comparison group", s["H2"]))
            out += [para(esc(line), s["Lead"]) for line in self.ret.headline]
        return out


def export_return(store, path: str | os.PathLike, quarter: str, *, recipient: str, reason: str | None = None,
                  force: str = "", today: _dt.date | None = None) -> Export:
    """Write the return for ``quarter`` to ``path`` (``.csv`` or ``.pdf``), audited as a disclosure to ``recipient``."""
    recipient = " ".join((recipient or "").split())
    if not recipient:
        raise UserError("say who receives the return (--recipient): it is recorded in the audit log as a disclosure")
    kind = Path(path).suffix.casefold()
    if kind not in (".csv", ".pdf"):
        raise UserError(f"{Path(path).name}: write the return to a .csv or a .pdf file")
    ret = build_return(store, quarter)
    day = (today or _dt.date.today()).isoformat()
    reference = new_reference(f"RET-{ret.quarter}", day)
    made = {}

    def data() -> bytes:
        if kind == ".csv":
            made["pages"] = 0
            return return_csv(ret, force)
        doc = ReturnDocument(ret, force, reference=reference, printed_on=day)
        pdf = doc.render()
        made["pages"] = doc.pages
        return pdf

    def record() -> None:
        made["audit"] = audit_disclosure(store, "return", recipient, reason or f"quarterly return {ret.quarter}", [],
                                         detail={"quarter": ret.quarter, "format": kind[1:], "reference": reference,
                                                 "rows": len(ret.rows)})

    target = write_atomically(path, data, before_rename=record)
    return Export(target, reference, made["pages"], target.stat().st_size, made.get("audit"))

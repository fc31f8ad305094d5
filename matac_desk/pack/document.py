"""The page machinery every MATAC Desk PDF shares, in the manner of pretix's invoice renderer.

:class:`Document` holds the page geometry as class attributes, a named
stylesheet and three page templates (cover, portrait, landscape) whose
header and footer are drawn in ``onPage`` callbacks inside
``saveState()/restoreState()``: OFFICIAL-SENSITIVE in capitals at the top
and the bottom of every page, the document reference, the date it was
printed and "Page X of Y". The total is known only at the end, so
:class:`NumberedCanvas` keeps each page until the document is complete and
then writes the page numbers; bookmarks (the outline) are kept with their
page and replayed when the page is really written, so each points at the
right page. A contents page works the same way: :func:`contents` reserves
its room, every outlined heading is noted with its page as it is laid out,
and the lines are drawn into the reserved room when the pages are written,
in one layout pass. A subclass gives ``story()``; :meth:`Document.render` returns the
PDF as bytes and :func:`~matac_desk.storage.files.write_atomically` puts bytes on
disk so that a failed or cancelled export leaves nothing behind.
"""

from __future__ import annotations

import io
from typing import Callable

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageTemplate

from ..domain import Cancelled, never_cancelled, no_progress
from .styles import COLOURS, FONT, FONT_BOLD, draw_runs, runs_width, stylesheet

__all__ = ["MARKING", "Document", "NumberedCanvas", "outline", "contents", "data_table", "key_values"]

MARKING = "OFFICIAL-SENSITIVE"


def outline(flowable: Flowable, title: str, level: int = 0, *, contents: bool = True) -> Flowable:
    """Mark a flowable (a heading) to get an outline entry at its top when it is laid out, and a line on the
    contents page (:func:`contents`) unless ``contents`` is false."""
    flowable._outline = (title, level, contents)
    return flowable


class _ContentsSlot(Flowable):
    """The rest of a contents page: it records where it was laid out; the entries are drawn there when the
    last page is known (:meth:`Document.on_final_page`), so the contents costs no second layout pass."""

    def __init__(self, owner: "Document"):
        super().__init__()
        self.owner = owner

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, avail_height - 1
        return self.width, self.height

    def draw(self):
        doc = self.canv._doctemplate
        x, y = self.canv.absolutePosition(0, 0)
        self.owner._slots.append((doc.page, x, y, self.width, self.height))


CONTENTS_LEADING = {0: 17.0, 1: 12.0}


def contents(owner: "Document", entries: int, first_room: float) -> list[Flowable]:
    """Room for a contents of ``entries`` lines (headings and sub-entries): the rest of this page and as many
    whole pages more as they need (``first_room``: what is left on this page, a safe under-estimate)."""
    from reportlab.platypus import PageBreak
    need = entries * CONTENTS_LEADING[0]
    page_room = owner.pagesize[1] - owner.top_margin - owner.bottom_margin
    extra = 0
    while need > first_room + extra * page_room:
        extra += 1
    out: list[Flowable] = [_ContentsSlot(owner)]
    for _ in range(extra):
        out += [PageBreak(), _ContentsSlot(owner)]
    return out


class NumberedCanvas(Canvas):
    """A canvas that writes "Page X of Y" once Y is known, and keeps bookmarks with their page."""

    def __init__(self, *args, on_final_page: Callable[[Canvas, int, int], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._marks: list[tuple] = []
        self._on_final_page = on_final_page

    def bookmarkPage(self, key, **kw):          # noqa: N802 (reportlab's name)
        self._marks.append(("page", key, kw))

    def addOutlineEntry(self, title, key, level=0, closed=None):   # noqa: N802
        self._marks.append(("outline", title, key, level, closed))

    def showPage(self):                          # noqa: N802
        self._pages.append(dict(self.__dict__))
        self._marks = []
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            for mark in self._marks:
                if mark[0] == "page":
                    Canvas.bookmarkPage(self, mark[1], **mark[2])
                else:
                    Canvas.addOutlineEntry(self, *mark[1:])
            if self._on_final_page:
                self._on_final_page(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


class _Template(BaseDocTemplate):
    def __init__(self, *args, owner: "Document", **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def afterFlowable(self, flowable):          # noqa: N802
        mark = getattr(flowable, "_outline", None)
        if mark:
            title, level, listed = mark
            self.owner._keys += 1
            key = f"o{self.owner._keys}"
            top = self.frame._y + getattr(flowable, "height", 0) + 4
            self.canv.bookmarkPage(key, fit="XYZ", left=0, top=top)
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)
            if listed:
                self.owner._contents.append((level, title, self.page))
        self.owner.after_flowable(flowable)


class Document:
    """A marked, numbered, bookmarked PDF. Subclasses give ``title``, ``subject`` and ``story()``."""

    pagesize = A4
    left_margin = 16 * mm
    right_margin = 16 * mm
    top_margin = 24 * mm
    bottom_margin = 22 * mm
    header_rule_gap = 16 * mm      # from the top edge to the rule under the header
    footer_rule_gap = 15 * mm      # from the bottom edge to the rule over the footer
    marking_size = 10

    title = "MATAC Desk"
    subject = ""
    running_title = ""
    banner = ""                    # e.g. "REDACTED FOR PARTNER AGENCIES": in every page's header

    def __init__(self, *, reference: str, printed_on: str, progress=no_progress, cancelled=never_cancelled):
        self.reference = reference
        self.printed_on = printed_on
        self.progress = progress
        self.cancelled = cancelled
        self.styles = stylesheet()
        self._flowables_done = 0
        self._flowables_total = 0
        self._keys = 0
        self.pages = 0
        self._contents: list[tuple[int, str, int]] = []      # (level, title, page) of each listed heading
        self._slots: list[tuple[int, float, float, float, float]] = []   # (page, x, y, width, height)

    # -- geometry --------------------------------------------------------------
    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - self.left_margin - self.right_margin

    @property
    def landscape_width(self) -> float:
        return landscape(self.pagesize)[0] - self.left_margin - self.right_margin

    def _frame(self, size, ident: str) -> Frame:
        w, h = size
        return Frame(self.left_margin, self.bottom_margin, w - self.left_margin - self.right_margin,
                     h - self.top_margin - self.bottom_margin, id=ident, leftPadding=0, rightPadding=0,
                     topPadding=0, bottomPadding=0)

    def page_templates(self) -> list[PageTemplate]:
        portrait = self.pagesize
        wide = landscape(self.pagesize)
        return [
            PageTemplate("cover", [self._frame(portrait, "cover")], onPage=self.on_page, pagesize=portrait),
            PageTemplate("portrait", [self._frame(portrait, "body")], onPage=self.on_page, pagesize=portrait),
            PageTemplate("landscape", [self._frame(wide, "wide")], onPage=self.on_page, pagesize=wide),
        ]

    # -- every page ------------------------------------------------------------
    def on_page(self, canvas: Canvas, doc) -> None:
        """Marking top and bottom, running title, reference and date (the page number comes at the end)."""
        w, h = canvas._pagesize
        canvas.saveState()
        canvas.setFillColor(COLOURS["ink"])
        canvas.setFont(FONT_BOLD, self.marking_size)
        canvas.drawCentredString(w / 2, h - (7.3 if self.banner else 8.5) * mm, MARKING)
        canvas.drawCentredString(w / 2, 6.5 * mm, MARKING)
        canvas.setStrokeColor(COLOURS["rule"])
        canvas.setLineWidth(0.6)
        canvas.line(self.left_margin, h - self.header_rule_gap, w - self.right_margin, h - self.header_rule_gap)
        canvas.line(self.left_margin, self.footer_rule_gap, w - self.right_margin, self.footer_rule_gap)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(COLOURS["muted"])
        line = h - self.header_rule_gap + (1.5 if self.banner else 2.2) * mm
        if self.running_title:
            draw_runs(canvas, self.left_margin, line, self.running_title, FONT, 7.5)
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(w - self.right_margin, line, f"Ref. {self.reference}")
        if self.banner:
            canvas.setFillColor(COLOURS["alert"])
            canvas.setFont(FONT_BOLD, 8)
            canvas.drawCentredString(w / 2, h - 11.2 * mm, self.banner)   # its own line, under the marking
            canvas.setFillColor(COLOURS["muted"])
            canvas.setFont(FONT, 7.5)
        canvas.drawString(self.left_margin, self.footer_rule_gap - 4 * mm,
                          f"Printed {self.printed_on}  ·  do not copy or forward")
        if getattr(self, "audit_head", "") and canvas.getPageNumber() == 1:  # issue 16: an anchor on the cover
            canvas.drawCentredString(w / 2, self.footer_rule_gap - 4 * mm, self.audit_head)
        canvas.restoreState()

    def on_final_page(self, canvas: Canvas, number: int, total: int) -> None:
        self.pages = total
        self._draw_contents(canvas, number)
        w, _ = canvas._pagesize
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(COLOURS["muted"])
        canvas.drawRightString(w - self.right_margin, self.footer_rule_gap - 4 * mm, f"Page {number} of {total}")
        canvas.restoreState()

    def _draw_contents(self, canvas: Canvas, number: int) -> None:
        """The contents lines that fall on this page's slot: title, dotted leader, page number."""
        from reportlab.pdfbase.pdfmetrics import stringWidth
        if not self._slots or not self._contents:
            return
        if not hasattr(self, "_placed"):
            self._placed: dict[int, list] = {}
            queue = list(self._contents)
            for page, x, y, width, height in self._slots:
                top, lines = y + height, []
                while queue and top - CONTENTS_LEADING[queue[0][0]] >= y:
                    level, title, at = queue.pop(0)
                    top -= CONTENTS_LEADING[level]
                    lines.append((level, title, at, x, top, width))
                self._placed[page] = lines
            self._contents_left_out = len(queue)
        lines = self._placed.get(number)
        if not lines:
            return
        canvas.saveState()
        for level, title, at, x, y, width in lines:
            font, size = (FONT_BOLD, 10) if level == 0 else (FONT, 8.5)
            indent = 0 if level == 0 else 14
            canvas.setFillColor(COLOURS["navy"] if level == 0 else COLOURS["ink"])
            draw_runs(canvas, x + indent, y, title, font, size)
            canvas.setFont(font, size)
            canvas.drawRightString(x + width, y, str(at))
            end = x + indent + runs_width(title, font, size) + 4
            start = x + width - stringWidth(str(at), font, size) - 4
            if start > end:
                canvas.setStrokeColor(COLOURS["rule"])
                canvas.setDash(1, 2.5)
                canvas.setLineWidth(0.7)
                canvas.line(end, y + 1, start, y + 1)
                canvas.setDash()
        canvas.restoreState()

    # -- building ----------------------------------------------------------------
    def story(self) -> list[Flowable]:
        raise NotImplementedError

    def after_flowable(self, flowable) -> None:
        self._flowables_done += 1
        if self._flowables_done % 25 == 0:
            if self.cancelled():
                raise Cancelled()
            self.progress(min(self._flowables_done, self._flowables_total), self._flowables_total,
                          "Laying out the pages")

    def render(self) -> bytes:
        """The PDF as bytes. Raises Cancelled when ``cancelled()`` turns true."""
        story = self._headings_with_room(self.story())
        if self.cancelled():
            raise Cancelled()
        self._flowables_total = max(1, len(story))
        buf = io.BytesIO()
        doc = _Template(buf, owner=self, pagesize=self.pagesize, title=self.title, subject=self.subject,
                        author="MATAC Desk", creator="MATAC Desk", keywords=[MARKING],
                        leftMargin=self.left_margin, rightMargin=self.right_margin, topMargin=self.top_margin,
                        bottomMargin=self.bottom_margin, pageTemplates=self.page_templates())
        doc.build(story, canvasmaker=lambda *a, **k: NumberedCanvas(*a, on_final_page=self.on_final_page, **k))
        if getattr(self, "_contents_left_out", 0):
            raise RuntimeError(f"the contents page had no room for {self._contents_left_out} entries")
        self.progress(self._flowables_total, self._flowables_total, "Done")
        return buf.getvalue()

    heading_room = 32 * mm

    def _headings_with_room(self, story: list[Flowable]) -> list[Flowable]:
        """No orphaned headings and no half-empty pages: a heading goes to the next page unless there is room
        for it and the first lines of what follows (``keepWithNext`` would move a whole long table instead)."""
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import CondPageBreak, Paragraph
        out: list[Flowable] = []
        loose: dict[str, ParagraphStyle] = {}
        for f in story:
            if isinstance(f, Paragraph) and f.style.name in ("H2", "H3"):
                st = loose.get(f.style.name)
                if st is None:
                    st = loose[f.style.name] = ParagraphStyle(f.style.name + "-loose", parent=f.style, keepWithNext=0)
                f.style = st
                out.append(CondPageBreak(self.heading_room))
            out.append(f)
        return out

    @staticmethod
    def next_template(name: str) -> NextPageTemplate:
        return NextPageTemplate(name)


def data_table(header: list[str], rows: list[list], widths: list[float], styles, *,
               row_backgrounds: dict[int, object] | None = None, align_right: tuple[int, ...] = (),
               empty: str = "None recorded.") -> Flowable:
    """A table of Paragraph cells whose header repeats on every page it runs to.

    Cells are markup strings (already escaped) or flowables; ``widths`` in
    points must add up to no more than the frame. ``row_backgrounds`` maps a
    data row's index to a colour (overdue actions, new partners).
    """
    from reportlab.platypus import Paragraph, Table, TableStyle

    from .styles import para

    if not rows:
        return Paragraph(empty, styles["Note"])
    head = [Paragraph(h, styles["CellHead"]) for h in header]
    body = []
    for r in rows:
        line = []
        for i, c in enumerate(r):
            if isinstance(c, Flowable):
                line.append(c)
            else:
                line.append(para("" if c is None else str(c), styles["CellRight" if i in align_right else "Cell"]))
        body.append(line)
    t = Table([head] + body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    cmds = [
        ("BACKGROUND", (0, 0), (-1, 0), COLOURS["head"]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, COLOURS["navy"]),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, COLOURS["rule"]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i in range(1, len(body) + 1):
        if i % 2 == 0:
            cmds.append(("BACKGROUND", (0, i), (-1, i), COLOURS["stripe"]))
    for i, colour in (row_backgrounds or {}).items():
        cmds.append(("BACKGROUND", (0, i + 1), (-1, i + 1), colour))
    t.setStyle(TableStyle(cmds))
    return t


def key_values(pairs: list[tuple[str, object]], width: float, styles, key_share: float = 0.34) -> Flowable:
    """A two-column block of labels and values (values are markup strings or flowables)."""
    from reportlab.platypus import Table, TableStyle

    from .styles import para

    rows = [[para(k, styles["Key"]), v if isinstance(v, Flowable) else para(str(v), styles["Cell"])]
            for k, v in pairs]
    t = Table(rows, colWidths=[width * key_share, width * (1 - key_share)], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, COLOURS["rule"]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t

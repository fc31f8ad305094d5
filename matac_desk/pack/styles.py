"""The look of every MATAC Desk PDF: the embedded fonts, the colours and the named stylesheet.

Fonts: DejaVu Sans and DejaVu Sans Condensed (regular and bold), shipped
under ``resources/fonts`` with their licence and embedded (subset) in every
PDF, so "Łukasz", "Siobhán", "Zoë" and Arabic-script names print. Helvetica
cannot draw them.

Right-to-left text: reportlab shapes Arabic with ``uharfbuzz`` when a
paragraph style has ``shaping=1`` (joining forms, lam-alef ligatures; each
word comes out in visual order), but puts *words* in visual order only with
the ``rlbidi`` package, which the package index here does not carry. So
:func:`visual` runs the Unicode bidirectional algorithm (``python-bidi``)
over each value on its own (as if wrapped in an isolate: a name does not
reorder the sentence around it), then turns each right-to-left word back
to logical order for the shaper. :func:`para` picks the shaping twin of a
style only for text that needs it, since shaping every Latin word is slow.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.platypus import Paragraph

from ..paths import resource

__all__ = [
    "FONT",
    "FONT_BOLD",
    "FONT_COND",
    "FONT_COND_BOLD",
    "COLOURS",
    "register_fonts",
    "stylesheet",
    "visual",
    "needs_shaping",
    "esc",
    "para",
    "shaped_label",
]

FONT = "MatacSans"
FONT_BOLD = "MatacSans-Bold"
FONT_COND = "MatacSansCondensed"
FONT_COND_BOLD = "MatacSansCondensed-Bold"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_COND: "DejaVuSansCondensed.ttf",
    FONT_COND_BOLD: "DejaVuSansCondensed-Bold.ttf",
}

COLOURS = {
    "ink": colors.HexColor("#1a1a1a"),
    "muted": colors.HexColor("#5c6370"),
    "navy": colors.HexColor("#14325c"),
    "rule": colors.HexColor("#b9c2cf"),
    "head": colors.HexColor("#e3e9f1"),
    "stripe": colors.HexColor("#f5f7fa"),
    "alert": colors.HexColor("#a3141b"),
    "alert_bg": colors.HexColor("#fbe9ea"),
    "amber": colors.HexColor("#b35c00"),
    "amber_bg": colors.HexColor("#fff4e0"),
    "good": colors.HexColor("#1e6b3a"),
    "new": colors.HexColor("#c2185b"),
}

_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_WORD = re.compile(r"\S+")


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the shipped TrueType fonts with reportlab (once); returns their names."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in _FILES.items():
        path = resource("fonts", file)
        if not path.is_file():
            raise FileNotFoundError(f"the PDF font {file} is missing from {path.parent}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    for family, regular, bold in ((FONT, FONT, FONT_BOLD), (FONT_COND, FONT_COND, FONT_COND_BOLD)):
        # no oblique face has the Arabic glyphs: italics fall back to the upright faces
        addMapping(family, 0, 0, regular)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, regular)
        addMapping(family, 1, 1, bold)
    return tuple(_FILES)


def needs_shaping(text: str) -> bool:
    return bool(_RTL.search(text))


def visual(text: str) -> str:
    """``text`` with its right-to-left runs in visual word order and each word in logical order (for the shaper).

    >>> visual("Zoë Smith") == "Zoë Smith"
    True
    >>> visual("محمد خان") == "خان محمد"
    True
    """
    if not _RTL.search(text):
        return text
    from bidi import get_display
    shown = get_display(text, base_dir="L")
    return _WORD.sub(lambda m: m.group(0)[::-1] if _RTL.search(m.group(0)) else m.group(0), shown)


def esc(value, empty: str = "—") -> str:
    """A value for paragraph markup: None as a dash, XML-escaped, right-to-left runs in visual order."""
    if value is None or value == "":
        return empty
    if isinstance(value, float):
        value = f"{value:g}"
    return escape(visual(str(value)))


def shaped_label(text: str, font: str, size: float) -> str:
    """A plain string for a drawing or the canvas: visual order, Arabic in its joining forms.

    Drawings (charts, the relationship picture) cannot shape; DejaVu maps
    the joined forms to Unicode presentation forms, so the shaped glyphs
    can be written as plain characters.
    """
    if not _RTL.search(text):
        return text
    from reportlab.pdfbase.ttfonts import shapeStr
    return "".join(str(shapeStr(w, font, size)) if _RTL.search(w) else w
                   for w in re.split(r"(\s+)", visual(text)))


def stylesheet() -> StyleSheet1:
    """The named styles every PDF uses (built once per render: reportlab styles are mutable)."""
    register_fonts()
    ink, muted, navy = COLOURS["ink"], COLOURS["muted"], COLOURS["navy"]
    ss = StyleSheet1()
    base = ParagraphStyle("Body", fontName=FONT, fontSize=9, leading=12, textColor=ink, spaceAfter=4)
    ss.add(base)
    add = ss.add
    add(ParagraphStyle("Small", parent=base, fontSize=7.5, leading=9.5, textColor=muted, spaceAfter=2))
    add(ParagraphStyle("Note", parent=base, fontSize=8.5, leading=11, textColor=muted))
    add(ParagraphStyle("CoverKicker", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, textColor=muted,
                       spaceAfter=6))
    add(ParagraphStyle("CoverTitle", parent=base, fontName=FONT_BOLD, fontSize=26, leading=31, textColor=navy,
                       spaceAfter=10))
    add(ParagraphStyle("CoverSub", parent=base, fontName=FONT, fontSize=13, leading=17, textColor=ink,
                       spaceAfter=4))
    add(ParagraphStyle("Redacted", parent=base, fontName=FONT_BOLD, fontSize=12, leading=16,
                       textColor=COLOURS["alert"], borderColor=COLOURS["alert"], borderWidth=1.2, borderPadding=6,
                       alignment=TA_CENTER, spaceBefore=8, spaceAfter=14))
    add(ParagraphStyle("Handling", parent=base, fontSize=8.5, leading=11.5, backColor=COLOURS["stripe"],
                       borderColor=COLOURS["rule"], borderWidth=0.6, borderPadding=7, spaceBefore=6))
    add(ParagraphStyle("H1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, textColor=navy,
                       spaceBefore=2, spaceAfter=8, keepWithNext=1))
    add(ParagraphStyle("H2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15, textColor=navy,
                       spaceBefore=10, spaceAfter=4, keepWithNext=1))
    add(ParagraphStyle("H3", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12, textColor=ink,
                       spaceBefore=6, spaceAfter=3, keepWithNext=1))
    add(ParagraphStyle("Lead", parent=base, fontSize=9, leading=12, textColor=muted, spaceAfter=6))
    add(ParagraphStyle("Alert", parent=base, fontName=FONT_BOLD, textColor=COLOURS["alert"]))
    add(ParagraphStyle("Item", parent=base, leftIndent=14, bulletIndent=3, spaceAfter=2))
    add(ParagraphStyle("Cell", parent=base, fontName=FONT_COND, fontSize=8, leading=9.8, spaceAfter=0))
    add(ParagraphStyle("CellBold", parent=ss["Cell"], fontName=FONT_COND_BOLD))
    add(ParagraphStyle("CellRight", parent=ss["Cell"], alignment=TA_RIGHT))
    add(ParagraphStyle("CellCentre", parent=ss["Cell"], alignment=TA_CENTER))
    add(ParagraphStyle("CellHead", parent=ss["Cell"], fontName=FONT_COND_BOLD, textColor=navy))
    add(ParagraphStyle("CellMuted", parent=ss["Cell"], textColor=muted, fontSize=7.2, leading=8.8))
    add(ParagraphStyle("Key", parent=ss["Cell"], fontName=FONT_COND_BOLD, textColor=muted))
    add(ParagraphStyle("Explain", parent=base, fontName=FONT_COND, fontSize=8, leading=10.5, leftIndent=8,
                       spaceAfter=1))
    add(ParagraphStyle("Minutes", parent=base, leftIndent=8, borderColor=COLOURS["rule"], borderWidth=0,
                       spaceAfter=5))
    add(ParagraphStyle("Right", parent=base, alignment=TA_RIGHT))
    add(ParagraphStyle("Big", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24, textColor=navy,
                       spaceAfter=0))
    add(ParagraphStyle("Left", parent=base, alignment=TA_LEFT))
    return ss


_TWINS: dict[int, ParagraphStyle] = {}


def para(markup: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of ready markup (values already passed through :func:`esc`), shaped when it holds Arabic."""
    if _RTL.search(markup):
        twin = _TWINS.get(id(style))
        if twin is None or twin.parent is not style:
            twin = ParagraphStyle(style.name + "-shaped", parent=style, shaping=1)
            _TWINS[id(style)] = twin
        style = twin
    return Paragraph(markup, style)

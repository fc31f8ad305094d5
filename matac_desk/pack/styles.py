"""The look of every MATAC Desk PDF: the embedded fonts, the colours and the named stylesheet.

Fonts: DejaVu Sans and DejaVu Sans Condensed (regular and bold) for Latin,
Greek and Cyrillic text, and Noto Naskh Arabic (regular and bold) for
Arabic script (Arabic, Urdu, Persian), all shipped under ``resources/fonts``
with their licences and embedded (subset) in every PDF. Helvetica cannot
draw "Łukasz" or "Siobhán", and DejaVu lacks Urdu letters such as ہ and ے.

Fallback per character: :func:`esc` puts each run of characters the
style's font cannot draw (and every Arabic-script run) in a ``<font>`` tag
of the font that can; :func:`label_runs` does the same for drawings.

Right-to-left text is shaped and ordered here, not by reportlab:
``arabic-reshaper`` turns each Arabic-script letter into its joining form
(the Unicode presentation forms, which Noto Naskh maps), then the Unicode
bidirectional algorithm (``python-bidi``) puts the text in visual order, each
value on its own (as if isolated: a name does not reorder the sentence
around it). No paragraph is shaped by reportlab's HarfBuzz path, so Latin
text never picks up ligatures ("st", "fi") that break search and copying,
and every glyph maps back to a character: ``pdftotext`` gives the letters
back (as presentation forms, which NFKC folds to the letters typed).
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
    "FONT_ARABIC",
    "FONT_ARABIC_BOLD",
    "label_runs",
    "draw_runs",
    "runs_width",
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
FONT_ARABIC = "MatacNaskh"
FONT_ARABIC_BOLD = "MatacNaskh-Bold"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_COND: "DejaVuSansCondensed.ttf",
    FONT_COND_BOLD: "DejaVuSansCondensed-Bold.ttf",
    FONT_ARABIC: "NotoNaskhArabic-Regular.ttf",
    FONT_ARABIC_BOLD: "NotoNaskhArabic-Bold.ttf",
}
_BOLD = {FONT_BOLD, FONT_COND_BOLD, FONT_ARABIC_BOLD}
# Arabic script, its supplements and presentation forms: always drawn in Noto Naskh
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")

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
    for family, regular, bold in ((FONT, FONT, FONT_BOLD), (FONT_COND, FONT_COND, FONT_COND_BOLD),
                                  (FONT_ARABIC, FONT_ARABIC, FONT_ARABIC_BOLD)):
        # no oblique face has the Arabic glyphs: italics fall back to the upright faces
        addMapping(family, 0, 0, regular)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, regular)
        addMapping(family, 1, 1, bold)
    return tuple(_FILES)


def needs_shaping(text: str) -> bool:
    """Whether the text holds right-to-left script (Arabic, Hebrew)."""
    return bool(_RTL.search(text))


def visual(text: str) -> str:
    """``text`` as drawn: Arabic letters in their joining forms, right-to-left runs in visual order.

    >>> visual("Zoë Smith") == "Zoë Smith"
    True
    >>> import unicodedata
    >>> unicodedata.normalize("NFKC", visual("محمد خان"))[::-1] == "محمد خان"
    True
    """
    if not _RTL.search(text):
        return text
    import arabic_reshaper
    from bidi import get_display
    return get_display(arabic_reshaper.reshape(text), base_dir="L")


@lru_cache(maxsize=8)
def _cmap(font: str) -> frozenset:
    from reportlab.pdfbase import pdfmetrics
    register_fonts()
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


def _fallback(font: str) -> str:
    return FONT_ARABIC_BOLD if font in _BOLD else FONT_ARABIC


def label_runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` cut into ``(run, font)``: Arabic script in Noto Naskh, any other character ``font`` lacks in the
    font that has it (the fallback per character), the rest in ``font``.

    >>> [f for _, f in label_runs("Ali خان", FONT)] == [FONT, FONT_ARABIC]
    True
    """
    if not text:
        return [(text, font)]
    main, other = _cmap(font), _fallback(font)
    extra = _cmap(other)
    out: list[tuple[str, str]] = []
    for ch in text:
        if _ARABIC.match(ch) and ord(ch) in extra:
            f = other
        elif ord(ch) in main or ch.isspace() or ord(ch) not in extra:
            f = font
        else:
            f = other
        if out and (out[-1][1] == f or (ch.isspace() and ord(ch) in _cmap(out[-1][1]))):
            out[-1] = (out[-1][0] + ch, out[-1][1])
        else:
            out.append((ch, f))
    return out


def _with_fallback(markup: str, font: str = FONT) -> str:
    """Escaped text with every run that needs another font wrapped in a ``<font face>`` tag."""
    if markup.isascii():
        return markup
    parts = []
    for run, f in label_runs(markup, font):
        parts.append(run if f == font else f'<font face="{FONT_ARABIC}">{run}</font>')
    return "".join(parts)


def esc(value, empty: str = "—") -> str:
    """A value for paragraph markup: None as a dash, XML-escaped, right-to-left runs in visual order, joined
    Arabic letters, and runs the body font lacks in the fallback font; numbers that are whole print whole."""
    if value is None or value == "":
        return empty
    if isinstance(value, float):
        value = f"{value:g}"
    return _with_fallback(escape(visual(str(value))))


def runs_width(text: str, font: str, size: float) -> float:
    """The width of ``text`` as :func:`draw_runs` draws it (each run in its own font)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return sum(stringWidth(t, f, size) for t, f in label_runs(visual(text), font))


def draw_runs(canvas, x: float, y: float, text: str, font: str, size: float, anchor: str = "start") -> None:
    """Draw a plain string on the canvas with the fallback per character (``anchor``: start, middle, end)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    runs = label_runs(visual(text), font)
    width = sum(stringWidth(t, f, size) for t, f in runs)
    x -= {"start": 0, "middle": width / 2, "end": width}[anchor]
    for t, f in runs:
        canvas.setFont(f, size)
        canvas.drawString(x, y, t)
        x += stringWidth(t, f, size)


def shaped_label(text: str, font: str, size: float) -> str:
    """A plain string for a drawing or the canvas: visual order, Arabic in its joining forms
    (draw it with :func:`label_runs` so each run gets a font that has it)."""
    return visual(text)


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


def para(markup: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of ready markup (values already passed through :func:`esc`); never shaped by reportlab
    (Arabic is shaped in :func:`visual`), so Latin text gets no ligatures."""
    return Paragraph(markup, style)

"""Small vector charts for the pack and the profile: reportlab Drawings, no images.

* :func:`score_trend`: a subject's score at each snapshot (meetings), a line with its points labelled.
* :func:`offending_timeline`: every incident on a time axis, its stem as tall as its gravity.
* :func:`before_after`: the cohort's incidents and harm before and after adoption, side by side.

Each takes plain values (no store), so it can be tested and reused alone.
"""

from __future__ import annotations

import datetime as _dt
from typing import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from .styles import COLOURS, FONT, FONT_BOLD, register_fonts

__all__ = ["score_trend", "offending_timeline", "before_after", "GRAVITY_COLOURS"]

GRAVITY_COLOURS = {1: "#9bb7d4", 2: "#5b8cc0", 3: "#e0a030", 4: "#d2691e", 5: "#a3141b"}
_AXIS = colors.HexColor("#8a93a0")
_GRID = colors.HexColor("#e4e8ee")


def _empty(width: float, height: float, text: str) -> Drawing:
    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, fillColor=COLOURS["stripe"], strokeColor=COLOURS["rule"], strokeWidth=0.5))
    d.add(String(width / 2, height / 2 - 3, text, fontName=FONT, fontSize=8, textAnchor="middle",
                 fillColor=COLOURS["muted"]))
    return d


def _nice_max(value: float) -> int:
    for step in (5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000):
        if value <= step:
            return step
    return int(value) + 1


def score_trend(points: Sequence[tuple[str, float | None]], width: float = 230, height: float = 110,
                title: str = "Score at each snapshot") -> Drawing:
    """A line of the score at each snapshot (``(label, score)``, oldest first; None = not scored, drawn as 0)."""
    register_fonts()
    if not points:
        return _empty(width, height, "No snapshot has scored this person yet")
    d = Drawing(width, height)
    left, right, bottom, top = 24.0, 8.0, 20.0, 16.0
    pw, ph = width - left - right, height - bottom - top
    values = [p[1] or 0 for p in points]
    ymax = _nice_max(max(values) or 1)
    d.add(String(0, height - 9, title, fontName=FONT_BOLD, fontSize=7.5, fillColor=COLOURS["navy"]))
    for i in range(5):
        y = bottom + ph * i / 4
        d.add(Line(left, y, left + pw, y, strokeColor=_GRID if i else _AXIS, strokeWidth=0.5))
        d.add(String(left - 3, y - 2.5, f"{ymax * i / 4:g}", fontName=FONT, fontSize=6, textAnchor="end",
                     fillColor=COLOURS["muted"]))
    n = len(points)
    xs = [left + (pw * (i + 0.5) / n) for i in range(n)]
    ys = [bottom + ph * v / ymax for v in values]
    if n > 1:
        d.add(PolyLine([c for xy in zip(xs, ys) for c in xy], strokeColor=COLOURS["navy"], strokeWidth=1.4))
    every = max(1, (n + 5) // 6)
    for i, (x, y, (label, value)) in enumerate(zip(xs, ys, points)):
        d.add(Circle(x, y, 2.2, fillColor=COLOURS["navy"] if value is not None else colors.white,
                     strokeColor=COLOURS["navy"], strokeWidth=0.8))
        if i == n - 1 or n <= 8:
            d.add(String(x, y + 4, "—" if value is None else f"{value:g}", fontName=FONT, fontSize=6,
                         textAnchor="middle", fillColor=COLOURS["ink"]))
        if (n - 1 - i) % every == 0:
            d.add(String(x, bottom - 9, label, fontName=FONT, fontSize=5.8, textAnchor="middle",
                         fillColor=COLOURS["muted"]))
    return d


def offending_timeline(incidents: Sequence[tuple[str, int]], start: str, end: str, width: float = 480,
                       height: float = 90, marks: Sequence[tuple[str, str]] = (),
                       title: str = "Offending timeline (stem height = gravity)") -> Drawing:
    """Each incident (``(ISO date, gravity 1-5)``) as a stem on a time axis from ``start`` to ``end``.

    ``marks`` are ``(ISO date, label)`` drawn as dashed verticals (adoption, exit).
    """
    register_fonts()
    d = Drawing(width, height)
    left, right, bottom, top = 18.0, 8.0, 18.0, 16.0
    pw, ph = width - left - right, height - bottom - top
    a, b = _dt.date.fromisoformat(start), _dt.date.fromisoformat(end)
    span = max(1, (b - a).days)

    def x_of(day: str) -> float:
        return left + pw * ((_dt.date.fromisoformat(day) - a).days / span)

    d.add(String(0, height - 9, title, fontName=FONT_BOLD, fontSize=7.5, fillColor=COLOURS["navy"]))
    for g in range(1, 6):
        y = bottom + ph * g / 5
        d.add(Line(left, y, left + pw, y, strokeColor=_GRID, strokeWidth=0.4))
        d.add(String(left - 3, y - 2.5, str(g), fontName=FONT, fontSize=5.8, textAnchor="end",
                     fillColor=COLOURS["muted"]))
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=_AXIS, strokeWidth=0.7))
    years = range(a.year + (1 if (a.month, a.day) > (1, 1) else 0), b.year + 1)
    for year in years:
        x = x_of(f"{year}-01-01")
        d.add(Line(x, bottom - 3, x, bottom + ph, strokeColor=_GRID, strokeWidth=0.4))
        d.add(String(x, bottom - 10, str(year), fontName=FONT, fontSize=6, textAnchor="middle",
                     fillColor=COLOURS["muted"]))
    for day, label in marks:
        if start <= day <= end:
            x = x_of(day)
            d.add(Line(x, bottom, x, bottom + ph + 3, strokeColor=COLOURS["good"], strokeWidth=0.8,
                       strokeDashArray=(2, 1.5)))
            d.add(String(x + 2, bottom + ph + 1, label, fontName=FONT, fontSize=5.8, fillColor=COLOURS["good"]))
    shown = [(day, g) for day, g in incidents if start <= day <= end]
    for day, g in sorted(shown):
        x = x_of(day)
        g = max(1, min(5, int(g)))
        fill = colors.HexColor(GRAVITY_COLOURS[g])
        d.add(Line(x, bottom, x, bottom + ph * g / 5, strokeColor=fill, strokeWidth=1.1))
        d.add(Circle(x, bottom + ph * g / 5, 2.1, fillColor=fill, strokeColor=colors.white, strokeWidth=0.4))
    if not shown:
        d.add(String(left + pw / 2, bottom + ph / 2, "no incident as perpetrator in this period", fontName=FONT,
                     fontSize=7.5, textAnchor="middle", fillColor=COLOURS["muted"]))
    d.add(String(width - right, height - 9, f"{len(shown)} {'incident' if len(shown) == 1 else 'incidents'}, "
                 f"{start} to {end}", fontName=FONT,
                 fontSize=6.5, textAnchor="end", fillColor=COLOURS["muted"]))
    return d


def before_after(pairs: Sequence[tuple[str, int, int]], width: float = 300, height: float = 120,
                 title: str = "Cohort before and after adoption (equal windows)") -> Drawing:
    """Grouped bars: for each ``(label, before, after)`` a grey bar before and a blue bar after."""
    register_fonts()
    if not pairs:
        return _empty(width, height, "No adoption period has enough follow-up yet")
    d = Drawing(width, height)
    left, right, bottom, top = 10.0, 10.0, 26.0, 26.0
    pw, ph = width - left - right, height - bottom - top
    d.add(String(0, height - 9, title, fontName=FONT_BOLD, fontSize=7.5, fillColor=COLOURS["navy"]))
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=_AXIS, strokeWidth=0.7))
    group = pw / len(pairs)
    before_fill, after_fill = colors.HexColor("#9aa3af"), COLOURS["navy"]
    for i, (label, before, after) in enumerate(pairs):
        top_value = max(before, after, 1)
        bar = group * 0.28
        x0 = left + group * i + group * 0.2
        for j, (value, fill) in enumerate(((before, before_fill), (after, after_fill))):
            h = ph * value / top_value
            x = x0 + j * (bar + 4)
            d.add(Rect(x, bottom, bar, h, fillColor=fill, strokeColor=None))
            d.add(String(x + bar / 2, bottom + h + 2, f"{value:,}", fontName=FONT, fontSize=6.5,
                         textAnchor="middle", fillColor=COLOURS["ink"]))
        change = "" if before == 0 else f" ({(after - before) / before:+.0%})"
        d.add(String(x0 + bar + 2, bottom - 10, label + change, fontName=FONT, fontSize=6.8, textAnchor="middle",
                     fillColor=COLOURS["ink"]))
    lx = left
    for text, fill in (("before adoption", before_fill), ("after adoption", after_fill)):
        d.add(Rect(lx, 3, 7, 7, fillColor=fill, strokeColor=None))
        d.add(String(lx + 10, 4, text, fontName=FONT, fontSize=6.5, fillColor=COLOURS["muted"]))
        lx += 80
    return d

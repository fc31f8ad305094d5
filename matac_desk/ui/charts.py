"""Small charts drawn with QPainter: horizontal bars, optionally in pairs (before and after), with a limit line;
and for the person page the offending timeline (a stem per incident, as high as its gravity) and the score
trend (a point per snapshot), each with the nearest item's tooltip on hover.

No chart library: a few labelled bars read better in a narrow panel, and
the colours come from the palette (light or dark) plus the status accents.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .widgets import ACCENT, text_label

__all__ = ["Bar", "BarChart", "text_beside_chart", "Stem", "Point", "TimelineChart", "TrendChart"]


@dataclass(frozen=True)
class Bar:
    """One row: a label and one or two values (``second`` for the "after" of a before/after pair)."""
    label: str
    value: float
    second: float | None = None
    flagged: bool = False   # drawn in the warning colour (e.g. an overloaded offender manager)


class BarChart(QWidget):
    """Horizontal bars, one row per :class:`Bar`; ``limit`` draws a dashed line at that value."""

    ROW = 22

    def __init__(self, accessible: str, *, legend: tuple[str, str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(accessible)
        self.bars: list[Bar] = []
        self.limit: float | None = None
        self.limit_label = ""
        self.legend = legend
        self.value_format = "{:,.0f}"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[Bar], *, limit: float | None = None, limit_label: str = "") -> None:
        self.bars = list(bars)
        self.limit, self.limit_label = limit, limit_label
        desc = "; ".join(f"{b.label}: {self.value_format.format(b.value)}"
                         + (f" then {self.value_format.format(b.second)}" if b.second is not None else "")
                         for b in self.bars[:20])
        self.setAccessibleDescription(desc)
        self.setToolTip(desc.replace("; ", "\n") if desc else "")
        self.updateGeometry()
        self.update()

    def _rows(self) -> int:
        return len(self.bars) + (1 if self.legend else 0) + (1 if self.limit_label else 0)

    def sizeHint(self) -> QSize:
        return QSize(320, max(1, self._rows()) * self.ROW + 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(pal.ColorRole.WindowText)
        fm = self.fontMetrics()
        if not self.bars:
            p.setPen(text)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing to show yet")
            return
        first = QColor(ACCENT["info"])
        second = QColor(ACCENT["ok"])
        flagged = QColor(ACCENT["warning"])
        label_w = min(max(fm.horizontalAdvance(b.label) for b in self.bars) + 10, self.width() // 3)
        def shown_text(b: Bar) -> str:
            t = self.value_format.format(b.value)
            return t + (f" → {self.value_format.format(b.second)}" if b.second is not None else "")

        value_w = max(fm.horizontalAdvance(shown_text(b)) for b in self.bars) + 10
        left, right = label_w, self.width() - value_w
        top = 6
        peak = max([b.value for b in self.bars] + [b.second or 0 for b in self.bars] + [self.limit or 0]) or 1
        scale = max(1.0, right - left) / peak
        for n, b in enumerate(self.bars):
            y = top + n * self.ROW
            p.setPen(text)
            p.drawText(QRectF(0, y, label_w - 6, self.ROW), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(b.label, Qt.TextElideMode.ElideRight, label_w - 6))
            h = (self.ROW - 6) / (2 if b.second is not None else 1)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(flagged if b.flagged else first)
            p.drawRect(QRectF(left, y + 3, b.value * scale, h))
            shown = shown_text(b)
            if b.second is not None:
                p.setBrush(second)
                p.drawRect(QRectF(left, y + 3 + h, b.second * scale, h))
            p.setPen(text)
            p.drawText(QRectF(left + max(b.value, b.second or 0) * scale + 4, y, value_w + 40, self.ROW),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        if self.limit is not None:
            x = left + self.limit * scale
            pen = QPen(QColor(ACCENT["error"]), 1.2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(int(x), top, int(x), top + len(self.bars) * self.ROW)
            if self.limit_label:
                # beside the line when there is room, else ending at it: never cut by the widget's edge
                w = fm.horizontalAdvance(self.limit_label) + 4
                lx = x + 3 if x + 3 + w <= self.width() else max(0.0, x - 3 - w)
                align = Qt.AlignmentFlag.AlignLeft if lx > x else Qt.AlignmentFlag.AlignRight
                p.drawText(QRectF(lx, top + len(self.bars) * self.ROW - 2, w, self.ROW),
                           align | Qt.AlignmentFlag.AlignVCenter, self.limit_label)
        if self.legend:
            y = top + len(self.bars) * self.ROW + (self.ROW if self.limit_label else 0)
            x = left
            for colour, label in zip((first, second), self.legend):
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawRect(QRectF(x, y + 7, 12, 10))
                p.setPen(text)
                p.drawText(QRectF(x + 16, y, 200, self.ROW), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                           label)
                x += 16 + fm.horizontalAdvance(label) + 20
        p.end()


# --------------------------------------------------------------------------
# Time charts for the person page: the offending timeline and the score trend
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Stem:
    """One incident on the offending timeline: its day, its gravity (1-5) and what the tooltip says."""
    date: str
    gravity: int
    label: str
    counted: bool = True     # False: outside the scoring window (drawn faded)


@dataclass(frozen=True)
class Point:
    """One snapshot on the score trend: its day, the score (None: not scored then) and its label."""
    date: str
    score: float | None
    label: str = ""


def text_beside_chart(text_name: str, box_title: str, chart_title: str,
                      legend: tuple[str, str] = ("before", "after")) -> tuple[QHBoxLayout, QLabel, "BarChart"]:
    """A rich-text finding (three parts of the width) beside a before/after bar chart in a titled box (two
    parts): the Outcomes tab's and the comparison tab's top row."""
    row = QHBoxLayout()
    text = text_label(text_name)
    text.setTextFormat(Qt.TextFormat.RichText)
    row.addWidget(text, 3)
    box = QGroupBox(box_title)
    inner = QVBoxLayout(box)
    chart = BarChart(chart_title, legend=legend)
    inner.addWidget(chart)
    inner.addStretch(1)
    row.addWidget(box, 2)
    return row, text, chart


def _nice_max(value: float) -> float:
    for step in (5, 10, 20, 25, 50, 100):
        if value <= step:
            return step
    return float(int(value / 50 + 1) * 50)


class _TimeChart(QWidget):
    """Shared by the two: a title, a plot area with a left scale, and the nearest item's tooltip on hover."""

    LEFT, RIGHT, TOP, BOTTOM = 30, 12, 22, 20

    def __init__(self, accessible: str, title: str, empty: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(accessible)
        self.title = title
        self.empty = empty
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._spots: list[tuple[float, float, str]] = []   # (x, y, tooltip) of what was drawn

    def sizeHint(self) -> QSize:
        return QSize(480, 140)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)

    def _plot(self) -> QRectF:
        return QRectF(self.LEFT, self.TOP, max(1, self.width() - self.LEFT - self.RIGHT),
                      max(1, self.height() - self.TOP - self.BOTTOM))

    def _describe(self, text: str) -> None:
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def _frame(self, p: QPainter, scale: list[tuple[float, str]]) -> QRectF:
        """Title, horizontal grid lines at ``(fraction, label)`` and the base line; returns the plot area."""
        pal = self.palette()
        text = pal.color(pal.ColorRole.WindowText)
        grid = pal.color(pal.ColorRole.Mid)
        p.setPen(text)
        f = p.font()
        f.setBold(True)
        p.setFont(f)
        p.drawText(QRectF(0, 0, self.width(), self.TOP - 4), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.title)
        f.setBold(False)
        p.setFont(f)
        area = self._plot()
        for frac, label in scale:
            y = area.bottom() - area.height() * frac
            p.setPen(QPen(grid, 0.6, Qt.PenStyle.DotLine if frac else Qt.PenStyle.SolidLine))
            p.drawLine(int(area.left()), int(y), int(area.right()), int(y))
            p.setPen(text)
            p.drawText(QRectF(0, y - 8, self.LEFT - 5, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       label)
        return area

    def _nothing(self, p: QPainter) -> None:
        p.setPen(self.palette().color(self.palette().ColorRole.WindowText))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty)

    def mouseMoveEvent(self, event) -> None:
        from PySide6.QtWidgets import QToolTip
        pos = event.position()
        near = min(self._spots, key=lambda s: abs(s[0] - pos.x()) + abs(s[1] - pos.y()) / 4, default=None)
        if near is not None and abs(near[0] - pos.x()) <= 8:
            QToolTip.showText(event.globalPosition().toPoint(), near[2], self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


def _day(text: str):
    import datetime as _dt
    return _dt.date.fromisoformat(text)


class TimelineChart(_TimeChart):
    """Incidents over time, one stem each, its height the incident's gravity; dashed lines mark adoption and exit."""

    GRAVITY = {1: ACCENT["info"], 2: ACCENT["info"], 3: ACCENT["warning"], 4: ACCENT["error"], 5: ACCENT["error"]}

    def __init__(self, accessible: str = "Offending timeline", parent: QWidget | None = None):
        super().__init__(accessible, "Offending timeline: each incident as perpetrator, height = gravity",
                         "No incident as perpetrator is recorded", parent)
        self.stems: list[Stem] = []
        self.marks: list[tuple[str, str]] = []
        self.start = self.end = ""

    def set_incidents(self, stems: list[Stem], start: str, end: str, marks: list[tuple[str, str]] = ()) -> None:
        self.stems = sorted(stems, key=lambda s: s.date)
        self.start, self.end = start, end
        self.marks = list(marks)
        if self.stems:
            top = max(self.stems, key=lambda s: (s.gravity, s.date))
            self._describe(f"{len(self.stems)} incident(s) from {self.stems[0].date} to {self.stems[-1].date}; "
                           f"highest gravity {top.gravity} on {top.date}")
        else:
            self._describe(self.empty)

    def clear(self) -> None:
        self.set_incidents([], "", "")

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._spots = []
        if not self.stems or not self.start:
            self._nothing(p)
            p.end()
            return
        area = self._frame(p, [(g / 5, str(g) if g else "") for g in range(0, 6)])
        a, b = _day(self.start), _day(self.end)
        span = max(1, (b - a).days)

        def x_of(day: str) -> float:
            return area.left() + area.width() * min(1.0, max(0.0, (_day(day) - a).days / span))

        pal = self.palette()
        text = pal.color(pal.ColorRole.WindowText)
        fm = self.fontMetrics()
        p.setPen(text)
        last_right = -1e9
        for year in range(a.year + 1, b.year + 1):
            x = x_of(f"{year}-01-01")
            label = str(year)
            w = fm.horizontalAdvance(label)
            if x - w / 2 > last_right + 6:
                p.drawText(QRectF(x - w / 2 - 2, area.bottom() + 2, w + 4, self.BOTTOM - 2),
                           Qt.AlignmentFlag.AlignCenter, label)
                last_right = x + w / 2
        for day, label in self.marks:
            if self.start <= day <= self.end:
                x = x_of(day)
                p.setPen(QPen(QColor(ACCENT["ok"]), 1.2, Qt.PenStyle.DashLine))
                p.drawLine(int(x), int(area.top()) - 4, int(x), int(area.bottom()))
                w = fm.horizontalAdvance(label) + 4
                left = x + w + 3 > self.width()            # no room on the right: the label goes on the left
                p.drawText(QRectF(x - w - 3 if left else x + 3, area.top() - 6, w, 14),
                           (Qt.AlignmentFlag.AlignRight if left else Qt.AlignmentFlag.AlignLeft)
                           | Qt.AlignmentFlag.AlignVCenter, label)
        faded = pal.color(pal.ColorRole.Mid)
        for s in self.stems:
            if not (self.start <= s.date <= self.end):
                continue
            g = max(1, min(5, int(s.gravity)))
            x = x_of(s.date)
            y = area.bottom() - area.height() * g / 5
            colour = QColor(self.GRAVITY[g]) if s.counted else faded
            p.setPen(QPen(colour, 2.0))
            p.drawLine(int(x), int(area.bottom()), int(x), int(y))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawEllipse(QRectF(x - 3.5, y - 3.5, 7, 7))
            self._spots.append((x, y, s.label))
        p.end()


class TrendChart(_TimeChart):
    """The score at each snapshot, oldest first, as a line; a snapshot that did not score him is drawn at 0."""

    def __init__(self, accessible: str = "Score trend", parent: QWidget | None = None):
        super().__init__(accessible, "Score at each snapshot", "No snapshot has scored him yet", parent)
        self.points: list[Point] = []

    def set_points(self, points: list[Point]) -> None:
        self.points = list(points)
        if self.points:
            shown = "; ".join(f"{pt.date}: {'not scored' if pt.score is None else f'{pt.score:g}'}"
                              for pt in self.points[-12:])
            self._describe(f"Score at {len(self.points)} snapshot(s): {shown}")
        else:
            self._describe(self.empty)

    def clear(self) -> None:
        self.set_points([])

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._spots = []
        if not self.points:
            self._nothing(p)
            p.end()
            return
        top = _nice_max(max(pt.score or 0 for pt in self.points) or 1)
        area = self._frame(p, [(i / 4, f"{top * i / 4:g}") for i in range(5)])
        n = len(self.points)
        xs = [area.left() + area.width() * (i + 0.5) / n for i in range(n)]
        ys = [area.bottom() - area.height() * (pt.score or 0) / top for pt in self.points]
        line = QColor(ACCENT["info"])
        p.setPen(QPen(line, 2.0))
        for i in range(1, n):
            p.drawLine(int(xs[i - 1]), int(ys[i - 1]), int(xs[i]), int(ys[i]))
        pal = self.palette()
        text = pal.color(pal.ColorRole.WindowText)
        fm = self.fontMetrics()
        every = max(1, -(-n * (fm.horizontalAdvance("0000-00-00") + 12) // max(1, int(area.width()))))
        for i, (x, y, pt) in enumerate(zip(xs, ys, self.points)):
            p.setPen(QPen(line, 1.5))
            p.setBrush(line if pt.score is not None else pal.color(pal.ColorRole.Base))
            p.drawEllipse(QRectF(x - 3.5, y - 3.5, 7, 7))
            value = "—" if pt.score is None else f"{pt.score:g}"
            if n <= 12 or i == n - 1:
                p.setPen(text)
                p.drawText(QRectF(x - 20, y - 18, 40, 14), Qt.AlignmentFlag.AlignCenter, value)
            if (n - 1 - i) % every == 0:
                p.setPen(text)
                p.drawText(QRectF(x - 40, area.bottom() + 2, 80, self.BOTTOM - 2), Qt.AlignmentFlag.AlignCenter,
                           pt.date)
            self._spots.append((x, y, f"{pt.date}{' · ' + pt.label if pt.label else ''}: "
                                      + ("not scored" if pt.score is None else f"score {pt.score:g}")))
        p.end()

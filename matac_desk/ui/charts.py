"""Small charts drawn with QPainter: horizontal bars, optionally in pairs (before and after), with a limit line.

No chart library: a few labelled bars read better in a narrow panel, and
the colours come from the palette (light or dark) plus the status accents.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .widgets import ACCENT

__all__ = ["Bar", "BarChart"]


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
                p.drawText(QRectF(x + 3, top + len(self.bars) * self.ROW - 2, 200, self.ROW),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.limit_label)
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

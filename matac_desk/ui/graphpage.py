"""The Graph page: a person's relationship picture, drawn from :func:`matac_desk.analysis.picture.neighbourhood_layout`.

The layout (plain data, the same the PDF draws) is computed on the
background connection and drawn in a ``QGraphicsScene``: the wheel zooms,
dragging the background pans, nodes can be dragged (their edges follow),
and clicking a node opens that person. New partners in the period are
drawn in the alert colour with a thick link. The time slider redraws the
picture as of an earlier day ("who was linked when"); radius 1 or 2.
Export saves the scene as a PNG. Opening a graph is audited as a view.
"""

from __future__ import annotations

import datetime as _dt
from html import escape

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPalette, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
)

from ..storage import audit
from ..analysis import picture
from ..services import people
from ..analysis.picture import EDGE_STYLE, NEW_EDGE, NODE_STYLE, Layout
from .context import show_error
from .widgets import button, text_label
from .personfield import PersonField
from .window import Page

__all__ = ["GraphPage", "GraphView", "NodeItem", "SCALE", "SLIDER_MONTHS"]

SCALE = 190.0        # scene pixels per layout unit (ring distance)
NODE_R = 16.0
SLIDER_MONTHS = 120  # the time slider reaches back ten years


def _shape(kind: str, r: float) -> QPainterPath:
    path = QPainterPath()
    shape = NODE_STYLE[kind][0]
    if shape == "square":
        path.addRect(QRectF(-r, -r, 2 * r, 2 * r))
    elif shape == "diamond":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.2), QPointF(r * 1.2, 0), QPointF(0, r * 1.2),
                                   QPointF(-r * 1.2, 0), QPointF(0, -r * 1.2)]))
    else:
        path.addEllipse(QPointF(0, 0), r, r)
    return path


class EdgeItem(QGraphicsLineItem):
    def __init__(self, a: "NodeItem", b: "NodeItem", kind: str, label: str, new: bool):
        super().__init__()
        self.a, self.b = a, b
        colour, width, dash = EDGE_STYLE.get(kind, EDGE_STYLE["other"])
        if new:
            colour, width, dash = NEW_EDGE[0], NEW_EDGE[1], None
        pen = QPen(QColor(colour), width * 1.6)
        if dash:
            pen.setDashPattern([d * 2 for d in dash])
        self.setPen(pen)
        self.setZValue(-1)
        self.setToolTip(label + (" (new partner)" if new else ""))
        self.new = new
        self.follow()

    def follow(self) -> None:
        self.setLine(self.a.pos().x(), self.a.pos().y(), self.b.pos().x(), self.b.pos().y())


class NodeItem(QGraphicsPathItem):
    """A person: movable; a click without a drag asks the scene's view to open him."""

    def __init__(self, node: picture.LayoutNode, centre: bool):
        r = NODE_R * (1.35 if centre else 1.0)
        super().__init__(_shape(node.kind, r))
        self.node = node
        self.edges: list[EdgeItem] = []
        _, fill, stroke, legend = NODE_STYLE[node.kind]
        self.setBrush(QBrush(QColor(fill)))
        self.setPen(QPen(QColor(stroke), 3.0 if node.kind == "new partner" else 1.5))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{node.label} ({node.id}) · {legend}" + (f" · {node.detail}" if node.detail else "")
                        + "\nClick to open; drag to move")
        self.setPos(node.x * SCALE, node.y * SCALE)
        pal = QApplication.palette()     # labels in the palette's text colours: legible on a dark canvas too
        text = QGraphicsSimpleTextItem(node.label, self)
        text.setBrush(pal.color(QPalette.ColorRole.Text))
        f = text.font()
        f.setBold(centre or node.kind == "new partner")
        text.setFont(f)
        br = text.boundingRect()
        text.setPos(-br.width() / 2, r + 3)
        if node.detail:
            sub = QGraphicsSimpleTextItem(node.detail, self)
            sub.setBrush(pal.color(QPalette.ColorRole.PlaceholderText))
            sb = sub.boundingRect()
            sub.setPos(-sb.width() / 2, r + 3 + br.height())
        self._pressed_at: QPointF | None = None

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for e in self.edges:
                e.follow()
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:
        self._pressed_at = self.pos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._pressed_at is not None and (self.pos() - self._pressed_at).manhattanLength() < 2:
            for view in self.scene().views():
                if isinstance(view, GraphView):
                    view.node_clicked.emit(self.node.id)
        self._pressed_at = None


class GraphView(QGraphicsView):
    node_clicked = Signal(str)

    def __init__(self):
        super().__init__()
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setAccessibleName("Relationship graph")
        self.nodes: dict[str, NodeItem] = {}
        self.zoom = 1.0

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.15 ** steps)

    def zoom_by(self, factor: float) -> None:
        new = min(6.0, max(0.15, self.zoom * factor))
        factor = new / self.zoom
        self.zoom = new
        self.scale(factor, factor)

    def draw(self, layout: Layout) -> None:
        scene = self.scene()
        scene.clear()
        self.nodes = {}
        pen = QPen(QColor(128, 128, 128, 60), 1, Qt.PenStyle.DashLine)
        for ring in range(1, layout.radius + 1):
            scene.addEllipse(QRectF(-ring * SCALE, -ring * SCALE, 2 * ring * SCALE, 2 * ring * SCALE), pen).setZValue(-2)
        for n in layout.nodes:
            item = NodeItem(n, n.id == layout.centre)
            scene.addItem(item)
            self.nodes[n.id] = item
        for e in layout.edges:
            a, b = self.nodes.get(e.a), self.nodes.get(e.b)
            if a is None or b is None:
                continue
            edge = EdgeItem(a, b, e.kind, e.label, e.new)
            scene.addItem(edge)
            a.edges.append(edge)
            b.edges.append(edge)
        margin = SCALE * 0.6
        extent = SCALE * layout.radius + margin
        scene.setSceneRect(QRectF(-extent, -extent, 2 * extent, 2 * extent))

    def fit(self) -> None:
        self.resetTransform()
        self.zoom = 1.0
        rect = self.scene().itemsBoundingRect().adjusted(-40, -40, 40, 40)
        if rect.isValid() and self.viewport().width() > 10:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom = self.transform().m11()

    def image(self) -> QImage:
        """The whole picture (not just what is scrolled into view) on the view's background (its labels are
        drawn in the palette's text colour)."""
        rect = self.scene().itemsBoundingRect().adjusted(-30, -30, 30, 30)
        scale = 2.0
        img = QImage(int(rect.width() * scale), int(rect.height() * scale), QImage.Format.Format_ARGB32)
        img.fill(QApplication.palette().color(QPalette.ColorRole.Base))
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.scene().render(p, QRectF(0, 0, img.width(), img.height()), rect)
        p.end()
        return img


class GraphPage(Page):
    key = "graph"
    title = "Graph"
    listens = frozenset({"persons", "links", "meetings", "cohort"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self.person_id: str | None = None
        self.layout_: Layout | None = None
        self._gen = 0
        self._audited: str | None = None
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        who = QLabel("&Person:")
        bar.addWidget(who)
        self.person = PersonField(ctx, "Person")
        self.person.setMinimumWidth(self.fontMetrics().averageCharWidth() * 30)
        self.person.setMaximumWidth(self.fontMetrics().averageCharWidth() * 48)
        self.person.chosen.connect(self.show_person)
        self.person.returnPressed.connect(
            lambda: self.show_person(self.person.person_id() or self.person.text().strip()))
        who.setBuddy(self.person)
        bar.addWidget(self.person)
        rl = QLabel("&Radius:")
        bar.addWidget(rl)
        self.radius = QComboBox()
        self.radius.addItem("1 step", 1)
        self.radius.addItem("2 steps", 2)
        self.radius.setAccessibleName("Radius")
        self.radius.currentIndexChanged.connect(lambda _i: self.redraw())
        rl.setBuddy(self.radius)
        bar.addWidget(self.radius)
        sl = QLabel("&As of:")
        bar.addWidget(sl)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_MONTHS, 0)
        self.slider.setValue(0)
        self.slider.setPageStep(12)
        self.slider.setAccessibleName("As of (months before today)")
        self.slider.setToolTip("Drag to see who was linked when")
        self.slider.valueChanged.connect(self._slid)
        sl.setBuddy(self.slider)
        bar.addWidget(self.slider, 1)
        self.as_of_label = QLabel()
        self.as_of_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("0000-00-00 (today)") + 8)
        self.as_of_label.setAccessibleName("As of date")
        bar.addWidget(self.as_of_label)
        self.fit_button = button("&Fit", lambda: self.view.fit(), tip="Fit the picture to the window")
        bar.addWidget(self.fit_button)
        self.export_button = button("&Export PNG…", self.export_png, tip="Save the picture as an image")
        bar.addWidget(self.export_button)
        self.open_button = button("&Open person", lambda: self.person_id and self.window_.open_person(self.person_id))
        bar.addWidget(self.open_button)
        lay.addLayout(bar)

        self.view = GraphView()
        self.view.node_clicked.connect(self._node_clicked)
        lay.addWidget(self.view, 1)
        self.caption = text_label("Graph caption")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.caption)
        legend = " ".join(
            f"<span style='color:{fill}'>{'■' if shape == 'square' else '◆' if shape == 'diamond' else '●'}</span>"
            f"&nbsp;{escape(label)}&nbsp;&nbsp;" for shape, fill, _s, label in NODE_STYLE.values())
        self.legend = QLabel(legend + f"<span style='color:{NEW_EDGE[0]}'>━</span>&nbsp;new partner link")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setAccessibleName("Legend")
        lay.addWidget(self.legend)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.redraw)
        self._slid(0)
        self._enable()

    def _enable(self) -> None:
        has = self.layout_ is not None
        self.export_button.setEnabled(has)
        self.fit_button.setEnabled(has)
        self.open_button.setEnabled(has)

    def as_of(self) -> _dt.date:
        today = self.ctx.today()
        months = -self.slider.value()
        if not months:
            return today
        y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
        return _dt.date(y, m + 1, min(today.day, 28))

    def _slid(self, value: int) -> None:
        self.as_of_label.setText(self.as_of().isoformat() + (" (today)" if value == 0 else ""))
        if self.person_id:
            self._debounce.start()

    def show_person(self, person_id: str) -> None:
        """Draw a person's neighbourhood as of the slider's day."""
        if not person_id:
            return
        self.person_id = person_id     # an id, or a name the drawing resolves (people.resolve)
        if self.person.person_id() != person_id:
            self.person.set_person(person_id)
        self.redraw()

    def redraw(self) -> None:
        self._debounce.stop()
        if not self.person_id:
            return
        self._gen += 1
        gen = self._gen
        pid, radius, as_of = self.person_id, self.radius.currentData(), self.as_of()
        audit_now = self._audited != pid

        def load(store):
            lay = picture.neighbourhood_layout(store, people.resolve(store, pid), radius, as_of)
            if audit_now:
                audit.audit_view(store, lay.centre, what="graph")
            return lay

        self.caption.setText("Drawing…")
        self.ctx.read(load).then(lambda lay, g=gen: self._drawn(g, lay), lambda e, g=gen: self._failed(g, e))

    def _failed(self, gen: int, e: BaseException) -> None:
        if gen == self._gen:
            self.caption.setText("")
            show_error(self, e, "Graph")

    def _drawn(self, gen: int, lay: Layout) -> None:
        if gen != self._gen or self.window_.locked:
            return
        first = self.layout_ is None or self.layout_.centre != lay.centre or self.layout_.radius != lay.radius
        self._audited = lay.centre
        self.layout_ = lay
        centre_node = lay.node(lay.centre)
        self.person_id = lay.centre           # a name typed is now the id it named
        self.person.set_person(lay.centre, centre_node.label)
        self.view.draw(lay)
        if first:
            self.view.fit()
        centre = lay.node(lay.centre)
        new = [n for n in lay.nodes if n.kind == "new partner"]
        bits = [f"<b>{escape(centre.label)}</b> ({escape(centre.id)}): {len(lay.nodes) - 1} linked "
                f"within {lay.radius} step(s) as of {escape(lay.as_of)}"]
        if new:
            bits.append(f"<span style='color:{NEW_EDGE[0]}'><b>{len(new)} new partner(s)</b></span> since "
                        f"{escape(lay.since)}: " + ", ".join(escape(n.label) for n in new))
        if lay.hidden:
            bits.append(f"{lay.hidden} more not drawn (the busiest rings are trimmed)")
        self.caption.setText(" · ".join(bits))
        self._enable()

    def _node_clicked(self, person_id: str) -> None:
        self.window_.open_person(person_id)

    def export_png(self) -> None:
        if self.layout_ is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the graph", "relationship-graph.png", "PNG image (*.png)")
        if name:
            self.save_png(name)

    def save_png(self, path: str) -> bool:
        """Save the picture; the export is audited as a view of the centre person ("graph export")."""
        ok = self.view.image().save(path, "PNG")
        if not ok:
            show_error(self, OSError(), "Export the graph")
        elif self.layout_ is not None:
            self.ctx.read(audit.audit_view, self.layout_.centre, what="graph export")
        return ok

    def reload(self) -> None:
        if self.person_id:
            self.redraw()

    def clear(self) -> None:
        self._gen += 1
        self.person_id = None
        self.layout_ = None
        self._audited = None
        self.person.clear()
        self.view.scene().clear()
        self.view.nodes = {}
        self.caption.setText("")
        self._enable()

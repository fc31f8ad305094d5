"""The relationship picture: a person's neighbourhood, laid out the same way every time.

:func:`neighbourhood_layout` returns a :class:`Layout`: plain data (ids,
labels, node kinds, positions in layout units, edge labels) that the PDF
(:func:`layout_drawing`, a reportlab vector drawing) and the Qt view draw
alike. The layout is radial: the person in the centre, the people linked to
them on ring 1, ordered by the date they were first linked and then by id
(clockwise from the top), and people two steps out on ring 2 within the
sector of the ring-1 person they are reached through. Nothing is random, so
the same person looks the same from one meeting to the next; a newly linked
person joins at the end of the order.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..domain import UserError, display_name
from .duplicates import root_of
from .graph import build_graph, default_period, new_partner_edges
from ..paths import resource
from ..storage.store import Store

__all__ = [
    "NODE_KINDS",
    "LayoutNode",
    "LayoutEdge",
    "Layout",
    "neighbourhood_layout",
    "layout_drawing",
    "limit_layout",
    "NODE_STYLE",
    "MAX_DRAWN",
    "MIN_TEXT_PT",
]

NODE_KINDS = ("perpetrator", "new partner", "child", "victim", "partner", "other")
MAX_RING_NODES = 48  # per ring; the rest are counted in Layout.hidden
MAX_DRAWN = 25       # people drawn on paper (:func:`limit_layout`); the rest are counted in a note
MIN_TEXT_PT = 7.0    # no text in the printed picture is smaller


@dataclass(frozen=True)
class LayoutNode:
    id: str
    label: str           # the person's name
    kind: str            # one of NODE_KINDS
    x: float             # layout units: the centre is (0, 0), ring k is at distance k
    y: float             # y grows downwards, as on screen
    ring: int
    detail: str = ""     # "b. 1990" or "age 7"


@dataclass(frozen=True)
class LayoutEdge:
    a: str
    b: str
    kind: str            # partner / ex-partner / family / other
    label: str           # "partner 2019–2024"
    new: bool = False    # a new partner's link in the period
    incidents: int = 0


@dataclass(frozen=True)
class Layout:
    centre: str
    radius: int
    since: str
    as_of: str
    nodes: tuple[LayoutNode, ...]
    edges: tuple[LayoutEdge, ...]
    hidden: int = 0      # people in the neighbourhood left out to keep the picture legible

    def node(self, person_id: str) -> LayoutNode:
        for n in self.nodes:
            if n.id == person_id:
                return n
        raise KeyError(person_id)

    def as_dict(self) -> dict:
        return asdict(self)


def _years(first: str, last: str) -> str:
    return first[:4] if first[:4] == last[:4] else f"{first[:4]}–{last[:4]}"


def _angles(n: int, start: float, span: float) -> list[float]:
    """``n`` angles spread across a sector, each in the middle of its share."""
    return [start + span * (i + 0.5) / n for i in range(n)]


def neighbourhood_layout(store: Store, person_id: str, radius: int = 1, as_of: _dt.date | None = None,
                         since: _dt.date | None = None) -> Layout:
    """The picture of ``person_id``'s neighbourhood (radius 1 or 2) as plain, deterministic data.

    Node kinds, first that applies: ``new partner`` (a perpetrator's
    first intimate link in (since, as_of]), ``perpetrator`` (recorded as the
    perpetrator of an incident), ``child`` (under 18 at ``as_of``),
    ``victim`` (recorded as a victim), ``partner`` (an intimate link only),
    ``other``.

    Examples
    --------
    >>> lay = neighbourhood_layout(store, "NM0000043", radius=2)   # doctest: +SKIP
    >>> [(n.id, n.kind, n.ring) for n in lay.nodes][:2]             # doctest: +SKIP
    [('NM0000043', 'perpetrator', 0), ('NM0000044', 'victim', 1)]

    Notes
    -----
    Reads the neighbourhood with :func:`matac_desk.analysis.graph.build_graph`
    (one query per ring), then O(nodes log nodes) to order and place them.
    """
    if radius not in (1, 2):
        raise UserError("the radius must be 1 or 2")
    d_since, as_of = default_period(store, as_of)
    since = since or d_since
    centre = root_of(store, person_id)
    G = build_graph(store, [centre], radius, as_of=as_of)
    perps, victims = G.graph["perpetrators"], G.graph["victims"]
    new_edges = {(p, q) for p, q, _ in new_partner_edges(G, sorted(perps & set(G)), since.isoformat(),
                                                         as_of.isoformat())}
    new_people = {q for _, q in new_edges}

    # Rings: ordered by the first link with the person they are reached from, then id.
    ring1 = sorted(G[centre], key=lambda q: (G.edges[centre, q]["first"], q))
    if len(ring1) > MAX_RING_NODES:
        ring1 = _keep(ring1, new_people, MAX_RING_NODES)
    placed = {centre, *ring1}
    children: dict[str, list[str]] = {q: [] for q in ring1}
    if radius == 2:
        for q in ring1:
            for r in sorted(G[q], key=lambda r: (G.edges[q, r]["first"], r)):
                if r not in placed:
                    children[q].append(r)
                    placed.add(r)
        everyone2 = [r for q in ring1 for r in children[q]]
        if len(everyone2) > MAX_RING_NODES:
            keep = set(_keep(everyone2, new_people, MAX_RING_NODES))
            for q in ring1:
                children[q] = [r for r in children[q] if r in keep]

    # Angles: each ring-1 person gets a sector as wide as the ring-2 people under them need.
    weights = [max(1, len(children[q])) for q in ring1]
    total = sum(weights) or 1
    pos: dict[str, tuple[float, float, int]] = {centre: (0.0, 0.0, 0)}
    start = -math.pi / 2
    for q, w in zip(ring1, weights):
        span = 2 * math.pi * w / total
        mid = start + span / 2
        pos[q] = (math.cos(mid), math.sin(mid), 1)
        for r, ang in zip(children[q], _angles(len(children[q]), start, span)):
            pos[r] = (2 * math.cos(ang), 2 * math.sin(ang), 2)
        start += span

    people = {pid: (display_name(fn, sn), dob) for pid, fn, sn, dob in store.conn.execute(
        "SELECT id, forename, surname, dob FROM persons WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(pos))])}
    nodes = []
    for pid in [centre] + ring1 + [r for q in ring1 for r in children[q]]:
        name, dob = people.get(pid, (pid, None))
        age = _age(dob, as_of)
        if pid in new_people:
            kind = "new partner"
        elif pid in perps:
            kind = "perpetrator"
        elif age is not None and age < 18:
            kind = "child"
        elif pid in victims:
            kind = "victim"
        elif any(G.edges[pid, o]["since"] for o in G[pid] if o in pos):
            kind = "partner"
        else:
            kind = "other"
        detail = (f"age {age}" if age is not None and age < 18 else f"b. {dob[:4]}") if dob else ""
        x, y, ring = pos[pid]
        nodes.append(LayoutNode(pid, name, kind, round(x, 6), round(y, 6), ring, detail))
    edges = []
    for u, v in sorted(tuple(sorted(e)) for e in G.edges):
        if u in pos and v in pos:
            d = G.edges[u, v]
            edges.append(LayoutEdge(u, v, d["kind"], f"{d['kind']} {_years(d['first'], d['last'])}",
                                    (u, v) in new_edges or (v, u) in new_edges, d["incidents"]))
    hidden = len(set(G) - set(pos))
    return Layout(centre, radius, since.isoformat(), as_of.isoformat(), tuple(nodes), tuple(edges), hidden)


def limit_layout(layout: Layout, most: int = MAX_DRAWN) -> Layout:
    """The layout with at most ``most`` people: the centre, new partners, then ring 1 in its order, then ring 2;
    everyone left out is added to ``hidden``. Positions are kept, so the picture does not jump.

    >>> lay = Layout("A", 1, "2026-01-01", "2026-02-01", tuple(LayoutNode(str(i), str(i), "victim", 0, 0,
    ...              1 if i else 0) for i in range(30)), ())
    >>> small = limit_layout(lay, 25)
    >>> len(small.nodes), small.hidden
    (25, 5)
    """
    if len(layout.nodes) <= most:
        return layout
    order = sorted(layout.nodes, key=lambda n: (n.ring != 0, n.kind != "new partner", n.ring))
    keep = {n.id for n in order[:most]}
    nodes = tuple(n for n in layout.nodes if n.id in keep)
    edges = tuple(e for e in layout.edges if e.a in keep and e.b in keep)
    return Layout(layout.centre, layout.radius, layout.since, layout.as_of, nodes, edges,
                  layout.hidden + len(layout.nodes) - len(nodes))


def _keep(ids: list[str], first: set[str], n: int) -> list[str]:
    """``n`` of ``ids``, in their order: those in ``first`` (new partners), then the latest of the rest."""
    must = [i for i in ids if i in first][:n]
    rest = [i for i in ids if i not in first]
    room = n - len(must)
    keep = set(must) | (set(rest[len(rest) - room:]) if room > 0 else set())
    return [i for i in ids if i in keep]


def _age(dob: str | None, on: _dt.date) -> int | None:
    if not dob:
        return None
    d = _dt.date.fromisoformat(dob)
    return on.year - d.year - ((on.month, on.day) < (d.month, d.day))


# --------------------------------------------------------------------------
# Drawing (reportlab)
# --------------------------------------------------------------------------

# kind: (shape, fill, stroke, label in the legend)
NODE_STYLE = {
    "perpetrator": ("square", "#8e1b1b", "#4a0d0d", "perpetrator"),
    "new partner": ("circle", "#ffd21f", "#c2185b", "new partner (in the period)"),
    "victim": ("circle", "#f08c2e", "#9a4f0c", "victim"),
    "partner": ("circle", "#3b78c2", "#1d4475", "partner (intelligence only)"),
    "child": ("diamond", "#3a9d5d", "#1e5c34", "child (under 18)"),
    "other": ("circle", "#b8b8b8", "#6d6d6d", "other"),
}
EDGE_STYLE = {  # kind: (colour, width, dash)
    "partner": ("#b0413e", 1.6, None),
    "ex-partner": ("#b0413e", 1.2, (4, 2)),
    "family": ("#3a9d5d", 1.0, (1.5, 1.5)),
    "other": ("#8a8a8a", 0.8, (1, 2)),
}
NEW_EDGE = ("#c2185b", 3.0)

_FONT = None


def _font() -> tuple[str, str]:
    """A Unicode TrueType font (resources/fonts, else DejaVu, else reportlab's Vera)."""
    global _FONT
    if _FONT:
        return _FONT
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    import reportlab
    candidates = sorted(resource("fonts").glob("*.ttf")) if resource("fonts").is_dir() else []
    regular = [p for p in candidates if "bold" not in p.name.lower() and "italic" not in p.name.lower()]
    bold = [p for p in candidates if "bold" in p.name.lower() and "italic" not in p.name.lower()
            and "oblique" not in p.name.lower()]
    system = Path("/usr/share/fonts/truetype/dejavu")
    vera = Path(reportlab.__file__).parent / "fonts"
    pairs = [(regular[0], bold[0] if bold else regular[0])] if regular else []
    pairs += [(system / "DejaVuSans.ttf", system / "DejaVuSans-Bold.ttf"), (vera / "Vera.ttf", vera / "VeraBd.ttf")]
    for reg, bd in pairs:
        if reg.is_file() and bd.is_file():
            pdfmetrics.registerFont(TTFont("MatacPicture", str(reg)))
            pdfmetrics.registerFont(TTFont("MatacPicture-Bold", str(bd)))
            _FONT = ("MatacPicture", "MatacPicture-Bold")
            return _FONT
    _FONT = ("Helvetica", "Helvetica-Bold")
    return _FONT


def _shorten(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _overlaps(box, boxes) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def layout_drawing(layout: Layout, width: float, height: float, *, title: str | None = None,
                   marking: str | None = None, runs=None):
    """The layout as a reportlab ``Drawing`` of ``width`` x ``height`` points (vector, for the PDF).

    Perpetrators are dark red squares, victims orange circles, partners known
    only from intelligence blue circles, children green diamonds; a new
    partner is yellow with a thick magenta ring and a "NEW" tag, and her link
    is drawn thick in magenta. Edges carry the relationship and the years.
    A legend runs along the bottom; ``marking`` (e.g. "OFFICIAL-SENSITIVE")
    is written at the top and the bottom.

    No text is smaller than :data:`MIN_TEXT_PT`; a label that would overlap
    one already placed is moved outwards, and an edge's label that still
    cannot be placed is left out (the line's style says the relationship).
    ``runs(text, font)`` may split a label into ``(text, font)`` runs, for a
    font that falls back per character (Arabic script); by default one run.
    """
    from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
    from reportlab.lib.colors import HexColor, white
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font, bold = _font()
    d = Drawing(width, height)
    top = 0.0
    bottom = 34.0  # legend
    if marking:
        d.add(String(width / 2, height - 12, marking, fontName=bold, fontSize=9, textAnchor="middle"))
        d.add(String(width / 2, 4, marking, fontName=bold, fontSize=9, textAnchor="middle"))
        top += 16
        bottom += 14
    if title:
        d.add(String(8, height - top - 12, title, fontName=bold, fontSize=10))
        top += 18
    # Map layout units to points: rings fill the space between title and legend.
    area_w, area_h = width - 16, height - top - bottom
    reach = max([n.ring for n in layout.nodes] + [1]) + 0.45   # the rings drawn, not the radius asked for
    scale = min(area_w / 2, area_h / 2) / reach
    cx, cy = width / 2, bottom + area_h / 2

    def pt(n: LayoutNode) -> tuple[float, float]:
        return cx + n.x * scale, cy - n.y * scale  # layout y grows down, the drawing's up

    node = {n.id: n for n in layout.nodes}
    size = max(5.0, min(11.0, scale * 0.09))
    label_size = MIN_TEXT_PT + 0.8       # the name; the id line and edge labels are MIN_TEXT_PT
    split = runs or (lambda text, f: [(text, f)])
    placed: list[tuple[float, float, float, float]] = []
    shapes = []
    for n in layout.nodes:               # the people's shapes are never covered by a label
        x, y = pt(n)
        r = size * (1.35 if n.ring == 0 else 1.0) + 1
        placed.append((x - r, y - r, x + r, y + r))
        shapes.append((x, y, r))

    def covers_shape(mx, my, ca, sa, hw, y0, y1) -> bool:
        """Whether a rotated label (centre mx, my; half width hw; from y0 to y1 above its line) covers a shape."""
        for x, y, r in shapes:
            px, py = (x - mx) * ca + (y - my) * sa, -(x - mx) * sa + (y - my) * ca
            if -hw - r * 0.7 < px < hw + r * 0.7 and y0 - r < py < y1 + r:
                return True
        return False

    def put(x: float, y: float, text: str, f: str, fs: float, anchor: str, colour: str) -> None:
        parts = split(text, f)
        tw = sum(stringWidth(t, pf, fs) for t, pf in parts)
        left = {"start": x, "end": x - tw, "middle": x - tw / 2}[anchor]
        d.add(Rect(left - 1, y - 1.8, tw + 2, fs + 1.2, fillColor=white, strokeColor=None, fillOpacity=0.8))
        for t, pf in parts:
            d.add(String(left, y, t, fontName=pf, fontSize=fs, fillColor=HexColor(colour)))
            left += stringWidth(t, pf, fs)

    def width_of(text: str, f: str, fs: float) -> float:
        return sum(stringWidth(t, pf, fs) for t, pf in split(text, f))

    for e in layout.edges:
        (x1, y1), (x2, y2) = pt(node[e.a]), pt(node[e.b])
        colour, w, dash = EDGE_STYLE.get(e.kind, EDGE_STYLE["other"])
        if e.new:
            colour, w, dash = NEW_EDGE[0], NEW_EDGE[1], None
        d.add(Line(x1, y1, x2, y2, strokeColor=HexColor(colour), strokeWidth=w, strokeDashArray=dash))
    label_boxes = []
    for e in layout.edges:
        # the label runs along the edge, upright, just above it, between the middle and the outer person
        (x1, y1), (x2, y2) = pt(node[e.a]), pt(node[e.b])
        if node[e.a].ring > node[e.b].ring:
            (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
        t = 0.5 if node[e.a].ring == node[e.b].ring or min(node[e.a].ring, node[e.b].ring) == 0 else 0.6
        mx, my = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
        if angle > 90 or angle < -90:
            angle += 180
        fs = MIN_TEXT_PT
        tw = stringWidth(e.label, font, fs)
        # the label's box, upright, for the overlap test (a rotated label is tested by its bounding box)
        ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        hw, hh = tw / 2 + 1.5, fs + 1.2
        corners = [(mx + ca * px - sa * py, my + sa * px + ca * py) for px, py in
                   ((-hw, 0.6), (hw, 0.6), (-hw, 0.6 + hh), (hw, 0.6 + hh))]
        box = (min(c[0] for c in corners), min(c[1] for c in corners),
               max(c[0] for c in corners), max(c[1] for c in corners))
        label_boxes.append((e, box, mx, my, angle, tw, fs, covers_shape(mx, my, ca, sa, hw, 0.6, 0.6 + hh)))
    node_labels = []
    leaders: list = []
    for n in sorted(layout.nodes, key=lambda n: (n.ring, n.kind != "new partner")):
        x, y = pt(n)
        r = size * (1.35 if n.ring == 0 else 1.0)
        _node_shape(d, n.kind, x, y, r, Circle, Rect, Polygon, HexColor)
        name_font = bold if n.ring == 0 else font
        room = max(70.0, scale * 0.95) if n.ring else width * 0.45
        name = _shorten(n.label, name_font, label_size, room)
        sub = f"{n.id}" + (f" · {n.detail}" if n.detail else "")
        # labels sit on the side away from the centre, so the person's own links do not cross them
        dx, dy = (x - cx, y - cy) if n.ring else (0.0, -1.0)
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist

        def candidate(ox: float, oy: float, with_id: bool):
            if abs(dx) / dist > 0.3:
                anchor = "start" if dx > 0 else "end"
                tx = ox + (r + 4) * (1 if dx > 0 else -1)
                lines = ((tx, oy + 1, name, name_font, label_size, "#111111"),
                         (tx, oy - MIN_TEXT_PT - 0.5, sub, font, MIN_TEXT_PT, "#555555"))
            elif dy > 0:
                anchor, tx = "middle", ox
                lines = ((tx, oy + r + MIN_TEXT_PT + 4, name, name_font, label_size, "#111111"),
                         (tx, oy + r + 2.5, sub, font, MIN_TEXT_PT, "#555555"))
            else:
                anchor, tx = "middle", ox
                lines = ((tx, oy - r - label_size - 1.5, name, name_font, label_size, "#111111"),
                         (tx, oy - r - label_size - MIN_TEXT_PT - 3, sub, font, MIN_TEXT_PT, "#555555"))
            if not with_id:
                lines = lines[:1]
            boxes = []
            for lx_, ly_, text, f, fs, _ in lines:
                tw = width_of(text, f, fs)
                left = {"start": lx_, "end": lx_ - tw, "middle": lx_ - tw / 2}[anchor]
                boxes.append((left - 1, ly_ - 1.8, left + tw + 1, ly_ + fs))
            return lines, anchor, boxes

        # moved outwards and along until it overlaps nothing placed; then without its id line; else as it is
        tries = [(k * 5, t) for k in range(16) for t in (0, 8, -8, 16, -16, 24, -24, 32, -32)]
        chosen = None
        for with_id in (True, False):
            for k, t in tries:
                ox, oy = x + ux * k - uy * t, y + uy * k + ux * t
                lines, anchor, boxes = candidate(ox, oy, with_id)
                inside = all(b[0] >= 0 and b[2] <= width and b[1] >= bottom - 4 and b[3] <= height - top
                             for b in boxes)
                if inside and not any(_overlaps(b, placed) for b in boxes):
                    chosen = lines, anchor, boxes
                    if k > 5 or abs(t) > 8:    # moved away: a thin leader line says whose label it is
                        lx_, ly_ = lines[0][0], lines[0][1] + label_size / 2 - 1
                        leaders.append(Line(x, y, lx_, ly_, strokeColor=HexColor("#9a9a9a"), strokeWidth=0.4,
                                            strokeDashArray=(1, 1)))
                    break
            if chosen:
                break
        lines, anchor, boxes = chosen or candidate(x, y, True)
        placed.extend(boxes)
        node_labels.append((lines, anchor))
        if n.kind == "new partner":
            d.add(String(x + r + 3, y + r + 1, "NEW", fontName=bold, fontSize=MIN_TEXT_PT,
                         fillColor=HexColor(NEW_EDGE[0])))
    name_boxes = placed[len(shapes):]   # the people's labels come first: an edge label gives way
    # new partners' links first, then the nearest the centre
    label_boxes.sort(key=lambda t: (not t[0].new, node[t[0].a].ring + node[t[0].b].ring))
    edge_labels = []
    edge_boxes: list[tuple[float, float, float, float]] = []
    for e, box, mx, my, angle, tw, fs, on_shape in label_boxes:
        if on_shape or _overlaps(box, edge_boxes) or _overlaps(box, name_boxes):
            continue
        edge_boxes.append(box)
        g = Group(Rect(-tw / 2 - 1.5, 0.6, tw + 3, fs + 0.6, fillColor=white, strokeColor=None, fillOpacity=0.85),
                  String(0, 1.8, e.label, fontName=font, fontSize=fs, textAnchor="middle",
                         fillColor=HexColor(NEW_EDGE[0] if e.new else "#333333")))
        g.transform = (math.cos(math.radians(angle)), math.sin(math.radians(angle)),
                       -math.sin(math.radians(angle)), math.cos(math.radians(angle)), mx, my)
        edge_labels.append(g)
    for g in leaders:
        d.insert(0, g)     # under the people and their labels
    for g in edge_labels:
        d.add(g)
    for lines, anchor in node_labels:
        for lx_, ly_, text, f, fs, colour in lines:
            put(lx_, ly_, text, f, fs, anchor, colour)

    # Legend
    lx, ly = 8.0, bottom - 22
    # the period and "more not shown" notes sit at the right: the legend wraps before reaching them
    reserve = 16 + stringWidth(f"new partners: {layout.since} to {layout.as_of}", font, 7)
    for kind in NODE_KINDS:
        text = NODE_STYLE[kind][3]
        if lx > 8.0 and lx + 17 + stringWidth(text, font, 7) > width - reserve:
            lx, ly = 8.0, ly - 11
        _node_shape(d, kind, lx + 7, ly + 3, 4.5, Circle, Rect, Polygon, HexColor)
        d.add(String(lx + 17, ly, text, fontName=font, fontSize=7))
        lx += 26 + stringWidth(text, font, 7)
    if layout.hidden:
        d.add(String(width - 8, bottom - 10, f"{layout.hidden} more not shown", fontName=font, fontSize=7,
                     textAnchor="end", fillColor=HexColor("#555555")))
    d.add(String(width - 8, bottom - 20, f"new partners: {layout.since} to {layout.as_of}", fontName=font,
                 fontSize=7, textAnchor="end", fillColor=HexColor("#555555")))
    return d


def _node_shape(d, kind, x, y, r, Circle, Rect, Polygon, HexColor) -> None:
    shape, fill, stroke, _ = NODE_STYLE.get(kind, NODE_STYLE["other"])
    if kind == "new partner":
        d.add(Circle(x, y, r + 2.5, fillColor=None, strokeColor=HexColor(NEW_EDGE[0]), strokeWidth=2.5))
    if shape == "square":
        d.add(Rect(x - r, y - r, 2 * r, 2 * r, fillColor=HexColor(fill), strokeColor=HexColor(stroke),
                   strokeWidth=1))
    elif shape == "diamond":
        d.add(Polygon([x, y + r * 1.2, x + r * 1.2, y, x, y - r * 1.2, x - r * 1.2, y], fillColor=HexColor(fill),
                      strokeColor=HexColor(stroke), strokeWidth=1))
    else:
        d.add(Circle(x, y, r, fillColor=HexColor(fill), strokeColor=HexColor(stroke), strokeWidth=1))

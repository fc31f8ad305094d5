"""The relationship picture: typed nodes, labelled edges, the same layout every time, drawable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from reportlab.graphics import renderSVG

from matac_desk.domain import UserError
from matac_desk.analysis.picture import layout_drawing, neighbourhood_layout

from graphdata import incident, link, person

A = dt.date(2026, 10, 29)
S = dt.date(2026, 10, 1)

ROWS = [
    ("inc", "R-1", "2019-03-01", "P", "OLD", "girlfriend"),
    ("inc", "R-2", "2022-06-01", "P", "MID", "ex-wife"),
    ("inc", "R-3", "2026-10-10", "P", "NEW", "girlfriend"),
    ("link", "P", "INTEL", "partner", "2024-01-05", "custody record"),
    ("link", "MID", "KID", "son", "2022-07-01", "children's services"),
    ("inc", "R-4", "2020-01-01", "X", "MID", "wife"),
    ("link", "P", "BRO", "brother", "2018-01-01", "custody record"),
]


def _fill(store, rows):
    with store.transaction():
        person(store, "KID", "Leo", "Mid", "2019-05-05")
        person(store, "P", "Darren", "Lee", "1985-01-01")
        for row in rows:
            (incident if row[0] == "inc" else link)(store, *row[1:])


def test_kinds_labels_and_rings(store):
    _fill(store, ROWS)
    lay = neighbourhood_layout(store, "P", radius=2, as_of=A, since=S)
    kinds = {n.id: (n.kind, n.ring) for n in lay.nodes}
    assert kinds == {"P": ("perpetrator", 0), "OLD": ("victim", 1), "MID": ("victim", 1), "NEW": ("new partner", 1),
                     "INTEL": ("partner", 1), "BRO": ("other", 1), "KID": ("child", 2), "X": ("perpetrator", 2)}
    # ring 1 in the order of the first link, clockwise from the top
    assert [n.id for n in lay.nodes if n.ring == 1] == ["BRO", "OLD", "MID", "INTEL", "NEW"]
    assert lay.node("BRO").x == pytest.approx(0, abs=1e-6) or lay.node("BRO").y < 0
    edges = {(e.a, e.b): (e.label, e.new) for e in lay.edges}
    assert edges[("NEW", "P")] == ("partner 2026", True)
    assert edges[("MID", "P")] == ("ex-partner 2022", False)
    assert edges[("KID", "MID")] == ("family 2022", False)
    assert lay.node("KID").detail == "age 7"


def test_radius_one_leaves_out_the_second_ring(store):
    _fill(store, ROWS)
    lay = neighbourhood_layout(store, "P", radius=1, as_of=A, since=S)
    assert {n.id for n in lay.nodes} == {"P", "OLD", "MID", "NEW", "INTEL", "BRO"}
    assert {n.ring for n in lay.nodes} == {0, 1}


def test_same_person_same_picture_whatever_the_order_of_the_data(tmp_path):
    from conftest import PASSPHRASE
    from matac_desk.storage.store import Store
    layouts = []
    for i, rows in enumerate((ROWS, list(reversed(ROWS)))):
        st = Store.create(tmp_path / f"s{i}.mdesk", PASSPHRASE)
        _fill(st, rows)
        layouts.append(neighbourhood_layout(st, "P", radius=2, as_of=A, since=S))
        layouts.append(neighbourhood_layout(st, "P", radius=2, as_of=A, since=S))
        st.close()
    assert layouts[0] == layouts[1] == layouts[2] == layouts[3]


def test_drawing_has_every_person_and_a_legend(store):
    _fill(store, ROWS)
    lay = neighbourhood_layout(store, "P", radius=2, as_of=A, since=S)
    d = layout_drawing(lay, 600, 420, marking="OFFICIAL-SENSITIVE", title="Darren Lee")
    buf = io.StringIO()
    renderSVG.drawToFile(d, buf)
    svg = buf.getvalue()
    for text in ("Darren Lee", "Leo Mid", "NEW", "partner 2026", "perpetrator", "child (under 18)",
                 "OFFICIAL-SENSITIVE"):
        assert text in svg


@pytest.mark.parametrize("radius", [0, 3])
def test_radius_must_be_one_or_two(store, radius):
    _fill(store, ROWS)
    with pytest.raises(UserError, match="radius must be 1 or 2"):
        neighbourhood_layout(store, "P", radius=radius, as_of=A)


def test_unknown_person(store):
    with pytest.raises(UserError, match="no person 'NOPE'"):
        neighbourhood_layout(store, "NOPE")


def _strings(drawing):
    """Every String in a drawing with its transform's translation (labels along edges are in rotated groups)."""
    from reportlab.graphics.shapes import Group, String
    out = []

    def walk(node, rotated):
        for c in getattr(node, "contents", []):
            if isinstance(c, String):
                out.append((c, rotated))
            elif isinstance(c, Group):
                walk(c, rotated or tuple(c.transform[:4]) != (1, 0, 0, 1))
    walk(drawing, False)
    return out


def _crowd(n: int):
    from matac_desk.analysis.picture import Layout, LayoutEdge, LayoutNode
    import math
    nodes = [LayoutNode("C", "Centre Person", "perpetrator", 0, 0, 0, "b. 1980")]
    edges = []
    for i in range(n):
        ring = 1 if i < n // 2 else 2
        a = 2 * math.pi * i / (n // 2)
        nodes.append(LayoutNode(f"P{i:02d}", f"Person Number {i}", "victim", ring * math.cos(a), ring * math.sin(a),
                                ring, "b. 1990"))
        edges.append(LayoutEdge("C" if ring == 1 else f"P{i - n // 2:02d}", f"P{i:02d}", "partner", "partner 2020"))
    return Layout("C", 2, "2026-01-01", "2026-02-01", tuple(nodes), tuple(edges))


def test_a_crowded_picture_draws_at_most_25_people_and_counts_the_rest():
    from matac_desk.analysis.picture import MAX_DRAWN, limit_layout
    lay = limit_layout(_crowd(40))
    assert len(lay.nodes) == MAX_DRAWN and lay.hidden == 41 - MAX_DRAWN
    assert lay.nodes[0].id == "C" and all(e.a in {n.id for n in lay.nodes} for e in lay.edges)
    svg = io.StringIO()
    renderSVG.drawToFile(layout_drawing(lay, 500, 420), svg)
    assert f"{41 - MAX_DRAWN} more not shown" in svg.getvalue()


def test_no_text_under_7_points_and_no_name_label_overlaps_another():
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from matac_desk.analysis.picture import MIN_TEXT_PT, limit_layout
    d = layout_drawing(limit_layout(_crowd(40)), 500, 420)
    strings = _strings(d)
    assert strings and min(s.fontSize for s, _ in strings) >= MIN_TEXT_PT
    boxes = []
    for s, rotated in strings:
        if rotated or s.text.startswith(("new partners:", "perpetrator", "victim")) or "more not shown" in s.text:
            continue
        w = stringWidth(s.text, s.fontName, s.fontSize)
        left = {"start": s.x, "end": s.x - w, "middle": s.x - w / 2}[s.textAnchor]
        boxes.append((left, s.y - 1, left + w, s.y + s.fontSize - 1, s.text))
    overlaps = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert overlaps == []

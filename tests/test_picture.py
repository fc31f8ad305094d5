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

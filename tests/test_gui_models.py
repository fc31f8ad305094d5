"""Table models: Qt's model checks, lazy page fetching, sorting asked of the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from matac_desk.services import people
from matac_desk.services.people import PersonRow
from matac_desk.ui.models import Column, IdRole, PeopleModel, RowsModel

from gui_support import _demo_template, demo_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.gui


def _rows(n):
    return {f"ID{i:06d}": PersonRow(f"ID{i:06d}", f"F{i}", f"S{i}", "1990-01-01", i % 3, i % 2, None,
                                    "ID000000" if i == 7 else None) for i in range(n)}


def test_rows_model_passes_the_model_tester(qtmodeltester):
    model = RowsModel([Column("Name", lambda r: r[0]), Column("Count", lambda r: r[1], numeric=True)],
                      [("b", 2), ("a", 10), ("c", None)])
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(i, 0)) for i in range(3)] == ["a", "b", "c"]  # None last
    assert model.data(model.index(0, 1)) == "10"
    model.set_rows([])
    qtmodeltester.check(model)


def test_people_model_passes_the_model_tester(qtmodeltester):
    rows = _rows(50)
    model = PeopleModel(lambda ids: {i: rows[i] for i in ids}, page_size=16)
    model.set_ids(sorted(rows))
    qtmodeltester.check(model)
    assert model.data(model.index(7, PeopleModel.NAME)) == "F7 S7 (merged)"
    assert model.data(model.index(5, PeopleModel.AS_PERPETRATOR)) == "2"
    assert model.data(model.index(5, 0), IdRole) == "ID000005"


def test_people_model_fetches_only_the_pages_shown():
    rows = _rows(100_000)
    asked = []

    def fetch(ids):
        asked.append(len(ids))
        return {i: rows[i] for i in ids}

    model = PeopleModel(fetch, page_size=200, pages_kept=3)
    model.set_ids(sorted(rows))
    assert model.rowCount() == 100_000 and asked == []
    assert model.data(model.index(99_999, PeopleModel.ID)) == "ID099999"
    assert model.data(model.index(99_800, PeopleModel.ID)) == "ID099800"  # same page: no new fetch
    assert asked == [200]
    for row in (0, 200, 400, 600):
        model.data(model.index(row, 1))
    assert asked == [200] * 5 and len(model._pages) == 3   # a few pages kept, the oldest dropped


def test_people_model_asks_the_store_to_sort():
    model = PeopleModel(lambda ids: {})
    asked = []
    model.sortRequested.connect(lambda key, desc: asked.append((key, desc)))
    model.sort(PeopleModel.DOB, Qt.SortOrder.DescendingOrder)
    model.sort(PeopleModel.NAME, Qt.SortOrder.AscendingOrder)
    assert asked == [("dob", True), ("name", False)]


def test_people_model_over_a_real_store(qtmodeltester, demo_store):  # noqa: F811
    model = PeopleModel(lambda ids: people.rows_for(demo_store, ids), page_size=50)
    model.set_ids(people.search_ids(demo_store, "", sort="id"))
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == demo_store.scalar("SELECT min(id) FROM persons")

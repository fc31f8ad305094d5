"""The working tables fit a 1366×768 window: no sideways scrolling on the Nominations table, the dashboard's
lists as tabs titled with their counts, an empty table's headers whole."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui_support import _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


def _fits(view) -> bool:
    return view.horizontalHeader().length() <= view.viewport().width()


def test_nominations_table_fits_1366(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    w.resize(1366, 768)
    page = w.show_page("nominations")
    qtbot.waitUntil(lambda: page.nom_model.rowCount() > 0)
    view = page.nom_view
    view.setProperty("columnsFixed", False)
    from matac_desk.ui.widgets import fit_columns
    fit_columns(view)
    qtbot.wait(20)
    assert view.viewport().width() > 600
    assert _fits(view), (view.horizontalHeader().length(), view.viewport().width())
    # every header is readable: no column narrower than its title
    fm = view.fontMetrics()
    model = view.model()
    for c in range(model.columnCount()):
        title = str(model.headerData(c, Qt.Orientation.Horizontal))
        assert view.columnWidth(c) >= fm.horizontalAdvance(title) + 8, title


def test_dashboard_lists_are_tabs_with_counts(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    w.resize(1366, 768)
    dash = w.show_page("dashboard")
    qtbot.waitUntil(lambda: dash.case_file_panel.model.rowCount() > 0)
    tabs = dash.lists
    assert tabs.count() == 3
    models = [dash.partner_model, dash.warning_model, dash.case_file_panel.model]
    for i, model in enumerate(models):
        assert tabs.tabText(i).endswith(f"({model.rowCount():,})"), tabs.tabText(i)
    # the first tab's table shows more than a couple of rows at 768 pixels high
    tabs.setCurrentIndex(2)
    qtbot.wait(20)
    view = dash.case_file_panel.view
    assert view.viewport().height() >= view.verticalHeader().defaultSectionSize() * 6


def test_empty_table_shows_its_headers_whole(qtbot, isolated_qsettings):  # noqa: F811
    from matac_desk.ui.models import Column, RowsModel
    from matac_desk.ui.widgets import attach_model, table_view
    model = RowsModel([Column("Subject", lambda r: r), Column("MAPPA level", lambda r: r),
                       Column("Offender manager", lambda r: r), Column("Problem", lambda r: r)])
    view = table_view("probe_empty", "Empty")
    qtbot.addWidget(view)
    attach_model(view, model)
    view.resize(300, 200)
    view.show()
    fm = view.fontMetrics()
    for c, title in enumerate(["Subject", "MAPPA level", "Offender manager"]):
        assert view.columnWidth(c) >= fm.horizontalAdvance(title) + 16, title

"""The main window: navigation, shortcuts, settings page, remembered state without personal data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from matac_desk.meeting import force
from matac_desk.ui.lock import idle_minutes
from matac_desk.ui.window import NAV_ENTRIES, Page

from gui_support import _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, demo_store)


def test_sidebar_lists_the_pages_that_exist_in_order(window):
    items = [window.nav.item(r).text() for r in range(window.nav.count())]
    assert items == ["Dashboard", "People", "Nominations & cohort", "Meetings", "Actions", "Graph",
                     "Duplicates & links", "Workload & outcomes", "Import", "Packs", "Data protection", "Settings"]
    keys = [k for k, _ in NAV_ENTRIES]
    assert [keys.index(k) for k in window.pages] == sorted(keys.index(k) for k in window.pages)


def test_a_new_page_only_needs_a_class(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    from matac_desk.ui.context import Context
    from matac_desk.ui.tasks import ImmediateRunner
    from matac_desk.ui.window import MainWindow

    class GraphPage(Page):
        key, title, listens = "graph", "Graph", frozenset({"persons"})
        reloads = 0

        def reload(self):
            GraphPage.reloads += 1

        def clear(self):
            pass

    from matac_desk.ui.dashboard import DashboardPage
    from matac_desk.ui.people import PeoplePage
    w = MainWindow(Context(demo_store, ImmediateRunner()), [GraphPage, PeoplePage, DashboardPage])
    qtbot.addWidget(w)
    w.show()
    assert [w.nav.item(r).text() for r in range(w.nav.count())] == ["Dashboard", "People", "Graph"]
    w.show_page("graph")
    assert GraphPage.reloads == 1
    w.ctx.notify("persons")          # showing: reloads at once
    assert GraphPage.reloads == 2
    w.show_page("people")
    w.ctx.notify("meetings")         # not its concern
    w.ctx.notify("persons")          # hidden: marked stale, reloaded when shown
    assert GraphPage.reloads == 2
    w.show_page("graph")
    assert GraphPage.reloads == 3


@pytest.mark.parametrize("action, keys", [
    ("find_action", "Ctrl+F"), ("import_action", "Ctrl+I"), ("print_action", "Ctrl+P"), ("undo_action", "Ctrl+Z"),
    ("lock_action", "Ctrl+L"), ("quit_action", "Ctrl+Q"),
])
def test_shortcuts(window, action, keys):
    assert getattr(window, action).shortcut().toString() == keys


def test_ctrl_1_to_9_go_to_the_pages(window):
    for n, key in enumerate(window.pages):
        window.go_actions[n].trigger()
        assert window.current_page() is window.pages[key]
        assert window.go_actions[n].shortcut().toString() == (f"Ctrl+{n + 1}" if n < 9 else "")


def test_settings_page_saves_the_force_and_the_idle_time(qtbot, window, demo_store):  # noqa: F811
    page = window.show_page("settings").general
    page.idle.setValue(3)
    assert idle_minutes() == 3 and window.idle.minutes == 3
    page.force_name.setText("Northshire Police")
    page.divisions.setPlainText("North\nSouth")
    page.add_found_divisions()
    assert page.divisions.toPlainText().splitlines() == ["North", "South", "Central"]
    page.save_button.click()
    assert page.message.text() == "Saved."
    saved = force.load(demo_store)
    assert (saved.name, saved.divisions) == ("Northshire Police", ("North", "South", "Central"))
    dash = window.show_page("dashboard")
    assert "Northshire Police" in dash.heading.text()
    page = window.show_page("settings").general
    page.divisions.setPlainText("North\nnorth")
    page.save_button.click()
    assert page.message.text() == "division 'north' is listed twice"


def test_state_is_remembered_without_personal_data(qtbot, window, demo_store, isolated_qsettings):  # noqa: F811
    pid, fn, sn = demo_store.conn.execute("SELECT id, forename, surname FROM persons WHERE forename IS NOT NULL"
                                          " ORDER BY id LIMIT 1").fetchone()
    window.pages["people"].search.setText(sn)
    window.open_person(pid)
    window.pages["people"].view.setColumnWidth(1, 333)
    window.pages["people"].show_results()
    window.close()
    s = QSettings("MATAC Desk", "MATAC Desk")
    assert {"main/geometry", "main/state", "columns/people_table"} <= set(s.allKeys())
    dump = b"".join(f.read_bytes() for f in isolated_qsettings.rglob("*") if f.is_file())
    for secret in (pid, fn, sn):
        assert secret.encode() not in dump

    again = make_window(qtbot, demo_store)
    assert again.pages["people"].view.columnWidth(1) == 333


def test_accessible_names_on_controls(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QHeaderView, QLineEdit
    missing = [w.objectName() or type(w).__name__
               for cls in (QAbstractButton, QLineEdit, QAbstractItemView) for w in window.findChildren(cls)
               if not w.accessibleName() and not (isinstance(w, QAbstractButton) and w.text())
               and not isinstance(w, QHeaderView)
               and w.objectName() not in ("qt_scrollarea_viewport",)
               and w.isVisibleTo(window)]
    assert missing == []


def test_no_hard_coded_palette(window):
    """Only status accents are coloured; nothing sets a background or a palette."""
    from PySide6.QtWidgets import QWidget
    sheets = [w.styleSheet() for w in window.findChildren(QWidget) if w.styleSheet()]
    assert all("background" not in s for s in sheets)
    assert window.nav.palette().color(window.nav.backgroundRole()) == window.palette().color(
        window.nav.backgroundRole())



def test_the_application_has_a_scalable_icon(window):
    """The icon is vector (SVG), so it is sharp at every scale factor."""
    from PySide6.QtWidgets import QApplication
    from matac_desk.ui.main import application
    application()
    icon = QApplication.instance().windowIcon()
    assert not icon.isNull()
    big, small = icon.pixmap(256, 256), icon.pixmap(16, 16)
    assert (big.width(), small.width()) == (256, 16)
    assert big.toImage().pixelColor(128, 128) != big.toImage().pixelColor(2, 2)   # drawn, not blank

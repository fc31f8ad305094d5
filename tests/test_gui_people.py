"""Search as you type and open a person; the view is audited; sorting is asked of the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from matac_desk.storage.audit import pseudonym
from matac_desk.services import people
from matac_desk.domain import name_key
from matac_desk.ui.models import PeopleModel
from matac_desk.ui.tasks import TaskRunner

from gui_support import _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, demo_store)


def _names(page):
    m = page.model
    return [m.data(m.index(r, PeopleModel.NAME)) for r in range(m.rowCount())]


def test_typing_searches_names_without_diacritics(qtbot, window, demo_store):  # noqa: F811
    page = window.show_page("people")
    assert page.model.rowCount() == demo_store.scalar("SELECT count(*) FROM persons")
    # a surname with a diacritic somewhere in the demo data, typed plainly
    surname = demo_store.scalar("SELECT surname FROM persons WHERE surname IN ('Wójcik', 'Dvořák', 'Müller')"
                                " ORDER BY surname LIMIT 1")
    plain = name_key(surname)
    qtbot.keyClicks(page.search, plain)
    qtbot.waitUntil(lambda: page.last_query == plain, timeout=3000)
    expected = set(people.search_ids(demo_store, plain))
    assert page.model.rowCount() == len(expected) > 0
    assert set(page.model.ids()) == expected
    assert all(plain in name_key(n) for n in _names(page))
    assert page.status.text().endswith(("match", "matches"))


def test_open_a_person_shows_the_page_and_audits_the_view(qtbot, window, demo_store):  # noqa: F811
    pid = demo_store.scalar("SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id"
                            " ORDER BY count(DISTINCT incident_ref) DESC, perpetrator_id LIMIT 1")
    page = window.show_page("people")
    qtbot.keyClicks(page.search, pid)
    qtbot.waitUntil(lambda: page.last_query == pid, timeout=3000)
    assert page.model.ids() == [pid]
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.inner.currentWidget() is page.person
    prof = page.person.profile
    assert prof.id == pid
    n_incidents = demo_store.scalar("SELECT count(*) FROM involvements WHERE perpetrator_id = ?", [pid])
    assert page.person.perp_model.rowCount() == n_incidents
    assert page.person.tabs.tabText(page.person.tabs.indexOf(page.person.perp_view)) == f"As &perpetrator ({n_incidents})"
    assert prof.name in page.person.title.text()
    last = demo_store.conn.execute("SELECT action, entity, entity_id FROM audit_log ORDER BY id DESC LIMIT 1")
    assert last.fetchone() == ("person.viewed", "person", pseudonym(demo_store.conn, pid))


def test_double_click_a_victim_opens_her_and_back_returns(qtbot, window, demo_store):  # noqa: F811
    pid, vid = demo_store.conn.execute("SELECT perpetrator_id, victim_id FROM involvements ORDER BY id LIMIT 1"
                                       ).fetchone()
    window.open_person(pid)
    person = window.pages["people"].person
    view = person.perp_view
    row = next(r for r in range(person.perp_model.rowCount()) if person.perp_model.row(r).other_id == vid)
    view.doubleClicked.emit(person.perp_model.index(row, 3))
    assert person.profile.id == vid
    assert any(line.other_id == pid for line in person.profile.as_victim)
    person.back.click()
    assert person.profile.id == pid
    person.back.click()
    assert window.pages["people"].inner.currentWidget() is window.pages["people"].results
    viewed = demo_store.conn.execute("SELECT entity_id FROM audit_log WHERE action = 'person.viewed' ORDER BY id")
    assert [r[0] for r in viewed] == [pseudonym(demo_store.conn, x) for x in (pid, vid, pid)]


def test_clicking_a_header_sorts_in_the_store(qtbot, window, demo_store):  # noqa: F811
    page = window.show_page("people")
    page.view.horizontalHeader().sectionClicked.emit(PeopleModel.ID)  # what a click does
    page.view.sortByColumn(PeopleModel.ID, Qt.SortOrder.DescendingOrder)
    expected = [r[0] for r in demo_store.conn.execute("SELECT id FROM persons ORDER BY id DESC")]
    assert page.model.ids() == expected


def test_ctrl_f_focuses_the_search(qtbot, window):
    window.show_page("dashboard")
    window.find_action.trigger()
    page = window.pages["people"]
    assert window.current_page() is page
    assert window.find_action.shortcut().toString() == "Ctrl+F"


def test_search_through_the_thread_pool(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    from matac_desk.ui.main import open_window
    window = open_window(demo_store, TaskRunner())
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("people")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    page.search.setText("zzzzqq")
    qtbot.waitUntil(lambda: page.last_query == "zzzzqq", timeout=10000)
    assert page.model.rowCount() == 0 and page.status.text() == "No one matches"
    window.close()


def test_opening_a_person_from_elsewhere_does_not_read_the_one_left(window, demo_store, monkeypatch):  # noqa: F811
    first, second = [r[0] for r in demo_store.conn.execute("SELECT id FROM persons ORDER BY id LIMIT 2")]
    window.open_person(first)
    page = window.pages["people"]
    window.show_page("dashboard")
    window.ctx.notify("audit")          # a PDF exported elsewhere: the People page is stale
    assert page.stale
    read = []
    real = people.load_profile
    monkeypatch.setattr(people, "load_profile", lambda store, pid: read.append(pid) or real(store, pid))
    window.open_person(second)
    assert read == [second] and page.person.profile.id == second
    assert not page.stale and page._results_stale   # the results are searched again when they are shown
    ran = []
    monkeypatch.setattr(page, "run_search", lambda: ran.append(1))
    page.person.go_back()
    page.person.go_back()
    assert ran == [1]

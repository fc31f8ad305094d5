"""The Actions page: overdue first and marked, filters, status updated in place with a note."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from matac_desk.meeting import actions
from matac_desk.ui.widgets import ACCENT

from gui_support import TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, seeded = meeting_store
    w = make_window(qtbot, store)
    return w.show_page("actions"), store, seeded


def test_overdue_actions_come_first_and_are_marked(page):
    p, store, _seeded = page
    rows = p.model.rows()
    expected = actions.list_actions(store, as_of=TODAY)
    assert [a.id for a in rows] == [a.id for a in expected]
    flags = [a.overdue for a in rows]
    assert any(flags) and flags == sorted(flags, reverse=True)
    late = [a.days_overdue for a in rows if a.overdue]
    assert late == sorted(late, reverse=True)
    first = p.model.index(0, 0)
    assert p.model.data(first, Qt.ItemDataRole.ForegroundRole) == QColor(ACCENT["error"])
    assert p.model.data(first, Qt.ItemDataRole.DisplayRole) == f"{rows[0].days_overdue} days"
    assert "overdue" in p.summary.text()


@pytest.mark.parametrize("combo, value, field", [
    ("agency", "Housing", "agency"),
    ("owner", "Sam Okafor", "owner"),
    ("status_filter", "in progress", "status"),
])
def test_the_filters_narrow_the_list(page, combo, value, field):
    p, _store, _seeded = page
    box = getattr(p, combo)
    i = box.findData(value)
    assert i > 0, [box.itemText(k) for k in range(box.count())]
    box.setCurrentIndex(i)
    rows = p.model.rows()
    assert rows and all(getattr(a, field) == value for a in rows)


def test_the_subject_filter_matches_a_name_or_an_id(page):
    p, _store, seeded = page
    pid = seeded.cohort[1]
    p.subject.setText(pid)
    assert {a.person_id for a in p.model.rows()} == {pid}
    name = p.model.rows()[0].subject_name
    p.subject.setText(name.split()[0].upper())
    assert all(name.split()[0] in a.subject_name for a in p.model.rows())


def test_update_the_status_in_place_with_a_note(page):
    p, store, _seeded = page
    target = p.model.rows()[0]
    p.view.selectRow(0)
    p.new_status.setCurrentText("done")
    p.note.setText("Bail conditions checked with custody")
    p.update_button.click()
    after = next(a for a in actions.list_actions(store, as_of=TODAY) if a.id == target.id)
    assert after.status == "done" and not after.overdue
    assert actions.action_history(store, target.id)[-1] == {"date": TODAY.isoformat(), "status": "done",
                                                             "note": "Bail conditions checked with custody"}
    assert p.selected().id == target.id           # still selected after the reload
    assert "Bail conditions checked" in p.history.toPlainText()
    assert p.note.text() == ""


def test_a_note_alone_keeps_the_status(page):
    p, store, _seeded = page
    p.view.selectRow(1)
    target = p.selected()
    p.note.setText("Chased by email")
    p.update_button.click()
    assert actions.action_history(store, target.id)[-1]["status"] is None
    assert next(a for a in actions.list_actions(store) if a.id == target.id).status == target.status


def test_the_dashboard_link_shows_overdue_only(page):
    p, store, _seeded = page
    p.set_filter(overdue_only=True)
    assert p.overdue_only.isChecked()
    assert {a.id for a in p.model.rows()} == {a.id for a in actions.list_actions(store, as_of=TODAY,
                                                                                 overdue_only=True)}
    assert dt.date.fromisoformat(p.model.rows()[0].due_date) < TODAY

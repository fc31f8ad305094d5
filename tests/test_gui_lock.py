"""Idle lock: after the set time the window hides its data until the passphrase is entered again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from matac_desk.ui.lock import DEFAULT_IDLE_MINUTES, LockScreen, idle_minutes

from gui_support import PASSPHRASE, _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui


def _visible_text(window) -> str:
    parts = [window.windowTitle()]
    for w in window.findChildren(QLabel) + window.findChildren(QLineEdit):
        if w.isVisible():
            parts.append(w.text())
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and w is not window:
            parts.append(w.windowTitle())
    return "\n".join(parts)


def test_default_is_ten_minutes(isolated_qsettings):  # noqa: F811
    assert idle_minutes() == DEFAULT_IDLE_MINUTES == 10


def test_idle_lock_hides_everything_until_unlocked(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    window = make_window(qtbot, demo_store)
    pid, name = demo_store.conn.execute("SELECT id, forename || ' ' || surname FROM persons WHERE forename IS NOT NULL"
                                        " ORDER BY id LIMIT 1").fetchone()
    window.open_person(pid)
    wizard = window.start_import()
    assert name in _visible_text(window) and demo_store.path.name in window.windowTitle()

    window.idle.set_minutes(0.002)  # 120 ms
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert isinstance(window.centralWidget(), LockScreen)
    assert window.windowTitle() == "MATAC Desk — locked"
    assert window.statusBar().currentMessage() == ""
    people_page = window.pages["people"]
    assert people_page.model.rowCount() == 0 and people_page.person.profile is None
    assert people_page.person.perp_model.rowCount() == 0
    assert window.pages["dashboard"].warning_model.rowCount() == 0
    assert not wizard.isVisible()
    text = _visible_text(window)
    assert name not in text and pid not in text and demo_store.path.name not in text
    assert not window.import_action.isEnabled() and not window.find_action.isEnabled()
    window.start_import()
    assert not wizard.isVisible()

    screen = window.lock_screen
    screen.passphrase.setText("not the passphrase")
    screen.try_unlock()
    assert window.locked and screen.error.text() == "wrong passphrase, or the file is damaged or not a MATAC Desk store"
    assert screen.passphrase.text() == ""

    screen.passphrase.setText(PASSPHRASE)
    screen.try_unlock()
    assert not window.locked
    assert window.centralWidget() is window.workspace
    assert demo_store.path.name in window.windowTitle()
    assert wizard.isVisible() and window.import_action.isEnabled()
    window.show_page("people")
    assert people_page.model.rowCount() == demo_store.scalar("SELECT count(*) FROM persons")
    window.idle.set_minutes(10)


def test_input_restarts_the_countdown(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    window = make_window(qtbot, demo_store)
    window.idle.set_minutes(1)
    window.idle.timer.start(5_000)  # as if the minute were almost over (long enough not to fire on a busy machine)
    qtbot.wait(20)
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert window.idle.timer.remainingTime() > 50_000  # back to a full minute
    assert not window.locked


def test_lock_now_from_the_menu(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    window = make_window(qtbot, demo_store)
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()
    assert window.locked and not window.lock_action.isEnabled()


def test_the_page_showing_reloads_on_unlock(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    window = make_window(qtbot, demo_store)
    page = window.show_page("people")
    assert page.model.rowCount() > 0
    window.lock_action.trigger()
    assert page.model.rowCount() == 0
    window.lock_screen.passphrase.setText(PASSPHRASE)
    window.lock_screen.try_unlock()
    assert window.current_page() is page and not page.stale
    assert page.model.rowCount() == demo_store.scalar("SELECT count(*) FROM persons")  # without moving away

"""Security hooks of the client: daily backup, store warnings, read-only when locked elsewhere, the exception hook."""

from __future__ import annotations

import sys

import pytest

from matac_desk.storage import backups
from matac_desk.storage.store import Store
from matac_desk.ui.unlock import UnlockDialog

from gui_support import PASSPHRASE, _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401

pytestmark = pytest.mark.gui


def test_the_daily_backup_is_made_once_in_the_background(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    from matac_desk.ui.main import start_daily_backup
    w = make_window(qtbot, demo_store)
    assert backups.list_backups(demo_store.path) == []
    start_daily_backup(w)
    made = backups.list_backups(demo_store.path)
    assert len(made) == 1 and made[0].path.name.startswith("daily-")
    assert "Daily backup made" in w.statusBar().currentMessage()
    start_daily_backup(w)
    assert len(backups.list_backups(demo_store.path)) == 1


def test_store_warnings_stay_in_the_status_bar_and_leave_when_locked(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    demo_store.warnings.append("demo.mdesk is on a network drive (nfs): working in safe mode (slower)")
    w = make_window(qtbot, demo_store)
    assert w.store_note.isVisible()
    assert "network drive" in w.store_note.text()
    w.lock()
    assert not w.store_note.isVisible()
    assert w.windowTitle() == "MATAC Desk — locked"


def _held_elsewhere(monkeypatch):
    """Store.open as when another process holds the writer's lock (locks are shared within one process)."""
    from matac_desk.storage.store import StoreLocked
    real = Store.open.__func__

    def fake(cls, path, passphrase, *, migrate=True, read_only=False):
        if not read_only:
            raise StoreLocked(f"{path}: already open for writing in another copy of MATAC Desk (pid 1 on host)")
        return real(cls, path, passphrase, migrate=migrate, read_only=read_only)

    monkeypatch.setattr(Store, "open", classmethod(fake))


def test_a_store_open_elsewhere_is_offered_read_only(qtbot, demo_store, isolated_qsettings, monkeypatch):  # noqa: F811
    from matac_desk.ui.tasks import ImmediateRunner
    _held_elsewhere(monkeypatch)
    asked = []
    dlg = UnlockDialog(demo_store.path, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    monkeypatch.setattr(dlg, "ask_read_only", lambda: asked.append(True) or True)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()   # demo_store holds the writer's lock
    assert asked == [True]
    assert dlg.store is not None and dlg.store.read_only
    errors = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.critical", lambda *a: errors.append(a))
    w = make_window(qtbot, dlg.store)
    assert "Read-only" in w.store_note.text()
    assert errors == []  # scoring and workload read with TEMP tables, which a read-only store allows
    dlg.store.close()


def test_declining_read_only_leaves_a_message(qtbot, demo_store, isolated_qsettings, monkeypatch):  # noqa: F811
    from matac_desk.ui.tasks import ImmediateRunner
    dlg = UnlockDialog(demo_store.path, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    _held_elsewhere(monkeypatch)
    monkeypatch.setattr(dlg, "ask_read_only", lambda: False)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()
    assert dlg.store is None
    assert "already open for writing" in dlg.error.text() and "\n" not in dlg.error.text()


def test_the_exception_hook_shows_the_type_only(qtbot, monkeypatch, caplog):
    from matac_desk.ui import main
    shown = []
    monkeypatch.setattr(main.QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    old = sys.excepthook
    try:
        main.install_excepthook()
        secret = "Ciarán Hughes NM0000212"
        try:
            raise ValueError(secret)
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    assert len(shown) == 1 and "ValueError" in shown[0] and secret not in shown[0]
    assert "\n" not in shown[0]
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert any("ValueError" in r.getMessage() for r in caplog.records)


def test_read_only_store_still_audits_a_profile_view(qtbot, demo_store, isolated_qsettings, monkeypatch):  # noqa: F811
    from matac_desk.storage import audit
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.critical", lambda *a: None)   # see above
    ro = Store.open(demo_store.path, PASSPHRASE, read_only=True)
    try:
        pid = ro.scalar("SELECT perpetrator_id FROM involvements LIMIT 1")
        w = make_window(qtbot, ro)
        w.open_person(pid)
        assert w.pages["people"].person.profile.id == pid
        assert [e["action"] for e in audit.entries(demo_store.conn, person_id=pid)][-1] == "person.viewed"
    finally:
        ro.close()

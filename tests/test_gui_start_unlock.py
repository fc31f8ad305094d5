"""Create and unlock a store through the dialogs; a wrong passphrase is a message in the dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from matac_desk.storage.store import Store
from matac_desk.ui.start import StartDialog, recent_stores, remember_store
from matac_desk.ui.tasks import ImmediateRunner, TaskRunner
from matac_desk.ui.unlock import UnlockDialog

from gui_support import PASSPHRASE, isolated_qsettings  # noqa: F401  (fixture)

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("first, repeat, message", [
    ("long enough passphrase", "long enough passphrasE", "the two passphrases differ"),
    ("short", "short", "at least 10 characters"),
    ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "too easy to guess"),
    ("", "", "enter the passphrase"),
])
def test_create_refuses_a_bad_passphrase_in_the_dialog(qtbot, tmp_path, first, repeat, message):
    dlg = UnlockDialog(tmp_path / "new.mdesk", create=True, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(first)
    dlg.repeat.setText(repeat)
    dlg.try_unlock()
    assert message in dlg.error.text()
    assert dlg.store is None and dlg.result() != QDialog.DialogCode.Accepted
    assert not (tmp_path / "new.mdesk").exists()


def test_create_then_unlock_with_the_right_passphrase(qtbot, tmp_path):
    path = tmp_path / "force.mdesk"
    dlg = UnlockDialog(path, create=True, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.repeat.setText(PASSPHRASE)
    dlg.try_unlock()
    assert dlg.result() == QDialog.DialogCode.Accepted and isinstance(dlg.store, Store)
    assert dlg.passphrase.text() == "" and dlg.repeat.text() == ""  # not kept in the widgets
    dlg.store.close()

    dlg = UnlockDialog(path, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText("not the passphrase")
    dlg.try_unlock()
    assert dlg.error.text() == "wrong passphrase, or the file is damaged or not a MATAC Desk store"
    assert dlg.store is None and dlg.ok.isEnabled()
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.store.scalar("SELECT count(*) FROM persons") == 0
    dlg.store.close()


def test_unlock_runs_off_the_gui_thread(qtbot, tmp_path):
    Store.create(tmp_path / "s.mdesk", PASSPHRASE).close()
    dlg = UnlockDialog(tmp_path / "s.mdesk", runner=TaskRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()
    assert dlg.error.text() == "Unlocking…" and not dlg.ok.isEnabled()  # returned before the store opened
    qtbot.waitUntil(lambda: dlg.store is not None, timeout=60000)   # a loaded machine: the key derivation and the open may take a while
    dlg.store.close()


def test_start_dialog_offers_recent_stores(qtbot, tmp_path, isolated_qsettings):  # noqa: F811
    a, b = tmp_path / "a.mdesk", tmp_path / "b.mdesk"
    a.write_bytes(b"x" * 16)
    b.write_bytes(b"x" * 16)
    remember_store(a)
    remember_store(b)
    remember_store(tmp_path / "gone.mdesk")
    assert recent_stores() == [str(b), str(a)]  # newest first; missing files left out
    dlg = StartDialog()
    qtbot.addWidget(dlg)
    recent = [w for w in dlg.findChildren(type(dlg.buttons["demo"])) if w.toolTip() in (str(a), str(b))]
    assert [w.text() for w in recent] == ["b.mdesk", "a.mdesk"]
    recent[1].click()
    assert dlg.choice == ("recent", a)
    dlg2 = StartDialog()
    qtbot.addWidget(dlg2)
    dlg2.buttons["demo"].click()
    assert dlg2.choice == ("demo", None)


def _store_with_a_backup(path):
    """A small demo store and a backup of it; returns (backup path, number of persons)."""
    from matac_desk.storage.backups import backup
    from gui_support import make_demo_store
    store = make_demo_store(path, incidents=40, meetings=False)
    saved = backup(store, label="manual")
    persons = store.scalar("SELECT count(*) FROM persons")
    store.close()
    return saved, persons


@pytest.mark.parametrize("how", ["header", "truncated"])
def test_a_damaged_store_offers_its_latest_sound_backup(qtbot, tmp_path, monkeypatch, how):
    from matac_desk.storage.backups import list_backups
    from security_support import damage_store
    path = tmp_path / "force.mdesk"
    saved, persons = _store_with_a_backup(path)
    damage_store(path, how)
    offered = []
    monkeypatch.setattr(UnlockDialog, "ask_restore", lambda self, sound: offered.append(sound) or True)
    dlg = UnlockDialog(path, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()
    assert [s.backup.path for s in offered] == [saved]
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.store.scalar("SELECT count(*) FROM persons") == persons > 0
    assert any(b.label == "replaced" for b in list_backups(path))    # the damaged file is kept
    dlg.store.close()


def test_declining_the_restore_or_a_wrong_passphrase_changes_nothing(qtbot, tmp_path, monkeypatch):
    from security_support import damage_store
    path = tmp_path / "force.mdesk"
    _store_with_a_backup(path)
    damage_store(path, "header")
    before = path.read_bytes()
    offered = []
    monkeypatch.setattr(UnlockDialog, "ask_restore", lambda self, sound: offered.append(sound) or False)
    dlg = UnlockDialog(path, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.try_unlock()
    assert len(offered) == 1 and dlg.store is None and dlg.ok.isEnabled()
    assert "damaged" in dlg.error.text()
    dlg.passphrase.setText("not the passphrase at all")
    dlg.try_unlock()
    assert len(offered) == 1          # the backup does not open with it either: a wrong passphrase, nothing offered
    assert dlg.error.text() == "wrong passphrase, or the file is damaged or not a MATAC Desk store"
    assert path.read_bytes() == before

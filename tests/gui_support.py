"""Helpers for the GUI tests: an isolated QSettings, small demo stores, a window on an immediate runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from matac_desk.demo import DemoSpec, fill_store
from matac_desk.store import Store

from conftest import PASSPHRASE, TODAY

__all__ = ["isolated_qsettings", "demo_store", "make_window", "PASSPHRASE"]


@pytest.fixture
def isolated_qsettings(tmp_path, qapp):
    """QSettings caches its folder per process: point it at this test's folder and start empty."""
    from PySide6.QtCore import QSettings
    folder = tmp_path / "qsettings"
    folder.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("MATAC Desk")
    qapp.setApplicationName("MATAC Desk")
    QSettings("MATAC Desk", "MATAC Desk").clear()
    return folder


def make_demo_store(path: Path, incidents: int = 200, seed: int = 3) -> Store:
    store = Store.create(path, PASSPHRASE)
    fill_store(store, DemoSpec(seed=seed, incidents=incidents, as_of=TODAY))
    return store


@pytest.fixture
def demo_store(tmp_path) -> Store:
    store = make_demo_store(tmp_path / "demo.mdesk")
    yield store
    store.close()


def make_window(qtbot, store: Store):
    from matac_desk.ui.main import open_window
    from matac_desk.ui.tasks import ImmediateRunner
    window = open_window(store, ImmediateRunner())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


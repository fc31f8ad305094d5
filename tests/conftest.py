"""Shared fixtures. Qt runs offscreen: set before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MATAC_DESK_IMPORT_THREADS", "1")

import datetime as dt  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from matac_desk.storage.store import Store  # noqa: E402

PASSPHRASE = "test passphrase 123"
TODAY = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real user data folder or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MATAC_DESK_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store.create(tmp_path / "test.mdesk", PASSPHRASE)
    yield s
    s.close()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """pytest-qt closes the test's windows at teardown; a window holding unsaved text would ask with a modal
    box that nobody answers offscreen. While tests tear down, that question is answered "discard"."""
    from importlib import import_module
    try:
        dialogs = import_module("matac_desk.ui.dialogs") if "matac_desk.ui.dialogs" in sys.modules else None
    except Exception:   # noqa: BLE001 - a Qt-free run never loaded it
        dialogs = None
    saved = getattr(dialogs, "save_discard_cancel", None)
    if dialogs is not None and saved is not None:
        dialogs.save_discard_cancel = lambda *a, **k: "discard"
    try:
        yield
    finally:
        if dialogs is not None and saved is not None:
            dialogs.save_discard_cancel = saved

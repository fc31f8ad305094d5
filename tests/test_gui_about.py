"""Help ▸ About names the version and the commit the program was built from."""

from __future__ import annotations

import pytest

from matac_desk import __version__
from matac_desk.paths import BuildInfo

from gui_support import _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui


def test_about_box_shows_version_and_commit(qtbot, demo_store, isolated_qsettings, monkeypatch):  # noqa: F811
    from PySide6.QtWidgets import QMessageBox
    from matac_desk.ui import window as window_module
    w = make_window(qtbot, demo_store)
    monkeypatch.setattr(window_module, "build_info",
                        lambda: BuildInfo(__version__, "abcdef0123456789abcdef0123456789abcdef01", False, "build"))
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    about = next(a for a in next(a for a in w.menuBar().actions() if a.text() == "&Help").menu().actions()
                 if a.text() == "&About MATAC Desk")
    about.trigger()
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "About MATAC Desk"
    assert f"MATAC Desk {__version__}" in text and "commit abcdef012345" in text

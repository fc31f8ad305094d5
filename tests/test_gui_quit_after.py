"""``MATAC_DESK_QUIT_AFTER``: the smoke test's way to see the window come up and go again by itself."""

from __future__ import annotations

import pytest

from matac_desk.ui.main import _quit_after_if_asked

pytestmark = pytest.mark.gui


class _App:
    quits = 0

    def quit(self) -> None:
        self.quits += 1


def test_says_when_shown_then_quits(qtbot, monkeypatch, capsys):
    monkeypatch.setenv("MATAC_DESK_QUIT_AFTER", "0.05")
    app = _App()
    _quit_after_if_asked(app)
    assert app.quits == 0 and capsys.readouterr().err == ""  # nothing until the event loop runs
    qtbot.waitUntil(lambda: app.quits == 1, timeout=30000)   # a loaded machine runs timers late
    assert capsys.readouterr().err == "matac-desk: main window shown\n"


@pytest.mark.parametrize("value", [None, "", "soon"])
def test_does_nothing_unless_asked(qtbot, monkeypatch, capsys, value):
    if value is None:
        monkeypatch.delenv("MATAC_DESK_QUIT_AFTER", raising=False)
    else:
        monkeypatch.setenv("MATAC_DESK_QUIT_AFTER", value)
    app = _App()
    _quit_after_if_asked(app)
    qtbot.wait(100)
    assert app.quits == 0 and capsys.readouterr().err == ""

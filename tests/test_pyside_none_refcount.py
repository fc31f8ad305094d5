"""Regression: PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void Qt call and the
interpreter aborts with 'Fatal Python error: none_dealloc'. pyproject.toml pins 6.11.3 there; this keeps it so."""

import subprocess
import sys
import textwrap

CODE = textwrap.dedent("""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    timer = QTimer()
    for i in range(20000):
        app.processEvents()
        timer.setInterval(i % 1000 + 1)
    print("clean", sys.getrefcount(None) > 0)
""").replace("import os", "import os, sys")


def test_twenty_thousand_void_qt_calls_exit_cleanly():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "clean True"
    assert "none_dealloc" not in r.stderr

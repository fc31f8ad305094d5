"""Start the desktop client: the start dialog, the unlock dialog, then the main window.

Start-up order (after :mod:`matac_desk.app` parsed the arguments):

1. high-DPI rounding policy, then the QApplication (organisation and
   application names key QSettings);
2. a store given by the caller is used as it is; otherwise the start
   dialog (open, create, demo, recent) or the path given on the command
   line, and the unlock dialog, which opens and migrates the store off
   the GUI thread; the demo store is made on first use with a progress
   dialog;
3. the exception hook (a one-line message naming the error's type only:
   nothing personal reaches the screen's dialog or the log);
4. the main window, its pages, the idle lock; the store's warnings (a
   network drive's safe mode, read-only) in the status bar; the daily
   backup (:func:`matac_desk.storage.backups.maybe_daily_backup`) on the background
   connection; the event loop;
5. at exit, background tasks are waited for and the store is closed.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ..storage import backups
from ..services import demo_store
from ..domain import Cancelled
from ..paths import resource
from ..storage.store import Store
from .context import Context, show_error
from .start import StartDialog, remember_store
from .tasks import TaskRunner, wait_for
from .unlock import UnlockDialog
from .widgets import APP, ORG
from .window import MainWindow

__all__ = ["run", "application", "open_window", "install_excepthook", "start_daily_backup"]

log = logging.getLogger(__name__)


def application(qt_args: list[str] | None = None) -> QApplication:
    """The QApplication; ``qt_args`` are Qt's own options from the command line (``-style fusion``)."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1] + list(qt_args or []))
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    # A vector icon: sharp at any scale factor (the window, the task bar, the dialogs).
    app.setWindowIcon(QIcon(str(resource("icons", "matac-desk.svg"))))
    return app


def install_excepthook() -> None:
    """An unexpected error: one line naming its type, never its message (it may hold personal data)."""
    showing = []

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        name = kind.__name__
        log.error("unexpected error: %s", name)  # the type only: messages and tracebacks can hold data
        if showing or QApplication.instance() is None:
            return
        showing.append(True)
        try:
            QMessageBox.critical(None, "MATAC Desk", f"Something went wrong ({name}). The last change may not "
                                 "have been saved; nothing else is affected. Try again, or restart MATAC Desk.")
        finally:
            showing.clear()

    sys.excepthook = hook


def start_daily_backup(window: MainWindow) -> None:
    """The first backup of the day, made on the background connection; the status bar says so."""
    ctx = window.ctx
    if ctx.store.read_only:
        return

    def done(path) -> None:
        if path is not None and not window.locked:
            window.statusBar().showMessage(f"Daily backup made: {Path(path).name}", 8000)

    def failed(e: BaseException) -> None:
        log.warning("daily backup failed: %s", type(e).__name__)
        if not window.locked:
            window.statusBar().showMessage("The daily backup could not be made: see Settings › Backups "
                                           "or run 'matac-desk backup'", 15000)

    ctx.read(backups.maybe_daily_backup).then(done, failed)


def open_window(store: Store, runner: TaskRunner | None = None, *, daily_backup: bool = False,
                today=None) -> MainWindow:
    """The main window on an open store; ``today`` (a callable) pins the day the pages work to."""
    ctx = Context(store, runner)
    if today is not None:
        ctx.today = today
    ctx.read(lambda _store: None)  # open the background connection now (0.1 s of key derivation), not on first search
    window = MainWindow(ctx)
    ctx.setParent(window)
    if daily_backup:
        start_daily_backup(window)
    return window


def _choose_store(store_path: str | None, runner: TaskRunner, first: tuple[str, str | None] | None = None) \
        -> Store | None:
    """The store to work on: the path given, the choice made in the window's File menu (``first``: create,
    open, recent or start), or the start dialog's."""
    while True:
        if store_path:
            kind, path = "open-path", Path(store_path)
            store_path = None
        elif first is not None and first[0] in ("create", "open"):
            start = StartDialog()
            start._choose(first[0])      # straight to the file dialog; cancelled, the start dialog shows
            first = None
            if not start.choice:
                continue
            kind, path = start.choice
        elif first is not None and first[0] == "recent" and first[1]:
            kind, path = "recent", Path(first[1])
            first = None
        else:
            first = None
            start = StartDialog()
            if start.exec() != QDialog.DialogCode.Accepted or not start.choice:
                return None
            kind, path = start.choice
        if kind == "demo":
            task = wait_for(runner.run(lambda progress, cancelled: demo_store.open_demo_store(progress, cancelled)),
                            None, "Opening the demo store (made on first use)…", cancellable=True)
            if task.error is None:
                return task.result
            if not isinstance(task.error, Cancelled):
                show_error(None, task.error, "Open the demo store")
            continue
        dlg = UnlockDialog(path, create=(kind == "create"), runner=runner)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.store is not None:
            remember_store(path)
            return dlg.store


def _quit_after_if_asked(app: QApplication) -> None:
    """``MATAC_DESK_QUIT_AFTER=SECONDS`` (the bundle's smoke test, start-up timing): say on stderr when the
    event loop is running with the window shown, and quit that many seconds later."""
    import os
    try:
        seconds = float(os.environ.get("MATAC_DESK_QUIT_AFTER", ""))
    except ValueError:
        return
    from PySide6.QtCore import QTimer

    def shown() -> None:
        sys.stderr.write("matac-desk: main window shown\n")
        sys.stderr.flush()
        QTimer.singleShot(int(seconds * 1000), app.quit)

    QTimer.singleShot(0, shown)


def run(store: Store | None = None, store_path: str | None = None, qt_args: list[str] | None = None) -> int:
    app = application(qt_args)
    install_excepthook()
    runner = TaskRunner()
    if store is None:
        store = _choose_store(store_path, runner)
        if store is None:
            return 0
    while True:
        window = open_window(store, runner, daily_backup=True)
        window.show()
        _quit_after_if_asked(app)
        code = app.exec()
        runner.wait_idle(15000)
        store.close()
        nxt = window.next_start          # File > New, Open, Open recent or Close store
        window.deleteLater()
        if nxt is None:
            return code
        store = _choose_store(None, runner, nxt)
        if store is None:
            return 0

"""Idle lock: after some minutes without input the window hides its data until the passphrase is given again.

:class:`IdleWatcher` watches the application's input events and fires
``idle`` after the configured minutes (QSettings ``idle_lock_minutes``,
default 10; 0 never locks). :class:`LockScreen` replaces the window's
central widget while locked; it checks a passphrase by opening a second
connection to the store with it (off the GUI thread), never by keeping it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..domain import UserError
from ..storage.store import Store
from .tasks import TaskRunner
from .unlock import short_error
from .widgets import accent_label, settings

__all__ = ["IdleWatcher", "LockScreen", "idle_minutes", "set_idle_minutes", "DEFAULT_IDLE_MINUTES"]

DEFAULT_IDLE_MINUTES = 10
MAX_IDLE_MINUTES = 480

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


def idle_minutes() -> int:
    try:
        value = int(settings().value("idle_lock_minutes", DEFAULT_IDLE_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    return max(0, min(MAX_IDLE_MINUTES, value))


def set_idle_minutes(minutes: int) -> None:
    settings().setValue("idle_lock_minutes", max(0, min(MAX_IDLE_MINUTES, int(minutes))))


class IdleWatcher(QObject):
    """Emits ``idle`` when there has been no keyboard or mouse input for the configured time."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.apply_setting()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def apply_setting(self) -> None:
        self.set_minutes(idle_minutes())

    def set_minutes(self, minutes: float) -> None:
        self.minutes = minutes
        self.restart()

    def restart(self) -> None:
        if self.minutes > 0:
            self.timer.start(int(self.minutes * 60_000))
        else:
            self.timer.stop()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.restart()  # the countdown starts again
        return False

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.timer.stop()


class LockScreen(QWidget):
    """Shown instead of the window's content while locked; ``unlocked`` once the passphrase checks out."""

    unlocked = Signal()

    def __init__(self, store: Store, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self._store_path = store.path
        self.runner = runner
        self.setObjectName("lockScreen")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        box = QVBoxLayout()
        title = QLabel("<h2>MATAC Desk is locked</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(title)
        hint = QLabel("The window was locked to protect the data it shows. "
                      "Enter the store's passphrase to carry on.")
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(hint)
        row = QHBoxLayout()
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setPlaceholderText("Passphrase")
        self.passphrase.returnPressed.connect(self.try_unlock)
        row.addWidget(self.passphrase, 1)
        self.button = QPushButton("&Unlock")
        self.button.setAccessibleName("Unlock")
        self.button.clicked.connect(self.try_unlock)
        row.addWidget(self.button)
        box.addLayout(row)
        self.error = accent_label("", "error")
        self.error.setObjectName("error")
        self.error.setAccessibleName("Error message")
        self.error.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.error)
        holder = QHBoxLayout()
        holder.addStretch(1)
        inner = QWidget()
        inner.setLayout(box)
        inner.setMaximumWidth(460)
        holder.addWidget(inner, 2)
        holder.addStretch(1)
        outer.addLayout(holder)
        outer.addStretch(3)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.passphrase.setFocus()

    def try_unlock(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()  # not kept in the widget while it is checked
        if not text:
            self.error.setText("Enter the passphrase.")
            return
        self.button.setEnabled(False)
        self.error.setText("Checking…")
        path = self._store_path

        def check(_progress, _cancelled) -> bool:
            Store.open(path, text, migrate=False).conn.close()  # a wrong passphrase raises StoreError
            return True

        self.runner.run(check).then(self._ok, self._failed)

    def _ok(self, _result) -> None:
        self.button.setEnabled(True)
        self.error.setText("")
        self.unlocked.emit()

    def _failed(self, e: BaseException) -> None:
        self.button.setEnabled(True)
        self.error.setText(short_error(e) if isinstance(e, UserError) else
                           f"The passphrase could not be checked ({type(e).__name__}).")
        self.passphrase.setFocus()

"""The unlock dialog: the passphrase for a store (or a new one, to create it).

Opening derives the key (about 0.1 s) and may migrate the store (longer on
a large one), so it runs through the task runner; the dialog stays
responsive and says "Unlocking…". A wrong passphrase is a message in the
dialog. The passphrase field is emptied as soon as the store is open.
A store another copy of the program holds open (:class:`StoreLocked`)
can be opened read-only instead, if the user agrees. A store that does not
open while a backup of it does, with the same passphrase, is a damaged
file: the dialog offers to restore the latest sound backup (the damaged
file is kept beside the backups) and then opens it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMessageBox, QWidget

from ..storage import backups
from ..domain import UserError
from ..storage.store import Store, StoreError, StoreLocked
from .tasks import TaskRunner
from .widgets import accent_label

__all__ = ["UnlockDialog", "short_error"]


def short_error(e: BaseException) -> str:
    """A StoreError names the path first; the dialog already shows it."""
    msg = str(e)
    return msg.split(": ", 1)[1] if ": " in msg and isinstance(e, StoreError) else msg


class UnlockDialog(QDialog):
    """Ask for a store's passphrase; ``store`` is the open store once accepted."""

    def __init__(self, path: Path, *, create: bool = False, runner: TaskRunner | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.create = create
        self.runner = runner or TaskRunner()
        self.store: Store | None = None
        self.setWindowTitle("Create store" if create else "Unlock store")
        form = QFormLayout(self)
        title = QLabel(f"<b>{self.path.name}</b>")
        title.setToolTip(str(self.path))
        form.addRow(title)
        if create:
            hint = QLabel("Choose a passphrase of several words, at least 10 characters. "
                          "Without it the store cannot be opened: there is no recovery.")
            hint.setWordWrap(True)
            form.addRow(hint)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        form.addRow("&Passphrase:", self.passphrase)
        self.repeat: QLineEdit | None = None
        if create:
            self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
            self.repeat.setAccessibleName("Repeat passphrase")
            form.addRow("&Repeat:", self.repeat)
        self.error = accent_label("", "error")
        self.error.setObjectName("error")
        self.error.setAccessibleName("Error message")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create" if create else "Unlock")
        self.buttons.accepted.connect(self.try_unlock)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.setMinimumWidth(420)
        self._given_up = False

    def reject(self) -> None:
        self._given_up = True
        super().reject()

    def try_unlock(self, *, read_only: bool = False) -> None:
        text = self.passphrase.text()
        if self.repeat is not None and self.repeat.text() != text:
            self._failed(UserError("the two passphrases differ"))
            return
        if not text:
            self._failed(UserError("enter the passphrase"))
            return
        self.error.setText("Unlocking…" if not self.create else "Creating…")
        self.ok.setEnabled(False)
        path, create = self.path, self.create

        def work(_progress, _cancelled) -> Store:
            return Store.create(path, text) if create else Store.open(path, text, read_only=read_only)

        self.runner.run(work).then(self._opened, self._failed)

    def _opened(self, store: Store) -> None:
        if self._given_up:
            store.close()  # the user gave up while it was opening
            return
        self.store = store
        self.passphrase.clear()
        if self.repeat is not None:
            self.repeat.clear()
        self.accept()

    def ask_read_only(self) -> bool:
        """Another copy holds the store: open it read-only? (A method, so tests can answer.)"""
        return QMessageBox.question(
            self, "Store in use",
            "Another copy of MATAC Desk has this store open for changes. Open it read-only? You can look and "
            "print, but not change anything until the other copy is closed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    def ask_restore(self, sound: backups.SoundBackup) -> bool:
        """The store is damaged and a sound backup opens with this passphrase: restore it? (Tests answer.)"""
        b = sound.backup
        newer = (f" The {sound.passed_over} newer backup(s) are copies of the damaged file and are passed over."
                 if sound.passed_over else "")
        return QMessageBox.question(
            self, "Store damaged",
            f"The store file is damaged, but its backup of {b.taken_at:%d %B %Y, %H:%M} opens with this passphrase."
            f"{newer} Restore that backup and open it? Changes made after it was taken are lost; the damaged "
            "file is kept beside the backups.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    def _offer_restore(self, e: BaseException) -> None:
        """Look for a sound backup off the GUI thread; offer it, or show the error."""
        path, text = self.path, self.passphrase.text()
        self.error.setText("The store did not open; looking at its backups…")

        def look(_progress, _cancelled):
            return backups.latest_sound_backup(path, text)

        def found(sound) -> None:
            if sound is None or self._given_up or not self.ask_restore(sound):
                self._show_error(e)
                return
            self.error.setText("Restoring the backup…")

            def restore(_progress, _cancelled):
                return backups.restore(path, sound.backup.path, text)

            self.runner.run(restore).then(lambda _replaced: self.try_unlock(), self._show_error)

        self.runner.run(look).then(found, lambda _e: self._show_error(e))

    def _failed(self, e: BaseException) -> None:
        if isinstance(e, StoreLocked) and not self.create and not self._given_up and self.ask_read_only():
            self.try_unlock(read_only=True)
            return
        if (isinstance(e, StoreError) and not isinstance(e, StoreLocked) and not self.create and not self._given_up
                and self.passphrase.text() and backups.looks_damaged_or_locked(str(e))):
            self._offer_restore(e)
            return
        self._show_error(e)

    def _show_error(self, e: BaseException) -> None:
        self.ok.setEnabled(True)
        self.error.setText(short_error(e) if isinstance(e, UserError) else
                           f"The store could not be opened ({type(e).__name__}).")
        self.passphrase.selectAll()
        self.passphrase.setFocus()

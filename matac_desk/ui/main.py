"""The main window, the start dialog and the unlock dialog.

A plain window for now: the store's overview (counts, last import, schema),
importing an extract in the background with progress and cancel, and
opening another store. The desktop-client issue grows it screen by screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import services
from ..domain import Cancelled, UserError
from ..importer import ImportSummary, import_extract
from ..store import Store, StoreError
from .tasks import Task, TaskRunner

__all__ = ["UnlockDialog", "StartDialog", "MainWindow", "run"]

ORG, APP = "MATAC Desk", "MATAC Desk"


class UnlockDialog(QDialog):
    """Ask for a store's passphrase; a wrong one is a message in the dialog."""

    def __init__(self, path: Path, *, create: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.create = create
        self.store: Store | None = None
        self.setWindowTitle("Create store" if create else "Unlock store")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{self.path.name}</b>"))
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        form.addRow("Passphrase:", self.passphrase)
        self.repeat = None
        if create:
            self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
            self.repeat.setAccessibleName("Repeat passphrase")
            form.addRow("Repeat:", self.repeat)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create" if create else "Unlock")
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def try_unlock(self) -> None:
        text = self.passphrase.text()
        try:
            if self.create:
                if self.repeat is not None and self.repeat.text() != text:
                    raise UserError("the two passphrases differ")
                self.store = Store.create(self.path, text)
            else:
                self.store = Store.open(self.path, text)
        except UserError as e:
            self.error.setText(_short(e))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.accept()


def _short(e: Exception) -> str:
    """A StoreError names the path first; the dialog already shows it."""
    msg = str(e)
    return msg.split(": ", 1)[1] if ": " in msg and isinstance(e, StoreError) else msg


class StartDialog(QDialog):
    """First screen: open a store, create one, or open the demo."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("MATAC Desk")
        self.choice: tuple[str, Path | None] | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h2>MATAC Desk</h2><p>Open a store to prepare the next MATAC meeting.</p>"))
        for label, kind in (("Open a store…", "open"), ("Create a new store…", "create"),
                            ("Open the demo store (fictitious data)", "demo")):
            b = QPushButton(label)
            b.setAccessibleName(label)
            b.clicked.connect(lambda _=False, k=kind: self._choose(k))
            lay.addWidget(b)
        recent = QSettings(ORG, APP).value("recent_stores", []) or []
        for path in [p for p in recent if Path(p).exists()][:5]:
            b = QPushButton(f"Recent: {Path(path).name}")
            b.setToolTip(path)
            b.clicked.connect(lambda _=False, p=path: self._choose("recent", Path(p)))
            lay.addWidget(b)

    def _choose(self, kind: str, path: Path | None = None) -> None:
        if kind == "open":
            name, _ = QFileDialog.getOpenFileName(self, "Open store", "", "MATAC Desk stores (*.mdesk);;All files (*)")
            if not name:
                return
            path = Path(name)
        elif kind == "create":
            name, _ = QFileDialog.getSaveFileName(self, "Create store", "store.mdesk", "MATAC Desk stores (*.mdesk)")
            if not name:
                return
            path = Path(name)
        self.choice = (kind, path)
        self.accept()


class MainWindow(QMainWindow):
    def __init__(self, store: Store, runner: TaskRunner | None = None):
        super().__init__()
        self.store = store
        self.runner = runner or TaskRunner()
        self.setWindowTitle(f"MATAC Desk — {store.path.name}")
        self.resize(900, 600)
        central = QWidget()
        lay = QVBoxLayout(central)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.heading)
        self.counts = QTableWidget(0, 2)
        self.counts.setHorizontalHeaderLabels(["Held in the store", "Count"])
        self.counts.horizontalHeader().setStretchLastSection(True)
        self.counts.verticalHeader().setVisible(False)
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.counts.setAccessibleName("Store contents")
        lay.addWidget(self.counts)
        self.last_import = QLabel()
        self.last_import.setWordWrap(True)
        lay.addWidget(self.last_import)
        self.setCentralWidget(central)
        self._build_menu()
        self.refresh()
        geom = QSettings(ORG, APP).value("main_geometry")
        if geom is not None:
            self.restoreGeometry(geom)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import extract…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.choose_import)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def refresh(self) -> None:
        info = self.store.info()
        self.heading.setText(f"<h2>{self.store.path.name}</h2><p>Schema {info['schema_version']}</p>")
        labels = {"persons": "Persons", "incidents": "Incidents", "involvements": "Involvements (rows)",
                  "links": "Intelligence links", "referrals": "Referrals", "meetings": "Meetings",
                  "actions": "Actions", "rejected_rows": "Rejected rows kept for review",
                  "data_quality": "Data-quality warnings", "audit_log": "Audit entries"}
        self.counts.setRowCount(len(info["counts"]))
        for i, (k, v) in enumerate(info["counts"].items()):
            self.counts.setItem(i, 0, QTableWidgetItem(labels.get(k, k)))
            item = QTableWidgetItem(f"{v:,}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts.setItem(i, 1, item)
        last = info["last_import"]
        self.last_import.setText(
            "No import yet." if not last else
            f"Last import: {last['file']} at {last['finished_at']} — {last['rows_read']:,} rows read, "
            f"{last['new']:,} new, {last['updated']:,} updated, {last['unchanged']:,} unchanged, "
            f"{last['rejected']:,} rejected."
        )

    def choose_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import extract", "", "CSV extracts (*.csv);;All files (*)")
        if name:
            self.start_import(Path(name))

    def start_import(self, path: Path) -> Task:
        store = self.store

        def work(progress, cancelled) -> ImportSummary:
            own = store.reopen()  # a connection belongs to the thread that opened it
            try:
                return import_extract(own, path, progress=progress, cancelled=cancelled)
            finally:
                own.close()

        task = Task(work)
        dlg = QProgressDialog("Importing…", "Cancel", 0, 1000, self)
        dlg.setWindowTitle("Import")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(300)
        dlg.canceled.connect(task.cancel)
        task.progressed.connect(lambda d, t, m: (dlg.setValue(int(1000 * d / t) if t else 0), dlg.setLabelText(m)),
                                Qt.ConnectionType.QueuedConnection)
        task.finished.connect(lambda s: self._import_done(dlg, s), Qt.ConnectionType.QueuedConnection)
        task.failed.connect(lambda e: self._import_failed(dlg, e), Qt.ConnectionType.QueuedConnection)
        self.import_action.setEnabled(False)
        self._import_task = task
        return self.runner.start(task)

    def _import_done(self, dlg: QProgressDialog, s: ImportSummary) -> None:
        dlg.reset()
        self.import_action.setEnabled(True)
        self.refresh()
        reasons = "".join(f"<li>{n:,} — {r}</li>" for r, n in s.rejected_by_reason.most_common())
        QMessageBox.information(
            self, "Import finished",
            f"<p><b>{s.file_name}</b></p><p>{s.rows_read:,} rows read: {s.new:,} new, {s.updated:,} updated, "
            f"{s.unchanged:,} unchanged, {s.rejected:,} rejected.</p>"
            + (f"<ul>{reasons}</ul>" if reasons else ""),
        )

    def _import_failed(self, dlg: QProgressDialog, e: BaseException) -> None:
        dlg.reset()
        self.import_action.setEnabled(True)
        if isinstance(e, Cancelled):
            QMessageBox.information(self, "Import cancelled", "The import was cancelled; nothing was changed.")
        elif isinstance(e, UserError):
            QMessageBox.warning(self, "Cannot import", str(e))
        else:
            QMessageBox.critical(self, "Import failed", f"The import failed and nothing was changed ({type(e).__name__}).")

    def closeEvent(self, event) -> None:
        QSettings(ORG, APP).setValue("main_geometry", self.saveGeometry())
        super().closeEvent(event)


def _remember(path: Path) -> None:
    s = QSettings(ORG, APP)
    recent = [p for p in (s.value("recent_stores", []) or []) if p != str(path)]
    s.setValue("recent_stores", [str(path)] + recent[:7])


def run(store: Store | None = None, store_path: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    if store is None:
        if store_path:
            choice = ("open-path", Path(store_path))
        else:
            start = StartDialog()
            if start.exec() != QDialog.DialogCode.Accepted or not start.choice:
                return 0
            choice = start.choice
        kind, path = choice
        if kind == "demo":
            store = services.open_demo_store()
        else:
            dlg = UnlockDialog(path, create=(kind == "create"))
            if dlg.exec() != QDialog.DialogCode.Accepted or dlg.store is None:
                return 0
            store = dlg.store
            _remember(path)
    window = MainWindow(store)
    window.show()
    code = app.exec()
    store.close()
    return code

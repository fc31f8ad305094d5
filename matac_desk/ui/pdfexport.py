"""Exporting, printing and opening a pack or a profile PDF: one runner shared by the Packs page and the person page.

:class:`PdfExporter` renders on the background connection
(:func:`matac_desk.pack.export_pack` or :func:`~matac_desk.pack.export_profile`,
which write the file safely and record the disclosure with its recipient),
reports progress, can be cancelled (a cancelled export leaves neither a
file nor an audit entry), and then opens the file in the system viewer
(``QDesktopServices``) or sends it to the printer chosen in the system
print dialog (through CUPS ``lp``; where that is not possible the PDF is
opened to print from the viewer).

The dialogs go through the module functions :func:`save_path`,
:func:`choose_printer` and :func:`ask_disclosure`, so tests answer for
the user.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from .. import pack
from ..domain import Cancelled, UserError
from . import dialogs
from .context import show_error
from .tasks import Task

__all__ = ["PdfExporter", "save_path", "choose_printer", "ask_disclosure", "show_progress", "saved_message", "VERSIONS",
           "CANCELLED"]

# The versions of a profile or pack a recipient may be given: (label, redact)
VERSIONS = (("Full (for the MATAC table)", False), ("Redacted: victims' addresses withheld", True))


def save_path(parent: QWidget | None, title: str, default: str) -> str | None:
    """Ask where to save a PDF; None when the user cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, title, default, "PDF (*.pdf)")
    return path or None


def choose_printer(parent: QWidget | None) -> str | None:
    """The system print dialog; the chosen printer's name, or None when the user cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    printer = QPrinter()
    dlg = QPrintDialog(printer, parent)
    dlg.setWindowTitle("Print the PDF")
    if dlg.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer.printerName()


def ask_disclosure(parent: QWidget | None, title: str, *, intro: str, default_reason: str) -> dict | None:
    """Who receives it, why, and which version: ``{"recipient", "reason", "redact"}``, or None when cancelled.

    The recipient is required: every PDF that leaves the program is a disclosure recorded with it.
    """
    labels = [label for label, _ in VERSIONS]
    got = dialogs.ask(parent, title, [
        dialogs.Field("recipient", "&Recipient", required=True,
                      placeholder="an agency or a role, e.g. Probation, North"),
        dialogs.Field("reason", "Rea&son", placeholder=f"why (default: {default_reason})"),
        dialogs.Field("version", "&Version", kind="choice", choices=labels, default=labels[0]),
    ], intro=intro, ok="Continue")
    if got is None:
        return None
    redact = dict(VERSIONS).get(got.get("version") or labels[0], False)
    return {"recipient": (got.get("recipient") or "").strip(), "reason": (got.get("reason") or "").strip() or None,
            "redact": redact}


def show_progress(bar, label, done: int, total: int, message: str) -> None:
    """A page's progress bar and message line, from the exporter's ``progressed``."""
    if total:
        bar.setRange(0, total)
        bar.setValue(done)
    if message:
        label.setText(message)


CANCELLED = "Cancelled: no file was written and nothing was recorded."


def saved_message(ex: pack.Export) -> str:
    lines = ex.withheld_lines()
    return (f"Saved {ex.path.name}: {ex.pages} {'page' if ex.pages == 1 else 'pages'}, reference {ex.reference}. "
            "The disclosure is recorded in the audit log."
            + ("" if ex.withheld is None else " Withheld from free text: "
               + ("; ".join(lines) + "." if lines else "nothing.")))


class PdfExporter(QObject):
    """One export at a time, off the GUI thread; the page shows ``progressed`` and ``reported``.

    ``reported(message, error)`` when an export ends: what it came to (saved, cancelled, then sent to a
    printer), or the refusal to show as an error. Any other failure is also shown in an error box
    titled ``title``.
    """

    started = Signal()
    progressed = Signal(int, int, str)
    reported = Signal(str, str)

    def __init__(self, ctx, widget: QWidget, *, title: str = "Export"):
        super().__init__(widget)
        self.ctx = ctx
        self.widget = widget
        self.title = title
        self.task: Task | None = None
        self.last_path: Path | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.is_done

    def export(self, kind: str, target, kw: dict, path: str, *, then=None) -> Task:
        """Render the pack (``kind="pack"``, target a meeting id) or a profile (target a person id) to ``path``.

        ``kw``: recipient, reason, redact, agency. ``then(export)`` runs after a successful export.
        """
        fn = pack.export_pack if kind == "pack" else pack.export_profile
        today = self.ctx.today()
        bg = self.ctx.background

        def work(progress, cancelled):
            return bg.call(fn, path, target, today=today, progress=progress, cancelled=cancelled, **kw)

        self.task = None
        self.started.emit()
        task = self.ctx.run(work)
        self.task = task
        task.then(lambda ex: self._done(ex, then), self._failed, self.progressed.emit)
        return task

    def print_(self, kind: str, target, kw: dict, *, default_name: str = "matac-print.pdf") -> Task | None:
        """Choose a printer, then where to keep the copy sent to it, export, and hand it to the printer."""
        printer = choose_printer(self.widget)
        if printer is None:
            return None
        path = save_path(self.widget, "Save a copy to print", default_name)
        if not path:
            return None
        return self.export(kind, target, kw, path,
                           then=lambda ex: self._send_to_printer(ex.path, printer, saved_message(ex)))

    def _done(self, ex: pack.Export, then) -> None:
        self.last_path = ex.path
        self.reported.emit(saved_message(ex), "")
        self.ctx.notify("audit")
        if then is not None:
            then(ex)

    def _failed(self, e: BaseException) -> None:
        if isinstance(e, Cancelled):
            self.reported.emit(CANCELLED, "")
        elif isinstance(e, UserError):
            self.reported.emit("", str(e))
        else:
            self.reported.emit("", "")
            show_error(self.widget, e, self.title)

    def cancel(self) -> None:
        if self.busy:
            self.task.cancel()

    def open_last(self) -> bool:
        if self.last_path is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_path)))

    def _send_to_printer(self, path: Path, printer: str, saved: str) -> None:
        lp = shutil.which("lp")
        if lp and printer:
            done = subprocess.run([lp, "-d", printer, str(path)], capture_output=True, timeout=60)
            if done.returncode == 0:
                self.reported.emit(f"Sent to {printer}. {saved}", "")
                return
        self.reported.emit("This system cannot print the PDF directly: it is opened in the PDF viewer; print from "
                           f"there. {saved}", "")
        self.open_last()

    def forget(self) -> None:
        """The store is locked: cancel what runs, forget the last file."""
        self.cancel()
        self.last_path = None

"""The Import page: past imports and the rejected rows they kept for review.

Select an import to see its rejected rows with the reasons; save them as
CSV for the records team to correct, or mark them reviewed. The names and
dates of birth of known persons the import changed are counted under it,
and "Put back changes…" writes back what it replaced (each change is also
a data-quality entry on the person's page). "Undo this import…" deletes
what the selected import added and puts back what it changed, once the
counts are confirmed and a reason given (:mod:`matac_desk.intake.undo`);
greyed, its tooltip says why it cannot be undone. An import undone stays
in the list, marked undone. "Import an extract…" opens the wizard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from ..domain import UserError
from ..intake import undo
from ..intake.undo import UndoPlan
from ..services import imports
from ..services.imports import Batch, KeptReject, NameChange
from . import dialogs
from .context import show_error
from .dialogs import Field
from .models import Column, RowRole, RowsModel
from .widgets import attach_model, heading, save_header, table_view
from .window import Page

__all__ = ["ImportPage", "save_batch_rejects"]

_BATCH_COLUMNS = [
    Column("Import", lambda b: b.id, numeric=True),
    Column("Finished", lambda b: (b.finished_at or "")[:16].replace("T", " ")),
    Column("Rows read", lambda b: b.rows_read, numeric=True),
    Column("New", lambda b: b.new, numeric=True),
    Column("Updated", lambda b: b.updated, numeric=True),
    Column("Unchanged", lambda b: b.unchanged, numeric=True),
    Column("Rejected", lambda b: b.rejected, numeric=True),
    Column("To review", lambda b: b.awaiting_review, numeric=True),
    Column("File", lambda b: b.file_name),
    Column("State", lambda b: b.state, accent=True),
]

# What an undo changes: the pages that show imports, persons, their notes, links and scores reload.
UNDO_KINDS = ("imports", "persons", "data_quality", "links", "scores")
UNDO_TIP = ("Delete what this import added and put back what it changed; the store is backed up first and the "
            "import stays in the list, marked undone")

_REJECT_COLUMNS = [
    Column("Line", lambda r: r.row_number, numeric=True),
    Column("Column", lambda r: r.column),
    Column("Value", lambda r: r.value),
    Column("Reason", lambda r: r.reason),
    Column("Reviewed", lambda r: r.reviewed),
]


def save_batch_rejects(parent: QWidget, ctx, batch_id: int, file_name: str, path: str | None,
                       done: Callable[[int, str], None]) -> None:
    """Ask where (unless ``path`` is given), then write an import's rejected rows as CSV (audited)."""
    if path is None:
        stem = Path(file_name).stem or "extract"
        path, _ = QFileDialog.getSaveFileName(parent, "Save rejected rows", f"{stem}-rejects-{batch_id}.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
    ctx.read(imports.export_rejects, batch_id, path).then(lambda n, p=path: done(n, p),
                                                          lambda e: show_error(parent, e, "Save rejected rows"))


class ImportPage(Page):
    key = "imports"
    title = "Import"
    listens = frozenset({"imports"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._gen = 0
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Imports"))
        top.addStretch(1)
        self.undo_button = QPushButton("&Undo this import…")
        self.undo_button.setAccessibleName("Undo the selected import")
        self.undo_button.setToolTip(UNDO_TIP)
        self.undo_button.clicked.connect(self.undo_import)
        top.addWidget(self.undo_button)
        self.import_button = QPushButton("&Import an extract…")
        self.import_button.setAccessibleName("Import an extract")
        self.import_button.setToolTip("Ctrl+I")
        self.import_button.clicked.connect(lambda: self.window_.start_import())
        top.addWidget(self.import_button)
        lay.addLayout(top)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("imports_split")
        self.batch_model = RowsModel(_BATCH_COLUMNS, accent=lambda b: "warning" if b.undone_at else None)
        self.batch_view = table_view("import_batches", "Imports")
        attach_model(self.batch_view, self.batch_model)
        self.batch_view.selectionModel().currentRowChanged.connect(lambda *_: self._batch_selected())
        split.addWidget(self.batch_view)

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.reject_title = QLabel()
        self.reject_title.setAccessibleName("Rejected rows of the selected import")
        self.reject_title.setWordWrap(True)
        ll.addWidget(self.reject_title)
        self.reject_model = RowsModel(_REJECT_COLUMNS)
        self.reject_view = table_view("import_rejects", "Rejected rows")
        attach_model(self.reject_view, self.reject_model)
        self.reject_view.setSortingEnabled(True)
        ll.addWidget(self.reject_view, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("&Save as CSV…")
        self.save_button.setAccessibleName("Save rejected rows as CSV")
        self.save_button.clicked.connect(self.save_rejects)
        buttons.addWidget(self.save_button)
        self.reviewed_button = QPushButton("Mark &reviewed")
        self.reviewed_button.setAccessibleName("Mark rejected rows reviewed")
        self.reviewed_button.setToolTip("The rejected rows of this import were passed on or dealt with")
        self.reviewed_button.clicked.connect(self.mark_reviewed)
        buttons.addWidget(self.reviewed_button)
        ll.addLayout(buttons)
        changes = QHBoxLayout()
        self.changes_label = QLabel()
        self.changes_label.setAccessibleName("Known persons the selected import changed")
        self.changes_label.setWordWrap(True)
        changes.addWidget(self.changes_label, 1)
        self.put_back_button = QPushButton("&Put back changes…")
        self.put_back_button.setAccessibleName("Put back the names and dates of birth the import changed")
        self.put_back_button.setToolTip("Write back the names and dates of birth of known persons as they were "
                                        "before this import (a file from the wrong system, a column mapped wrong)")
        self.put_back_button.clicked.connect(self.put_back)
        changes.addWidget(self.put_back_button)
        ll.addLayout(changes)
        self.changes: list[NameChange] = []
        self.undo_refusal: str | None = None     # why the selected import cannot be undone ("" it can; None: not known)
        self._undo_reasons: dict[int, str] = {}  # the reason typed for an undo not done (refused, cancelled)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay.addWidget(split, 1)
        self._update_buttons()

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        self._gen += 1
        gen = self._gen
        keep = self.selected_batch()
        self.ctx.read(imports.batches).then(lambda rows, g=gen: self._show(g, rows, keep.id if keep else None),
                                            lambda e: show_error(self, e, "Imports"))

    def _show(self, gen: int, rows: list[Batch], keep: int | None) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self.batch_model.set_rows(rows)
        newest = max((b.id for b in rows), default=None)
        if newest is not None and newest > getattr(self, "_newest_seen", newest if keep else -1):
            keep = newest      # an import made since (the wizard): show it, not the one looked at before
        self._newest_seen = newest
        target = next((n for n, b in enumerate(rows) if b.id == keep), None)
        if target is None:
            target = next((n for n, b in enumerate(rows) if b.id == newest), 0)
        if rows:
            self.batch_view.selectRow(target)
        self._batch_selected()

    def selected_batch(self) -> Batch | None:
        index = self.batch_view.currentIndex()
        return self.batch_model.data(index, RowRole) if index.isValid() else None

    def _batch_selected(self) -> None:
        b = self.selected_batch()
        self.undo_refusal = None
        if b is None:
            self.reject_model.clear()
            self.reject_title.setText("No imports yet." if not self.batch_model.rowCount() else "")
            self._update_buttons()
            return
        self._gen += 1
        gen = self._gen
        self._update_buttons()
        self.ctx.read(undo.can_undo, b.id).then(lambda answer, g=gen: self._show_can_undo(g, *answer),
                                                lambda e: show_error(self, e, "Undo an import"))
        self.reject_title.setText(f"Loading the rejected rows of import {b.id}…")
        self.ctx.read(imports.rejected_rows, b.id).then(lambda rows, g=gen, bb=b: self._show_rejects(g, bb, rows),
                                                        lambda e: show_error(self, e, "Rejected rows"))
        self.ctx.read(imports.person_changes_of, b.id).then(lambda rows, g=gen: self._show_changes(g, rows),
                                                            lambda e: show_error(self, e, "Changes"))

    def _show_changes(self, gen: int, rows: list[NameChange]) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self.changes = rows
        names = sum(1 for r in rows if r.kind == "name_changed")
        open_ = sum(1 for r in rows if r.resolved_at is None)
        self.changes_label.setText(
            "" if not rows else f"This import changed {names:,} name(s) and {len(rows) - names:,} date(s) of birth "
            f"of known persons; {open_:,} not yet put back or resolved.")
        self._update_buttons()

    def _show_rejects(self, gen: int, b: Batch, rows: list[KeptReject]) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self.reject_model.set_rows(rows)
        if not rows:
            self.reject_title.setText(f"Import {b.id} ({b.file_name}) rejected no rows.")
        else:
            waiting = sum(1 for r in rows if not r.reviewed)
            self.reject_title.setText(f"<b>Import {b.id}</b> ({b.file_name}): {len(rows):,} rejected row(s), "
                                      f"{waiting:,} awaiting review. Line numbers are the file's physical lines (the "
                                      f"header is line 1).")
        self._update_buttons()

    def _show_can_undo(self, gen: int, allowed: bool, why: str) -> None:
        if gen != self._gen or self.window_.locked:
            return
        self.undo_refusal = "" if allowed else why
        self._update_buttons()

    def _update_buttons(self) -> None:
        rows = self.reject_model.rows()
        self.save_button.setEnabled(bool(rows))
        self.reviewed_button.setEnabled(any(not r.reviewed for r in rows))
        self.put_back_button.setEnabled(any(c.resolved_at is None for c in self.changes))
        read_only = self.ctx.store.read_only
        self.undo_button.setEnabled(self.undo_refusal == "" and not read_only)
        self.undo_button.setToolTip(
            "The store is open read-only" if read_only and self.undo_refusal == "" else
            self.undo_refusal or UNDO_TIP)

    # ------------------------------------------------------------ actions
    def save_rejects(self, *_args, path: str | None = None) -> None:
        b = self.selected_batch()
        if b is not None:
            save_batch_rejects(self, self.ctx, b.id, b.file_name, path, lambda n, p: self.window_.statusBar(
            ).showMessage(f"Saved {n:,} rejected row(s) to {p}", 8000))

    def mark_reviewed(self) -> None:
        b = self.selected_batch()
        if b is None:
            return
        self.ctx.read(imports.mark_reviewed, b.id).then(
            lambda n: self.ctx.notify("imports"), lambda e: show_error(self, e, "Mark reviewed"))

    def put_back(self) -> None:
        b = self.selected_batch()
        waiting = [c for c in self.changes if c.resolved_at is None]
        if b is None or not waiting:
            return
        if not dialogs.confirm(self, "Put back changes",
                               f"Write back the {len(waiting):,} name(s) and date(s) of birth of known persons as "
                               f"they were before import {b.id}?", yes="Put back"):
            return
        self.ctx.read(imports.put_back_batch, b.id, reason=f"put back the changes of import {b.id}").then(
            lambda n: (self.ctx.notify("imports", "persons", "data_quality"),
                       self.window_.statusBar().showMessage(f"Put back {n:,} change(s)", 8000)),
            lambda e: show_error(self, e, "Put back changes"))

    def undo_import(self) -> None:
        """Show what undoing the selected import would do, ask why, then undo it (off the GUI thread)."""
        b = self.selected_batch()
        if b is None or self.ctx.store.read_only:
            return
        self.ctx.read(undo.undo_plan, b.id).then(lambda plan, bb=b: self._confirm_undo(bb, plan),
                                                 lambda e: show_error(self, e, "Undo an import"))

    def _confirm_undo(self, b: Batch, plan: UndoPlan) -> None:
        if self.window_.locked:
            return
        if not plan.allowed:
            self.undo_refusal = plan.reason
            self._update_buttons()
            show_error(self, UserError(plan.reason), "Undo an import")
            return

        def refused(values) -> None:   # checked before the dialog closes: a refusal keeps the text, and no backup
            self._undo_reasons[b.id] = values["reason"]
            self.ctx.background.call(undo.check_undo, b.id, values["reason"])

        counts = "\n".join(f"• {line}" for line in plan.lines())
        answer = dialogs.ask(self, "Undo an import", [
            Field("reason", "&Why", "long", required=True, default=self._undo_reasons.get(b.id, ""),
                  placeholder="e.g. the extract was from the wrong period"),
        ], intro=f"Undo import {b.id} ({b.file_name})?\n\n{counts}\n\nThe store is backed up first; the undo and "
                 "its reason go in the audit log, and the import stays in the list, marked undone.",
            ok="Undo import", check=refused)
        if answer is None:
            return
        self._undo_reasons[b.id] = answer["reason"]
        self.undo_button.setEnabled(False)
        self.window_.statusBar().showMessage(f"Undoing import {b.id} (backing the store up first)…")

        def done(result: UndoPlan) -> None:
            self._undo_reasons.pop(b.id, None)
            self.window_.statusBar().showMessage(f"Undid import {result.batch_id} ({result.file_name}); the store "
                                                 f"was backed up first to {result.backup}", 10000)

        def failed(e: BaseException) -> None:
            self.window_.statusBar().clearMessage()
            show_error(self, e, "Undo an import")
            self._batch_selected()

        self.ctx.change(undo.undo_import, b.id, answer["reason"], kinds=UNDO_KINDS, what="Undo an import",
                        parent=self, done=done, failed=failed)

    def clear(self) -> None:
        self._gen += 1
        self.changes = []
        self.undo_refusal = None
        self.changes_label.setText("")
        self.batch_model.clear()
        self.reject_model.clear()
        self.reject_title.setText("")
        self._update_buttons()

    def save_state(self) -> None:
        save_header(self.batch_view)
        save_header(self.reject_view)

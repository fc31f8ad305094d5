"""The Data protection page: the audit log, backups, the passphrase, retention review and erasure.

Everything ``matac-desk audit``, ``backup``, ``backups``, ``restore``,
``check``, ``passphrase``, ``retention`` and ``erase`` do, in four tabs, over
the same services:

- **Audit log**: the store-wide log, newest first, a page at a time as the
  table is scrolled (:func:`matac_desk.storage.audit.entries_page`), each
  entry in words (*What happened*, :func:`matac_desk.services.auditwords.describe`);
  its event code and raw detail are in the tooltip and in the *Event* and
  *Detail* columns, hidden until the header's menu shows them. Filtered by
  action (``disclosure.*``), by person (the id is turned into its
  pseudonym, as ``audit --person`` does) and by day. Reading the log is not
  audited, as in the CLI: it holds pseudonyms, never ids or names. *Verify
  chain* (:func:`~matac_desk.storage.anchors.verify_log`: the chain, its
  append-only triggers, every anchor kept outside the store, and an anchor
  typed off a printed cover) answers in words; *Export
  CSV* (:func:`~matac_desk.storage.audit.export_csv`) is a disclosure, recorded with
  its recipient and reason.
- **Backups**: the store's backups, newest first; *Back up now*; *Restore*,
  which locks the window, closes the store, restores
  (:func:`~matac_desk.storage.backups.restore_open_store`: the service refuses while
  any other connection still has the store) and asks for the passphrase on
  the lock screen to open the restored store; *Check store*, which after a
  failure names the latest sound backup, passing over newer copies of a
  damaged store (:func:`~matac_desk.storage.backups.restore_advice`).
- **Passphrase**: the current one, the new one twice (the strength rule of
  a new store); the store and every backup are re-keyed while a progress
  dialog holds the window, on the store's own connection (the background
  connection is closed first and opens again with the new passphrase).
- **Retention review**: who is due on a day
  (:func:`~matac_desk.storage.retention.due_for_review`, itself an audited
  consultation, so it runs when asked), why, open the person, and *Erase*
  with a reason, after a confirmation that counts what goes
  (:func:`~matac_desk.storage.retention.erasure_preview`) and a review of every
  mention of the person in other records' free text
  (:func:`~matac_desk.storage.retention.find_mentions`: replace each with
  "[erased]", or keep it with a reason).

On a store opened read-only (another copy has it) the changing actions are
off, with a note; looking, verifying, checking and exporting still work.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..services import auditwords
from ..storage import anchors, audit, backups, retention
from ..storage.backups import BackupInfo
from ..domain import Cancelled, UserError
from ..storage.store import check_new_passphrase
from . import dialogs
from .context import CHANGED_ALL, show_error
from .dialogs import Field
from .models import Column, RowsModel
from .tasks import wait_for
from .widgets import (accent_label, attach_model, button, heading, save_header, say, selected_row, stretch_column,
                      table_view, text_label)
from .window import Page

__all__ = ["ProtectionPage", "AuditModel", "AUDIT_COLUMNS", "BACKUP_COLUMNS", "RETENTION_COLUMNS", "ERASE_KINDS",
           "MentionReview"]

# What an erasure touches: every page that shows a person reloads.
ERASE_KINDS = ("persons", "imports", "data_quality", "meetings", "cohort", "actions", "links", "scores", "audit")
_TOOLTIP_MAX = 2000
_READ_ONLY_NOTE = ("Read-only: another copy of MATAC Desk has this store open for changes. Backing up, restoring, "
                   "changing the passphrase and erasing are turned off; looking, verifying, checking and exporting "
                   "still work.")


def _short_id(value: str | None) -> str:
    return value if not value or len(value) <= 14 else value[:12] + "…"


def _raw(e: dict) -> str | None:
    """The entry as the log holds it: its event code and detail (for the data protection officer)."""
    detail = (e["detail"] or "")[:_TOOLTIP_MAX]
    return f"Event: {e['action']}" + (f"\nDetail: {detail}" if detail else "")


AUDIT_COLUMNS = [
    Column("#", lambda e: e["id"], numeric=True),
    Column("When (UTC)", lambda e: e["at"][:19].replace("T", " ")),
    Column("Who", lambda e: e["actor"]),
    Column("What happened", auditwords.describe, tooltip=_raw),
    Column("About", lambda e: " ".join(p for p in (e["entity"], _short_id(e["entity_id"])) if p),
           tooltip=lambda e: " ".join(p for p in (e["entity"], e["entity_id"]) if p) or None),
    Column("Reason", lambda e: e["reason"]),
    Column("Recipient", lambda e: e["recipient"]),
    # the log as written, shown from the header's menu
    Column("Event", lambda e: e["action"], hidden=True),
    Column("Detail", lambda e: audit.short_detail(e["detail"], 80),
           tooltip=lambda e: (e["detail"] or "")[:_TOOLTIP_MAX] or None, hidden=True),
]

BACKUP_COLUMNS = [
    Column("Taken", lambda b: b.taken_at.strftime("%Y-%m-%d %H:%M:%S")),
    Column("Kind", lambda b: b.label),
    Column("Size", lambda b: f"{b.size / 2**20:,.1f} MiB", numeric=True, sort=lambda b: b.size),
    Column("File", lambda b: b.path.name),
]


_ROLE_WORDS = {"perpetrator": "perpetrator in incidents", "victim": "victim in incidents",
               "linked": "intelligence links", "referred": "referrals", "cohort": "cohort events",
               "actions": "actions", "disclosure": "disclosures", "none": "no dated record"}

RETENTION_COLUMNS = [
    Column("Person", lambda r: r["person_id"]),
    Column("Review due", lambda r: r["review_date"]),
    Column("Latest record", lambda r: r["latest_record"]),
    Column("Records held", lambda r: ", ".join(_ROLE_WORDS.get(k, k) for k in r["roles"].split(",")),
           tooltip=lambda r: "The kinds of dated record held about the person (the latest of them sets the review)"),
    Column("Cohort", lambda r: r["cohort"]),
    Column("Why", lambda r: r["why"]),
]


class AuditModel(RowsModel):
    """Audit entries, newest first, fetched a page at a time: ``moreWanted`` asks the page for the next one.

    The order is the log's (by entry number, newest first); the table does
    not sort.
    """

    ID, WHEN, WHO, WHAT, ABOUT, REASON, RECIPIENT, ACTION, DETAIL = range(9)
    moreWanted = Signal()

    def __init__(self, parent=None):
        super().__init__(AUDIT_COLUMNS, parent=parent)
        self.more = False
        self._asked = False

    def set_rows(self, rows, *, more: bool = False) -> None:
        self.more, self._asked = more, False
        super().set_rows(rows)

    def append_rows(self, rows: list[dict], *, more: bool) -> None:
        self.more, self._asked = more, False
        if rows:
            n = len(self._rows)
            self.beginInsertRows(QModelIndex(), n, n + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def last_id(self) -> int | None:
        return self._rows[-1]["id"] if self._rows else None

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self.more and not self._asked

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._asked = True
            self.moreWanted.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The log's own order only."""


def _date_edit(accessible: str, day: _dt.date) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate(day.year, day.month, day.day))
    edit.setAccessibleName(accessible)
    edit.lineEdit().setAccessibleName(accessible)
    return edit


def _password(accessible: str) -> QLineEdit:
    edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
    edit.setAccessibleName(accessible)
    return edit


def _progress_bar(accessible: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setAccessibleName(accessible)
    bar.setMaximumWidth(520)
    bar.hide()
    return bar


class _Section(QWidget):
    """One tab: the page's context and window, a message line, and failures told in it."""

    def __init__(self, page: "ProtectionPage"):
        super().__init__()
        self.page = page
        self.ctx = page.ctx
        self.gen = 0
        self.busy = False

    @property
    def read_only(self) -> bool:
        return self.ctx.store.read_only

    def live(self, gen: int) -> bool:
        """A result still wanted: not superseded, not arriving after the window locked."""
        return gen == self.gen and not self.page.window_.locked

    @staticmethod
    def add_buttons(lay: QVBoxLayout, buttons, what: str) -> tuple[QProgressBar, QLabel]:
        """A row of buttons, then a progress bar and a message line under them."""
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        progress = _progress_bar(f"{what} progress")
        message = text_label(f"{what} message")
        lay.addWidget(progress)
        lay.addWidget(message)
        return progress, message

    def failed(self, label: QLabel, what: str, after: Callable[[], None] | None = None):
        """A task's failure handler: a UserError in ``label``; anything else by its type only."""
        def handle(e: BaseException) -> None:
            self.busy = False
            if after is not None:
                after()
            if isinstance(e, Cancelled):
                say(label, "Cancelled: nothing was changed.")
            elif isinstance(e, UserError):
                say(label, str(e), "error")
            else:
                say(label, "")
                show_error(self, e, what)
        return handle

    def run_with_progress(self, fn: Callable[..., Any], bar: QProgressBar, label: QLabel, what: str,
                          done: Callable[[Any], None]) -> None:
        """``fn(store, progress=, cancelled=)`` on the background connection, with a progress bar."""
        bg = self.ctx.background
        self.busy = True
        self.page.enable()
        bar.setRange(0, 0)
        bar.show()
        say(label, f"{what}…")

        def progressed(n: int, total: int, message: str) -> None:
            if total:
                bar.setRange(0, total)
                bar.setValue(n)
            if message and message != what:
                say(label, f"{what}: {message}")

        def finish() -> None:
            bar.hide()
            self.page.enable()

        def ok(result: Any) -> None:
            self.busy = False
            finish()
            done(result)

        self.ctx.run(lambda progress, cancelled: bg.call(fn, progress=progress, cancelled=cancelled)).then(
            ok, self.failed(label, what, finish), progressed)


# ---------------------------------------------------------------- audit log

class _AuditSection(_Section):
    page_size = 200

    def __init__(self, page: "ProtectionPage"):
        super().__init__(page)
        self._filters: dict[str, Any] = {}
        self._count = 0
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        label = QLabel("&Action:")
        bar.addWidget(label)
        self.action = QComboBox()
        self.action.setEditable(True)
        self.action.setAccessibleName("Action filter")
        self.action.lineEdit().setAccessibleName("Action filter")
        self.action.lineEdit().setPlaceholderText("any, or disclosure.*")
        self.action.setMinimumContentsLength(16)
        self.action.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.action.addItem("")
        self.action.activated.connect(lambda _i: self.reload())
        self.action.lineEdit().returnPressed.connect(self.reload)
        label.setBuddy(self.action)
        bar.addWidget(self.action)
        label = QLabel("&Person:")
        bar.addWidget(label)
        self.person = QLineEdit()
        self.person.setAccessibleName("Person id filter")
        self.person.setPlaceholderText("person id (found by its pseudonym)")
        self.person.setClearButtonEnabled(True)
        self.person.returnPressed.connect(self.reload)
        label.setBuddy(self.person)
        bar.addWidget(self.person, 1)
        self.dated = QCheckBox("&Between")
        self.dated.setAccessibleName("Filter by date")
        self.dated.toggled.connect(self._dates_toggled)
        bar.addWidget(self.dated)
        today = self.ctx.today()
        self.since = _date_edit("From date", today - _dt.timedelta(days=30))
        self.until = _date_edit("To date", today)
        for edit in (self.since, self.until):
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.reload())
        bar.addWidget(self.since)
        bar.addWidget(QLabel("and"))
        bar.addWidget(self.until)
        self.show_button = button("&Show", self.reload, tip="Show the entries these filters match")
        bar.addWidget(self.show_button)
        lay.addLayout(bar)

        row = QHBoxLayout()
        self.summary = text_label("Audit log summary")
        row.addWidget(self.summary, 1)
        self.anchor = QLineEdit()
        self.anchor.setAccessibleName("Anchor from a printed cover")
        self.anchor.setPlaceholderText("anchor off a cover: 1204:3fa9c2e1")
        self.anchor.setToolTip("Optional: the audit head printed on a pack or profile cover ('Audit head 1,204 · "
                               "3fa9c2e1'); Verify then checks the log still holds it")
        self.anchor.setClearButtonEnabled(True)
        self.anchor.returnPressed.connect(self.verify)
        row.addWidget(self.anchor)
        self.verify_button = button("&Verify chain", self.verify,
                                    tip="Walk the hash chain, check the append-only triggers and every anchor kept "
                                        "outside the store: name every entry changed, removed, cut off or added")
        self.export_button = button("E&xport CSV…", self.export,
                                    tip="Save the entries shown as CSV (recorded as a disclosure)")
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.model = AuditModel(self)
        self.model.moreWanted.connect(self.fetch_more)
        self.view = table_view("protection_audit_log", "Audit log")
        attach_model(self.view, self.model)
        stretch_column(self.view, AuditModel.WHAT)
        lay.addWidget(self.view, 1)
        self.verdict = text_label("Audit chain verdict")
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.verdict)
        self.message = text_label("Audit log message")
        lay.addWidget(self.message)

    def _dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.reload()

    def filters(self) -> dict[str, Any]:
        f: dict[str, Any] = {"person_id": self.person.text().strip() or None,
                             "action": self.action.currentText().strip() or None}
        if self.dated.isChecked():
            f["since"] = self.since.date().toPython()
            f["until"] = self.until.date().toPython()
        return f

    def reload(self) -> None:
        self.gen += 1
        gen, f, size = self.gen, self.filters(), self.page_size
        want_names = self.action.count() <= 1

        def load(store):
            names = audit.action_names(store.conn) if want_names else None
            return (audit.count_entries(store.conn, **f), audit.entries_page(store.conn, limit=size, **f), names)

        self.ctx.read(load).then(lambda r, g=gen, ff=f: self._shown(g, ff, *r),
                                 self.failed(self.message, "Audit log"))

    def _shown(self, gen: int, f: dict, count: int, rows: list[dict], names: list[str] | None) -> None:
        if not self.live(gen):
            return
        self._filters, self._count = f, count
        if names is not None:
            self._fill_actions(names)
        self.model.set_rows(rows, more=len(rows) < count)
        self._summarise()

    def _fill_actions(self, names: list[str]) -> None:
        families = sorted({n.split(".")[0] + ".*" for n in names if "." in n})
        text = self.action.currentText()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItems([""] + families + names)
        # each code says in its tooltip what it records, as the table's "What happened" says it
        for i in range(1, self.action.count()):
            code = self.action.itemText(i)
            tip = (f"Every {code[:-2]} event" if code.endswith(".*")
                   else auditwords.describe({"action": code, "detail": {}}))
            self.action.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.action.setCurrentText(text)
        self.action.blockSignals(False)

    def _summarise(self) -> None:
        shown, count = self.model.rowCount(), self._count
        about = " about this person" if self._filters.get("person_id") else ""
        if not count:
            self.summary.setText(f"No audit entries{about} match.")
        elif shown < count:
            self.summary.setText(f"{count:,} entries{about} match; the newest {shown:,} are shown "
                                 "(scroll down for more).")
        else:
            self.summary.setText(f"{count:,} entr{'y' if count == 1 else 'ies'}{about} match, newest first.")

    def fetch_more(self) -> None:
        gen, f, before = self.gen, dict(self._filters), self.model.last_id()
        self.ctx.read(lambda store: audit.entries_page(store.conn, before_id=before, limit=self.page_size, **f)).then(
            lambda rows, g=gen: self._more(g, rows), self.failed(self.message, "Audit log"))

    def _more(self, gen: int, rows: list[dict]) -> None:
        if not self.live(gen):
            return
        self.model.append_rows(rows, more=len(rows) == self.page_size)
        self._count = max(self._count, self.model.rowCount())
        self._summarise()

    def verify(self) -> None:
        paper = []
        if self.anchor.text().strip():
            try:
                paper = [anchors.parse_anchor(self.anchor.text())]
            except ValueError as e:
                say(self.verdict, str(e), "error")
                return
        self.verify_button.setEnabled(False)
        say(self.verdict, "Verifying the chain…")

        def done(report: anchors.LogReport) -> None:
            self.verify_button.setEnabled(True)
            if self.page.window_.locked:
                return
            ok = report.ok and report.pages_ok
            say(self.verdict, "\n".join(line.strip() for line in report.lines()), "ok" if ok else "error")

        def work(store) -> anchors.LogReport:
            report = anchors.verify_log(store, paper=paper)
            report.page_check = store.page_check()
            return report

        self.ctx.read(work).then(
            done, self.failed(self.verdict, "Verify the audit log", lambda: self.verify_button.setEnabled(True)))

    def export(self, *, path: str | None = None) -> None:
        """Ask who receives it and why, then where; write the entries the filters match, oldest first."""
        f = self.filters()
        got = dialogs.ask(self, "Export the audit log", [
            Field("recipient", "&Recipient", required=True, placeholder="who receives it: a role or an agency"),
            Field("reason", "R&eason", "long", required=True, placeholder="why it is disclosed"),
        ], intro="Writing the audit log out is a disclosure: it is recorded in the log with its recipient and "
                 "reason. The file holds the entries the filters match, oldest first.", ok="Export")
        if not got:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the audit log", "audit-log.csv", "CSV files (*.csv)")
            if not path:
                return
        target = Path(path)

        def done(n: int) -> None:
            say(self.message, f"Saved {n:,} entr{'y' if n == 1 else 'ies'} to {target.name}. The disclosure is "
                               "recorded in the audit log.", "ok")
            self.ctx.notify("audit")

        self.ctx.read(audit.export_csv, target, recipient=got["recipient"], reason=got["reason"], **f).then(
            done, self.failed(self.message, "Export the audit log"))

    def clear(self) -> None:
        self.gen += 1
        self.model.clear()
        self._filters, self._count = {}, 0
        self.person.clear()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem("")
        self.action.blockSignals(False)
        for label in (self.summary, self.verdict, self.message):
            say(label, "")


# ---------------------------------------------------------------- backups

class _BackupsSection(_Section):
    def __init__(self, page: "ProtectionPage"):
        super().__init__(page)
        lay = QVBoxLayout(self)
        self.where = text_label("About backups")
        lay.addWidget(self.where)
        self.model = RowsModel(BACKUP_COLUMNS)
        self.view = table_view("protection_backups", "Backups")
        attach_model(self.view, self.model)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.page.enable())
        lay.addWidget(self.view, 1)
        self.backup_button = button("Back &up now", self.back_up, tip="Make an encrypted backup of the store now")
        self.restore_button = button("&Restore…", self.restore_selected,
                                     tip="Put the selected backup in the store's place (asks first)")
        self.check_button = button("&Check store", self.check,
                                   tip="Integrity, encryption, foreign keys and the audit chain")
        self.progress, self.message = self.add_buttons(lay, (self.backup_button, self.restore_button,
                                                             self.check_button), "Backup")
        self.verdict = text_label("Store check verdict")
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.verdict)

    def reload(self) -> None:
        self.gen += 1
        gen, path = self.gen, self.ctx.store.path
        self.where.setText(f"Backups are encrypted with the store's passphrase and kept in "
                           f"{backups.backups_folder(path)}. One is made before every import, migration and merge, "
                           "and daily while MATAC Desk is in use; rotation keeps the latest few, then one a day, "
                           "a week and a month.")

        def listed(rows: list[BackupInfo], g=gen) -> None:
            if self.live(g):
                self.model.set_rows(rows)
                self.page.enable()

        self.ctx.run(lambda _p, _c: backups.list_backups(path)).then(listed, self.failed(self.message, "Backups"))

    def selected(self) -> BackupInfo | None:
        return selected_row(self.view)

    def back_up(self) -> None:
        def done(path: Path) -> None:
            say(self.message, f"Backed up to {path.name} ({path.stat().st_size / 2**20:.1f} MiB, encrypted with "
                               "the store's passphrase).", "ok")
            self.ctx.notify("audit")

        self.run_with_progress(lambda store, progress, cancelled: backups.backup(store, "manual", progress=progress),
                               self.progress, self.message, "Backing up", done)

    def check(self) -> None:
        def work(store, progress, cancelled) -> tuple[backups.CheckReport, str]:
            report = backups.check(store, progress=progress)
            return report, "" if report.ok else backups.restore_advice(store)   # not merely the newest backup

        def done(result: tuple[backups.CheckReport, str]) -> None:
            report, advice = result
            lines = [line.strip() for line in report.lines()] + ([advice] if advice else [])
            say(self.verdict, "\n".join(lines), "ok" if report.ok else "error")
            say(self.message, "")

        self.run_with_progress(work, self.progress, self.message, "Checking the store", done)

    def restore_selected(self) -> None:
        """Ask; lock the window; close the store, restore, reopen; the passphrase on the lock screen opens it."""
        b = self.selected()
        if b is None or self.read_only or self.busy:
            return
        if not self.page.confirm(
                "Restore a backup",
                f"Put the backup {b.path.name} (taken {b.taken_at:%Y-%m-%d %H:%M}) in the store's place?\n\n"
                "MATAC Desk locks the window and closes the store, restores the backup, then asks for the passphrase "
                "to open the restored store. Anything changed since the backup was taken is not in it; the current "
                "file is kept in the backups folder as a 'replaced' copy, which can be restored in turn.",
                "Restore"):
            return
        window, ctx, store = self.page.window_, self.ctx, self.ctx.store
        window.lock()                 # every page drops its data; the background connection closes
        ctx.runner.wait_idle(15000)   # tasks still using the store finish first
        screen = window.lock_screen
        screen.setEnabled(False)      # no unlocking while the file is being swapped
        note = accent_label("Restoring the backup…", "info")
        note.setObjectName("restoreNote")
        note.setAccessibleName("Restore message")
        note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(note, 3)
        row.addStretch(1)
        screen.layout().insertLayout(1, row)

        def done(replaced: Path | None) -> None:
            kept = f" What it replaced is kept as {replaced.name}." if replaced else ""
            say(note, f"Restored from {b.path.name}.{kept} Enter the passphrase to open the restored store.", "ok")
            say(self.message, f"Restored from {b.path.name}.{kept}", "ok")
            screen.setEnabled(True)
            screen.passphrase.setFocus()

        def failed(e: BaseException) -> None:
            why = str(e) if isinstance(e, UserError) else f"the restore failed ({type(e).__name__})"
            say(note, f"Nothing was restored: {why}. Enter the passphrase to carry on.", "error")
            screen.setEnabled(True)
            screen.passphrase.setFocus()

        ctx.run(lambda _p, _c: backups.restore_open_store(store, b.path)).then(done, failed)

    def clear(self) -> None:
        self.gen += 1
        self.model.clear()
        for label in (self.where, self.message, self.verdict):
            say(label, "")
        self.progress.hide()


# ---------------------------------------------------------------- passphrase

class _PassphraseSection(_Section):
    def __init__(self, page: "ProtectionPage"):
        super().__init__(page)
        lay = QVBoxLayout(self)
        box = QGroupBox("Change the passphrase")
        box.setMaximumWidth(620)
        form = QFormLayout(box)
        hint = text_label("Passphrase rule")
        hint.setText("At least 10 characters and hard to guess (zxcvbn strength 3 of 4 or more: no common "
                     "passwords, keyboard walks, years, or the force's own names): three or more random words make a "
                     "good one. The store and every backup are re-keyed; the old "
                     "passphrase opens none of them afterwards, and there is no recovery without the new one.")
        form.addRow(hint)
        self.current = _password("Current passphrase")
        self.new = _password("New passphrase")
        self.repeat = _password("Repeat the new passphrase")
        form.addRow("C&urrent passphrase:", self.current)
        form.addRow("&New passphrase:", self.new)
        form.addRow("R&epeat the new one:", self.repeat)
        self.repeat.returnPressed.connect(self.change)
        self.change_button = button("C&hange passphrase", self.change,
                                    tip="Re-key the store and every backup to the new passphrase")
        form.addRow("", self.change_button)
        self.message = text_label("Passphrase message")
        form.addRow(self.message)
        lay.addWidget(box)
        lay.addStretch(1)

    def change(self) -> None:
        current, new, repeat = self.current.text(), self.new.text(), self.repeat.text()
        for edit in (self.current, self.new, self.repeat):
            edit.clear()  # not kept in the widgets while the work runs
        try:
            if not current:
                raise UserError("enter the current passphrase")
            if new != repeat:
                raise UserError("the two new passphrases differ; nothing was changed")
            check_new_passphrase(new)
        except UserError as e:
            say(self.message, str(e), "error")
            return
        if self.read_only or self.busy:
            return
        window, ctx, store = self.page.window_, self.ctx, self.ctx.store
        say(self.message, "Re-keying the store and its backups…")
        window.idle.stop()            # no idle lock (a passphrase check) half-way through
        ctx.close()                   # the background connection holds the old key
        ctx.runner.wait_idle(15000)
        self.busy = True
        self.page.enable()
        task = ctx.run(lambda progress, _c: backups.change_passphrase(store, new, current=current, progress=progress))
        wait_for(task, self, "Changing the passphrase: re-keying the store and its backups…", show_after_ms=0)
        ctx.close()                   # opened again, with the new passphrase, on the next read
        window.idle.restart()
        self.busy = False
        self.page.enable()
        if task.error is not None:
            self.failed(self.message, "Change the passphrase")(task.error)
            return
        rekeyed, failed = task.result
        text = (f"Changed the passphrase of the store and of {len(rekeyed)} backup(s). Use the new passphrase from "
                "now on, on the lock screen too.")
        if failed:
            text += (f" {len(failed)} backup(s) opened with neither passphrase and were left as they were: "
                     + ", ".join(p.name for p in failed))
        say(self.message, text, "warning" if failed else "ok")
        ctx.notify("audit")

    def reload(self) -> None:
        """Nothing to load."""

    def clear(self) -> None:
        for edit in (self.current, self.new, self.repeat):
            edit.clear()
        say(self.message, "")


# ---------------------------------------------------------------- retention

class _RetentionSection(_Section):
    def __init__(self, page: "ProtectionPage"):
        super().__init__(page)
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        label = QLabel("Due for review &on:")
        bar.addWidget(label)
        self.as_of = _date_edit("Review date", self.ctx.today())
        label.setBuddy(self.as_of)
        bar.addWidget(self.as_of)
        self.list_button = button("&List persons due", self.list_due,
                                  tip="Persons whose review date has come (the listing is recorded in the audit log)")
        bar.addWidget(self.list_button)
        self.policy = text_label("Retention policy")
        bar.addWidget(self.policy, 1)
        lay.addLayout(bar)
        self.model = RowsModel(RETENTION_COLUMNS, person_id=lambda r: r["person_id"])
        self.view = table_view("protection_retention", "Persons due for review")
        attach_model(self.view, self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(False)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.page.enable())
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        lay.addWidget(self.view, 1)
        self.open_button = button("&Open person", self.open_selected, tip="Open the person's record (audited)")
        self.erase_button = button("&Erase…", self.erase_selected,
                                   tip="Remove the person's personal data from the store (asks first; cannot be "
                                       "undone)")
        self.progress, self.message = self.add_buttons(lay, (self.open_button, self.erase_button), "Retention")

    def list_due(self) -> None:
        self.gen += 1
        gen, as_of = self.gen, self.as_of.date().toPython()

        def load(store):
            policy = retention.get_policy(store)
            return policy, retention.due_for_review(store, as_of, policy=policy)

        self.ctx.read(load).then(lambda r, g=gen, d=as_of: self._listed(g, d, *r),
                                 self.failed(self.message, "Retention review"))

    def _listed(self, gen: int, as_of: _dt.date, policy: retention.RetentionPolicy, rows: list[dict]) -> None:
        if not self.live(gen):
            return
        for r in rows:
            years = policy.cohort_review_years if r["cohort"] else policy.review_years
            r["why"] = (f"MATAC cohort subject: {years} years after the latest record" if r["cohort"]
                        else f"{years} years after the latest record")
        self.policy.setText(f"Policy: review {policy.review_years} years after a person's latest record "
                            f"({policy.cohort_review_years} for MATAC cohort subjects).")
        self.model.set_rows(rows)
        n = len(rows)
        say(self.message, f"{n:,} person(s) due for review on {as_of}. Open one to decide; erase one whose record "
                           "no longer has a policing purpose." if n else f"Nobody is due for review on {as_of}.")
        self.page.enable()

    def selected(self) -> dict | None:
        return selected_row(self.view)

    def open_selected(self) -> None:
        r = self.selected()
        if r is not None:
            self.page.window_.open_person(r["person_id"])

    def erase_selected(self) -> None:
        r = self.selected()
        if r is None or self.read_only or self.busy:
            return
        pid = r["person_id"]

        def gather(store, person_id):
            found = retention.find_mentions(store, person_id)
            if found:  # shown for review: a consultation of the person's data, recorded first
                audit.audit_view(store, person_id, "erasure review", what="erasure mentions")
            return retention.erasure_preview(store, person_id), found

        self.ctx.read(gather, pid).then(lambda got: self._ask_erase(pid, *got), self.failed(self.message, "Erase"))

    def review_mentions(self, mentions: list[retention.Mention]) -> dict | None:
        """The review of the mentions left in free text: decisions by key (None: replace; text: kept, why), or None
        when cancelled (a method, so tests can answer)."""
        dlg = MentionReview(mentions, self)
        try:
            return dlg.decisions() if dlg.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dlg.deleteLater()

    def _ask_erase(self, pid: str, preview: retention.ErasurePreview,
                   mentions: list[retention.Mention] | None = None) -> None:
        decisions: dict = {}
        if mentions:
            got_decisions = self.review_mentions(mentions)
            if got_decisions is None:
                return
            decisions = got_decisions
        kept = sum(1 for v in decisions.values() if v is not None)
        items = "".join(f"<li>{escape(line)}</li>" for line in
                        [f"{preview.records} person record(s) (the person and any merged into them)",
                         *preview.lines(), "every mention of their id or full name in any text",
                         *([f"{len(mentions) - kept} mention(s) in other records' free text, replaced with [erased]"
                            + (f" ({kept} kept, with your reasons)" if kept else "")] if mentions else [])])
        later = (f"<p>{preview.older_backups} backup(s) taken before now still hold the person until rotation "
                 "removes them.</p>" if preview.older_backups else "")
        got = dialogs.ask(self, "Erase a person", [
            Field("reason", "&Reason", "long", required=True,
                  placeholder="why the record no longer has a policing purpose (no names, dates of birth or ids)"),
        ], intro=f"<p>Erase person <b>{escape(pid)}</b> from the store? This removes:</p><ul>{items}</ul>"
                 f"<p>It cannot be undone. The audit log keeps one entry with a pseudonym, the counts and the "
                 f"reason.</p>{later}", ok="Erase permanently")
        if not got:
            return

        def done(summary: retention.ErasureSummary) -> None:
            text = summary.describe()
            if summary.older_backups:
                text += (f" {summary.older_backups} backup(s) taken before now still hold this person until rotation "
                         "removes them.")
            say(self.message, text, "warning" if summary.older_backups else "ok")
            self.model.set_rows([row for row in self.model.rows() if row["person_id"] != pid])
            self.page.forget_person(pid)
            self.ctx.notify(*ERASE_KINDS)

        self.run_with_progress(lambda store, progress, cancelled: retention.erase_person(
            store, pid, got["reason"], decisions=decisions, progress=progress, cancelled=cancelled),
            self.progress, self.message, "Erasing", done)

    def reload(self) -> None:
        """Listing is an audited consultation: it runs when asked (List persons due), not on every change."""

    def clear(self) -> None:
        self.gen += 1
        self.model.clear()
        self.policy.setText("")
        say(self.message, "")
        self.progress.hide()


class MentionReview(QDialog):
    """Each mention an erasure would leave in other records' free text: where, what, the words around it; each
    replaced with [erased] unless *Keep* is ticked, and a kept one needs a reason (no names)."""

    COLUMNS = ("Where", "What", "Text", "Keep", "Reason for keeping")

    def __init__(self, mentions: list[retention.Mention], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Mentions of the person in other records")
        self.mentions = mentions
        lay = QVBoxLayout(self)
        intro = text_label("Mention review intro")
        intro.setText(f"{len(mentions)} mention(s) of the person remain in other records' free text. Each is "
                      "replaced with [erased] when the person is erased, unless you keep it, with a reason (no names, "
                      "dates of birth or ids). The audit entry counts both.")
        lay.addWidget(intro)
        self.table = QTableWidget(len(mentions), len(self.COLUMNS), self)
        self.table.setAccessibleName("Mentions")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        for i, m in enumerate(mentions):
            for j, text in enumerate((m.where, m.kind, m.context)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
            keep = QTableWidgetItem("")
            keep.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            keep.setCheckState(Qt.CheckState.Unchecked)
            self.table.setItem(i, 3, keep)
            self.table.setItem(i, 4, QTableWidgetItem(""))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        self.error = text_label("Mention review message")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Go on to the erasure", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(900, 420)

    def keep(self, row: int, reason: str) -> None:
        """Keep mention ``row`` with ``reason`` (what ticking Keep and typing the reason does)."""
        self.table.item(row, 3).setCheckState(Qt.CheckState.Checked)
        self.table.item(row, 4).setText(reason)

    def decisions(self) -> dict:
        out = {}
        for i, m in enumerate(self.mentions):
            kept = self.table.item(i, 3).checkState() == Qt.CheckState.Checked
            out[m.key] = (self.table.item(i, 4).text().strip() if kept else None)
        return out

    def accept(self) -> None:
        missing = [i + 1 for i, v in enumerate(self.decisions().values()) if v == ""]
        if missing:
            say(self.error, f"Give a reason for each mention kept (row {', '.join(map(str, missing[:5]))}), or "
                            "untick Keep.", "error")
            return
        super().accept()


# ---------------------------------------------------------------- the page

class ProtectionPage(Page):
    key = "protection"
    title = "Data protection"
    listens = CHANGED_ALL          # every change writes an audit entry: the log tab is stale after any of them

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Data protection"))
        self.read_only_note = accent_label(_READ_ONLY_NOTE, "warning")
        self.read_only_note.setAccessibleName("Read-only note")
        lay.addWidget(self.read_only_note)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Data protection sections")
        self.audit = _AuditSection(self)
        self.backups = _BackupsSection(self)
        self.passphrase = _PassphraseSection(self)
        self.retention = _RetentionSection(self)
        self.sections = (self.audit, self.backups, self.passphrase, self.retention)
        for section, label in zip(self.sections, ("&Audit log", "&Backups", "&Passphrase", "&Retention review")):
            self.tabs.addTab(section, label)
        lay.addWidget(self.tabs, 1)
        self.enable()

    def confirm(self, title: str, text: str, ok: str) -> bool:
        """Ask before a step that cannot be taken back (a method, so tests can answer)."""
        return dialogs.confirm(self, title, text, yes=ok)

    def enable(self) -> None:
        """Changing actions need a writable store, a selection where they act on one, and no task running."""
        writable = not self.ctx.store.read_only
        self.read_only_note.setVisible(not writable)
        b, r, p = self.backups, self.retention, self.passphrase
        b.backup_button.setEnabled(writable and not b.busy)
        b.restore_button.setEnabled(writable and not b.busy and b.selected() is not None)
        b.check_button.setEnabled(not b.busy)
        for w in (p.current, p.new, p.repeat, p.change_button):
            w.setEnabled(writable and not p.busy)
        r.erase_button.setEnabled(writable and not r.busy and r.selected() is not None)
        r.open_button.setEnabled(r.selected() is not None)

    def forget_person(self, person_id: str) -> None:
        """An erased person leaves the person page too, if it shows them."""
        people = self.window_.pages.get("people")
        person = getattr(people, "person", None)
        if person is not None and person.profile is not None and person.profile.id == person_id:
            people.show_results()

    def showEvent(self, event) -> None:
        """Read again whenever the page is shown.

        Views of a person are audited without a change kind; and after an
        unlock the window shows the page again a moment later, after the
        change signal that would have reloaded it.
        """
        super().showEvent(event)
        if not self.window_.locked:
            self.refresh()

    def reload(self) -> None:
        for section in self.sections:
            section.reload()
        self.enable()

    def clear(self) -> None:
        for section in self.sections:
            section.clear()
        self.enable()

    def save_state(self) -> None:
        for view in (self.audit.view, self.backups.view, self.retention.view):
            save_header(view)

"""The import wizard: choose a file → map its columns → preview the rejects → import → summary.

Every step that reads the file runs off the GUI thread: reading the
headers (the encoding check reads the whole file), the preview (every row
checked by the importer's own checks, nothing written, and the known
persons the file would change compared on a connection of its own), and
the import itself, on a connection of its own (``store.reopen()``), with
progress and cancel. A cancelled import changes nothing.

The preview speaks the file's own header names. It holds the import back,
until the user ticks the box that says so, when the reject limit would stop
it or when more known persons would change name than the limit allows (the
list is shown, and its showing recorded in the audit log). The mapping's
combo boxes take the mouse wheel only once focused, so scrolling the table
never changes a mapping.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ..services import imports
from ..domain import Cancelled, UserError
from ..intake.importer import CANONICAL_COLUMNS, REQUIRED_COLUMNS, ImportSummary, guess_mapping, import_extract, \
    list_profiles, save_profile, shown
from .context import Context, show_error
from .imports import save_batch_rejects
from .models import Column, RowsModel
from .tasks import Task
from .widgets import accent_label, attach_model, table_view

__all__ = ["ImportWizard"]

NOT_IMPORTED = "(not imported)"

def _good_columns(labels: dict[str, str] | None = None) -> list[Column]:
    """The preview's first rows, under the file's own header names where it has them."""
    name = (labels or {}).get
    return [
        Column(name("incident_date", "Date"), lambda r: r["incident_date"]),
        Column(name("incident_ref", "Incident"), lambda r: r["incident_ref"]),
        Column(name("offence", "Offence"), lambda r: r["offence"]),
        Column(name("perpetrator_id", "Perpetrator"), lambda r: f"{r['perpetrator_id']} "
               f"{r['perpetrator_forename'] or ''} {r['perpetrator_surname'] or ''}".strip()),
        Column(name("victim_id", "Victim"),
               lambda r: f"{r['victim_id']} {r['victim_forename'] or ''} {r['victim_surname'] or ''}".strip()),
        Column(name("relationship", "Relationship"),
               lambda r: f"{r['relationship'] or ''} ({r['relationship_kind']})".strip()),
    ]


_GOOD_COLUMNS = _good_columns()

_CHANGE_COLUMNS = [
    Column("Person", lambda c: c[0]),
    Column("Name held", lambda c: shown(c[1])),
    Column("Name in the file", lambda c: shown(c[2])),
]

_REJECT_COLUMNS = [
    Column("Line", lambda r: r.row_number, numeric=True),
    Column("Column", lambda r: r.column),
    Column("Value", lambda r: r.value),
    Column("Why it would be rejected", lambda r: r.reason),
]


class MappingCombo(QComboBox):
    """A combo box that takes the mouse wheel only when it has the focus: a wheel turned to scroll the mapping
    table passes over it to the table, and never changes a column's mapping."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class FilePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose the extract")
        self.setSubTitle("A CSV file exported from the force's record system: one row per incident, "
                         "perpetrator, victim and offence.")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("Extract file")
        self.path.setPlaceholderText("Path of the CSV file")
        self.path.editingFinished.connect(self._path_entered)
        row.addWidget(self.path, 1)
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Browse for the extract")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        lay.addLayout(row)
        form = QFormLayout()
        self.profile = QComboBox()
        self.profile.setAccessibleName("Import profile")
        self.profile.setToolTip("A saved column mapping for this force's exports")
        form.addRow("Column &mapping:", self.profile)
        lay.addLayout(form)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setAccessibleName("File check")
        lay.addWidget(self.info)
        lay.addStretch(1)
        self._task: Task | None = None

    def initializePage(self) -> None:
        self.profile.clear()
        self.profile.addItem("Guess from the file's headers", None)
        for name in self.wiz.profiles:
            self.profile.addItem(f"Profile: {name}", name)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose the extract", self.path.text(),
                                              "CSV extracts (*.csv *.txt);;All files (*)")
        if name:
            self.set_path(name)

    def _path_entered(self) -> None:
        if self.path.text().strip() and self.path.text().strip() != str(self.wiz.path or ""):
            self.set_path(self.path.text().strip())

    def set_path(self, name: str) -> Task:
        self.path.setText(name)
        self.wiz.path = Path(name)
        self.wiz.headers = None
        self.info.setText("Reading the file…")
        self.completeChanged.emit()
        path = Path(name)
        self._task = self.wiz.ctx.run(lambda _p, _c: imports.read_sample_why(path))
        self._task.then(lambda r, p=path: self._read(p, r), lambda e, p=path: self._unreadable(p, e))
        return self._task

    def _read(self, path: Path, result) -> None:
        if path != self.wiz.path:
            return
        headers, encoding, sample, why = result
        self.wiz.headers, self.wiz.encoding, self.wiz.sample = headers, encoding, sample
        size = path.stat().st_size
        self.info.setText(f"{path.name}: {len(headers)} columns, {size / 2**20:,.1f} MiB. Encoding: {why}.")
        self.completeChanged.emit()

    def _unreadable(self, path: Path, e: BaseException) -> None:
        if path != self.wiz.path:
            return
        self.wiz.headers = None
        self.info.setText(str(e) if isinstance(e, UserError) else f"The file cannot be read ({type(e).__name__}).")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.headers is not None

    def validatePage(self) -> bool:
        self.wiz.profile_name = self.profile.currentData()
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("Map the columns")
        self.setSubTitle("Which column of the file holds what. Guessed from the headers; change any that are "
                         "wrong. Columns marked * are required.")
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("mapping_table")
        self.table.setAccessibleName("Column mapping")
        self.table.setHorizontalHeaderLabels(["Column in the file", "Holds", "First value"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.problem = accent_label("", "error")
        self.problem.setAccessibleName("Mapping problem")
        lay.addWidget(self.problem)
        row = QHBoxLayout()
        label = QLabel("Save this mapping as a &profile:")
        row.addWidget(label)
        self.profile_name = QLineEdit()
        label.setBuddy(self.profile_name)
        self.profile_name.setAccessibleName("Profile name")
        self.profile_name.setPlaceholderText("e.g. Niche weekly export")
        row.addWidget(self.profile_name, 1)
        self.save_button = QPushButton("Sa&ve profile")
        self.save_button.setAccessibleName("Save profile")
        self.save_button.clicked.connect(self.save_profile)
        row.addWidget(self.save_button)
        lay.addLayout(row)
        self.saved = QLabel()
        self.saved.setAccessibleName("Profile saved")
        lay.addWidget(self.saved)
        self.combos: list[QComboBox] = []

    def initializePage(self) -> None:
        w = self.wiz
        headers = w.headers or []
        if w.profile_name:
            mapping = dict(w.profiles.get(w.profile_name, {}))
            self.profile_name.setText(w.profile_name)
        else:
            mapping = guess_mapping(headers)
        keyed = {k.strip().casefold(): v for k, v in mapping.items() if k not in headers}
        keyed.update({k.strip().casefold(): v for k, v in mapping.items() if k in headers})
        self.table.setRowCount(len(headers))
        self.combos = []
        first = w.sample[0] if w.sample else []
        labels = [NOT_IMPORTED] + [c + (" *" if c in REQUIRED_COLUMNS else "") for c in CANONICAL_COLUMNS]
        for i, h in enumerate(headers):
            self.table.setItem(i, 0, QTableWidgetItem(h))
            combo = MappingCombo()
            combo.addItems(labels)
            combo.setAccessibleName(f"Column {h} holds")
            target = keyed.get(h.strip().casefold())
            combo.setCurrentIndex(CANONICAL_COLUMNS.index(target) + 1 if target in CANONICAL_COLUMNS else 0)
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(i, 1, combo)
            self.combos.append(combo)
            example = first[i] if i < len(first) else ""
            self.table.setItem(i, 2, QTableWidgetItem(example))
        self.saved.setText("")
        self._changed()

    def mapping(self) -> dict[str, str]:
        """The file's columns that are imported, and what each holds."""
        return {h: c for h, c in self.full_mapping().items() if c}

    def full_mapping(self) -> dict[str, str | None]:
        """Every column of the file: what it holds, or None when it is not imported (so that a column named as a
        canonical one but left out is not taken by its name)."""
        return {h: (CANONICAL_COLUMNS[combo.currentIndex() - 1] if combo.currentIndex() > 0 else None)
                for h, combo in zip(self.wiz.headers or [], self.combos)}

    def set_column(self, header: str, canonical: str | None) -> None:
        """Choose what a file column holds (None: not imported)."""
        i = (self.wiz.headers or []).index(header)
        self.combos[i].setCurrentIndex(CANONICAL_COLUMNS.index(canonical) + 1 if canonical else 0)

    def problems(self) -> str:
        mapping = self.mapping()
        seen: dict[str, str] = {}
        for h, c in mapping.items():
            if c in seen:
                return f"{c} is chosen for both “{seen[c]}” and “{h}”; choose one."
            seen[c] = h
        missing = [c for c in REQUIRED_COLUMNS if c not in seen]
        if missing:
            return "Required: choose the file's column for " + ", ".join(missing) + "."
        return ""

    def _changed(self, *_args) -> None:
        self.problem.setText(self.problems())
        self.saved.setText("")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.problems()

    def save_profile(self) -> None:
        name = self.profile_name.text().strip()
        mapping = self.full_mapping()
        self.wiz.ctx.read(save_profile, name, mapping).then(lambda _r, n=name, m=mapping: self._saved(n, m),
                                                            lambda e: show_error(self, e, "Save profile"))

    def _saved(self, name: str, mapping: dict[str, str]) -> None:
        self.wiz.profiles[name] = mapping
        self.wiz.saved_profile = name
        self.saved.setText(f"Saved as profile “{name}”.")

    def validatePage(self) -> bool:
        self.wiz.mapping = self.full_mapping()
        return True


class PreviewPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check before importing")
        self.setSubTitle("Every row is checked as the import will check it. Nothing is written yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Checking progress")
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Stop checking")
        self.cancel_button.setAccessibleName("Stop checking")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAccessibleName("Preview summary")
        lay.addWidget(self.summary)
        self.warning = accent_label("", "warning")
        self.warning.setAccessibleName("Preview warnings")
        self.warning.hide()
        lay.addWidget(self.warning)
        self.limit_box = QCheckBox()
        self.limit_box.setAccessibleName("Import in spite of the rejected rows")
        self.limit_box.toggled.connect(lambda _on: self.completeChanged.emit())
        self.limit_box.hide()
        lay.addWidget(self.limit_box)
        self.changes_label = QLabel()
        self.changes_label.setWordWrap(True)
        self.changes_label.setAccessibleName("Known persons the file would change")
        self.changes_label.hide()
        lay.addWidget(self.changes_label)
        self.change_model = RowsModel(_CHANGE_COLUMNS)
        self.change_view = table_view("preview_changes", "Names the file would change")
        attach_model(self.change_view, self.change_model)
        self.change_view.hide()
        lay.addWidget(self.change_view, 2)
        self.accept_box = QCheckBox()
        self.accept_box.setAccessibleName("Accept the name changes")
        self.accept_box.toggled.connect(lambda _on: self.completeChanged.emit())
        self.accept_box.hide()
        lay.addWidget(self.accept_box)
        self.good_label = QLabel("<b>First rows</b>")
        lay.addWidget(self.good_label)
        self.good_model = RowsModel(_GOOD_COLUMNS)
        self.good_view = table_view("preview_good", "First rows")
        attach_model(self.good_view, self.good_model)
        lay.addWidget(self.good_view, 2)
        self.reject_label = QLabel("<b>Rows that would be rejected</b>")
        lay.addWidget(self.reject_label)
        self.reject_model = RowsModel(_REJECT_COLUMNS)
        self.reject_view = table_view("preview_rejects", "Rows that would be rejected")
        attach_model(self.reject_view, self.reject_model)
        lay.addWidget(self.reject_view, 3)
        self._task: Task | None = None
        self.result: imports.Preview | None = None

    def initializePage(self) -> None:
        self.result = None
        self.good_model.clear()
        self.reject_model.clear()
        self.change_model.clear()
        for w in (self.warning, self.limit_box, self.changes_label, self.change_view, self.accept_box):
            w.hide()
        self.limit_box.setChecked(False)
        self.accept_box.setChecked(False)
        self.summary.setText("Checking every row…")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        store, path, mapping = self.wiz.ctx.store, self.wiz.path, dict(self.wiz.mapping)

        def work(progress, cancelled):
            own = store.reopen()   # the persons held are read on a connection of this thread's own
            try:
                result = imports.preview(path, mapping, store=own, progress=progress, cancelled=cancelled)
                if result.changes is not None and result.changes.names:
                    imports.record_changes_shown(own, path.name, [c[0] for c in result.changes.names])
                return result
            finally:
                own.close()

        self._task = task = self.wiz.ctx.run(work)
        task.then(lambda r, t=task: self._done(t, r), lambda e, t=task: self._failed(t, e), self._progress)
        self.completeChanged.emit()

    def _progress(self, done: int, total: int, _message: str) -> None:
        if total:
            self.progress.setValue(int(1000 * done / total))

    def _done(self, task: Task, result: imports.Preview) -> None:
        if task is not self._task:
            return
        self.result = result
        self.progress.setValue(1000)
        self.cancel_button.setEnabled(False)
        self.good_model = RowsModel(_good_columns(result.labels))
        attach_model(self.good_view, self.good_model)
        self.good_model.set_rows(result.first_good)
        self.reject_model.set_rows(result.rejects)
        lines = result.lines
        shown_ = "" if result.rejects_shown == result.rejected else f" (the first {result.rejects_shown:,} shown)"
        self.summary.setText(
            f"<b>{result.rows_checked:,}</b> rows checked: <b>{result.good:,}</b> would be imported, "
            f"<b>{result.rejected:,}</b> would be rejected{shown_}. Rejected rows are kept in the store for review "
            f"and can be saved as CSV after the import.<br>"
            f"{lines.lines:,} lines read: the header, {result.row_lines:,} in rows to import, {lines.blank:,} blank, "
            f"{lines.rejected_lines:,} rejected.<br>Encoding: {_html(result.encoding_why)}.")
        self.reject_label.setText(f"<b>Rows that would be rejected ({result.rejected:,})</b>")
        warnings = []
        if lines.unknown_names:
            warnings.append(f"{lines.unknown_names:,} row(s) hold a name made only of “?” or “\ufffd”: the name was "
                            f"lost before the file was written (line(s) "
                            f"{', '.join(map(str, lines.unknown_name_lines))}). They are imported as written.")
        if result.limit_error:
            warnings.append(result.limit_error)
            self.limit_box.setText(f"Import anyway, and keep the {result.rejected:,} rejected row(s) for review")
            self.limit_box.show()
        ch = result.changes
        if ch is not None and (ch.names or ch.dobs):
            self.changes_label.setText(
                f"The file would change the name of <b>{len(ch.names):,}</b> and the date of birth of "
                f"<b>{len(ch.dobs):,}</b> of the {ch.known:,} known persons it names. Each change is kept as a "
                "data-quality entry and can be put back from the Import page.")
            self.changes_label.show()
            if ch.names:
                self.change_model.set_rows(ch.names)
                self.change_view.show()
            if ch.held:
                warnings.append(f"More than {ch.limit:,} known persons would change name (2% of those in the file, "
                                "at least 10): is the file this force's, and is each column mapped right?")
                self.accept_box.setText(f"Change the names of these {len(ch.names):,} known persons")
                self.accept_box.show()
        if warnings:
            self.warning.setText("\n".join(warnings))
            self.warning.show()
        self.completeChanged.emit()

    def _failed(self, task: Task, e: BaseException) -> None:
        if task is not self._task:
            return
        self.cancel_button.setEnabled(False)
        if isinstance(e, Cancelled):
            self.summary.setText("Checking stopped. Go back and forward again to check the file.")
        elif isinstance(e, UserError):
            self.summary.setText(_html(str(e)))
        else:
            self.summary.setText(f"The file could not be checked ({type(e).__name__}).")
        self.completeChanged.emit()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def cleanupPage(self) -> None:
        self.cancel()
        self._task = None

    @property
    def over_limit_accepted(self) -> bool:
        return self.result is not None and bool(self.result.limit_error) and self.limit_box.isChecked()

    @property
    def changes_accepted(self) -> bool:
        ch = self.result.changes if self.result is not None else None
        return ch is not None and ch.held and self.accept_box.isChecked()

    def isComplete(self) -> bool:
        r = self.result
        if r is None or r.good == 0:
            return False
        if r.limit_error and not self.limit_box.isChecked():
            return False
        return not (r.changes is not None and r.changes.held and not self.accept_box.isChecked())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class RunPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("Importing")
        self.setSubTitle("Everything goes in as one change: a cancelled import leaves the store as it was.")
        lay = QVBoxLayout(self)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setRange(0, 1000)
        lay.addWidget(self.progress)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Import status")
        lay.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("&Cancel import")
        self.cancel_button.setAccessibleName("Cancel import")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        lay.addStretch(1)
        self.task: Task | None = None

    def initializePage(self) -> None:
        w = self.wiz
        w.summary = None
        self.progress.setValue(0)
        self.message.setText("Starting…")
        self.cancel_button.setEnabled(True)
        store, path, mapping = w.ctx.store, w.path, dict(w.mapping)
        profile = w.saved_profile if w.saved_profile and w.profiles.get(w.saved_profile) == mapping else None
        # what the user ticked on the preview page: no limit, and the name changes the list showed
        limits = {"max_rejects": None, "max_reject_share": None} if w.preview_page.over_limit_accepted else {}
        accept = w.preview_page.changes_accepted

        def work(progress, cancelled) -> ImportSummary:
            own = store.reopen()  # a connection of its own: the import holds its transaction for the whole file
            try:
                return import_extract(own, path, mapping=mapping, profile=profile, progress=progress,
                                      cancelled=cancelled, accept_person_changes=accept, **limits)
            finally:
                own.close()   # gives back its share of the writer's lock too

        self.task = task = w.ctx.run(work)
        task.then(self._done, self._failed, self._progress)

    def running(self) -> bool:
        return self.task is not None and not self.task.is_done

    def _progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setValue(int(1000 * done / total))
        self.message.setText(message)

    def _done(self, summary: ImportSummary) -> None:
        self.wiz.summary = summary
        self.progress.setValue(1000)
        self.cancel_button.setEnabled(False)
        self.message.setText("Imported.")
        self.wiz.ctx.notify("imports", "persons", "data_quality")
        self.completeChanged.emit()
        QTimer.singleShot(0, self._advance)  # not from inside initializePage: let the wizard settle first
        self.wiz.import_finished()

    def _advance(self) -> None:
        if self.wiz.currentPage() is self and self.wiz.summary is not None:
            self.wiz.next()

    def _failed(self, e: BaseException) -> None:
        self.cancel_button.setEnabled(False)
        self.progress.setValue(0)
        if isinstance(e, Cancelled):
            self.message.setText("The import was cancelled; nothing was changed.")
        elif isinstance(e, UserError):
            self.message.setText(f"Cannot import: {e}")
        else:
            self.message.setText(f"The import failed and nothing was changed ({type(e).__name__}).")
        self.wiz.import_finished()

    def cancel(self) -> None:
        if self.running():
            self.message.setText("Cancelling…")
            self.task.cancel()

    def isComplete(self) -> bool:
        return self.wiz.summary is not None


class SummaryPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("Imported")
        self.setSubTitle("Rejected rows are kept in the store; review them later on the Import page.")
        lay = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAccessibleName("Import summary")
        lay.addWidget(self.text)
        self.reason_model = RowsModel([Column("Rejected because", lambda r: r[0]),
                                       Column("Rows", lambda r: r[1], numeric=True)])
        self.reason_view = table_view("summary_reasons", "Rejected rows by reason")
        attach_model(self.reason_view, self.reason_model)
        self.reason_view.horizontalHeader().setStretchLastSection(False)
        self.reason_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.reason_view, 1)
        self.reject_model = RowsModel(_REJECT_COLUMNS[:3] + [Column("Reason", lambda r: r.reason)])
        self.reject_view = table_view("summary_rejects", "Rejected rows")
        attach_model(self.reject_view, self.reject_model)
        lay.addWidget(self.reject_view, 2)
        row = QHBoxLayout()
        self.saved = QLabel()
        self.saved.setAccessibleName("Rejects saved")
        row.addWidget(self.saved, 1)
        self.save_button = QPushButton("&Save rejected rows as CSV…")
        self.save_button.setAccessibleName("Save rejected rows as CSV")
        self.save_button.clicked.connect(self.save_rejects)
        row.addWidget(self.save_button)
        lay.addLayout(row)

    def initializePage(self) -> None:
        s = self.wiz.summary
        if s is None:
            return
        extra = f"<br>{s.dob_warnings:,} date-of-birth change(s) kept as data-quality warnings." \
            if s.dob_warnings else ""
        if s.name_changes:
            extra += (f"<br>{s.name_changes:,} name change(s) of known persons kept as data-quality entries; they "
                      "can be put back from the Import page.")
        if s.rejects_already_kept:
            extra += (f"<br>{s.rejects_already_kept:,} of the rejected rows were kept already by an earlier import "
                      "of the same file, and are not kept twice.")
        if s.unknown_names:
            extra += f"<br>{s.unknown_names:,} row(s) hold a name made only of “?”."
        self.text.setText(
            f"<p><b>{_html(s.file_name)}</b> (import {s.batch_id})</p>"
            f"<p>{s.rows_read:,} rows read: <b>{s.new:,}</b> new, {s.updated:,} updated, {s.unchanged:,} unchanged, "
            f"<b>{s.rejected:,}</b> rejected.<br>{s.lines_read:,} lines: the header, {s.row_lines:,} in rows "
            f"imported, {s.blank_lines:,} blank, {s.rejected_lines:,} rejected. Encoding: {_html(s.encoding_why)}."
            f"<br>Persons: {s.persons_new:,} new, {s.persons_updated:,} updated. "
            f"Incidents: {s.incidents_new:,} new, {s.incidents_updated:,} changed.{extra}</p>")
        self.reason_model.set_rows(s.rejected_by_reason.most_common())
        self.reject_model.set_rows(s.rejects)
        # the reasons table as tall as its rows (up to eight, then it scrolls); the rows table takes the rest
        v = self.reason_view
        shown = min(max(self.reason_model.rowCount(), 1), 8)
        v.setFixedHeight(v.horizontalHeader().sizeHint().height() + shown * v.verticalHeader().defaultSectionSize()
                         + 2 * v.frameWidth())
        has = bool(s.rejects)
        for w in (self.reason_view, self.reject_view, self.save_button):
            w.setVisible(has)
        self.saved.setText("" if has else "No rows were rejected.")

    def save_rejects(self, *_args, path: str | None = None) -> None:
        s = self.wiz.summary
        if s is not None and s.batch_id is not None:
            save_batch_rejects(self, self.wiz.ctx, s.batch_id, s.file_name, path,
                               lambda n, p: self.saved.setText(f"Saved {n:,} rejected row(s) to {Path(p).name}."))


class ImportWizard(QWizard):
    """The five steps; ``summary`` holds the import's outcome once it is done."""

    FILE, MAPPING, PREVIEW, RUN, SUMMARY = range(5)

    def __init__(self, ctx: Context, parent=None, *, path: str | Path | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("importWizard")
        self.setWindowTitle("Import an extract")
        self.setAccessibleName("Import wizard")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.path: Path | None = None
        self.headers: list[str] | None = None
        self.encoding = ""
        self.sample: list[list[str]] = []
        self.profile_name: str | None = None
        self.saved_profile: str | None = None
        self.mapping: dict[str, str] = {}
        self.summary: ImportSummary | None = None
        self.profiles: dict[str, dict[str, str]] = list_profiles(ctx.store)
        self._close_when_done = False
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        self.summary_page = SummaryPage(self)
        for pid, page in enumerate((self.file_page, self.mapping_page, self.preview_page, self.run_page,
                                    self.summary_page)):
            self.setPage(pid, page)
        self.setMinimumSize(720, 540)  # set once: QWizard then stops resizing its limits page by page
        self.resize(880, 640)
        if path:
            self.file_page.set_path(str(path))

    def reject(self) -> None:
        if self.run_page.running():
            self._close_when_done = True
            self.run_page.cancel()
            return
        self.preview_page.cancel()
        super().reject()

    def import_finished(self) -> None:
        if self._close_when_done:
            self._close_when_done = False
            super().reject()

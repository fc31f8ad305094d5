"""The Packs page: the meeting pack and perpetrator profiles as PDF, each a recorded disclosure.

The pack (:func:`matac_desk.pack.export_pack`) for a meeting, full,
redacted (victims' addresses withheld) or for one agency (its actions
only, redacted); a profile (:func:`~matac_desk.pack.export_profile`) for one
person. The recipient is asked for every time and goes into the audit log
with the reason. Rendering runs on the background connection with a
progress bar and Cancel (a cancelled export leaves neither a file nor an
audit entry). The PDF is opened with the system viewer
(``QDesktopServices``) or sent to a printer chosen in the system print
dialog (through CUPS ``lp``, where the viewer is not needed): the same
:class:`~.pdfexport.PdfExporter` the person page prints its profile with.
Ctrl+P on this page prints what is chosen here.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QVBoxLayout,
)

from ..meeting import force, meetings
from ..services import people
from ..storage import audit
from ..domain import UserError
from .. import pack
from . import pdfexport
from .dialogs import confirm
from .context import show_error
from .returnsbox import ReturnsBox
from .personfield import PersonField
from .tasks import Task
from .widgets import accent_label, button, heading, text_label
from .window import Page

__all__ = ["PacksPage"]


class PacksPage(Page):
    key = "packs"
    title = "Packs"
    listens = frozenset({"meetings", "actions", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self.exporter = pdfexport.PdfExporter(ctx, self)
        self.exporter.started.connect(self._started)
        self.exporter.progressed.connect(lambda *a: pdfexport.show_progress(self.progress, self.message, *a))
        self.exporter.reported.connect(self._reported)
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Meeting packs and profiles"))
        intro = text_label("About packs")
        intro.setText("Every page is marked OFFICIAL-SENSITIVE and carries a reference. Each export is a "
                      "disclosure: it is recorded in the audit log with its recipient and reason.")
        lay.addWidget(intro)

        box = QGroupBox("What to export")
        box.setMaximumWidth(760)
        form = QFormLayout(box)
        self.kind_pack = QRadioButton("&Meeting pack")
        self.kind_profile = QRadioButton("Perpetrator &profile")
        self.kind_pack.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.kind_pack)
        row.addWidget(self.kind_profile)
        row.addStretch(1)
        form.addRow("Export:", row)
        self.meeting = QComboBox()
        self.meeting.setAccessibleName("Meeting")
        form.addRow("Mee&ting:", self.meeting)
        self.person = PersonField(ctx, "Person for the profile")
        form.addRow("Per&son:", self.person)
        form.addRow("", self.person.note)   # who the text names, or why it names no one person
        self.version = QComboBox()
        self.version.setAccessibleName("Version")
        self.version.addItem("Full (for the MATAC table)", "full")
        self.version.addItem("Redacted: victims' addresses withheld", "redacted")
        self.version.addItem("For one agency (redacted, its actions only)", "agency")
        self.version.currentIndexChanged.connect(lambda _i: self._enable())
        form.addRow("&Version:", self.version)
        self.agency = QComboBox()
        self.agency.setEditable(True)
        self.agency.setAccessibleName("Agency")
        form.addRow("A&gency:", self.agency)
        self.recipient = QComboBox()     # the force's agencies and past recipients offered; any text typed
        self.recipient.setEditable(True)
        self.recipient.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.recipient.setAccessibleName("Recipient")
        self.recipient.lineEdit().setPlaceholderText("who receives it: an agency or a role (recorded in the audit "
                                                     "log)")
        self.recipient.setCurrentText("")
        form.addRow("&Recipient:", self.recipient)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("why it is disclosed (default: the meeting, or a MATAC profile)")
        form.addRow("Reas&on:", self.reason)
        lay.addWidget(box)
        self.kind_pack.toggled.connect(lambda _b: self._enable())

        brow = QHBoxLayout()
        self.export_button = button("&Export PDF…", self.export, tip="Save the PDF (and record the disclosure)")
        self.print_button = button("P&rint…", self.print_pdf, tip="Export, then send to a printer chosen in the "
                                                                  "system print dialog")
        self.open_button = button("Open the &last PDF", self.open_last)
        self.cancel_button = button("&Cancel", self.cancel)
        self.withheld_button = button("Chec&k what is withheld", self.check_withheld,
                                      tip="List, per section, what the redacted version withholds from free text")
        for b in (self.export_button, self.print_button, self.withheld_button, self.open_button, self.cancel_button):
            brow.addWidget(b)
        brow.addStretch(1)
        lay.addLayout(brow)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setMaximumWidth(760)
        self.progress.hide()
        lay.addWidget(self.progress)
        self.message = text_label("Export message")
        lay.addWidget(self.message)
        self.error = accent_label("", "error")
        lay.addWidget(self.error)
        self.returns = ReturnsBox(ctx, self)     # the quarterly return and who is nominated (counts only)
        lay.addWidget(self.returns)
        lay.addStretch(1)
        self._enable()

    # ------------------------------------------------------------ state
    def _enable(self) -> None:
        busy = self.exporter.busy
        is_pack = self.kind_pack.isChecked()
        self.meeting.setEnabled(is_pack and not busy)
        self.person.setEnabled(not is_pack and not busy)
        self.agency.setEnabled(self.version.currentData() == "agency" and not busy)
        for b in (self.export_button, self.print_button):
            b.setEnabled(not busy)
        self.withheld_button.setEnabled(not busy and self.version.currentData() != "full")
        self.cancel_button.setEnabled(busy)
        self.open_button.setEnabled(self.exporter.last_path is not None and not busy)

    def reload(self) -> None:
        def load(store):
            past = audit.entries_page(store.conn, action="disclosure.*", limit=200)
            recipients = list(dict.fromkeys(e["recipient"] for e in past if e["recipient"]))[:20]
            return meetings.meetings(store), force.agency_choices(store), recipients

        self.ctx.read(load).then(self._loaded, lambda e: show_error(self, e, "Packs"))

    def _loaded(self, result) -> None:
        if self.window_.locked:
            return
        ms, agencies, recipients = result
        typed = self.recipient.currentText()
        self.recipient.clear()
        self.recipient.addItems(recipients + [a for a in agencies if a not in recipients])   # last used first
        self.recipient.setCurrentText(typed)
        chosen = self.meeting.currentData()
        self.meeting.clear()
        for m in reversed(ms):
            self.meeting.addItem(f"{m.label} ({m.status})", m.id)
        today = self.ctx.today().isoformat()
        upcoming = [m for m in ms if m.date >= today and m.status == "scheduled"]
        want = chosen if chosen is not None else (upcoming[0].id if upcoming else None)
        if want is not None and self.meeting.findData(want) >= 0:
            self.meeting.setCurrentIndex(self.meeting.findData(want))
        text = self.agency.currentText()
        self.agency.clear()
        self.agency.addItems(agencies)
        self.agency.setCurrentText(text)

    def set_meeting(self, meeting_id: int) -> None:
        self.kind_pack.setChecked(True)
        i = self.meeting.findData(meeting_id)
        if i >= 0:
            self.meeting.setCurrentIndex(i)

    def set_person(self, person_id: str, name: str | None = None) -> None:
        self.kind_profile.setChecked(True)
        self.person.set_person(person_id, name)

    # ------------------------------------------------------------ exporting
    def _job(self) -> tuple[str, dict]:
        """What to render, checked here so that a mistake is a message before any work starts."""
        version = self.version.currentData()
        kw = {"recipient": self.recipient.currentText().strip(), "reason": self.reason.text().strip() or None,
              "redact": version != "full", "agency": self.agency.currentText().strip() if version == "agency" else None}
        if not kw["recipient"]:
            raise UserError("say who receives it (the recipient): every export is recorded with its recipient")
        if version == "agency" and not kw["agency"]:
            raise UserError("choose the agency the pack is for")
        if self.kind_pack.isChecked():
            if self.meeting.currentData() is None:
                raise UserError("schedule a meeting first: the pack is a meeting's")
            return "pack", kw | {"meeting_id": self.meeting.currentData()}
        pid = self.person.person_id() or self.person.text().strip()
        if not pid:
            raise UserError("give the person whose profile to export: a name, a date of birth or an id")
        return "profile", kw | {"person_id": pid}

    def default_name(self, kind: str, kw: dict) -> str:
        suffix = "" if not kw["redact"] else "-redacted" if not kw["agency"] else \
            "-" + "".join(c if c.isalnum() else "-" for c in kw["agency"].lower())
        if kind == "pack":
            return f"matac-pack-{self.meeting.currentText().split(',')[-1].split('(')[0].strip()}{suffix}.pdf"
        return f"profile{suffix}.pdf"   # no person id in a file name that may be seen over a shoulder

    def _checked_job(self) -> tuple[str, object, dict] | None:
        """``(kind, target, kw)`` to render, or None with the mistake shown."""
        try:
            kind, kw = self._job()
        except UserError as e:
            self.error.setText(str(e))
            return None
        self.error.setText("")
        target = kw.pop("meeting_id", None) if kind == "pack" else kw.pop("person_id")
        return kind, target, kw

    def _resolved(self, job, go) -> Task | None:
        """A profile for a name typed (not picked): find the one person it names first (people.resolve), then
        ``go(job)``; a name several persons have is refused with their ids, and nothing is rendered."""
        kind, target, kw = job
        if kind != "profile" or self.person.person_id() is not None:
            return go(job)

        def found(pid: str) -> None:
            self.person.set_person(pid, self.person.text().strip())
            go((kind, pid, kw))

        def refused(e) -> None:
            if isinstance(e, UserError):     # said under the person field, as every person field says it
                self.person.show_refusal(e)
            else:
                self.error.setText(str(e))

        return self.ctx.read(people.resolve, target).then(found, refused)

    def export(self, *, path: str | None = None) -> Task | None:
        """Ask where to save (unless ``path``), render in the background, and report."""
        job = self._checked_job()
        if job is None:
            return None
        if job[0] == "profile" and self.person.person_id() is None:
            return self._resolved(job, lambda j: self.export_job(j, path))
        return self.export_job(job, path)

    def export_job(self, job, path: str | None) -> Task | None:
        kind, target, kw = job
        if path is None:
            path = pdfexport.save_path(self, "Export the PDF", self.default_name(kind, dict(kw)))
            if not path:
                return None
        return self.exporter.export(kind, target, kw, path)

    def print_pdf(self) -> Task | None:
        """Choose a printer in the system dialog, export the PDF, and hand it to the printer (Ctrl+P here).

        A redacted version first lists what it withholds from free text, and prints only when that is accepted.
        """
        job = self._checked_job()
        if job is None:
            return None

        def go(j):
            if not j[2]["redact"]:
                return self.exporter.print_(*j)

            def shown(counts: dict) -> None:
                lines = self._show_withheld(counts)
                if confirm(self, "Print the redacted version",
                           "Withheld from free text:\n" + ("\n".join(lines) or "nothing") + "\n\nPrint it?",
                           yes="Print"):
                    self.exporter.print_(*j)
            return self.check_withheld(then=shown)
        return self._resolved(job, go)

    def check_withheld(self, *, then=None) -> Task | None:
        """What the redacted version withholds from free text (minutes, actions, notes...), per section,
        listed before anything is printed or recorded."""
        job = self._checked_job()
        if job is None:
            return None
        kind, target, kw = job
        if not kw["redact"]:
            self.message.setText("The full version withholds nothing.")
            return None
        self.message.setText("Checking what the redacted version withholds…")
        if kind == "pack":
            task = self.ctx.read(pack.withheld_pack, target, agency=kw["agency"], cancellable=True)
        else:
            task = self.ctx.read(pack.withheld_profile, target, agency=kw["agency"], as_of=self.ctx.today(),
                                 cancellable=True)
        task.then(then or self._show_withheld, lambda e: (self.message.setText(""), show_error(self, e, "Packs")))
        return task

    def _show_withheld(self, counts: dict) -> list[str]:
        lines = [f"{k}: {v} withheld" for k, v in sorted(counts.items())]
        self.message.setText("Withheld from free text: " + ("; ".join(lines) if lines else
                             "nothing (no victim's address, postcode or date of birth is written in it)."))
        return lines

    def _started(self) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText("Rendering…")
        self._enable()

    def _reported(self, message: str, error: str) -> None:
        self.progress.hide()
        self.message.setText(message)
        if error:
            self.error.setText(error)
        self._enable()

    def cancel(self) -> None:
        if self.exporter.busy:
            self.exporter.cancel()
            self.message.setText("Cancelling…")

    def open_last(self) -> bool:
        return self.exporter.open_last()

    def clear(self) -> None:
        self.exporter.forget()
        self.meeting.clear()
        self.person.clear()
        self.recipient.setCurrentText("")
        self.reason.clear()
        self.message.setText("")
        self.error.setText("")
        self.progress.hide()
        self._enable()

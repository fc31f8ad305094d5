"""Import through the wizard: file → mapping (guessed, saved as a profile) → preview of rejects → import → summary."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtWidgets import QWizard

from matac_desk.services import imports
from matac_desk.intake.importer import list_profiles
from matac_desk.ui.importwizard import ImportWizard
from matac_desk.ui.tasks import Task, TaskRunner

from conftest import write_csv
from gui_support import isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui

HEADER = ["Occurrence No", "Occurrence Date", "Offence Description", "Offender Nominal ID", "Suspect Forename",
          "Victim Nominal ID", "Relationship", "Notes"]
ROWS = [
    ["R1", "01/10/2026", "Common assault", "P1", "Darren", "V1", "girlfriend", ""],
    ["R2", "02/10/2026", "Harassment", "P1", "Darren", "V2", "ex-wife", ""],
    ["R3", "01/01/2099", "Harassment", "P1", "Darren", "V2", "ex-wife", ""],   # row 4: future
    ["R4", "03/10/2026", "Stalking", "P2", "Ryan", "", "wife", ""],           # row 5: no victim
    ["R5", "04/10/2026", "Criminal damage", "P3", "Lee", "V3", "wife", ""],
]


@pytest.fixture
def window(qtbot, store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, store)


@pytest.fixture
def extract(tmp_path):
    return write_csv(tmp_path / "niche-export.csv", HEADER, ROWS)


def _to_preview(wizard: ImportWizard, path) -> None:
    wizard.file_page.set_path(str(path))
    assert wizard.file_page.isComplete()
    wizard.next()
    assert wizard.currentId() == ImportWizard.MAPPING


def test_import_with_rejects_through_the_wizard(qtbot, window, store, extract, tmp_path):
    wizard = window.start_import()
    assert isinstance(wizard, ImportWizard)
    _to_preview(wizard, extract)
    mp = wizard.mapping_page
    # guessed from the headers; "Notes" is not imported; the forename is not guessed ("Suspect Forename" is)
    assert mp.mapping() == {"Occurrence No": "incident_ref", "Occurrence Date": "incident_date",
                            "Offence Description": "offence", "Offender Nominal ID": "perpetrator_id",
                            "Suspect Forename": "perpetrator_forename", "Victim Nominal ID": "victim_id",
                            "Relationship": "relationship"}
    assert mp.isComplete() and mp.problem.text() == ""
    mp.set_column("Victim Nominal ID", None)
    assert not mp.isComplete() and "victim_id" in mp.problem.text()
    mp.set_column("Victim Nominal ID", "victim_id")
    mp.set_column("Notes", "offence")
    assert not mp.isComplete() and "offence is chosen for both" in mp.problem.text()
    mp.set_column("Notes", None)
    mp.profile_name.setText("Niche weekly")
    mp.save_button.click()
    assert list_profiles(store)["Niche weekly"]["Occurrence No"] == "incident_ref"

    wizard.next()
    pv = wizard.preview_page
    assert wizard.currentId() == ImportWizard.PREVIEW and pv.isComplete()
    assert (pv.result.good, pv.result.rejected) == (3, 2)
    assert [(r.row_number, r.reason) for r in pv.reject_model.rows()] == [
        (4, "Occurrence Date is in the future"), (5, "Victim Nominal ID is empty")]
    assert pv.good_model.rowCount() == 3
    assert store.scalar("SELECT count(*) FROM involvements") == 0  # nothing written by the preview

    wizard.next()  # the commit button: Import
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=3000)
    s = wizard.summary
    assert (s.rows_read, s.new, s.rejected) == (5, 3, 2)
    assert store.scalar("SELECT count(*) FROM involvements") == 3
    assert store.scalar("SELECT profile FROM import_batches") == "Niche weekly"
    sp = wizard.summary_page
    assert "3</b> new" in sp.text.text() and sp.reject_model.rowCount() == 2
    assert sp.reason_model.rows() == [("Occurrence Date is in the future", 1), ("Victim Nominal ID is empty", 1)]

    out = tmp_path / "rejects.csv"
    sp.save_rejects(path=str(out))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["R3", "R4"] and rows[1][-1] == "Occurrence Date is in the future"
    assert "Saved 2 rejected row(s)" in sp.saved.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    wizard.accept()

    # the store-changed signal reached the pages: the Import page lists the batch with its rejects
    page = window.show_page("imports")
    [batch] = page.batch_model.rows()
    assert (batch.rows_read, batch.rejected, batch.awaiting_review) == (5, 2, 2)
    assert [r.row_number for r in page.reject_model.rows()] == [4, 5]
    page.mark_reviewed()
    assert page.batch_model.rows()[0].awaiting_review == 0 and not page.reviewed_button.isEnabled()
    dash = window.show_page("dashboard")
    assert dash.count_labels["persons"].text() == "5"  # P1, V1, V2, P3, V3
    assert "No rejected rows await review" in dash.rejects.text()


def test_a_saved_profile_maps_the_next_file(qtbot, window, store, extract):
    wizard = window.start_import()
    _to_preview(wizard, extract)
    wizard.mapping_page.set_column("Relationship", None)
    wizard.mapping_page.profile_name.setText("no relationship")
    wizard.mapping_page.save_profile()
    wizard.reject()
    wizard2 = ImportWizard(window.ctx, window)
    qtbot.addWidget(wizard2)
    wizard2.file_page.set_path(str(extract))
    wizard2.file_page.initializePage()
    wizard2.file_page.profile.setCurrentIndex(wizard2.file_page.profile.findData("no relationship"))
    wizard2.file_page.validatePage()
    wizard2.mapping_page.initializePage()
    assert "Relationship" not in wizard2.mapping_page.mapping()


def test_unreadable_file_is_a_message_on_the_first_page(qtbot, window, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    wizard = window.start_import()
    wizard.file_page.set_path(str(empty))
    assert not wizard.file_page.isComplete()
    assert wizard.file_page.info.text() == "empty.csv: the file is empty"


class DeferredRunner(TaskRunner):
    """Holds tasks until the test runs them: a cancel can come first."""

    def __init__(self):
        self.pending: list[Task] = []

    def start(self, task):
        self.pending.append(task)
        return task

    def run(self, fn):
        return self.start(Task(fn))

    def wait_idle(self, msecs=0):
        return True

    def run_all(self):
        while self.pending:
            self.pending.pop(0).run_here()


def test_cancelled_import_changes_nothing(qtbot, store, extract, isolated_qsettings):  # noqa: F811
    from matac_desk.ui.main import open_window
    runner = DeferredRunner()
    window = open_window(store, runner)
    qtbot.addWidget(window)
    runner.run_all()
    wizard = window.start_import()
    wizard.file_page.set_path(str(extract))
    runner.run_all()
    wizard.next()
    wizard.next()
    runner.run_all()          # the preview
    assert wizard.preview_page.isComplete()
    wizard.next()
    assert wizard.currentId() == ImportWizard.RUN and wizard.run_page.running()
    wizard.run_page.cancel_button.click()
    runner.run_all()
    assert "cancelled; nothing was changed" in wizard.run_page.message.text()
    assert store.scalar("SELECT count(*) FROM import_batches") == 0
    assert store.scalar("SELECT count(*) FROM persons") == 0
    assert imports.batches(store) == []


def test_the_import_gives_back_its_share_of_the_writer_lock(qtbot, window, store, extract):
    """The wizard's own connection closes through Store.close: a restore must see nothing else holding the store."""
    import os
    from matac_desk.storage.store import StoreLock
    key = os.path.realpath(store.path.with_name(store.path.name + ".lock"))
    shares = StoreLock._held[key][1]
    wizard = window.start_import()
    _to_preview(wizard, extract)
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=3000)
    assert StoreLock._held[key][1] == shares
    wizard.accept()

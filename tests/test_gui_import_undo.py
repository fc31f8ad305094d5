"""The Import page's "Undo this import…": greyed with the reason when the import cannot be undone, the counts and a
reason asked (the reason kept when refused), then the list shows the import undone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from matac_desk.intake.importer import import_extract
from matac_desk.storage.backups import list_backups
from matac_desk.ui import dialogs
from matac_desk.ui import imports as imports_page

from conftest import TODAY, write_csv
from gui_support import isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename",
          "perpetrator_surname", "victim_id"]


@pytest.fixture
def window(qtbot, store, tmp_path, isolated_qsettings):  # noqa: F811
    import_extract(store, write_csv(tmp_path / "first.csv", HEADER, [
        ["R1", "2026-01-01", "Harassment", "P1", "Darren", "Okafor", "V1"]]), today=TODAY)
    import_extract(store, write_csv(tmp_path / "second.csv", HEADER, [
        ["R1", "2026-01-01", "Harassment", "P1", "Daniel", "Okafor", "V1"],
        ["R2", "2026-02-01", "Stalking", "P9", "Neil", "Ward", "V1"]]), today=TODAY)
    return make_window(qtbot, store)


def _select(qtbot, page, batch_id: int) -> None:
    row = next(n for n, b in enumerate(page.batch_model.rows()) if b.id == batch_id)
    page.batch_view.selectRow(row)
    qtbot.waitUntil(lambda: page.selected_batch().id == batch_id and page.undo_refusal is not None, timeout=3000)


class FakeAsk:
    """dialogs.ask through a real form: types each answer in turn, presses the button, reports what it showed."""

    def __init__(self, qtbot, *answers):
        self.qtbot, self.answers, self.shown, self.errors = qtbot, list(answers), [], []

    def __call__(self, parent, title, fields, *, intro="", ok="OK", check=None):
        d = dialogs.FormDialog(title, fields, intro=intro, ok=ok, parent=parent, check=check)
        self.qtbot.addWidget(d)
        box = d.widgets["reason"]
        self.shown.append((title, intro, ok, box.toPlainText()))
        typed = self.answers.pop(0)
        if typed is None:
            return None
        box.setPlainText(typed)
        d._accept()
        if d.result() != QDialog.DialogCode.Accepted:
            self.errors.append(d.error.text())
            return None     # the user reads the refusal, then cancels
        return d.values()


def test_the_button_is_greyed_with_the_reason_and_an_undo_refreshes_the_list(qtbot, window, store, monkeypatch):
    page = window.show_page("imports")
    qtbot.waitUntil(lambda: page.batch_model.rowCount() == 2, timeout=3000)
    _select(qtbot, page, 1)
    assert not page.undo_button.isEnabled()
    assert "import 1 (first.csv) cannot be undone while later imports build on it: import 2 (second.csv)" in \
        page.undo_button.toolTip()
    _select(qtbot, page, 2)
    assert page.undo_button.isEnabled() and page.undo_button.toolTip() == imports_page.UNDO_TIP

    backups = len(list_backups(store.path))
    ask = FakeAsk(qtbot, "P9 came in twice", None, "the extract was from the wrong period")
    monkeypatch.setattr(dialogs, "ask", ask)
    page.undo_import()                       # refused: the reason names a person; nothing done
    assert ask.errors and "must not hold a person's name" in ask.errors[0] and "Nothing was done" in ask.errors[0]
    title, intro, ok, _typed = ask.shown[0]
    assert title == "Undo an import" and ok == "Undo import"
    assert "Undo import 2 (second.csv)?" in intro and "• 1 person(s) it added will be deleted" in intro
    assert "• 1 person(s) it changed will be put back as they were" in intro
    assert store.scalar("SELECT undone_at FROM import_batches WHERE id = 2") is None
    assert len(list_backups(store.path)) == backups
    page.undo_import()                       # asked again: the reason typed is still there; cancelled
    assert ask.shown[1][3] == "P9 came in twice"
    assert store.scalar("SELECT undone_at FROM import_batches WHERE id = 2") is None
    page.undo_import()                       # and now done
    qtbot.waitUntil(lambda: store.scalar("SELECT undone_at FROM import_batches WHERE id = 2") is not None,
                    timeout=5000)
    assert store.scalar("SELECT forename FROM persons WHERE id = 'P1'") == "Darren"
    assert store.scalar("SELECT count(*) FROM persons WHERE id = 'P9'") == 0
    assert len(list_backups(store.path)) == backups + 1

    # the list reloads: the import stays, marked undone, and cannot be undone again; the first one now can
    qtbot.waitUntil(lambda: page.batch_model.rows() and page.batch_model.rows()[0].undone_at is not None,
                    timeout=3000)
    last = len(imports_page._BATCH_COLUMNS) - 1
    assert page.batch_model.headerData(last, Qt.Orientation.Horizontal) == "State"
    assert page.batch_model.data(page.batch_model.index(0, last)).startswith("undone ")
    qtbot.waitUntil(lambda: page.undo_refusal is not None, timeout=3000)
    assert page.selected_batch().id == 2 and not page.undo_button.isEnabled()
    assert "was undone already" in page.undo_button.toolTip()
    assert "Undid import 2 (second.csv)" in window.statusBar().currentMessage()
    _select(qtbot, page, 1)
    assert page.undo_button.isEnabled()


def test_a_read_only_store_offers_no_undo(qtbot, window, store, monkeypatch):
    monkeypatch.setattr(store, "read_only", True)
    page = window.show_page("imports")
    qtbot.waitUntil(lambda: page.batch_model.rowCount() == 2, timeout=3000)
    _select(qtbot, page, 2)
    assert not page.undo_button.isEnabled() and "read-only" in page.undo_button.toolTip()
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: pytest.fail("nothing is asked on a read-only store"))
    page.undo_import()

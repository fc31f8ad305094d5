"""The import wizard's guards: the wheel leaves mappings alone, relationship headers are guessed, the preview speaks
the file's header names, warns of lost names, and holds the import for a reject limit or for name changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from matac_desk.intake.importer import import_extract
from matac_desk.ui.importwizard import ImportWizard, MappingCombo

from conftest import TODAY, write_csv
from gui_support import isolated_qsettings, make_window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.gui

HEADER = ["Occurrence No", "Occurrence Date", "Offence Description", "Offender Nominal ID", "Suspect Forename",
          "Victim Nominal ID", "Victim Relationship To Offender"]


def rows(n: int, *, renamed: int = 0, forename: str = "Darren") -> list[list[str]]:
    return [[f"R{i}", "01/10/2026", "Common assault", f"P{i}", "Lee" if i < renamed else forename, f"V{i}",
             "girlfriend"] for i in range(n)]


@pytest.fixture
def window(qtbot, store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, store)


def _preview(qtbot, window, path) -> ImportWizard:
    wizard = window.start_import()
    wizard.file_page.set_path(str(path))
    assert wizard.file_page.isComplete()
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview_page.result is not None, timeout=5000)
    return wizard


def _wheel(widget, steps: int = -1) -> None:
    event = QWheelEvent(QPointF(5, 5), QPointF(widget.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_changes_a_mapping_only_when_its_combo_has_the_focus(qtbot, window, tmp_path, monkeypatch):
    wizard = window.start_import()
    wizard.file_page.set_path(str(write_csv(tmp_path / "a.csv", HEADER, rows(3))))
    wizard.next()
    mp = wizard.mapping_page
    combo = mp.combos[0]
    assert isinstance(combo, MappingCombo) and combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    before = mp.mapping()
    _wheel(combo)
    assert mp.mapping() == before
    monkeypatch.setattr(combo, "hasFocus", lambda: True)
    _wheel(combo)
    assert mp.mapping() != before     # the same wheel, focused, does change it


def test_relationship_headers_are_guessed_in_the_wizard(qtbot, window, tmp_path):
    wizard = window.start_import()
    wizard.file_page.set_path(str(write_csv(tmp_path / "a.csv", HEADER, rows(3))))
    wizard.next()
    assert wizard.mapping_page.mapping()["Victim Relationship To Offender"] == "relationship"


def test_the_preview_speaks_the_files_header_names_and_warns_of_lost_names(qtbot, window, tmp_path):
    data = rows(4)
    data[2][4] = "????"
    data[3][1] = "soon"
    wizard = _preview(qtbot, window, write_csv(tmp_path / "a.csv", HEADER, data))
    pv = wizard.preview_page
    titles = [pv.good_model.headerData(i, Qt.Orientation.Horizontal) for i in range(pv.good_model.columnCount())]
    assert titles[:3] == ["Occurrence Date", "Occurrence No", "Offence Description"]
    assert [r.reason for r in pv.reject_model.rows()] == ["Occurrence Date: not a date (expected YYYY-MM-DD or "
                                                          "DD/MM/YYYY)"]
    assert pv.warning.isVisibleTo(wizard) and "made only of “?”" in pv.warning.text() and "line(s) 4" in \
        pv.warning.text()
    assert "5 lines read: the header, 3 in rows to import, 0 blank, 1 rejected" in pv.summary.text()
    assert pv.isComplete()


def test_the_reject_limit_holds_the_import_until_ticked(qtbot, window, store, tmp_path):
    data = rows(20) + [[f"X{i}", "soon", "x", f"Q{i}", "", f"W{i}", ""] for i in range(12)]
    wizard = _preview(qtbot, window, write_csv(tmp_path / "a.csv", HEADER, data))
    pv = wizard.preview_page
    assert "12 of 32 data lines rejected" in pv.warning.text() and not pv.isComplete()
    pv.limit_box.setChecked(True)
    assert pv.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=5000)
    assert (wizard.summary.new, wizard.summary.rejected) == (20, 12)


def test_name_changes_above_the_limit_are_listed_and_held_until_accepted(qtbot, window, store, tmp_path,
                                                                         monkeypatch):
    import_extract(store, write_csv(tmp_path / "first.csv", HEADER, rows(50)),
                   mapping={"Occurrence No": "incident_ref", "Occurrence Date": "incident_date",
                            "Offence Description": "offence", "Offender Nominal ID": "perpetrator_id",
                            "Suspect Forename": "perpetrator_forename", "Victim Nominal ID": "victim_id"},
                   today=TODAY)
    wizard = _preview(qtbot, window, write_csv(tmp_path / "second.csv", HEADER, rows(50, renamed=12)))
    pv = wizard.preview_page
    assert pv.change_model.rowCount() == 12 and pv.change_model.rows()[0] == ("P0", "Darren", "Lee")
    assert "change the name of <b>12</b>" in pv.changes_label.text()
    assert pv.accept_box.isVisibleTo(wizard) and not pv.isComplete()
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'view.listing'"
                        " AND entity_id = 'import-person-changes'") == 1
    pv.accept_box.setChecked(True)
    assert pv.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=5000)
    assert wizard.summary.name_changes == 12
    assert "12 name change(s) of known persons" in wizard.summary_page.text.text()
    assert store.scalar("SELECT count(*) FROM data_quality WHERE kind = 'name_changed'") == 12
    wizard.accept()

    # the Import page counts them and puts them back, once confirmed
    from matac_desk.ui import dialogs
    page = window.show_page("imports")
    qtbot.waitUntil(lambda: "changed 12 name(s)" in page.changes_label.text(), timeout=3000)
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: asked.append(1) or False)
    page.put_back()
    assert asked and store.scalar("SELECT count(*) FROM persons WHERE forename = 'Lee'") == 12
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: True)
    page.put_back()
    qtbot.waitUntil(lambda: store.scalar("SELECT count(*) FROM persons WHERE forename = 'Lee'") == 0, timeout=3000)
    qtbot.waitUntil(lambda: not page.put_back_button.isEnabled(), timeout=3000)

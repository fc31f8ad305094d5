"""The window is safe to work in: names wherever ids are asked, accents legible on light and dark palettes,
a refused dialog keeps its text and does nothing, tables offer their columns, the window fits the screen."""

from __future__ import annotations

import pytest

from gui_support import _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, demo_store)


def _unique_named_perpetrator(store):
    """A perpetrator whose full name no other person has, and who has someone linked to him."""
    return store.conn.execute(
        "SELECT p.id, p.forename || ' ' || p.surname FROM persons p JOIN involvements v ON v.perpetrator_id = p.id"
        " WHERE p.forename IS NOT NULL AND p.surname IS NOT NULL AND (SELECT count(*) FROM persons q"
        " WHERE q.name_key = p.name_key) = 1 GROUP BY p.id ORDER BY count(*) DESC LIMIT 1").fetchone()


def test_graph_takes_a_name_typed_or_picked_from_the_suggestions(window, demo_store, qtbot):
    from PySide6.QtCore import Qt
    pid, name = _unique_named_perpetrator(demo_store)
    page = window.show_page("graph")
    page.person.setText(name)
    qtbot.keyClick(page.person, Qt.Key.Key_Return)
    assert page.layout_ is not None and page.layout_.centre == pid
    assert page.person.text().startswith(name) and f"({pid})" in page.person.text()
    # the completer: the store's suggestions, name, id and date of birth; picking one draws him
    page.person.clear()
    page.person.setText(name.split()[-1][:5])
    page.person.look_up()
    shown = page.person.suggestions()
    assert shown and all("(" in s for s in shown)
    row = next(i for i, s in enumerate(shown) if f"({pid})" in s)
    page.layout_ = None
    page.person.pick(row)
    assert page.layout_.centre == pid


def test_graph_says_which_ids_an_ambiguous_name_could_be(window, demo_store, monkeypatch):
    shown = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.warning", lambda _p, _t, text: shown.append(text))
    page = window.show_page("graph")
    page.show_person("zzzz nobody")
    assert shown and "no person matches 'zzzz nobody'" in shown[0]


def test_packs_exports_a_profile_for_a_name(window, demo_store, tmp_path):
    from matac_desk.storage import audit
    pid, name = _unique_named_perpetrator(demo_store)
    page = window.show_page("packs")
    page.kind_profile.setChecked(True)
    page.person.setText(name)
    page.recipient.setCurrentText("Probation")
    out = tmp_path / "profile.pdf"
    page.export(path=str(out))
    assert out.read_bytes().startswith(b"%PDF")
    [entry] = audit.entries(demo_store.conn, action="disclosure.profile")
    assert entry["recipient"] == "Probation"
    assert page.person.person_id() == pid
    # the recipient list offers past recipients first, then the force's agencies
    page.reload()
    offered = [page.recipient.itemText(i) for i in range(page.recipient.count())]
    assert offered[0] == "Probation" and len(offered) > 1


def _palettes():
    from PySide6.QtWidgets import QStyleFactory
    from matac_desk.ui.screenshots import dark_palette
    return {"light": QStyleFactory.create("Fusion").standardPalette(), "dark": dark_palette()}


@pytest.mark.parametrize("which", ["light", "dark"])
def test_every_accent_reads_at_4_5_to_1_on_its_palette(qapp, which):
    from PySide6.QtGui import QPalette
    from matac_desk.ui import widgets
    pal = _palettes()[which]
    old = qapp.palette()
    qapp.setPalette(pal)
    try:
        assert widgets.is_dark() == (which == "dark")
        R = QPalette.ColorRole
        for kind in ("error", "warning", "ok", "info"):
            colour = widgets.ACCENT[kind]
            assert colour == (widgets.ACCENT_DARK if which == "dark" else widgets.ACCENT_LIGHT)[kind]
            for role in (R.Window, R.Base, R.AlternateBase, R.Button):
                ratio = widgets.contrast(colour, pal.color(role))
                assert ratio >= 4.5, (which, kind, role.name, round(ratio, 2))
    finally:
        qapp.setPalette(old)


def test_contrast_is_measured_as_wcag_does():
    from matac_desk.ui.widgets import contrast
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)   # the classic just-fails grey
    assert contrast("#d08a00", "#ffffff") < 4.5                              # the old warning orange


def test_only_one_column_carries_a_rows_accent(qapp):
    from PySide6.QtCore import Qt
    from matac_desk.ui.models import Column, RowsModel
    m = RowsModel([Column("Name", lambda r: r[0]), Column("Due", lambda r: r[1], accent=True)], [("a", "x")],
                  accent=lambda r: "error")
    fg = Qt.ItemDataRole.ForegroundRole
    assert m.data(m.index(0, 0), fg) is None and m.data(m.index(0, 1), fg) is not None
    assert m.data(m.index(0, 1), Qt.ItemDataRole.FontRole).bold()


def test_a_refused_merge_keeps_its_text_and_makes_no_backup(qtbot, demo_store, isolated_qsettings,  # noqa: F811
                                                           monkeypatch):
    from PySide6.QtWidgets import QDialog
    from matac_desk.analysis import duplicates
    from matac_desk.storage import backups
    from matac_desk.ui import dialogs
    w = make_window(qtbot, demo_store)
    page = w.show_page("records")
    if not page.pair_model.rowCount():
        pytest.skip("the demo store has no probable duplicates")
    page.pair_view.selectRow(0)
    pair = page.selected_pair()
    seen = {}

    def ask(parent, title, fields, **kw):
        dlg = dialogs.FormDialog(title, fields, intro=kw.get("intro", ""), ok=kw.get("ok", "OK"), parent=parent,
                                 check=kw.get("check"))
        qtbot.addWidget(dlg)
        reason = f"Same man as {pair.a_name}"            # names a person: the audit log refuses it
        dlg.widgets["reason"].setPlainText(reason)
        dlg._accept()
        seen.update(result=dlg.result(), error=dlg.error.text(), text=dlg.widgets["reason"].toPlainText())
        return None                                       # then the user cancels

    monkeypatch.setattr(dialogs, "ask", ask)
    before = len(backups.list_backups(demo_store.path))
    page.merge_selected()
    assert seen["result"] != QDialog.DialogCode.Accepted        # still open
    assert seen["text"] == f"Same man as {pair.a_name}"          # with its text
    assert "Nothing was done" in seen["error"] and seen["error"] != ""
    assert len(backups.list_backups(demo_store.path)) == before  # and no backup
    assert not duplicates.merge_history(demo_store) if hasattr(duplicates, "merge_history") else True


def test_a_header_menu_hides_a_column_and_it_is_remembered(window):
    from matac_desk.ui.widgets import build_column_menu, remember_header
    page = window.show_page("actions")
    view = page.view
    header = view.horizontalHeader()
    menu = build_column_menu(view)
    titles = [a.text() for a in menu.actions() if a.isCheckable()]
    assert len(titles) == view.model().columnCount()
    last = [a for a in menu.actions() if a.isCheckable()][-1]
    last.setChecked(False)
    assert header.isSectionHidden(view.model().columnCount() - 1)
    header.setSectionHidden(view.model().columnCount() - 1, False)     # forget it here, restore from settings
    assert remember_header(view)
    assert header.isSectionHidden(view.model().columnCount() - 1)


def test_the_first_window_fits_the_available_screen(window):
    avail = window.screen().availableGeometry()
    assert window.width() <= avail.width() and window.height() <= avail.height()


def test_qt_options_are_passed_to_qapplication():
    from matac_desk.app import split_qt_args
    assert split_qt_args(["-style", "fusion", "store.mdesk"]) == (["store.mdesk"], ["-style", "fusion"])
    assert split_qt_args(["--demo", "-style=fusion", "-reverse"]) == (["--demo"], ["-style=fusion", "-reverse"])
    assert split_qt_args(["--demo"]) == (["--demo"], [])


def test_help_and_settings_menus(window):
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    window.settings_action.trigger()
    assert window.current_page().key == "settings"
    assert window.guide_path() is not None and window.guide_path().name == "guide.md"
    keys = dict(window.shortcut_rows())
    assert keys["Quit"] == "Ctrl+Q" and keys["Lock"] == "Ctrl+L" and keys["Settings…"] == "Ctrl+,"


def test_an_action_updated_keeps_the_place_and_can_be_undone(window, demo_store):
    from matac_desk.meeting import actions
    page = window.show_page("actions")
    page.overdue_only.setChecked(True)
    rows = page.model.rows()
    if len(rows) < 2:
        pytest.skip("the demo store has fewer than two overdue actions")
    page.view.selectRow(0)
    first, second = rows[0], rows[1]
    page.new_status.setCurrentText("done")
    page.note.setText("Completed")
    page.update_selected()
    # done: it left the overdue list; the one that took its row is selected, not the top of another list
    assert page.overdue_only.isChecked()
    assert page.selected() is not None and page.selected().id == second.id
    assert window.undo_action.text() == f"&Undo close action {first.id}"
    window.undo_action.trigger()
    assert next(a for a in actions.list_actions(demo_store) if a.id == first.id).status == first.status


def test_an_empty_person_tab_says_what_goes_there_with_a_button(window, demo_store):
    pid = demo_store.scalar("SELECT p.id FROM persons p WHERE NOT EXISTS (SELECT 1 FROM subject_tactics t"
                            " WHERE t.person_id = p.id) LIMIT 1")
    window.open_person(pid)
    person = window.pages["people"].person
    box = person.tactic_box
    assert box.currentIndex() == 0 and "agreed at a MATAC meeting" in box.hint.text()
    box.button.click()
    assert window.current_page().key == "meetings"


def test_settings_not_saved_are_asked_about_on_quit(window, monkeypatch):
    from matac_desk.ui import dialogs
    page = window.show_page("settings")
    page.general.dirty = True
    window.show_page("dashboard")                  # another page: the edits stay, nothing asked
    asked = []
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda _p, _t, text: asked.append(text) or "cancel")
    assert not window.close()
    assert asked and "General settings have changes not saved" in asked[0]
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *a: "save")
    assert not window.close() and window.current_page().key == "settings"
    page.general.dirty = False

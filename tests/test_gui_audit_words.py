"""Every audit view shows each entry in words ("Viewed the profile"); the event code and the raw detail stay for the
data protection officer, in the tooltip and in columns hidden until the header's menu shows them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from matac_desk.services import auditwords
from matac_desk.ui.protection import AuditModel
from matac_desk.ui.widgets import build_column_menu

from gui_support import (_demo_template, _meeting_template, demo_store, isolated_qsettings,  # noqa: F401
                         make_window, meeting_store, open_cohort_person)

pytestmark = pytest.mark.gui

H = Qt.Orientation.Horizontal


def _titles(model) -> list[str]:
    return [model.headerData(c, H) for c in range(model.columnCount())]


def _shown_text(view) -> str:
    model, header = view.model(), view.horizontalHeader()
    return " ".join(str(model.data(model.index(r, c))) for r in range(model.rowCount())
                    for c in range(model.columnCount()) if not header.isSectionHidden(c))


def _menu_entry(view, title: str):
    return next(a for a in build_column_menu(view).actions() if a.isCheckable() and a.text() == title)


def _check_words(view, what: int, event: int, detail: int) -> None:
    model, header = view.model(), view.horizontalHeader()
    assert model.rowCount() > 0
    assert header.isSectionHidden(event) and header.isSectionHidden(detail) and not header.isSectionHidden(what)
    for r in range(model.rowCount()):
        entry = model.row(r)
        words = model.data(model.index(r, what))
        assert words == auditwords.describe(entry)
        assert auditwords.knows(entry["action"]), f"{entry['action']} is shown only by its code in words"
        assert entry["action"] not in words
        tip = model.data(model.index(r, what), Qt.ItemDataRole.ToolTipRole)
        assert tip.startswith(f"Event: {entry['action']}")
        assert (entry["detail"] or "")[:200] in tip
        assert model.data(model.index(r, event)) == entry["action"]
    shown = _shown_text(view)
    assert '{"' not in shown                      # no raw JSON among the columns shown
    entry = _menu_entry(view, "Event")            # the officer shows the codes from the header's menu
    assert not entry.isChecked()
    entry.setChecked(True)
    assert not header.isSectionHidden(event)


def test_the_data_protection_log_is_in_words(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    window = make_window(qtbot, demo_store)
    page = window.show_page("protection")
    model = page.audit.model
    assert _titles(model)[AuditModel.WHAT] == "What happened"
    assert (_titles(model)[AuditModel.ACTION], _titles(model)[AuditModel.DETAIL]) == ("Event", "Detail")
    actions = {model.row(r)["action"] for r in range(model.rowCount())}
    assert len(actions) > 3
    _check_words(page.audit.view, AuditModel.WHAT, AuditModel.ACTION, AuditModel.DETAIL)
    # the Action filter's codes each say in words what they record
    from PySide6.QtCore import Qt
    combo = page.audit.action
    codes = [combo.itemText(i) for i in range(1, combo.count())]
    assert actions <= set(codes)
    for i, code in enumerate(codes, start=1):
        tip = combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        assert tip and tip != code, code
        if not code.endswith(".*"):
            assert tip == auditwords.describe({"action": code, "detail": {}})


def test_the_person_pages_audit_is_in_words(open_cohort_person):  # noqa: F811
    _w, person, _store, _seeded, _pid = open_cohort_person(0)
    model = person.audit_model
    titles = _titles(model)
    what, event, detail = titles.index("What happened"), titles.index("Event"), titles.index("Detail")
    words = [model.data(model.index(r, what)) for r in range(model.rowCount())]
    assert "Viewed the profile" in words
    _check_words(person.audit_view, what, event, detail)

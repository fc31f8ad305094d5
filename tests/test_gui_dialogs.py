"""The small forms pages ask through: an optional date, required fields, plain-text introductions."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt

from matac_desk.ui import dialogs

pytestmark = pytest.mark.gui


def _form(qtbot, fields, **kw):
    d = dialogs.FormDialog("A form", fields, **kw)
    qtbot.addWidget(d)
    return d


def test_an_optional_date_is_none_until_one_is_chosen(qtbot):
    d = _form(qtbot, [dialogs.Field("end", "To", kind="optional date"),
                      dialogs.Field("start", "From", kind="date", default="2026-10-01")])
    assert d.values() == {"end": None, "start": dt.date(2026, 10, 1)}
    assert d.widgets["end"].text() == "none"
    d.widgets["end"].setDate(QDate(2026, 12, 1))
    assert d.values()["end"] == dt.date(2026, 12, 1)


def test_an_optional_date_given_is_shown(qtbot):
    d = _form(qtbot, [dialogs.Field("end", "To", kind="optional date", default=dt.date(2027, 1, 31))])
    assert d.values() == {"end": dt.date(2027, 1, 31)}


def test_a_required_field_left_empty_keeps_the_form_open(qtbot):
    d = _form(qtbot, [dialogs.Field("recipient", "&Recipient", required=True)])
    d._accept()
    assert d.result() == 0 and "Recipient" in d.error.text()
    d.widgets["recipient"].setText("Probation")
    d._accept()
    assert d.result() == dialogs.QDialog.DialogCode.Accepted


def test_the_introduction_is_plain_text(qtbot):
    d = _form(qtbot, [dialogs.Field("x", "X")], intro="The profile of <b>Ann & Bo</b>")
    label = d.findChild(dialogs.QLabel)
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == "The profile of <b>Ann & Bo</b>"


def test_an_editable_choice_shows_its_placeholder(qtbot):
    d = _form(qtbot, [dialogs.Field("who", "Who", kind="choice", editable=True, choices=["", "Kelly Wood (V1)"],
                                    placeholder="a person linked to him")])
    assert d.widgets["who"].lineEdit().placeholderText() == "a person linked to him"


def test_a_person_field_needs_the_pages_context(qtbot):
    with pytest.raises(ValueError, match="needs the page's context"):
        dialogs.FormDialog("A form", [dialogs.Field("who", "&Person", kind="person")])

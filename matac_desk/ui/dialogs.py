"""Small forms asked for in a dialog: a referral, an exit reason, an action's new status, a meeting, an order.

:func:`ask` shows a :class:`FormDialog` of :class:`Field` specs and returns
the values entered (``None`` when cancelled). A ``person`` field is a
:class:`~.personfield.PersonField` (a name, an alias, a date of birth or an
id, with suggestions); its value is the id of the person it names, resolved
before the form closes: a name that names nobody, or several ("could be
NM0000006 Kieran Chapman, NM0000007 Kieran Chapmans"), keeps the form open
with the reason under the field. :func:`confirm` asks a yes or
no question. Pages call them through this module, so tests can answer for
the user (``monkeypatch.setattr(dialogs, "ask", ...)``) and still drive the
page's real flow; the dialog itself is tested on its own.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from .personfield import PersonField
from .widgets import accent_label

__all__ = ["Field", "FormDialog", "ask", "confirm", "save_discard_cancel"]

_NO_DATE = QDate(1900, 1, 1)


@dataclass(frozen=True)
class Field:
    """``kind``: text, long (several lines), choice (``choices``; ``editable`` lets the user type), date,
    optional date (None when left at "none"), check, person (its value the person's id; ``default`` an id or
    ``(id, name)``; the form needs the page's context)."""
    key: str
    label: str
    kind: str = "text"
    choices: Sequence[str] = ()
    default: Any = None
    required: bool = False
    editable: bool = False
    placeholder: str = ""


class FormDialog(QDialog):
    def __init__(self, title: str, fields: Sequence[Field], *, intro: str = "", ok: str = "OK",
                 parent: QWidget | None = None, check=None, ctx=None):
        super().__init__(parent)
        self.check = check   # values -> a refusal to show under the fields (the dialog stays open), or None
        self.setWindowTitle(title)
        self.fields = list(fields)
        self.widgets: dict[str, QWidget] = {}
        form = QFormLayout(self)
        if intro:
            label = QLabel(intro)
            label.setTextFormat(Qt.TextFormat.PlainText)   # it names people: never read as markup
            label.setWordWrap(True)
            form.addRow(label)
        for f in self.fields:
            w: QWidget
            if f.kind == "long":
                w = QPlainTextEdit()
                w.setTabChangesFocus(True)
                w.setPlaceholderText(f.placeholder)
                w.setMaximumHeight(self.fontMetrics().height() * 6)
                if f.default:
                    w.setPlainText(str(f.default))
            elif f.kind == "choice":
                w = QComboBox()
                w.setEditable(f.editable)
                w.addItems(list(f.choices))
                if f.editable and f.placeholder:
                    w.lineEdit().setPlaceholderText(f.placeholder)
                if f.default is not None:
                    w.setCurrentText(str(f.default))
                elif f.editable:
                    w.setCurrentText("")
            elif f.kind in ("date", "optional date"):
                w = QDateEdit()
                w.setCalendarPopup(True)
                w.setDisplayFormat("yyyy-MM-dd")
                if f.kind == "optional date":     # the earliest date stands for "no date"
                    w.setMinimumDate(_NO_DATE)
                    w.setSpecialValueText("none")
                d = f.default or (_dt.date.today() if f.kind == "date" else _NO_DATE.toPython())
                if isinstance(d, str):
                    d = _dt.date.fromisoformat(d)
                w.setDate(QDate(d.year, d.month, d.day))
            elif f.kind == "check":
                w = QCheckBox()
                w.setChecked(bool(f.default))
            elif f.kind == "person":
                if ctx is None:
                    raise ValueError(f"the person field {f.key!r} needs the page's context (ask(ctx=...))")
                w = PersonField(ctx, f.label.replace("&", ""))
                if f.placeholder:
                    w.setPlaceholderText(f.placeholder)
                if f.default:
                    w.set_person(*((f.default,) if isinstance(f.default, str) else f.default))
            else:
                w = QLineEdit()
                w.setPlaceholderText(f.placeholder)
                if f.default:
                    w.setText(str(f.default))
            w.setAccessibleName(f.label.replace("&", ""))
            self.widgets[f.key] = w
            form.addRow(f.label + ("" if f.kind == "check" else ":"), w)
            if isinstance(w, PersonField):
                form.addRow("", w.note)      # who the text names, or why it names nobody
        self.error = accent_label("", "error")
        self.error.setAccessibleName("Error message")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(440)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widgets[f.key]
            if isinstance(w, QPlainTextEdit):
                out[f.key] = w.toPlainText().strip()
            elif isinstance(w, QComboBox):
                out[f.key] = w.currentText().strip()
            elif isinstance(w, QDateEdit):
                out[f.key] = None if f.kind == "optional date" and w.date() == _NO_DATE else w.date().toPython()
            elif isinstance(w, QCheckBox):
                out[f.key] = w.isChecked()
            elif isinstance(w, PersonField):
                out[f.key] = w.person_id() or w.text().strip()
            else:
                out[f.key] = w.text().strip()
        return out

    def _accept(self) -> None:
        values = self.values()
        missing = [f.label.replace("&", "") for f in self.fields if f.required and not values[f.key]]
        if missing:
            self.error.setText(f"Fill in: {', '.join(missing)}.")
            return
        from ..domain import UserError
        unresolved = []
        for f in self.fields:          # each person named: resolved now, or the reason under the field
            w = self.widgets[f.key]
            if isinstance(w, PersonField) and values[f.key]:
                try:
                    values[f.key] = w.resolve()
                except UserError:
                    unresolved.append(f.label.replace("&", ""))
        if unresolved:
            self.error.setText(f"Choose who is meant ({', '.join(unresolved)}): see under the field. Nothing was "
                               "done: correct it, or Cancel.")
            self.widgets[next(f.key for f in self.fields if f.label.replace("&", "") == unresolved[0])].setFocus()
            return
        if self.check is not None:
            try:
                refusal = self.check(values)
            except UserError as e:
                refusal = str(e)
            if refusal:
                # refused: the dialog stays open with everything typed, the reason under the fields
                text = refusal[:1].upper() + refusal[1:].rstrip(".")
                self.error.setText(f"{text}. Nothing was done: correct it, or Cancel.")
                return
        self.accept()


def ask(parent: QWidget | None, title: str, fields: Sequence[Field], *, intro: str = "",
        ok: str = "OK", check=None, ctx=None) -> dict[str, Any] | None:
    """Show the form; the values entered, or None when the user cancels.

    ``check(values)`` returns why the values are refused (or raises a
    UserError): the dialog then stays open with the text typed and the
    reason under the fields, and nothing is done until the user corrects it
    or cancels. ``ctx`` (the page's context) is needed by a ``person`` field.
    """
    dlg = FormDialog(title, fields, intro=intro, ok=ok, parent=parent, check=check, ctx=ctx)
    try:
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.values()
    finally:
        dlg.deleteLater()


def confirm(parent: QWidget | None, title: str, text: str, *, yes: str = "Yes") -> bool:
    """A yes-or-no question; True when the user answers yes (No is the default)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.No, parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    try:
        box.exec()
        return box.clickedButton() is ok
    finally:
        box.deleteLater()


def save_discard_cancel(parent: QWidget | None, title: str, text: str) -> str:
    """Unsaved text: ``"save"``, ``"discard"`` or ``"cancel"`` (the default, and Escape)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Save
                      | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    try:
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")
    finally:
        box.deleteLater()

"""A person field: type a name, an alias, a date of birth or an id, and pick from what the search finds.

The suggestions come from :func:`matac_desk.services.people.suggestions` on
the background connection as the user types (a short pause first), shown
as "Kieran Chapman (NM0000006) · born 1990-05-05" so that two men of one
name can be told apart. :meth:`PersonField.person_id` is the id picked; a
name typed and not picked is resolved by the page with
:func:`matac_desk.services.people.resolve` (a unique name, or the ids it
could be).
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from ..services import people

__all__ = ["PersonField", "shown"]


def shown(person_id: str, name: str, dob: str | None = None) -> str:
    """How a person is shown in the field and its suggestions."""
    return f"{name} ({person_id})" + (f" · born {dob}" if dob else "")


class PersonField(QLineEdit):
    """A line edit for a person, with a completer over the people search index."""

    chosen = Signal(str)   # a person id, picked from the suggestions

    def __init__(self, ctx, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(accessible)
        self.setPlaceholderText("name, alias, date of birth or id")
        self.setClearButtonEnabled(True)
        self._ids: dict[str, str] = {}     # suggestion text -> id
        self._chosen: tuple[str, str] | None = None   # (text shown, id) of the person picked or set
        self._gen = 0
        self.model = QStringListModel(self)
        completer = QCompleter(self.model, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)  # the store filtered
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        completer.activated[str].connect(self._picked)
        self.setCompleter(completer)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.look_up)
        self.textEdited.connect(lambda _t: self._timer.start())

    def look_up(self) -> None:
        """Ask the store for the persons the text finds (the popup shows them)."""
        self._timer.stop()
        text = self.text().strip()
        self._gen += 1
        gen = self._gen
        if len(text) < 2 or (self._chosen and text == self._chosen[0]):
            return
        self.ctx.read(people.suggestions, text).then(lambda rows, g=gen: self._fill(g, rows), lambda _e: None)

    def _fill(self, gen: int, rows) -> None:
        if gen != self._gen:
            return
        self._ids = {shown(i, n, d): i for i, n, d in rows}
        self.model.setStringList(list(self._ids))
        if self._ids and self.hasFocus():
            self.completer().complete()

    def _picked(self, text: str) -> None:
        pid = self._ids.get(text)
        if pid:
            self._chosen = (text, pid)
            self.setText(text)
            self.chosen.emit(pid)

    def suggestions(self) -> list[str]:
        return self.model.stringList()

    def pick(self, row: int) -> None:
        """Pick the ``row``-th suggestion (as a click in the popup does)."""
        self._picked(self.model.stringList()[row])

    def set_person(self, person_id: str, name: str | None = None, dob: str | None = None) -> None:
        text = shown(person_id, name, dob) if name else person_id
        self._chosen = (text, person_id)
        self.setText(text)

    def person_id(self) -> str | None:
        """The id picked or set, while the text still shows him; None when something else was typed."""
        if self._chosen and self.text() == self._chosen[0]:
            return self._chosen[1]
        return None

    def clear(self) -> None:
        self._chosen = None
        self._ids = {}
        self.model.setStringList([])
        super().clear()

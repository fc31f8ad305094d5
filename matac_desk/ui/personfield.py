"""A person field: type a name, an alias, a date of birth or an id, and pick from what the search finds.

The suggestions come from :func:`matac_desk.services.people.suggestions` on
the background connection as the user types (a short pause first), shown
as "Kieran Chapman (NM0000006) · born 1990-05-05" so that two men of one
name can be told apart. :meth:`PersonField.person_id` is the id picked;
:meth:`PersonField.resolve` also takes a name typed and not picked, through
:func:`matac_desk.services.people.resolve` (an id, or a name only one person
has). When it names nobody, or several ("could be NM0000006 Kieran Chapman,
NM0000007 Kieran Chapmans"), the reason is put in :attr:`PersonField.note`,
the line the form shows under the field, and the ones it could be are
offered as the suggestions.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from ..domain import UserError
from ..services import people
from .widgets import say, text_label

__all__ = ["PersonField", "shown", "could_be"]


def shown(person_id: str, name: str, dob: str | None = None) -> str:
    """How a person is shown in the field and its suggestions."""
    return f"{name} ({person_id})" + (f" · born {dob}" if dob else "")


def could_be(e: people.Ambiguous) -> str:
    """The persons an ambiguous name could be, as said under the field."""
    names = ", ".join(f"{i} {n}" + (f" (born {d})" if d else "") for i, n, d in e.candidates)
    more = f" and {e.count - len(e.candidates)} more" if e.count > len(e.candidates) else ""
    return f"Could be {names}{more}: pick one from the list, or type the id."


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
        self._refused = False         # the note holds why the text names nobody, or several
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
        self.note = text_label(f"{accessible}: who it is")   # for the form to show under the field
        self.note.setTextFormat(Qt.TextFormat.PlainText)     # it names people: never read as markup

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

    def resolve(self, *, follow_merges: bool = True, new_ok: bool = False) -> str:
        """The id of the person the field names: the one picked, else the text resolved now
        (:func:`~matac_desk.services.people.resolve` on the background connection; a short indexed search).

        A refusal (a UserError: nobody, or several) is also put in :attr:`note`; for several, the ones it
        could be become the suggestions. A name resolved is kept as picked while the text is unchanged.
        """
        pid = self.person_id()
        if pid is None:
            text = self.text().strip()
            try:
                pid = self.ctx.background.call(people.resolve, text, follow_merges=follow_merges, new_ok=new_ok)
            except UserError as e:
                self.show_refusal(e)
                raise
            self._chosen = (self.text(), pid)
        if self._refused:             # a refusal answered: its reason goes (what the page said of him stays)
            self._refused = False
            say(self.note, "")
        return pid

    def show_refusal(self, e: UserError) -> None:
        """Say under the field why its text names no one person: for a name several persons have, the ones it
        could be (they become the suggestions); otherwise the reason."""
        if isinstance(e, people.Ambiguous):
            self._refuse(could_be(e))
            self._offer(e.candidates)
        else:
            self._refuse(str(e)[:1].upper() + str(e)[1:].rstrip(".") + ".")

    def _refuse(self, text: str) -> None:
        self._refused = True
        say(self.note, text, "error")

    def _offer(self, rows) -> None:
        """Make ``rows`` (id, name, date of birth) the suggestions, and show them if the field has the focus."""
        self._gen += 1                   # a look-up still under way does not replace them
        self._fill(self._gen, rows)

    def person_id(self) -> str | None:
        """The id picked or set, while the text still shows him; None when something else was typed."""
        if self._chosen and self.text() == self._chosen[0]:
            return self._chosen[1]
        return None

    def clear(self) -> None:
        self._chosen = None
        self._ids = {}
        self.model.setStringList([])
        self._refused = False
        say(self.note, "")
        super().clear()

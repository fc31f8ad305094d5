"""Undo and redo for the corrections made in place: a ``QUndoStack`` over the plain edits of :mod:`matac_desk.services.edits`.

An edit is applied first, on the background connection (:meth:`Context.change`,
so the pages reload what it touched); only when it succeeded is it pushed
on the stack, so a refused edit leaves neither a change nor an entry.
Undo and redo work the same way: the edit's ``revert``/``apply`` runs on
the background connection, one at a time and in the order asked for
(Ctrl+Z pressed three times quickly undoes three edits, newest first),
and the stack's position moves only when it succeeded. An undo or redo
that is refused (the value was changed again since; the store is
read-only) is shown as its one-line message and the position stays: the
store did not change, so neither does the history.

The window's Edit menu names the edit ("Undo change MAPPA level"). The
history is cleared when the store is locked or closed; an edit still
running then finishes but is not kept.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from ..services.edits import Edit

__all__ = ["EditHistory"]


class _Command(QUndoCommand):
    """One applied edit on the stack, named for the Edit menu. The history does the edit's work first and
    moves the stack only when it succeeded, so the command's own ``undo()``/``redo()`` (QUndoCommand's,
    which do nothing) never write; only :class:`EditHistory` moves the stack."""

    def __init__(self, edit: Edit):
        super().__init__(edit.text)
        self.edit = edit


class EditHistory(QObject):
    """The edits made since the store was unlocked, and what Undo and Redo would do next."""

    changed = Signal()   # what can be undone or redone, or whether something runs, changed

    def __init__(self, ctx, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.stack = QUndoStack(self)
        self.widget: QWidget | None = None   # where messages are shown (the main window)
        self.busy = False
        self._queue: deque[Callable[[], None]] = deque()
        self._generation = 0
        self.stack.indexChanged.connect(lambda _i: self.changed.emit())

    # ------------------------------------------------------------ what the menu shows
    def can_undo(self) -> bool:
        return self.stack.canUndo()

    def can_redo(self) -> bool:
        return self.stack.canRedo()

    def undo_text(self) -> str:
        return self.stack.undoText()

    def redo_text(self) -> str:
        return self.stack.redoText()

    # ------------------------------------------------------------ asking
    def submit(self, edit: Edit, *, parent: QWidget | None = None, done: Callable[[bool], None] | None = None,
               failed: Callable[[BaseException], None] | None = None) -> None:
        """Apply ``edit`` in the background; when it changed something, keep it for Undo.

        ``done(changed)`` is called after, or ``failed(error)`` (a form puts its
        fields back); the refusal is then shown (a UserError as its one line)
        unless ``failed`` returns True (it dealt with it).
        """
        gen = self._generation

        def start() -> None:
            def ok(changed: Any) -> None:
                if gen == self._generation and changed:
                    self.stack.push(_Command(edit))
                if done is not None:
                    done(bool(changed))
                self._finish()

            def bad(e: BaseException) -> None:
                from .context import show_error
                if not (failed is not None and failed(e)):
                    show_error(parent or self.widget, e, edit.text[:1].upper() + edit.text[1:])
                self._finish()

            self._change(edit.apply, edit, ok, bad)

        start.is_edit = True   # kept in the queue when an undo before it is refused
        self._enqueue(start)

    def undo(self) -> None:
        self._enqueue(lambda: self._step(forward=False))

    def redo(self) -> None:
        self._enqueue(lambda: self._step(forward=True))

    def clear(self) -> None:
        """Forget every edit (the store is locked or closed); work still running is not kept."""
        self._generation += 1
        self._queue.clear()
        self.stack.clear()
        self.busy = False
        self.changed.emit()

    # ------------------------------------------------------------ running, one at a time
    def _change(self, fn, edit: Edit, ok, bad) -> None:
        self.ctx.change(fn, kinds=edit.kinds, what=edit.text, parent=self.widget, done=ok, failed=bad)

    def _enqueue(self, op: Callable[[], None]) -> None:
        self._queue.append(op)
        if not self.busy:
            self._next()

    def _next(self) -> None:
        while self._queue and not self.busy:
            self.busy = True
            self.changed.emit()
            op = self._queue.popleft()
            op()

    def _finish(self) -> None:
        self.busy = False
        self.changed.emit()
        self._next()

    def _step(self, *, forward: bool) -> None:
        """Redo (``forward``) or undo the edit next to the stack's position; move the position once it is done."""
        stack = self.stack
        if not (stack.canRedo() if forward else stack.canUndo()):
            self._finish()
            return
        edit = stack.command(stack.index() if forward else stack.index() - 1).edit
        gen = self._generation

        def ok(_result: Any) -> None:
            if gen == self._generation:
                (stack.redo if forward else stack.undo)()     # the command itself does nothing
            self._finish()

        def bad(e: BaseException) -> None:
            from .context import show_error
            show_error(self.widget, e, ("Redo " if forward else "Undo ") + edit.text)
            if gen == self._generation:
                # the store did not change, so neither does the history; the undos and redos asked for
                # after this one assumed it would succeed: drop them (the edits asked for stay)
                self._queue = deque(op for op in self._queue if getattr(op, "is_edit", False))
            self._finish()

        self._change(edit.apply if forward else edit.revert, edit, ok, bad)

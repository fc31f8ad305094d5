"""Undo and redo for the corrections made in place: a ``QUndoStack`` over the plain edits of :mod:`matac_desk.edits`.

An edit is applied first, on the background connection (:meth:`Context.change`,
so the pages reload what it touched); only when it succeeded is it pushed
on the stack, so a refused edit leaves neither a change nor an entry.
Undo and redo run the edit's ``revert``/``apply`` on the background
connection too, one at a time and in the order asked for (Ctrl+Z pressed
three times quickly undoes three edits, newest first). An undo or redo
that is refused (the value was changed again since; the store is
read-only) is shown as its one-line message and the stack's position is
put back: the store did not change, so neither does the history.

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

from ..edits import Edit

__all__ = ["EditHistory"]


class _Command(QUndoCommand):
    """One applied edit on the stack. The stack's own calls start the work; the history finishes it."""

    def __init__(self, history: "EditHistory", edit: Edit):
        super().__init__(edit.text)
        self.history = history
        self.edit = edit
        self.pushed = False

    def redo(self) -> None:
        if not self.pushed:          # push() calls redo(): the edit was applied before it was pushed
            self.pushed = True
            return
        if not self.history.quiet:
            self.history._run(self.edit.apply, self, forward=True)

    def undo(self) -> None:
        if not self.history.quiet:
            self.history._run(self.edit.revert, self, forward=False)


class EditHistory(QObject):
    """The edits made since the store was unlocked, and what Undo and Redo would do next."""

    changed = Signal()   # what can be undone or redone, or whether something runs, changed

    def __init__(self, ctx, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.stack = QUndoStack(self)
        self.widget: QWidget | None = None   # where messages are shown (the main window)
        self.quiet = False                   # moving the stack's position back after a refusal: no work
        self.busy = False
        self._queue: deque[Callable[[], None]] = deque()
        self._in_stack = False               # inside stack.undo()/redo(): finish afterwards, not inside
        self._after: list[Callable[[], None]] = []
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
                    self.stack.push(_Command(self, edit))
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
        self._enqueue(lambda: self._step(self.stack.canUndo, self.stack.undo))

    def redo(self) -> None:
        self._enqueue(lambda: self._step(self.stack.canRedo, self.stack.redo))

    def clear(self) -> None:
        """Forget every edit (the store is locked or closed); work still running is not kept."""
        self._generation += 1
        self._queue.clear()
        self.quiet = True
        try:
            self.stack.clear()
        finally:
            self.quiet = False
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
        if self._in_stack:                   # an immediate runner reports inside stack.undo(): finish after it
            self._after.append(self._finish)
            return
        self.busy = False
        self.changed.emit()
        self._next()

    def _step(self, can: Callable[[], bool], move: Callable[[], None]) -> None:
        if not can():
            self._finish()
            return
        self._in_stack = True
        try:
            move()                           # the command's undo()/redo() starts the work (_run)
        finally:
            self._in_stack = False
        after, self._after = self._after, []
        for fn in after:
            fn()

    def _run(self, fn, cmd: _Command, *, forward: bool) -> None:
        gen = self._generation

        def bad(e: BaseException) -> None:
            from .context import show_error
            show_error(self.widget, e, ("Redo " if forward else "Undo ") + cmd.edit.text)
            if gen == self._generation:
                self._put_back(forward)
            self._finish()

        self._change(fn, cmd.edit, lambda _r: self._finish(), bad)

    def _put_back(self, forward: bool) -> None:
        """The undo (or redo) changed nothing: move the stack's position back, doing no work, and drop
        the undos and redos asked for after it (they assumed it succeeded)."""
        def move() -> None:
            self.quiet = True
            try:
                (self.stack.undo if forward else self.stack.redo)()
            finally:
                self.quiet = False
        self._queue = deque(op for op in self._queue if getattr(op, "is_edit", False))
        if self._in_stack:
            self._after.insert(0, move)
        else:
            move()

"""What every page of the window shares: the store, the task runner, and the "store changed" signal.

A page never talks to another page. A page that changes data calls
``ctx.notify("persons", ...)`` naming what changed (or writes through
:meth:`Context.change`, which notifies when the write succeeded); every
page listens to ``ctx.changed`` and reloads what concerns it (Anki's
``OpChanges``). The kinds in use: ``persons``, ``imports``,
``data_quality``, ``settings``, ``meetings`` (schedule, attendees, held),
``cohort`` (decisions, referrals, tactics, subject details), ``actions``,
``links``, ``scores`` (configuration, gravity table), ``toolkit`` (tactics
added, retired or restored), ``audit`` (a disclosure recorded: the person
page shows its audit). ``settings`` covers the force's names and agencies
and the thresholds.

``ctx.today()`` is the day the pages work to (tests pin it). ``ctx.history``
holds the edits made in place, for Edit > Undo and Redo (:mod:`.undo`).
"""

from __future__ import annotations

import datetime as _dt
import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..domain import Cancelled, UserError
from ..storage.store import Store
from .tasks import BackgroundStore, Task, TaskRunner
from .undo import EditHistory

__all__ = ["Context", "show_error", "CHANGED_ALL"]

log = logging.getLogger(__name__)

CHANGED_ALL = frozenset({"*"})


class Context(QObject):
    changed = Signal(object)  # frozenset of kinds; CHANGED_ALL after an unlock

    def __init__(self, store: Store, runner: TaskRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.runner = runner or TaskRunner()
        self.background = BackgroundStore(store)
        self.today: Callable[[], _dt.date] = _dt.date.today
        self.history = EditHistory(self, self)

    def notify(self, *kinds: str) -> None:
        self.changed.emit(frozenset(kinds))

    @staticmethod
    def concerns(kinds: frozenset, *mine: str) -> bool:
        """A change of ``kinds`` concerns a listener of ``mine``; ``CHANGED_ALL`` on either side matches every kind."""
        return "*" in kinds or "*" in mine or bool(kinds & set(mine))

    def run(self, fn: Callable[..., Any]) -> Task:
        """Run ``fn(progress, cancelled)`` in the background; chain ``.then(done, failed, progress)``."""
        return self.runner.run(fn)

    def read(self, fn: Callable[..., Any], *args: Any, cancellable: bool = False, **kw: Any) -> Task:
        """Run ``fn(store, *args, **kw)`` on the background connection.

        With ``cancellable``, ``fn`` also receives ``cancelled=``.
        """
        bg = self.background

        def work(_progress, cancelled):
            if cancellable:
                return bg.call(fn, *args, cancelled=cancelled, **kw)
            return bg.call(fn, *args, **kw)

        return self.run(work)

    def change(self, fn: Callable[..., Any], *args: Any, kinds: tuple[str, ...], what: str,
               parent: QWidget | None, done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None, **kw: Any) -> Task:
        """Write with ``fn(store, *args, **kw)`` off the GUI thread; on success call ``done`` and notify ``kinds``.

        A failure is shown (a UserError as its one line) unless ``failed`` handles it.
        """
        def ok(result: Any) -> None:
            if done is not None:
                done(result)
            self.notify(*kinds)

        def bad(e: BaseException) -> None:
            if failed is not None:
                failed(e)
            else:
                show_error(parent, e, what)

        return self.read(fn, *args, **kw).then(ok, bad)

    def close(self) -> None:
        """The store is locked or closed: forget the edits, and close the background connection."""
        self.history.clear()
        self.background.close()


def show_error(parent: QWidget | None, error: BaseException, what: str) -> None:
    """A failed task: a UserError is told as it is; anything else by its type only (no data in logs)."""
    if isinstance(error, Cancelled):
        return
    if isinstance(error, UserError):
        QMessageBox.warning(parent, what, str(error))
        return
    log.error("%s failed: %s", what, type(error).__name__)
    QMessageBox.critical(parent, what, f"{what} failed ({type(error).__name__}). Nothing was changed.")

"""Run long work off the GUI thread and get the result back by signal.

Domain functions take plain ``progress(done, total, message)`` and
``cancelled()`` callables. :class:`TaskRunner` runs them on the global
``QThreadPool`` and delivers ``finished(result)`` or ``failed(exception)``
on the GUI thread. Tests swap in :class:`ImmediateRunner`, which calls the
function at once (Picard's ``FakeThreadPool``).

:class:`BackgroundStore` is the second connection that reads (and the
audit of views) use off the GUI thread: opened once, on first use, in a
worker (opening costs the key derivation, about 0.1 s), used by one task
at a time. An import opens a connection of its own (``store.reopen()``),
since it holds its transaction for the whole file.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..storage.store import Store

__all__ = ["Task", "TaskRunner", "ImmediateRunner", "BackgroundStore", "wait_for"]

log = logging.getLogger(__name__)

CACHE_KIB = 65536


class Task(QObject):
    """One piece of work: ``fn(progress, cancelled)``; its outcome arrives by signal on the GUI thread.

    ``then(done, failed, progress)`` attaches plain callables; they run on
    the thread the task was created on (the GUI thread), whichever thread
    did the work.
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[..., Any], parent: QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self._cancel = threading.Event()
        self._done: list[Callable[[Any], None]] = []
        self._failed: list[Callable[[BaseException], None]] = []
        self._progress: list[Callable[[int, int, str], None]] = []
        self.is_done = False
        self.result: Any = None
        self.error: BaseException | None = None
        # Slots of this object: queued to its thread when emitted from a worker, direct otherwise.
        self.finished.connect(self._deliver_finished)
        self.failed.connect(self._deliver_failed)
        self.progressed.connect(self._deliver_progress)

    def then(self, done: Callable[[Any], None] | None = None, failed: Callable[[BaseException], None] | None = None,
             progress: Callable[[int, int, str], None] | None = None) -> "Task":
        if done:
            self._done.append(done)
        if failed:
            self._failed.append(failed)
        if progress:
            self._progress.append(progress)
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run_here(self) -> None:
        try:
            result = self.fn(self.progressed.emit, self.is_cancelled)
        except BaseException as e:  # delivered to the GUI thread, which decides
            self.failed.emit(e)
        else:
            self.finished.emit(result)

    @Slot(object)
    def _deliver_finished(self, result: Any) -> None:
        self.is_done, self.result = True, result
        for fn in self._done:
            fn(result)

    @Slot(object)
    def _deliver_failed(self, error: BaseException) -> None:
        self.is_done, self.error = True, error
        for fn in self._failed:
            fn(error)

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, message: str) -> None:
        for fn in self._progress:
            fn(done, total, message)


class _Runnable(QRunnable):
    def __init__(self, task: Task):
        super().__init__()
        self.task = task

    def run(self) -> None:
        self.task.run_here()


class TaskRunner:
    """Starts tasks on the global thread pool."""

    def __init__(self, pool: QThreadPool | None = None):
        self.pool = pool or QThreadPool.globalInstance()
        self._running: set[Task] = set()

    def start(self, task: Task) -> Task:
        self._running.add(task)  # keeps the Task alive until it reports
        task.finished.connect(lambda *_: self._running.discard(task))
        task.failed.connect(lambda *_: self._running.discard(task))
        self.pool.start(_Runnable(task))
        return task

    def run(self, fn: Callable[..., Any]) -> Task:
        """``start(Task(fn))``; chain ``.then(...)`` on the result (it reports from the event loop)."""
        return self.start(Task(fn))

    def wait_idle(self, msecs: int = 30000) -> bool:
        """Wait for running tasks (at exit); True when all finished."""
        return self.pool.waitForDone(msecs)


class ImmediateRunner(TaskRunner):
    """Runs each task at once on the calling thread (for tests)."""

    def __init__(self):
        self._running = set()

    def start(self, task: Task) -> Task:
        task.run_here()
        return task

    def run(self, fn: Callable[..., Any]) -> Task:
        # The callbacks are attached after start: hand them over when .then() is called.
        return _Settled(fn)

    def wait_idle(self, msecs: int = 30000) -> bool:
        return True


class _Settled(Task):
    """A task that ran at once; callbacks attached later still receive its outcome."""

    def __init__(self, fn: Callable[..., Any]):
        super().__init__(fn)
        self.run_here()

    def then(self, done=None, failed=None, progress=None) -> "Task":
        super().then(done, failed, progress)
        if self.error is None and done:
            done(self.result)
        elif self.error is not None and failed:
            failed(self.error)
        return self


class BackgroundStore:
    """A second connection to the open store for work off the GUI thread, one task at a time."""

    def __init__(self, store: Store):
        self.main = store
        self._own: Store | None = None
        self._lock = threading.Lock()
        self._close_after = False

    def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """``fn(store, *args, **kw)`` on the background connection (opened on first use)."""
        with self._lock:
            try:
                if self._own is None:
                    self._own = self.main.reopen()
                    # searches revisit the same index pages: keep them decrypted in memory (64 MiB)
                    self._own.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                return fn(self._own, *args, **kw)
            finally:
                if self._close_after:
                    self._close_locked()

    def _close_locked(self) -> None:
        self._close_after = False
        if self._own is not None:
            own, self._own = self._own, None
            try:
                own.close()  # and its share of the writer's lock, or a restore would find the store still open
            except Exception:  # closing a connection that is already gone
                log.debug("background connection already closed")

    def close(self) -> None:
        """Close the connection now, or as soon as the task using it finishes."""
        if self._lock.acquire(blocking=False):
            try:
                self._close_locked()
            finally:
                self._lock.release()
        else:
            self._close_after = True


def wait_for(task: Task, parent: QWidget | None, label: str, *, cancellable: bool = False,
             show_after_ms: int = 300) -> Task:
    """Keep the event loop turning until ``task`` reports, with a progress dialog if it takes a while.

    For steps the user must wait for anyway (unlocking a store, making the
    demo store): the window keeps painting while the work runs.
    """
    if task.is_done:
        return task
    dlg = QProgressDialog(label, "Cancel" if cancellable else None, 0, 0, parent)
    dlg.setWindowTitle("MATAC Desk")
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(show_after_ms)
    dlg.setAutoReset(False)
    dlg.setAccessibleName(label)
    if cancellable:
        dlg.canceled.connect(task.cancel)
    loop = QEventLoop()

    def progress(done: int, total: int, message: str) -> None:
        if total:
            dlg.setMaximum(1000)
            dlg.setValue(int(1000 * done / total))
        if message:
            dlg.setLabelText(f"{label}\n{message}")

    task.then(done=lambda _r: loop.quit(), failed=lambda _e: loop.quit(), progress=progress)
    if not task.is_done:
        loop.exec()
    dlg.reset()
    dlg.deleteLater()
    return task

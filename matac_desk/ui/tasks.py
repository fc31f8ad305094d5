"""Run long work off the GUI thread and get the result back by signal.

Domain functions take plain ``progress(done, total, message)`` and
``cancelled()`` callables. :class:`TaskRunner` runs them on the global
``QThreadPool`` and delivers ``finished(result)`` or ``failed(exception)``
on the GUI thread. Tests swap in :class:`ImmediateRunner`, which calls the
function at once (Picard's ``FakeThreadPool``).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["Task", "TaskRunner", "ImmediateRunner"]


class Task(QObject):
    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[..., Any], parent: QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self._cancel = threading.Event()

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
        self._running.add(task)
        task.finished.connect(lambda *_: self._running.discard(task))
        task.failed.connect(lambda *_: self._running.discard(task))
        self.pool.start(_Runnable(task))
        return task


class ImmediateRunner(TaskRunner):
    """Runs each task at once on the calling thread (for tests)."""

    def __init__(self):
        self._running = set()

    def start(self, task: Task) -> Task:
        task.run_here()
        return task

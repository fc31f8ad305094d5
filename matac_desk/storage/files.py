"""Writing a file that leaves the program: whole or not at all, and nothing left behind.

:func:`write_atomically` writes to a temporary file in the target's folder
and renames it into place, running a callback (the audit entry of the
disclosure) just before the rename: a target never exists without its
entry. A process killed outright runs no clean-up, so each writer holds an
OS lock on its temporary file and the next write into the folder removes
what dead writers left (:func:`remove_stale_partials`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..domain import UserError

if os.name != "nt":
    import fcntl

__all__ = ["write_atomically", "remove_stale_partials", "csv_bytes"]

_PARTIAL_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.partial$")  # what tempfile.mkstemp makes for write_atomically


def write_atomically(path: str | os.PathLike, data: Callable[[], bytes] | bytes,
                     before_rename: Callable[[], None] | None = None) -> Path:
    """Write to a temporary file in the target's folder, then rename it into place.

    ``data`` may be a callable that makes the bytes (a folder that cannot
    be written fails before it runs). ``before_rename`` runs last, before
    the rename (the audit entry). Any failure, including :class:`Cancelled`,
    removes the temporary file and leaves an existing target untouched.

    A process killed outright (SIGKILL, a power cut) runs no clean-up: the
    target is then absent or whole (the rename is atomic). The temporary
    file ``.<name>.<random>.partial`` (hidden, owner-only) exists only
    while the bytes are written and synced, and until the rename: made
    before, it would stay, empty, after most kills during the long work of
    ``data``. Killed in that short time, it stays with some or all of the
    bytes. The writer holds an OS lock on it until the rename, released
    when its process dies, so the next write into the same folder removes
    what dead writers left (:func:`remove_stale_partials`). The order
    (bytes synced, then ``before_rename``, then the rename) means a target
    never exists without its audit entry; killed between the two, the
    entry stands for bytes that stayed in the temporary file and were never
    put in place.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{target}: the folder {folder} does not exist")
    remove_stale_partials(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{target}: cannot write in {folder} (permission denied or a read-only disk)")
    content = data() if callable(data) else data
    try:
        fd, tmp = _locked_temporary(target, folder)
    except OSError as e:
        raise UserError(f"{target}: cannot write in {folder} ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
            if os.name == "nt":  # pragma: no cover - Windows renames no open file
                fh.close()
            if before_rename:
                before_rename()
            os.replace(tmp, target)
        _fsync_folder(folder)
    except OSError as e:
        _remove(tmp)
        raise UserError(f"{target}: cannot write ({e.strerror})") from None
    except BaseException:
        _remove(tmp)
        raise
    return target


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """Rows as a CSV file's bytes: UTF-8 with a BOM, which spreadsheets on Windows read as UTF-8.

    The cells are written as given: neutralise formulas first where the data is not the program's own
    (:func:`~matac_desk.domain.safe_cell`).
    """
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def remove_stale_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that killed writers left in ``folder``; returns what was removed.

    Only files named as :func:`write_atomically` names them, and only when
    no live process holds their lock (on Windows: when no process has them
    open, as an open file cannot be deleted there).
    """
    removed = []
    try:
        names = [e.name for e in os.scandir(folder) if _PARTIAL_RE.match(e.name)]
    except OSError:
        return removed
    for name in names:
        p = Path(folder, name)
        try:
            if os.name == "nt":  # pragma: no cover - a file open anywhere cannot be deleted there
                os.unlink(p)
            else:
                with open(p, "rb") as fh:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError: its writer is alive
                    os.unlink(p)  # under the lock, so a writer that locks it next sees it gone
            removed.append(p)
        except OSError:
            continue
    return removed


def _locked_temporary(target: Path, folder: Path) -> tuple[int, str]:
    """A new temporary file beside ``target``, locked (see :func:`remove_stale_partials`)."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
        if os.name == "nt":  # pragma: no cover - an open file is its own lock there
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:
                return fd, tmp
        except OSError:
            os.close(fd)
            _remove(tmp)
            raise
        os.close(fd)  # another writer's sweep removed it between mkstemp and the lock: make another


def _fsync_folder(folder: Path) -> None:
    """Make the rename survive a power cut (best effort; not possible on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass

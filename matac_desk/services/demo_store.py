"""Use cases shared by the desktop client and the command line.

The layer between the UI and the engines (store, importer, demo, and the
scoring, graph, meeting and pack modules as they land). Nothing here
imports Qt.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import platformdirs

from .demo import DemoSpec, fill_store
from ..domain import never_cancelled, no_progress
from ..storage.store import DEMO_PASSPHRASE, Store

__all__ = ["user_data_dir", "demo_store_path", "open_demo_store", "DEMO_PASSPHRASE"]

DEMO_SEED = 7
DEMO_INCIDENTS = 2500


def user_data_dir() -> Path:
    """Per-user data folder (``MATAC_DESK_DATA_DIR`` overrides it, for tests and portable use)."""
    override = os.environ.get("MATAC_DESK_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir("matac-desk", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def demo_store_path() -> Path:
    return user_data_dir() / "demo.mdesk"


def open_demo_store(progress=no_progress, cancelled=never_cancelled) -> Store:
    """The embedded demo store, made on first use with the fixed demo passphrase."""
    path = demo_store_path()
    if path.exists():
        store = Store.open(path, DEMO_PASSPHRASE)
        _keep_a_meeting_ahead(store)
        return store
    tmp = path.with_name(".demo-building.mdesk")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    store = Store.create(tmp, DEMO_PASSPHRASE, check_strength=False)
    try:
        fill_store(store, DemoSpec(seed=DEMO_SEED, incidents=DEMO_INCIDENTS, as_of=_dt.date.today()),
                   progress=progress, cancelled=cancelled)
    finally:
        store.close()
    os.replace(tmp, path)
    for leftover in (Path(str(tmp) + ".lock"), tmp.with_name(tmp.name + ".backups")):
        if leftover.is_dir():
            import shutil
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    return Store.open(path, DEMO_PASSPHRASE)


def _keep_a_meeting_ahead(store: Store) -> None:
    """The demo store always has a next meeting: days after it was made, schedule the next ones."""
    from ..meeting import meetings
    while meetings.next_meeting(store) is None:
        meetings.schedule_meeting(store, chair="DCI Rachel Hart")

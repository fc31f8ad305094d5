"""Helpers for the GUI tests: an isolated QSettings, small demo stores, a window on an immediate runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from matac_desk.services.demo import DemoSpec, fill_store
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, TODAY

__all__ = ["isolated_qsettings", "demo_store", "_demo_template", "make_window", "make_demo_store", "PASSPHRASE",
           "meeting_store", "_meeting_template", "open_cohort_person", "TODAY"]


@pytest.fixture
def isolated_qsettings(tmp_path, qapp):
    """QSettings caches its folder per process: point it at this test's folder and start empty."""
    from PySide6.QtCore import QSettings
    folder = tmp_path / "qsettings"
    folder.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("MATAC Desk")
    qapp.setApplicationName("MATAC Desk")
    QSettings("MATAC Desk", "MATAC Desk").clear()
    return folder


def make_demo_store(path: Path, incidents: int = 200, seed: int = 3, *, meetings: bool = True) -> Store:
    store = Store.create(path, PASSPHRASE)
    fill_store(store, DemoSpec(seed=seed, incidents=incidents, as_of=TODAY), meetings=meetings)
    return store


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-template") / "demo.mdesk"
    make_demo_store(path).close()
    return path


@pytest.fixture
def demo_store(tmp_path, _demo_template) -> Store:
    """A small demo store of its own for each test (a copy of one made once per session)."""
    import shutil
    path = tmp_path / "demo.mdesk"
    shutil.copyfile(_demo_template, path)
    store = Store.open(path, PASSPHRASE)
    yield store
    store.close()


@pytest.fixture(scope="session")
def _meeting_template(tmp_path_factory):
    """A demo store after two meetings (see matac_desk.ui.seed), made once; returns (path, Seeded)."""
    from matac_desk.ui.seed import seed_meetings
    path = tmp_path_factory.mktemp("meeting-template") / "meetings.mdesk"
    store = make_demo_store(path, incidents=300, meetings=False)   # the seed's own, smaller story
    seeded = seed_meetings(store, TODAY)
    store.close()
    return path, seeded


@pytest.fixture
def meeting_store(tmp_path, _meeting_template):
    """A copy of the meeting template for one test: ``(store, seeded)``."""
    import shutil
    src, seeded = _meeting_template
    path = tmp_path / "meetings.mdesk"
    shutil.copyfile(src, path)
    store = Store.open(path, PASSPHRASE)
    yield store, seeded
    store.close()


def make_window(qtbot, store: Store):
    from matac_desk.ui.main import open_window
    from matac_desk.ui.tasks import ImmediateRunner
    window = open_window(store, ImmediateRunner(), today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window



@pytest.fixture
def open_cohort_person(qtbot, meeting_store, isolated_qsettings):
    """Open a seeded cohort subject's page in a window: ``open_cohort_person(n)`` for ``seeded.cohort[n]``.

    Returns ``(window, person page, store, seeded, person id)``. A test module using it imports
    ``meeting_store``, ``_meeting_template`` and ``isolated_qsettings`` from here too.
    """
    store, seeded = meeting_store

    def open_(index: int):
        w = make_window(qtbot, store)
        pid = seeded.cohort[index]
        w.open_person(pid)
        person = w.pages["people"].person
        assert person.profile is not None and person.profile.id == pid
        return w, person, store, seeded, pid

    return open_

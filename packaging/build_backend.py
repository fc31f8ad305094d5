"""The wheel's build backend: setuptools, with the build stamped with its git commit.

``pyproject.toml`` names this module (``backend-path = ["packaging"]``), so
``pip install .``, ``pip wheel .``, ``pipx install .`` and ``python -m build``
all come here. Before setuptools builds a wheel or an sdist, the commit of
the source tree is written to ``matac_desk/_build_info.json`` (read by
``matac_desk.paths.build_info`` and shown by ``matac-desk --version`` and
the About box); the file is removed from the source tree afterwards, as it
is not kept in git. Without git (an sdist being built into a wheel), a
``_build_info.json`` already there is kept as it is.

Editable installs are not stamped: in a checkout the program asks git. ``build/lib`` is emptied
before each wheel, so that nothing deleted from the source lingers in the next wheel.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (every hook not wrapped below)

from buildinfo import source_info, write_info

ROOT = Path(__file__).resolve().parent.parent
INFO = ROOT / "matac_desk" / "_build_info.json"


@contextlib.contextmanager
def _stamped():
    info = source_info()
    if info is None:
        yield
        return
    write_info(INFO, info)
    try:
        yield
    finally:
        INFO.unlink(missing_ok=True)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    # setuptools reuses build/lib: a resource or module deleted since the last build would stay in the wheel
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    with _stamped():
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    with _stamped():
        return _setuptools.build_sdist(sdist_directory, config_settings)

"""Where the program's own files are, and which build this is.

The data files (gravity tables, fonts, the icon) live in the top-level
``resources/`` folder of the source tree. A built wheel or the desktop
bundle carries the same folder inside the package, as
``matac_desk/resources`` (``pyproject.toml`` maps it; ``packaging/`` copies
it), and :func:`resource` finds it through :mod:`importlib.resources`, so
the same call works from

- a checkout or an editable install: the package has no ``resources``
  inside it, so the ``resources/`` beside it is used;
- an installed wheel and the frozen bundle: ``matac_desk/resources``;
- a zip on ``sys.path``: the file is copied out once into a private
  temporary folder (removed at exit), because fonts, the icon and the CSV
  readers need a real file.

:func:`build_info` gives the version and the git commit: asked of git in a
checkout, read from ``_build_info.json`` (written at build time by
``packaging/``) elsewhere.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as _res
from importlib.resources.abc import Traversable
from pathlib import Path

from . import __version__

__all__ = ["RESOURCES", "resource", "resources_root", "BuildInfo", "build_info", "version_text",
           "BUILD_INFO_FILE"]

_PACKAGE = __package__ or "matac_desk"
#: the checkout's ``resources/``: the source of truth, and where a checkout reads it
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
#: the file ``packaging/`` writes into the package at build time
BUILD_INFO_FILE = "_build_info.json"


@lru_cache(maxsize=1)
def resources_root() -> Traversable:
    """The resources folder: inside the package when installed or frozen, else the checkout's."""
    inside = _res.files(_PACKAGE) / "resources"
    if inside.is_dir():
        return inside
    return RESOURCES


def resource(*parts: str) -> Path:
    """A file or folder under ``resources/``, as a real path (it may not exist: callers say so)."""
    found = resources_root().joinpath(*parts)
    if isinstance(found, Path):
        return found
    return _copied_out(parts, found)


_extracted: list[Path] = []


def _copied_out(parts: tuple[str, ...], found: Traversable) -> Path:
    """A resource inside a zip, copied once to a private temporary folder removed at exit."""
    if not _extracted:
        tmp = Path(tempfile.mkdtemp(prefix="matac-desk-resources-"))
        atexit.register(shutil.rmtree, tmp, True)
        _extracted.append(tmp)
    target = _extracted[0].joinpath(*parts)
    if not target.exists() and found.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(found.read_bytes())
    elif not target.exists() and found.is_dir():
        _copy_tree(found, target)
    return target


def _copy_tree(src: Traversable, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for child in src.iterdir():
        if child.is_dir():
            _copy_tree(child, dst / child.name)
        else:
            (dst / child.name).write_bytes(child.read_bytes())


@dataclass(frozen=True)
class BuildInfo:
    """The version and the commit this copy was built from (``commit`` is None when unknown)."""

    version: str
    commit: str | None
    dirty: bool = False
    source: str = "unknown"  # "git" (a checkout), "build" (_build_info.json) or "unknown"

    @property
    def commit_text(self) -> str:
        if not self.commit:
            return "commit unknown"
        return f"commit {self.commit[:12]}" + (" with local changes" if self.dirty else "")


@lru_cache(maxsize=1)
def build_info() -> BuildInfo:
    """Which build this is: git in a checkout, else the file written at build time, else unknown."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / ".git").exists():
        commit = _git(checkout, "rev-parse", "HEAD")
        if commit:
            dirty = bool(_git(checkout, "status", "--porcelain", "--untracked-files=no"))
            return BuildInfo(__version__, commit, dirty, "git")
    try:
        data = json.loads((_res.files(_PACKAGE) / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BuildInfo(__version__, None)
    commit = data.get("commit") if isinstance(data, dict) else None
    return BuildInfo(__version__, commit if isinstance(commit, str) and commit else None,
                     bool(data.get("dirty")), "build")


def version_text() -> str:
    """``0.1.0 (commit 0123456789ab)``: what ``--version`` and the About box show."""
    info = build_info()
    return f"{info.version} ({info.commit_text})"


def _git(where: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None

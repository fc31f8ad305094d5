"""The commit a build is made from, written as ``_build_info.json`` (read by ``matac_desk.paths``).

Shared by the wheel's build backend and ``packaging/build.py``; standard library only.
"""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_info() -> dict | None:
    """The source tree's commit, or None when it is not a git checkout (or git is missing).

    An unpacked sdist inside some other git repository is not a checkout of this one: its top level must
    be this tree.
    """
    top = _git("rev-parse", "--show-toplevel")
    if not top or Path(top).resolve() != ROOT:
        return None
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {"commit": commit, "dirty": dirty,
            "built_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()}


def write_info(path: Path, info: dict) -> None:
    path.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")

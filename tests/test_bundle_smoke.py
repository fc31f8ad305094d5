"""The frozen desktop bundle (``dist/MATAC Desk``, built by ``packaging/build.py``) passes its smoke test.

Skipped when there is no bundle or when it was built from another commit than the checkout's (a stale
bundle says nothing about this code); ``.ci/run`` builds the bundle and smoke-tests it itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import matac_desk

ROOT = Path(matac_desk.__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "MATAC Desk"
pytestmark = pytest.mark.slow


def _built_from() -> str | None:
    for info in BUNDLE.rglob("_build_info.json"):
        return json.loads(info.read_text(encoding="utf-8")).get("commit")
    return None


def test_bundle_smoke():
    if not BUNDLE.is_dir():
        pytest.skip("no bundle: build it with python packaging/build.py")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    built = _built_from()
    if head.returncode == 0 and built != head.stdout.strip():
        pytest.skip(f"the bundle was built from {str(built)[:12]}, not from this checkout's commit")
    r = subprocess.run([sys.executable, str(ROOT / "packaging" / "smoke_test.py"), str(BUNDLE)],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "smoke: all passed" in r.stdout

"""The one-way layers of STYLE.md, enforced by import-linter's contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "0 broken" in r.stdout


def test_lower_layers_run_without_qt():
    code = ("import sys; import matac_desk.cli, matac_desk.services.demo_store, matac_desk.intake.importer, matac_desk.services.demo; "
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was loaded'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

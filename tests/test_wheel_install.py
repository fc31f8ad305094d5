"""The built wheel, installed into a fresh venv outside the checkout, runs: demo, pack and the window.

This is how users install Python software (``pip install .``, ``pipx install .``): nothing of the
checkout is on the path, so the resources must come from inside the package. Slow: it builds the wheel
and installs the dependencies into a new venv (a minute or two, more on a busy machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import matac_desk

ROOT = Path(matac_desk.__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _bin(env_dir: Path, name: str) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    (built,) = out.glob("matac_desk-*.whl")
    return built


def test_the_wheel_holds_the_resources_and_the_commit(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = json.loads(z.read("matac_desk/_build_info.json"))
    shipped = {f"matac_desk/resources/{p.relative_to(ROOT / 'resources').as_posix()}"
               for p in (ROOT / "resources").rglob("*")
               if p.is_file() and "screenshots" not in p.parts and p.name != ".keep"}
    assert shipped and shipped <= names  # every font, gravity table and icon, however many are added
    assert "matac_desk/resources/gravity/default.csv" in names
    assert not any("resources/screenshots" in n for n in names)  # documentation only: not shipped
    assert not any(n.startswith("resources/") for n in names)  # nothing at the top of site-packages
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert info["commit"] == head.stdout.strip()
    assert not (ROOT / "matac_desk" / "_build_info.json").exists()  # not left in the source tree


def test_a_wheel_built_from_the_sdist_keeps_the_resources_and_the_commit(tmp_path):
    """``python -m build`` makes the sdist, then the wheel from it, away from git: the stamp must survive."""
    sdist_dir, wheel_dir = tmp_path / "sdist", tmp_path / "wheel"
    r = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'packaging'); import build_backend; "
                        "print(build_backend.build_sdist(sys.argv[1]))", str(sdist_dir)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    (sdist,) = sdist_dir.glob("matac*-*.tar.gz")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_dir), str(sdist)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (built,) = wheel_dir.glob("matac_desk-*.whl")
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
        info = json.loads(z.read("matac_desk/_build_info.json"))
    assert {"matac_desk/resources/gravity/default.csv", "matac_desk/resources/fonts/DejaVuSans.ttf",
            "matac_desk/resources/icons/matac-desk.svg"} <= names
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert info["commit"] == head.stdout.strip()
    assert not (ROOT / "matac_desk" / "_build_info.json").exists()


def test_installed_wheel_runs_demo_pack_and_the_window(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = _bin(env_dir, "python")
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(py), "-c", "import matac_desk.paths as p; print(p.__file__); print(p.resources_root())"],
                           capture_output=True, text=True, cwd=outside, env=clean)
    assert where.returncode == 0, where.stderr
    module, resources = where.stdout.splitlines()
    assert Path(module).is_relative_to(env_dir) and Path(resources).is_relative_to(env_dir)
    smoke = subprocess.run([sys.executable, str(ROOT / "packaging" / "smoke_test.py"),
                            "--exe", str(_bin(env_dir, "matac-desk")), "--seconds", "3"],
                           capture_output=True, text=True, cwd=outside, env=clean, timeout=1800)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke: all passed" in smoke.stdout
    print(smoke.stdout)

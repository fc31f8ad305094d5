"""Where the program's files are found (checkout, zip) and which build it says it is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import matac_desk
from matac_desk import paths
from matac_desk.app import main

ROOT = Path(matac_desk.__file__).resolve().parent.parent


def test_a_checkout_reads_the_top_level_resources_folder():
    assert paths.resources_root() == ROOT / "resources"
    table = paths.resource("gravity", "default.csv")
    assert table == ROOT / "resources" / "gravity" / "default.csv" and table.is_file()
    assert paths.resource("icons", "matac-desk.svg").read_text(encoding="utf-8").rstrip().endswith("</svg>")


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists the packages (the resources mapping needs it): a new subpackage must be added there."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "matac_desk").rglob("__init__.py")}
    assert on_disk | {"matac_desk.resources"} == listed


def _zip_of_the_package(tmp_path: Path) -> Path:
    """matac_desk's top two modules and its resources, laid out as in the wheel, in a zip."""
    archive = tmp_path / "matac_desk.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in ("__init__.py", "paths.py"):
            z.write(ROOT / "matac_desk" / name, f"matac_desk/{name}")
        for f in (ROOT / "resources").rglob("*"):
            if f.is_file() and "screenshots" not in f.parts:
                z.write(f, "matac_desk/resources/" + f.relative_to(ROOT / "resources").as_posix())
        z.writestr("matac_desk/_build_info.json", json.dumps({"commit": "0123456789abcdef" * 2 + "01234567"}))
    return archive


@pytest.mark.slow
def test_a_zip_on_the_path_gives_real_files_removed_at_exit(tmp_path):
    archive = _zip_of_the_package(tmp_path)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import matac_desk, matac_desk.paths as p\n"
        "assert matac_desk.__file__.startswith(sys.argv[1]), matac_desk.__file__\n"
        "f = p.resource('gravity', 'default.csv')\n"
        "fonts = sorted(x.name for x in p.resource('fonts').glob('*.ttf'))\n"
        "print(f); print(f.read_text(encoding='utf-8').count('\\n') > 3); print(fonts); print(p.version_text())\n"
    )
    r = subprocess.run([sys.executable, "-I", "-c", code, str(archive)], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    copied = Path(lines[0])
    assert copied.name == "default.csv" and lines[1] == "True"
    assert "DejaVuSans.ttf" in lines[2]
    assert lines[3] == f"{matac_desk.__version__} (commit 0123456789ab)"  # from the zip's _build_info.json
    assert not copied.exists()  # the private copy went at exit


def _copy_of_the_package(tmp_path: Path, info: dict | None) -> Path:
    """The package alone, outside any checkout (as in site-packages), with or without its build file."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "matac_desk", site / "matac_desk", ignore=shutil.ignore_patterns("__pycache__"))
    if info is not None:
        (site / "matac_desk" / paths.BUILD_INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    return site


@pytest.mark.slow
@pytest.mark.parametrize("info, expected", [
    ({"commit": "feedfacecafe0000111122223333444455556666", "dirty": False}, "(commit feedfacecafe)"),
    ({"commit": "feedfacecafe0000111122223333444455556666", "dirty": True},
     "(commit feedfacecafe with local changes)"),
    (None, "(commit unknown)"),
    ({"commit": 7}, "(commit unknown)"),
])
def test_outside_a_checkout_the_version_comes_from_the_build_file(tmp_path, info, expected):
    site = _copy_of_the_package(tmp_path, info)
    r = subprocess.run([sys.executable, "-I", "-c",
                        "import sys; sys.path.insert(0, sys.argv[1]); from matac_desk.app import main; main(sys.argv[2:])",
                        str(site), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"matac-desk {matac_desk.__version__} {expected}\n"


def test_in_a_checkout_the_version_names_the_git_commit(capsys):
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout, or no git")
    paths.build_info.cache_clear()
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"matac-desk {matac_desk.__version__} (commit {head.stdout.strip()[:12]}")

"""Build the one-folder desktop app ``dist/MATAC Desk/`` with PyInstaller.

    python packaging/build.py [--smoke-test]

Run it with the Python whose environment holds MATAC Desk's dependencies and PyInstaller
(``pip install . pyinstaller``, or ``-e .``). Steps:

1. the application icon rendered from ``resources/icons/matac-desk.svg`` to PNGs, ``.ico`` and ``.icns``
   (``packaging/icons.py``) and the build info (version, git commit) written, into ``build/packaging/``;
2. PyInstaller runs ``packaging/matac-desk.spec`` into ``dist/MATAC Desk/``;
3. on Linux the desktop entry, the icons and ``install-desktop-entry.sh`` are put beside the program
   (``packaging/linux/``): running that script adds MATAC Desk to the user's application menu;
4. the bundle's size is reported; ``--smoke-test`` then runs ``packaging/smoke_test.py`` on it.

Exits non-zero, with one line saying why, when any step fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = ROOT / "build" / "packaging"
DIST = ROOT / "dist"
NAME = "MATAC Desk"

sys.path.insert(0, str(HERE))
from buildinfo import source_info, write_info  # noqa: E402


def bundle_dir() -> Path:
    return DIST / (f"{NAME}.app" if sys.platform == "darwin" else NAME)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _step(msg: str) -> None:
    print(f"build: {msg}", flush=True)


def _fail(msg: str) -> int:
    print(f"build: error: {msg}", file=sys.stderr, flush=True)
    return 1


def strip_debug_info(target: Path) -> int:
    """Remove debug information (``strip --strip-debug``) from the bundle's shared libraries that carry it
    (this Python's libpython, the SQLCipher extension); returns the bytes saved.

    Only debug sections go: the symbol tables stay, and libraries that wheels ship already processed (the
    ``*.libs`` folders auditwheel writes, e.g. numpy's OpenBLAS) are left alone, since rewriting them breaks
    their page alignment (a full ``strip`` of the bundle did: numpy would not import). Linux only; nothing
    is done when binutils' ``strip`` is missing.
    """
    strip = shutil.which("strip")
    if strip is None:
        return 0
    saved = 0
    for path in sorted(target.rglob("*.so*")):
        if not path.is_file() or path.is_symlink() or any(p.name.endswith(".libs") for p in path.parents):
            continue
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        r = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True)
        if r.returncode or ".debug_info" not in r.stdout:
            continue
        before = path.stat().st_size
        if subprocess.run([strip, "--strip-debug", str(path)], capture_output=True).returncode == 0:
            saved += before - path.stat().st_size
    return saved


def install_linux_desktop_files(target: Path) -> None:
    """The desktop entry, hicolor icons and the script that installs them, inside the bundle."""
    share = target / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "linux" / "matac-desk.desktop", share / "applications" / "matac-desk.desktop")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        d = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy2(WORK / f"matac-desk-{size}.png", d / "matac-desk.png")
    d = share / "icons" / "hicolor" / "scalable" / "apps"
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "resources" / "icons" / "matac-desk.svg", d / "matac-desk.svg")
    script = target / "install-desktop-entry.sh"
    shutil.copy2(HERE / "linux" / "install-desktop-entry.sh", script)
    script.chmod(0o755)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke-test", action="store_true", help="run packaging/smoke_test.py on the bundle after")
    args = ap.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        return _fail(f"PyInstaller is not installed for {sys.executable}: run "
                     f"'{sys.executable} -m pip install pyinstaller'")
    if importlib.util.find_spec("matac_desk") is None or importlib.util.find_spec("PySide6") is None:
        return _fail(f"MATAC Desk's dependencies are not installed for {sys.executable}: run "
                     f"'{sys.executable} -m pip install .' in {ROOT}")
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)

    _step("rendering the icon from resources/icons/matac-desk.svg")
    r = subprocess.run([sys.executable, str(HERE / "icons.py"), str(WORK)],
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    if r.returncode:
        return _fail("the icon could not be rendered (see above)")

    info = source_info()
    if info is None:
        _step("not a git checkout (or no git): the bundle will say 'commit unknown'")
    else:
        write_info(WORK / "_build_info.json", info)
        _step(f"commit {info['commit'][:12]}{' with local changes' if info['dirty'] else ''}")

    _step("running PyInstaller (a few minutes)")
    target = bundle_dir()
    shutil.rmtree(target, ignore_errors=True)
    r = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                        "--distpath", str(DIST), "--workpath", str(WORK / "pyinstaller"),
                        str(HERE / "matac-desk.spec")],
                       cwd=ROOT, env=dict(os.environ, MATAC_DESK_BUILD_DIR=str(WORK)))
    if r.returncode or not target.is_dir():
        return _fail(f"PyInstaller failed (exit {r.returncode}); nothing usable in {target}")

    if sys.platform.startswith("linux"):
        saved = strip_debug_info(target)
        if saved:
            _step(f"debug information stripped from the libraries that carried it: {saved / 1e6:.1f} MB less")
        install_linux_desktop_files(target)
        _step(f"desktop entry: run '{target / 'install-desktop-entry.sh'}' to add MATAC Desk to the menu")

    size = folder_size(target)
    _step(f"built {target} in {time.monotonic() - started:.0f} s: {size / 1e6:.1f} MB unpacked")
    if args.smoke_test:
        r = subprocess.run([sys.executable, str(HERE / "smoke_test.py"), str(target)])
        if r.returncode:
            return _fail("the smoke test failed (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

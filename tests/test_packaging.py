"""The desktop build's pieces that run without PyInstaller: the icon files and the Linux menu entry."""

from __future__ import annotations

import configparser
import re
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import matac_desk

ROOT = Path(matac_desk.__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import icons  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _fake_pngs(sizes) -> dict[int, bytes]:
    return {s: PNG + struct.pack(">I", s) + b"x" * s for s in sizes}


def test_ico_directory_points_at_each_png():
    pngs = _fake_pngs(icons.PNG_SIZES)
    data = icons.ico(pngs)
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    for i, size in enumerate(icons.ICO_SIZES):
        w, h, _, _, planes, bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert (w, h) == ((size % 256,) * 2) and (planes, bpp) == (1, 32)  # 0 means 256
        assert data[offset:offset + length] == pngs[size]


def test_icns_elements_are_typed_pngs_of_the_right_size():
    pngs = _fake_pngs(icons.PNG_SIZES)
    data = icons.icns(pngs)
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    pos, seen = 8, []
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        seen.append(kind)
        assert data[pos + 8:pos + length] == pngs[dict(icons.ICNS_TYPES)[kind]]
        pos += length
    assert pos == len(data) and seen == [k for k, _ in icons.ICNS_TYPES]


@pytest.mark.gui
def test_the_svg_renders_at_every_size(tmp_path, qapp):
    from PySide6.QtGui import QImage
    written = icons.write_all(tmp_path)
    for size in icons.PNG_SIZES:
        image = QImage(str(tmp_path / f"matac-desk-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        centre, corner = image.pixelColor(size // 2, size // 2), image.pixelColor(0, 0)
        assert centre.alpha() == 255 and corner != centre  # drawn, not blank
    assert written["ico"].read_bytes()[:4] == b"\0\0\1\0" and written["icns"].read_bytes()[:4] == b"icns"


def _desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_desktop_entry_is_valid():
    path = ROOT / "packaging" / "linux" / "matac-desk.desktop"
    entry = _desktop_entry(path)
    assert entry["Type"] == "Application" and entry["Name"] == "MATAC Desk" and entry["Icon"] == "matac-desk"
    assert entry["Exec"].split()[0] == "matac-desk" and entry["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        r = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


@pytest.mark.skipif(os.name == "nt" or not shutil.which("sh"), reason="a POSIX shell script")
def test_install_script_adds_and_removes_the_menu_entry(tmp_path):
    bundle = tmp_path / "MATAC Desk"   # the folder's name has a space, as the bundle's does
    share = bundle / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / "linux" / "matac-desk.desktop", share / "applications")
    for s in (16, 24, 32, 48, 64, 128, 256, 512):
        (share / "icons" / "hicolor" / f"{s}x{s}" / "apps").mkdir(parents=True)
        (share / "icons" / "hicolor" / f"{s}x{s}" / "apps" / "matac-desk.png").write_bytes(PNG)
    (share / "icons" / "hicolor" / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "matac-desk.svg", share / "icons" / "hicolor" / "scalable" / "apps")
    script = bundle / "install-desktop-entry.sh"
    shutil.copy(ROOT / "packaging" / "linux" / "install-desktop-entry.sh", script)
    program = bundle / "matac-desk"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    data = tmp_path / "xdg-data"
    env = dict(os.environ, XDG_DATA_HOME=str(data))

    r = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    installed = data / "applications" / "matac-desk.desktop"
    entry = _desktop_entry(installed)
    assert entry["Exec"] == f'"{program}" %f' and "TryExec" not in entry
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "matac-desk.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "matac-desk.svg").is_file()
    if shutil.which("desktop-file-validate"):
        v = subprocess.run(["desktop-file-validate", str(installed)], capture_output=True, text=True)
        assert v.returncode == 0 and not v.stdout.strip(), v.stdout

    r = subprocess.run(["sh", str(script), "--uninstall"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and not installed.exists()
    assert not (data / "icons" / "hicolor" / "256x256" / "apps" / "matac-desk.png").exists()


def test_install_script_refuses_without_the_program(tmp_path):
    script = tmp_path / "install-desktop-entry.sh"
    shutil.copy(ROOT / "packaging" / "linux" / "install-desktop-entry.sh", script)
    r = subprocess.run(["sh", str(script)], env=dict(os.environ, XDG_DATA_HOME=str(tmp_path / "d")),
                       capture_output=True, text=True)
    assert r.returncode == 1 and "no matac-desk program" in r.stderr and not (tmp_path / "d").exists()


import smoke_test  # noqa: E402


@pytest.mark.parametrize("content, says", [
    (b"", "not a complete PDF"),
    (b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n", "1 page(s)"),
    (b"%PDF-1.4\n<< /Type /Page >> << /Type /Page >>\n%%EOF\n", "DejaVu fonts are not embedded"),
])
def test_smoke_test_refuses_a_bad_pdf(tmp_path, content, says):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(content)
    with pytest.raises(smoke_test.Failed, match=re.escape(says)):
        smoke_test.check_pdf(pdf)


@pytest.mark.skipif(os.name == "nt", reason="uses a shell script as the program")
def test_smoke_test_exits_1_when_the_program_fails(tmp_path, capsys):
    program = tmp_path / "matac-desk"
    program.write_text("#!/bin/sh\necho 'matac-desk: error: broken' >&2\nexit 1\n")
    program.chmod(0o755)
    assert smoke_test.main(["--exe", str(program)]) == 1
    err = capsys.readouterr().err
    assert "smoke: FAILED matac-desk --version: exit 1" in err and "broken" in err
    assert smoke_test.main([str(tmp_path / "no-bundle")]) == 1
    assert "no matac-desk program in" in capsys.readouterr().err

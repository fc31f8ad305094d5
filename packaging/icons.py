"""Render the application icon from ``resources/icons/matac-desk.svg`` at build time.

Writes PNGs (16 to 1024 px), a Windows ``.ico`` and a macOS ``.icns``, all with
PNG-compressed images inside (both formats allow it: Windows Vista and later,
macOS 10.7 and later), rendered by Qt's own SVG renderer so no other image
library is needed::

    python packaging/icons.py OUT_DIR

Only the build uses this module; the program itself loads the SVG.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "matac-desk.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns element types holding PNG data, by pixel size (the @2x types share the pixels of the next size)
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
              (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512))


def render_pngs(svg: Path = SVG, sizes=PNG_SIZES) -> dict[int, bytes]:
    """The SVG drawn at each size, as PNG bytes (Qt offscreen: no display needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841  (painting needs it)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"icons: {svg}: not a valid SVG")
    out = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buf, "PNG"):
            raise SystemExit(f"icons: could not encode the {size} px PNG")
        buf.close()
        out[size] = bytes(data.data())
    return out


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon file holding each PNG (ICONDIR, ICONDIRENTRYs, then the images)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    head = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        blob = pngs[s]
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return head + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon file holding each PNG (an 'icns' header, then type, length, data per element)."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for kind, s in ICNS_TYPES if s in pngs)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_all(out_dir: Path, svg: Path = SVG) -> dict[str, Path]:
    """Write ``matac-desk-SIZE.png``, ``matac-desk.png`` (256), ``.ico`` and ``.icns`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = render_pngs(svg)
    written = {}
    for size, blob in pngs.items():
        (out_dir / f"matac-desk-{size}.png").write_bytes(blob)
    written["png"] = out_dir / "matac-desk.png"
    written["png"].write_bytes(pngs[256])
    written["ico"] = out_dir / "matac-desk.ico"
    written["ico"].write_bytes(ico(pngs))
    written["icns"] = out_dir / "matac-desk.icns"
    written["icns"].write_bytes(icns(pngs))
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/icons.py OUT_DIR")
    for kind, path in write_all(Path(sys.argv[1])).items():
        print(f"{kind}: {path} ({path.stat().st_size:,} bytes)")

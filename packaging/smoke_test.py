"""Smoke-test a built MATAC Desk: the commands and the window, as a user would run them.

    python packaging/smoke_test.py "dist/MATAC Desk"        # the frozen bundle
    python packaging/smoke_test.py --exe .venv/bin/matac-desk  # an installed wheel

Runs, in a temporary folder and with a temporary data and settings folder (nothing of the user's is
read or changed): ``--version``; ``demo`` (a small fictitious store); ``pack --next`` and checks the PDF
(a PDF, complete, with pages and the shipped fonts; its text has the protective marking, and any
Arabic-script name is shaped, when ``pdftotext`` or ``pypdf`` can read it); ``--demo`` with Qt offscreen, twice (the first makes the demo store), which must show the
window and quit by itself after a few seconds (``MATAC_DESK_QUIT_AFTER``). Prints what it measured
(start-up to the first window) and exits 1 with the failing step's output on any failure.
Standard library only, so that any Python can run it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "smoke-test-passphrase-not-secret"
WINDOW_SHOWN = "matac-desk: main window shown"


class Failed(Exception):
    pass


def executable(bundle: Path) -> Path:
    """The command-line program inside a bundle folder (or a macOS .app)."""
    for candidate in (bundle / "matac-desk", bundle / "matac-desk.exe", bundle / "Contents" / "MacOS" / "matac-desk"):
        if candidate.is_file():
            return candidate
    raise Failed(f"no matac-desk program in {bundle}")


def run(exe: Path, args: list[str], env: dict, cwd: Path, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    try:
        r = subprocess.run([str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Failed(f"matac-desk {' '.join(args)}: still running after {timeout:.0f} s\n"
                     f"{_text(e.stdout)}{_text(e.stderr)}") from None
    took = time.monotonic() - started
    if r.returncode != 0 or "Traceback" in r.stderr:
        raise Failed(f"matac-desk {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r, took


def _text(b) -> str:
    return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")


def check_pdf(path: Path) -> str:
    """A complete PDF with pages and the protective marking; returns what was checked."""
    data = path.read_bytes() if path.is_file() else b""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise Failed(f"{path}: not a complete PDF ({len(data):,} bytes)")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    if pages < 2:
        raise Failed(f"{path}: {pages} page(s); a demo meeting pack has many")
    if b"DejaVuSans" not in data:
        raise Failed(f"{path}: the shipped DejaVu fonts are not embedded (are the resources in the build?)")
    text, reader = None, None
    if shutil.which("pdftotext"):
        r = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
        text, reader = (r.stdout, "pdftotext") if r.returncode == 0 else (None, None)
    if text is None:
        try:
            from pypdf import PdfReader
            text, reader = "\n".join(p.extract_text() or "" for p in PdfReader(path).pages), "pypdf"
        except ImportError:
            pass
    if text is None:
        return f"{pages} pages, {len(data):,} bytes (text not checked: no pdftotext or pypdf)"
    for needed in ("OFFICIAL-SENSITIVE", "MATAC"):
        if needed not in text:
            raise Failed(f"{path}: the text ({reader}) has no {needed!r}")
    # Arabic-script names are shaped by arabic-reshaper into joining forms (Arabic presentation forms in the text)
    arabic = re.findall("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]+", text)
    if arabic and not any(re.search("[\ufb50-\ufdff\ufe70-\ufeff]", word) for word in arabic):
        raise Failed(f"{path}: Arabic-script names are not shaped (is arabic-reshaper in the build?)")
    shaped = "Arabic names shaped" if arabic else "no Arabic names to check shaping"
    return f"{pages} pages, {len(data):,} bytes, marked OFFICIAL-SENSITIVE, DejaVu embedded, {shaped} ({reader})"


def smoke(exe: Path, work: Path, seconds: float) -> list[str]:
    env = dict(os.environ)
    env.update(MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_DATA_DIR=str(work / "data"),
               XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "share"),
               QT_QPA_PLATFORM="offscreen", HOME=os.environ.get("HOME", str(work)))
    env.pop("MATAC_DESK_DEBUG", None)
    report = []

    r, took = run(exe, ["--version"], env, work, 120)
    if not re.match(r"matac-desk \d+\.\d+\S* \(commit [^)]+\)$", r.stdout.strip()):
        raise Failed(f"--version printed {r.stdout.strip()!r}")
    report.append(f"--version: {r.stdout.strip()} ({took:.1f} s)")

    store = work / "smoke.mdesk"
    r, took = run(exe, ["demo", str(store), "--incidents", "400"], env, work, 600)
    if not store.is_file() or "Created demo store" not in r.stdout:
        raise Failed(f"demo made no store:\n{r.stdout}{r.stderr}")
    report.append(f"demo: {r.stdout.strip()} ({took:.1f} s)")

    # The duplicate finder loads numpy, rapidfuzz, jellyfish and the nickname sets' data file.
    r, took = run(exe, ["duplicates", str(store), "--format", "csv"], env, work, 600)
    if r.returncode != 0 or "person_a_id" not in r.stdout:
        raise Failed(f"duplicates: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-4000:]}")
    report.append(f"duplicates: {max(0, len(r.stdout.strip().splitlines()) - 1)} pairs listed ({took:.1f} s)")

    pdf = work / "pack.pdf"
    r, took = run(exe, ["pack", str(store), "--next", "-o", str(pdf), "--recipient", "MATAC meeting attendees"],
                  env, work, 600)
    report.append(f"pack: {check_pdf(pdf)} ({took:.1f} s)")

    env_gui = dict(env, MATAC_DESK_QUIT_AFTER=str(seconds))
    for attempt in ("first (makes the demo store)", "second"):
        started = time.monotonic()
        try:
            proc = subprocess.Popen([str(exe), "--demo"], env=env_gui, cwd=work, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        except OSError as e:
            raise Failed(f"--demo: could not start: {e}") from None
        shown_after = None
        lines = []
        for line in proc.stderr:  # the window's line comes on stderr; reading it times the start-up
            lines.append(line)
            if WINDOW_SHOWN in line and shown_after is None:
                shown_after = time.monotonic() - started
        try:
            out = proc.stdout.read()
            code = proc.wait(timeout=60 + seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise Failed("--demo: the window did not quit by itself") from None
        err = "".join(lines)
        if code != 0 or shown_after is None or "Traceback" in err:
            raise Failed(f"--demo ({attempt}): exit {code}, window {'shown' if shown_after else 'never shown'}\n"
                         f"{out}{err}")
        report.append(f"--demo ({attempt} run): window shown after {shown_after:.1f} s, ran {seconds:g} s, "
                      f"quit cleanly")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", nargs="?", type=Path, help="the bundle folder (dist/MATAC Desk)")
    ap.add_argument("--exe", type=Path, help="a matac-desk program to test instead of a bundle")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long the window stays open (default 3)")
    args = ap.parse_args(argv)
    if (args.bundle is None) == (args.exe is None):
        ap.error("give the bundle folder or --exe PROGRAM")
    work = Path(tempfile.mkdtemp(prefix="matac-desk-smoke-"))
    try:
        exe = args.exe.resolve() if args.exe else executable(args.bundle.resolve())
        if not exe.is_file():
            raise Failed(f"{exe}: no such program")
        print(f"smoke: testing {exe}", flush=True)
        for line in smoke(exe, work, args.seconds):
            print(f"smoke: ok  {line}", flush=True)
    except Failed as e:
        print(f"smoke: FAILED {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("smoke: all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

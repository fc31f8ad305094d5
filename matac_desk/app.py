"""Entry point for ``matac-desk`` and ``python -m matac_desk``.

Start-up order:

1. parse the arguments; a known command (``init``, ``import``, ...) goes to
   the command line (:mod:`matac_desk.cli`) and never loads Qt;
2. otherwise, for ``--demo``, open (and on first use create) the embedded
   demo store and migrate it, before any Qt object exists;
3. build the QApplication, with Qt's own options (``-style fusion``,
   ``-platform``, ``-reverse``, ...) passed through to it;
4. for ``STORE``, the unlock dialog opens and migrates the store; with no
   argument the start dialog offers open, create or demo;
5. show the main window.
"""

from __future__ import annotations

import argparse
import sys

from . import cli
from .domain import UserError
from .storage.hardening import harden_process

__all__ = ["main"]


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matac-desk",
        description="Open the MATAC Desk desktop app. Commands: " + ", ".join(sorted(cli.command_names()))
        + " (matac-desk COMMAND --help).",
    )
    p.add_argument("store", nargs="?", help="store file to open (you are asked for its passphrase)")
    p.add_argument("--demo", action="store_true", help="open the embedded demo store (made on first use)")
    return p


# Qt's own command-line options (QApplication, QGuiApplication): passed through to the QApplication.
QT_OPTIONS_WITH_VALUE = frozenset({"style", "stylesheet", "platform", "platformpluginpath", "platformtheme",
                                   "plugin", "qwindowgeometry", "qwindowtitle", "qwindowicon", "display",
                                   "geometry", "title", "session", "qmljsdebugger", "widgetcount"})
QT_FLAGS = frozenset({"reverse", "nograb", "dograb", "sync", "widgetcount"})


def split_qt_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """``(ours, qt)``: Qt's options (``-style fusion``, ``-style=fusion``, ``--platform offscreen``,
    ``-reverse``) taken out of the arguments, for the QApplication.

    >>> split_qt_args(["store.mdesk", "-style", "fusion", "-reverse"])
    (['store.mdesk'], ['-style', 'fusion', '-reverse'])
    """
    ours: list[str] = []
    qt: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, _value = a.lstrip("-").partition("=")
        if a.startswith("-") and not a.startswith("---") and name in QT_FLAGS and not eq:
            qt.append(a)
        elif a.startswith("-") and name in QT_OPTIONS_WITH_VALUE:
            qt.append(a)
            if not eq and i + 1 < len(argv):
                qt.append(argv[i + 1])
                i += 1
        else:
            ours.append(a)
        i += 1
    return ours, qt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    harden_process()  # no core or crash dumps of the passphrase and decrypted records, before anything is read
    if argv and argv[0] == "--version":
        from .paths import version_text
        print(f"matac-desk {version_text()}")  # the version and the commit it was built from
        return 0
    if argv and argv[0] in cli.command_names():
        return cli.main(argv)
    if argv and argv[0] in ("-h", "--help"):
        cli.build_parser().print_help()
        return 0
    argv, qt_args = split_qt_args(argv)
    args = _gui_parser().parse_args(argv)
    if args.store and args.demo:
        _gui_parser().error("give a STORE or --demo, not both")
    store = None
    if args.demo:
        from .services import demo_store
        try:
            store = demo_store.open_demo_store()
        except UserError as e:
            sys.stderr.write(f"matac-desk: error: {e}\n")
            return 1
    from .ui.main import run  # Qt is loaded only from here on
    return run(store=store, store_path=args.store, qt_args=qt_args)

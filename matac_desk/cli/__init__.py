"""The ``matac-desk`` command line.

Each command lives in a module of this package that exposes
``register(subparsers)``; ``COMMAND_MODULES`` lists them in help order.
Exit status: 0 success, 1 a user error (one line on stderr), 2 bad usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from ..domain import Cancelled, UserError
from .common import with_backup_hint

__all__ = ["main", "build_parser", "command_names", "COMMAND_MODULES"]

COMMAND_MODULES = (
    "matac_desk.cli.core",
    "matac_desk.cli.meetings",
    "matac_desk.cli.graph",
    "matac_desk.cli.security",
    "matac_desk.cli.scoring",
    "matac_desk.cli.pack",
    "matac_desk.cli.casefile",
    "matac_desk.cli.evaluation",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matac-desk",
        description="MATAC Desk: prepare and run MATAC meetings from police DA records. "
                    "Run without a command to open the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"matac-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def command_names() -> set[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def _store_first(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``meeting held STORE …`` read as ``meeting STORE held …``: a command whose store comes before its
    action (meeting, action, om, clares-law) also takes the action first, as people type it."""
    if len(argv) < 3:
        return argv
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and argv[0] in action.choices:
            sub = action.choices[argv[0]]
            positionals = [a for a in sub._actions if not a.option_strings]
            if len(positionals) >= 2 and positionals[0].dest == "store" and \
                    isinstance(positionals[1], argparse._SubParsersAction):
                actions = positionals[1].choices
                if argv[1] in actions and argv[2] not in actions and not argv[2].startswith("-"):
                    return [argv[0], argv[2], argv[1], *argv[3:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_store_first(parser, argv))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        sys.stderr.write(f"matac-desk: error: {with_backup_hint(str(e), getattr(args, 'store', None))}\n")
        return 1
    except Cancelled:
        sys.stderr.write("matac-desk: cancelled; nothing was changed\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\nmatac-desk: interrupted; nothing was changed\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # never a traceback: its values may hold names or ids
        if os.environ.get("MATAC_DESK_DEBUG"):
            raise
        from ..storage.store import explain_db_error
        known = explain_db_error(getattr(args, "store", None) or "the store", e)
        if known is not None:
            sys.stderr.write(f"matac-desk: error: {with_backup_hint(str(known), getattr(args, 'store', None))}\n")
        else:
            sys.stderr.write(f"matac-desk: error: an unexpected {type(e).__name__} stopped the command; nothing was "
                             "changed by the step that failed. The details are not shown because they may hold "
                             "personal data; set MATAC_DESK_DEBUG=1 to see them\n")
        return 1

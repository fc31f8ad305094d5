"""What every CLI command shares: the passphrase, opening a store, progress, output, and the audit of listings.

A command that shows persons records each run in the audit log before it
prints (:func:`record_listing`): a table or text on the terminal is a
consultation (``view.listing``); CSV or JSON, which is redirected to files,
and any listing given ``--recipient`` is a disclosure (``disclosure.listing``,
through :func:`~matac_desk.storage.audit.audit_disclosure`) with its recipient and
reason. Either names the listing, its row count and filters, and the persons
shown as pseudonyms, so ``matac-desk audit STORE --person ID`` finds it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..intake.importer import shown
from ..storage import audit
from ..storage.backups import latest_backup, restore_hint
from ..domain import UserError, safe_cell
from ..storage.store import Store, StoreError, StoreLocked

__all__ = [
    "PASSPHRASE_ENV",
    "passphrase",
    "open_store",
    "with_backup_hint",
    "confirm",
    "warn",
    "create_store",
    "TerminalProgress",
    "print_rows",
    "emit",
    "listing_options",
    "record_listing",
    "NOT_STATED_RECIPIENT",
    "NOT_STATED_REASON",
    "FORMATS",
    "date_arg",
    "date_text",
]

PASSPHRASE_ENV = "MATAC_DESK_PASSPHRASE"

FORMATS = ("table", "csv", "json")   # the output formats of every listing command


def date_arg(text: str) -> _dt.date:
    """An argparse type: a YYYY-MM-DD date; a wrong value is named (cut, control characters escaped)."""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): '{shown(text)}'") from None


def date_text(text: str) -> str:
    """As :func:`date_arg`, given back as the ISO text the meeting and case-file services take."""
    return date_arg(text).isoformat()


def passphrase(*, confirm: bool = False) -> str:
    """The passphrase from ``MATAC_DESK_PASSPHRASE``, else asked on the terminal."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError(f"no passphrase: set {PASSPHRASE_ENV} or run the command in a terminal")
    try:
        value = getpass.getpass("Store passphrase: ")
        if confirm:
            again = getpass.getpass("Repeat the passphrase: ")
            if again != value:
                raise UserError("the two passphrases differ; nothing was created")
    except (EOFError, KeyboardInterrupt):
        raise UserError("no passphrase given") from None
    if not value:
        raise UserError("no passphrase given")
    return value


def with_backup_hint(message: str, store_path: str | os.PathLike | None) -> str:
    """The message of a store found damaged once open (a page that fails its check), with the backup to restore.

    With the passphrase in the environment, the newest backup that opens with
    it and passes the check (:func:`~matac_desk.storage.backups.restore_hint`); typed
    at the terminal, it is not kept, so the newest backup, to check first.
    """
    given = ("matac-desk restore", "its latest backup", "no backup of it was found")
    if "damaged" not in message or any(g in message for g in given) or not store_path or not Path(store_path).is_file():
        return message  # not about damage, or the hint is already there (it is given once)
    secret = os.environ.get(PASSPHRASE_ENV)
    if secret:
        return message + restore_hint(store_path, secret, message)
    latest = latest_backup(store_path)
    if latest is None:
        return f"{message}; no backup of it was found"
    return (f"{message}. Its latest backup is from {latest.taken_at:%Y-%m-%d %H:%M}: check it with: matac-desk check "
            f"{latest.path}, and restore it with: matac-desk restore {store_path} {latest.path}")


def open_store(path: str | os.PathLike, *, read_only: bool = False) -> Store:
    """Open a store for a command; a damaged store's message names the backup to restore."""
    p = Path(path)
    if not p.exists():
        raise StoreError(f"{p}: no such store (create one with: matac-desk init {p})")
    secret = passphrase()
    try:
        store = Store.open(p, secret, read_only=read_only)
    except StoreLocked:
        raise
    except StoreError as e:
        raise StoreError(f"{e}{restore_hint(p, secret, str(e))}") from None
    for note in store.warnings:
        warn(note)
    return store


def confirm(question: str, *, yes: bool = False) -> None:
    """Ask on the terminal; ``--yes`` skips it; with no terminal the command stops and says to add ``--yes``."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{question} Not confirmed: add --yes to confirm without a terminal")
    try:
        answer = input(f"{question} Type yes to go on: ")
    except (EOFError, KeyboardInterrupt):
        answer = ""
    if answer.strip().casefold() not in ("yes", "y"):
        raise UserError("not confirmed; nothing was changed")


def warn(text: str) -> None:
    sys.stderr.write(f"matac-desk: warning: {text}\n")


def create_store(path: str | os.PathLike) -> Store:
    p = Path(path)
    if p.exists():
        raise StoreError(f"{p}: a file is already there; choose another name")
    return Store.create(p, passphrase(confirm=True))


class TerminalProgress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str = "", stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        frac = done / total if total else 0
        bar = "#" * int(frac * 30)
        self.stream.write(f"\r{self.label} [{bar:<30}] {frac:4.0%} {message[:40]:<40}")
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def print_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str = "table",
               out=None, *, empty: str | None = None) -> None:
    """Print rows as an aligned table, CSV (formula-safe) or JSON; a table with no rows is the sentence
    ``empty`` when one is given (CSV and JSON keep their header or ``[]`` for a program to read)."""
    if empty is not None and not rows and fmt == "table":
        emit(empty)
        return
    out = out or sys.stdout
    if fmt == "json":
        json.dump([{c: r.get(c) for c in columns} | {k: v for k, v in r.items() if k not in columns}
                   for r in rows], out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
        return
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([safe_cell(_csv_value(r.get(c))) for c in columns])
        return
    cells = [[_text(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")


NOT_STATED_RECIPIENT = audit.NOT_STATED_RECIPIENT
NOT_STATED_REASON = audit.NOT_STATED_REASON
_PERSON_FILTERS = ("person_id", "person")   # the argument names that hold a person id


def listing_options(p, *, reason: bool = True) -> None:
    """``--recipient`` and ``--reason`` for a command that lists persons (``reason=False``: it has its own)."""
    p.add_argument("--recipient", help="who receives the output (an agency or role); CSV or JSON output, or a "
                                       "listing given a recipient, is recorded in the audit log as a disclosure "
                                       "to them")
    if reason:
        p.add_argument("--reason", help="why the persons are listed (recorded in the audit log; no names)")


def record_listing(store, what: str, rows: Sequence[dict[str, Any]] | int, fmt: str, args, *,
                   person_keys: Sequence[str] = (), persons: Iterable[Any] = (),
                   filters: Sequence[str] = (), extra: dict[str, Any] | None = None) -> int:
    """Record, before it is printed, that the listing ``what`` shows persons; returns the entry's id.

    ``rows`` are the rows shown (or their number); the persons are the
    values of ``person_keys`` in them, and ``persons`` (ids shown elsewhere
    in the output). ``filters`` name the ``args`` attributes that chose the
    rows; a person id among them (``person_id``, ``person``) is an id the
    entry is about too, so it is kept only as a pseudonym. ``extra`` adds
    to the detail (``as_of``: the day a listing is as of when none was asked).

    Table or text output is a consultation, ``view.listing`` (with
    ``--reason`` if given). CSV or JSON output, or a listing given
    ``--recipient``, is a disclosure, ``disclosure.listing``; a recipient
    or reason left out is recorded as not stated, and one line on stderr
    says so. At most :data:`~matac_desk.storage.audit.LISTED_PERSONS_CAP` persons
    are itemised, in the order shown (:func:`~matac_desk.storage.audit.itemised`):
    ``persons_shown`` is the total, ``persons_capped`` the cap when it cut
    the list. A reason or recipient that names one of
    the itemised persons is refused (:func:`~matac_desk.storage.audit.check_free_text`)
    and nothing is recorded or printed. Works on a store opened read-only.
    """
    chosen = {name: value if isinstance(value, (bool, int)) else str(value)
              for name in filters if (value := getattr(args, name, None)) not in (None, False, "", [], ())}
    ids = [chosen[n] for n in _PERSON_FILTERS if n in chosen] + list(persons)
    if not isinstance(rows, int) and person_keys:
        ids += [r.get(k) for r in rows for k in person_keys]
    shown = rows if isinstance(rows, int) else len(rows)
    detail = {"listing": what, "rows": shown, "format": fmt, "filters": chosen} | (extra or {})
    recipient = " ".join((getattr(args, "recipient", None) or "").split())
    reason = (getattr(args, "reason", None) or "").strip()
    if fmt in ("csv", "json") or recipient:
        entry = audit.audit_export(store, "listing", ids, recipient=recipient, reason=reason, detail=detail)
        if not (recipient and reason):
            sys.stderr.write(f"matac-desk: the {what} output ({shown:,} rows) is recorded in the audit log "
                             f"as a disclosure to {recipient or NOT_STATED_RECIPIENT!r}, reason "
                             f"{reason or NOT_STATED_REASON!r}; --recipient and --reason name who receives it "
                             "and why\n")
        return entry
    ids, detail = audit.itemised(ids, detail)
    with store.audit_transaction():
        return store.audit("view.listing", entity="listing", entity_id=what, detail=detail, reason=reason or None,
                           persons=ids)


def _csv_value(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def emit(text: str = "") -> None:
    sys.stdout.write(text + "\n")

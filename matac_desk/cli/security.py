"""Security and reliability commands: audit, backup, backups, restore, check, passphrase, retention, erase."""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import os
import sys
from pathlib import Path

from ..storage import anchors
from ..storage import audit as audit_log
from ..storage.backups import backup, change_passphrase, check, list_backups, restore, restore_advice
from ..domain import UserError
from ..storage.retention import due_for_review, erase_person, find_mentions, get_policy
from ..storage.store import StoreError, check_new_passphrase, passphrase_context
from .common import date_arg, TerminalProgress, confirm, emit, listing_options, open_store, passphrase, print_rows, \
    record_listing, warn

__all__ = ["register", "NEW_PASSPHRASE_ENV"]

NEW_PASSPHRASE_ENV = "MATAC_DESK_NEW_PASSPHRASE"


def _anchor(text: str) -> anchors.Anchor:
    try:
        return anchors.parse_anchor(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def register(sub) -> None:
    p = sub.add_parser("audit", help="show the audit log, or verify its hash chain")
    p.add_argument("store")
    p.add_argument("--person", metavar="ID", help="only the entries about this person (found by pseudonym)")
    p.add_argument("--action", help="only this action (or a family: 'export.*')")
    p.add_argument("--limit", type=int, help="only the latest N entries")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--verify", action="store_true",
                   help="walk the hash chain, check the append-only triggers and every anchor kept outside the store "
                        "(this computer's anchor file, the backups'); name what is wrong")
    p.add_argument("--anchor", action="append", default=[], type=_anchor, metavar="ID:HASH",
                   help="with --verify: also check this chain head, read off a printed cover ('Audit head 1,204 · "
                        "3fa9c2e1' is 1204:3fa9c2e1); may be repeated")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("backup", help="back the store up now (encrypted, into STORE.backups/)")
    p.add_argument("store")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("backups", help="list the store's backups, newest first")
    p.add_argument("store")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser("restore", help="put a backup in the store's place (keeps a copy of what it replaces)")
    p.add_argument("store")
    p.add_argument("backup", help="the backup file (see: matac-desk backups STORE)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("check", help="integrity, encryption, foreign keys and the audit chain, in plain words")
    p.add_argument("store")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("passphrase", help="change the store's passphrase (and its backups')")
    p.add_argument("store")
    p.set_defaults(func=cmd_passphrase)

    p = sub.add_parser("retention", help="persons due for retention review")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg, default=None, help="review date to list up to (default: today)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing_options(p)
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("erase", help="erase a person's personal data from the store (cannot be undone)")
    p.add_argument("store")
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--reason", required=True, help="why (goes in the audit log; no names)")
    p.add_argument("--scrub-mentions", action="store_true",
                   help="replace every mention of the person in other records' free text (surname, names, aliases, "
                        "date of birth, addresses, postcodes) with [erased]; without it, an erasure that would leave "
                        "mentions lists them and stops")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_erase)


def cmd_audit(args) -> int:
    if args.anchor and not args.verify:
        raise UserError("--anchor is checked with --verify: matac-desk audit STORE --verify --anchor ID:HASH")
    store = open_store(args.store, read_only=True)
    try:
        if args.verify:
            report = anchors.verify_log(store, paper=args.anchor)
            report.page_check = store.page_check()   # every page's HMAC, up to PAGE_CHECK_MAX_BYTES
            for line in report.lines():
                emit(line)
            return 0 if report.ok and report.pages_ok else 1
        rows = audit_log.entries(store.conn, person_id=args.person, action=args.action, limit=args.limit)
    finally:
        store.close()
    if not rows and args.format == "table":
        emit("No audit entries match.")
        return 0
    if args.format == "table":
        rows = [r | {"detail": audit_log.short_detail(r["detail"])} for r in rows]
    print_rows(rows, audit_log.ENTRY_COLUMNS, args.format)
    return 0


def cmd_backup(args) -> int:
    store = open_store(args.store)
    try:
        bar = TerminalProgress("Backup")
        path = backup(store, "manual", progress=bar)
        bar.finish()
    finally:
        store.close()
    emit(f"Backed up to {path} ({path.stat().st_size / 2**20:.1f} MiB, encrypted with the store's passphrase)")
    return 0


def cmd_backups(args) -> int:
    if not Path(args.store).exists():
        raise StoreError(f"{args.store}: no such store")
    rows = [b.as_row() | {"path": str(b.path)} for b in list_backups(args.store)]
    print_rows(rows, ["backup", "label", "taken", "size_mib"], args.format,
               empty=f"No backups of {args.store} yet (make one with: matac-desk backup {args.store}).")
    return 0


def cmd_restore(args) -> int:
    src = Path(args.backup)
    if not src.is_file():
        candidate = Path(args.store + ".backups") / args.backup
        if candidate.is_file():
            src = candidate
        else:
            raise UserError(f"{args.backup}: no such backup (list them with: matac-desk backups {args.store})")
    secret = passphrase()
    confirm(f"Replace {args.store} with the backup {src.name}? The current file is kept as a copy.", yes=args.yes)
    replaced = restore(args.store, src, secret)
    emit(f"Restored {args.store} from {src.name}.")
    if replaced:
        emit(f"What it replaced is kept as {replaced}")
    return 0


def cmd_check(args) -> int:
    store = open_store(args.store, read_only=True)
    try:
        bar = TerminalProgress("Check")
        report = check(store, progress=bar)
        bar.finish()
        for line in report.lines():
            emit(line)
        if report.ok:
            return 0
        # the latest sound backup, not merely the newest (which may be a copy of the damaged store)
        emit(restore_advice(store, command=f"matac-desk restore {args.store}"))
        return 1
    finally:
        store.close()


def _new_passphrase(context: list[str]) -> str:
    value = os.environ.get(NEW_PASSPHRASE_ENV)
    if not value:
        if not sys.stdin.isatty():
            raise UserError(f"no new passphrase: set {NEW_PASSPHRASE_ENV} or run the command in a terminal")
        try:
            value = getpass.getpass("New passphrase: ")
            check_new_passphrase(value, context)
            if getpass.getpass("Repeat the new passphrase: ") != value:
                raise UserError("the two new passphrases differ; nothing was changed")
        except (EOFError, KeyboardInterrupt):
            raise UserError("no new passphrase given; nothing was changed") from None
    check_new_passphrase(value, context)
    return value


def cmd_passphrase(args) -> int:
    store = open_store(args.store)
    try:
        new = _new_passphrase(passphrase_context(store.conn))
        bar = TerminalProgress("Re-keying")
        rekeyed, failed = change_passphrase(store, new, progress=bar)
        bar.finish()
    finally:
        store.close()
    emit(f"Changed the passphrase of {args.store} and of {len(rekeyed)} backup(s).")
    for f in failed:
        warn(f"{f} opened with neither passphrase and was left as it was")
    return 0


def cmd_retention(args) -> int:
    store = open_store(args.store)
    try:
        policy = get_policy(store)
        as_of = args.as_of or _dt.date.today()
        rows = due_for_review(store, as_of, policy=policy, record=False)
        record_listing(store, "retention", rows, args.format, args, person_keys=("person_id",),
                       extra={"as_of": as_of.isoformat()})
    finally:
        store.close()
    if args.format != "table":
        print_rows(rows, ["person_id", "roles", "cohort", "latest_record", "review_date"], args.format)
        return 0
    emit(f"Policy: review {policy.review_years} years after a person's latest record "
         f"({policy.cohort_review_years} for MATAC cohort subjects).")
    if not rows:
        emit(f"Nobody is due for review on {as_of}.")
        return 0
    emit(f"{len(rows):,} person(s) due for review on {as_of}:")
    print_rows(rows, ["person_id", "roles", "cohort", "latest_record", "review_date"])
    emit("Erase one whose record no longer has a policing purpose: matac-desk erase STORE PERSON_ID --reason ...")
    return 0


def cmd_erase(args) -> int:
    store = open_store(args.store)
    try:
        if store.scalar("SELECT 1 FROM persons WHERE id = ?", [args.person_id]) is None:
            raise UserError("no person with that id is held in the store; nothing was changed")
        audit_log.check_free_text(store.conn, args.reason, [args.person_id])
        found = find_mentions(store, args.person_id)
        if found:
            # the mentions shown are the person's data: a consultation, recorded before it is printed
            audit_log.audit_view(store, args.person_id, "erasure review", what="erasure mentions")
            emit(f"{len(found)} mention(s) of this person in other records' free text:")
            for m in found:
                emit(f"  {m.where}: {m.kind}: {m.context}")
            if not args.scrub_mentions:
                raise UserError(f"the erasure would leave {len(found)} mention(s) of the person in free text (listed "
                                "above); add --scrub-mentions to replace them all with [erased], or edit them first "
                                "(the Data protection page lets you keep one with a reason); nothing was changed")
        confirm("Erase this person's personal data from the store"
                + (f", and replace the {len(found)} mention(s) with [erased]" if found else "")
                + "? This cannot be undone.", yes=args.yes)
        bar = TerminalProgress("Erase")
        summary = erase_person(store, args.person_id, args.reason, progress=bar)
        bar.finish()
    finally:
        store.close()
    emit(summary.describe())
    if summary.older_backups:
        warn(f"{summary.older_backups} backup(s) taken before now still hold this person until rotation removes "
             "them; delete them by hand if the erasure must reach them too")
    return 0

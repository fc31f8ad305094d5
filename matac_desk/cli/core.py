"""Store commands: init, demo, import, import-changes, import-undo, import-profile, rejects, info."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from pathlib import Path

from ..services.demo import DemoSpec, fill_store, write_csv
from ..domain import UserError
from ..services import imports
from ..intake import undo
from ..intake.importer import (
    MAX_REJECT_SHARE,
    load_profile,
    MAX_REJECTS,
    NAME_CHANGE_MIN,
    NAME_CHANGE_SHARE,
    delete_profile,
    import_extract,
    list_profiles,
    save_profile,
    shown,
)
from .common import TerminalProgress, confirm, create_store, date_arg, emit, open_store, print_rows, record_listing

__all__ = ["register"]


_UNSET = object()


def _max_rejects(text: str) -> int | None:
    if text.strip().casefold() in ("none", "all", "unlimited"):
        return None
    try:
        n = int(text.replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number or 'none': {shown(text)!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def register(sub) -> None:
    p = sub.add_parser("init", help="create a new, empty, encrypted store")
    p.add_argument("store", help="path of the store file to create")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create a store full of fictitious demo data, or write it as CSV")
    p.add_argument("store", nargs="?", help="path of the store file to create")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--perpetrators", type=_positive, default=None)
    p.add_argument("--incidents", type=_positive, default=2500)
    p.add_argument("--as-of", type=date_arg, default=None, help="date the data ends (default: today)")
    p.add_argument("--csv", metavar="FILE", help="write a canonical extract CSV instead of a store")
    p.add_argument("--rows", type=_positive, default=None, help="with --csv: stop after this many rows")
    p.add_argument("--uk-dates", action="store_true", help="with --csv: dd/mm/yyyy dates")
    p.add_argument("--encoding", default="utf-8", choices=("utf-8", "utf-8-sig", "cp1252"),
                   help="with --csv: the file's encoding")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import a police record extract (CSV)")
    p.add_argument("store")
    p.add_argument("file", help="the extract, CSV")
    p.add_argument("--profile", help="named column mapping saved with import-profile")
    p.add_argument("--rejects", metavar="FILE", help="write rejected rows with reasons to this CSV")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--dry-run", action="store_true",
                   help="check every row and compare with the persons held; write nothing")
    p.add_argument("--max-rejects", type=_max_rejects, metavar="N", default=_UNSET,
                   help=f"allow up to N rejected lines, whatever their share of the file (default: "
                        f"{MAX_REJECTS:,}, and at most {MAX_REJECT_SHARE:.0%} of the data lines); 'none' for no limit")
    p.add_argument("--accept-person-changes", action="store_true",
                   help="import even when more known persons would change name than the limit "
                        f"({NAME_CHANGE_SHARE:.0%} of those in the file, at least {NAME_CHANGE_MIN})")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("import-changes", help="names and dates of birth of known persons an import changed; "
                                              "put them back")
    p.add_argument("store")
    p.add_argument("--batch", type=int, help="import batch (default: the latest not undone)")
    p.add_argument("--put-back", type=int, action="append", default=[], metavar="ENTRY",
                   help="put back the value one data-quality entry replaced (repeat)")
    p.add_argument("--put-back-all", action="store_true", help="put back every open change of the batch")
    p.add_argument("--reason", help="why (recorded in the audit log)")
    p.set_defaults(func=cmd_import_changes)

    p = sub.add_parser("import-undo", help="undo an import: delete what it added and put back what it changed")
    p.add_argument("store")
    p.add_argument("--batch", type=int, required=True, metavar="N", help="the import to undo (its batch number)")
    p.add_argument("--reason", required=True, help="why (goes in the audit log; no names)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_import_undo)

    p = sub.add_parser("import-profile", help="list, save or delete named column mappings")
    p.add_argument("store")
    p.add_argument("action", choices=("list", "save", "delete"))
    p.add_argument("name", nargs="?")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=COLUMN",
                   help="with save: a force header and the canonical column it holds (repeat)")
    p.set_defaults(func=cmd_profile)

    p = sub.add_parser("rejects", help="show or save the rejected rows kept for review")
    p.add_argument("store")
    p.add_argument("--batch", type=int, help="import batch (default: the latest)")
    p.add_argument("-o", "--output", metavar="FILE", help="write them as CSV")
    p.set_defaults(func=cmd_rejects)

    p = sub.add_parser("info", help="counts, schema version and the last import")
    p.add_argument("store")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_info)


def cmd_init(args) -> int:
    store = create_store(args.store)
    store.close()
    emit(f"Created an empty encrypted store: {args.store}")
    return 0


def cmd_demo(args) -> int:
    spec = DemoSpec(seed=args.seed, perpetrators=args.perpetrators, incidents=args.incidents,
                    as_of=args.as_of or _dt.date.today())
    if args.csv:
        bar = TerminalProgress("Writing")
        n = write_csv(args.csv, spec, max_rows=args.rows, uk_dates=args.uk_dates, encoding=args.encoding,
                      progress=bar)
        bar.finish()
        emit(f"Wrote {n:,} rows of fictitious extract to {args.csv}")
        return 0
    if not args.store:
        raise UserError("give a STORE to create, or --csv FILE")
    store = create_store(args.store)
    try:
        bar = TerminalProgress("Demo")
        summary, data = fill_store(store, spec, progress=bar)
        bar.finish()
        info = store.info()["counts"]
    except BaseException:
        store.close()
        _remove_store_files(Path(args.store))  # a half-made demo store is no use to anyone
        raise
    store.close()
    emit(f"Created demo store {args.store}: {info['persons']:,} persons, {info['incidents']:,} incidents, "
         f"{info['links']:,} intelligence links (all fictitious)")
    return 0


def _remove_store_files(path: Path) -> None:
    import shutil
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".backups"), ignore_errors=True)


def _print_summary(s, fmt: str) -> None:
    if fmt == "json":
        emit(json.dumps(s.as_dict(), indent=2, ensure_ascii=False))
        return
    emit(f"Imported {s.file_name}, batch {s.batch_id}")
    emit(f"  encoding         {s.encoding}: {s.encoding_why}")
    emit(f"  lines read       {s.lines_read:>10,}  = header {s.header_lines:,} + rows imported {s.row_lines:,}"
         f" + blank {s.blank_lines:,} + rejected {s.rejected_lines:,}")
    emit(f"  rows read        {s.rows_read:>10,}")
    emit(f"  new              {s.new:>10,}")
    emit(f"  updated          {s.updated:>10,}")
    emit(f"  unchanged        {s.unchanged:>10,}")
    emit(f"  rejected         {s.rejected:>10,}" + (
        f"  ({s.rejects_already_kept:,} kept already from an earlier import of the same file)"
        if s.rejects_already_kept else ""))
    for reason, n in s.rejected_by_reason.most_common(20):
        emit(f"    {n:>8,}  {reason}")
    if len(s.rejected_by_reason) > 20:
        emit(f"    … and {len(s.rejected_by_reason) - 20:,} other reason(s)")
    emit(f"  persons new      {s.persons_new:>10,}")
    emit(f"  persons updated  {s.persons_updated:>10,}")
    emit(f"  incidents new    {s.incidents_new:>10,}")
    emit(f"  incidents changed{s.incidents_updated:>10,}")
    if s.name_changes:
        emit(f"  {s.name_changes:,} name change(s) of known persons kept as data-quality entries "
             f"(matac-desk import-changes STORE --batch {s.batch_id} lists them and puts them back)")
    if s.dob_warnings:
        emit(f"  {s.dob_warnings:,} date-of-birth change(s) kept as data-quality warnings")
    if s.unknown_names:
        emit(f"  warning: {s.unknown_names:,} row(s) hold a name made only of '?' (lost upstream), e.g. line(s) "
             + ", ".join(map(str, s.unknown_name_lines)))


def _print_preview(store, args, p) -> None:
    emit(f"Dry run of {args.file}: nothing was written")
    emit(f"  encoding         {p.encoding}: {p.encoding_why}")
    lines = p.lines
    emit(f"  lines read       {lines.lines:>10,}  = header {lines.header:,} + rows {p.row_lines:,}"
         f" + blank {lines.blank:,} + rejected {lines.rejected_lines:,}")
    emit(f"  rows checked     {p.rows_checked:>10,}")
    emit(f"  would import     {p.good:>10,}")
    emit(f"  would reject     {p.rejected:>10,}")
    from collections import Counter
    from ..intake.importer import reason_kind
    for reason, n in Counter(reason_kind(r.reason) for r in p.rejects).most_common(20):
        emit(f"    {n:>8,}  {reason}")
    if p.limit_error:
        emit(f"  the import would stop: {p.limit_error}")
    if lines.unknown_names:
        emit(f"  warning: {lines.unknown_names:,} row(s) hold a name made only of '?' (lost upstream), e.g. line(s) "
             + ", ".join(map(str, lines.unknown_name_lines)))
    ch = p.changes
    if ch is None:
        return
    emit(f"  known persons    {ch.known:>10,}")
    emit(f"  name would change{len(ch.names):>10,}" + (
        f"  more than {ch.limit:,}: the import will be held (--accept-person-changes)" if ch.held else ""))
    emit(f"  date of birth would change{len(ch.dobs):>5,}")
    shown_names, shown_dobs = ch.names[:20], ch.dobs[:20]
    if shown_names or shown_dobs:
        record_listing(store, "import-person-changes", len(shown_names) + len(shown_dobs), "table", args,
                       persons=[x[0] for x in shown_names + shown_dobs], extra={"file": Path(args.file).name})
    for pid, old, new in shown_names:
        emit(f"    {shown(pid, 20):<20}  name  {shown(old)} -> {shown(new)}")
    for pid, old, new in shown_dobs:
        emit(f"    {shown(pid, 20):<20}  dob   {old} -> {new}")
    more = len(ch.names) - len(shown_names) + len(ch.dobs) - len(shown_dobs)
    if more > 0:
        emit(f"    … and {more:,} more")


def cmd_import(args) -> int:
    limits = {} if args.max_rejects is _UNSET else {"max_rejects": args.max_rejects, "max_reject_share": None}
    with open_store(args.store) as store:
        if args.dry_run:
            mapping = load_profile(store, args.profile) if args.profile else None
            bar = TerminalProgress("Checking")
            try:
                p = imports.preview(args.file, mapping, store=store, progress=bar, **limits)
            finally:
                bar.finish()
            _print_preview(store, args, p)
            return 0
        bar = TerminalProgress("Import")
        try:
            summary = import_extract(store, args.file, profile=args.profile, rejects_path=args.rejects,
                                     progress=bar, accept_person_changes=args.accept_person_changes, **limits)
        finally:
            bar.finish()
    _print_summary(summary, args.format)
    if summary.rejected and args.rejects:
        emit(f"Rejected rows written to {args.rejects}")
    elif summary.rejected:
        emit("Rejected rows are kept in the store: matac-desk rejects STORE -o FILE")
    return 0


def cmd_import_changes(args) -> int:
    with open_store(args.store) as store:
        batch = args.batch or store.scalar("SELECT max(id) FROM import_batches WHERE kind = 'incidents'"
                                           " AND undone_at IS NULL")
        if batch is None:
            emit("No imports yet.")
            return 0
        if args.put_back_all:
            n = imports.put_back_batch(store, batch, reason=args.reason)
            emit(f"Put back {n:,} change(s) of import {batch}.")
            return 0
        for entry in args.put_back:
            imports.put_back(store, entry, reason=args.reason)
            emit(f"Put back data-quality entry {entry}.")
        if args.put_back:
            return 0
        rows = imports.person_changes_of(store, batch)
        if not rows:
            emit(f"Import {batch} changed no name or date of birth of a known person.")
            return 0
        record_listing(store, "import-changes", len(rows), "table", args, persons=[r.person_id for r in rows],
                       filters=("batch",), extra={"batch": batch})
        print_rows([{"entry": r.id, "person": r.person_id, "what": "name" if r.kind == "name_changed" else "dob",
                     "was": shown(r.old_value), "now": shown(r.new_value),
                     "state": "put back / resolved" if r.resolved_at else "open"} for r in rows],
                   ["entry", "person", "what", "was", "now", "state"])
        return 0


def cmd_import_undo(args) -> int:
    with open_store(args.store) as store:
        plan = undo.check_undo(store, args.batch, args.reason)     # a refusal: exit 1 with its reason
        emit(f"Undoing {plan.label}:")
        for line in plan.lines():
            emit(f"  {line}")
        confirm(f"Undo {plan.label}? The store is backed up first.", yes=args.yes)
        done = undo.undo_import(store, args.batch, args.reason)
    emit(f"Undid {done.label}; the store was backed up first to {done.backup}. The import stays in the list, "
         "marked undone.")
    return 0


def cmd_profile(args) -> int:
    with open_store(args.store) as store:
        if args.action == "list":
            profiles = list_profiles(store)
            if not profiles:
                emit("No import profiles saved.")
            for name, mapping in profiles.items():
                emit(name)
                for header, col in mapping.items():
                    emit(f"    {header} -> {col or '(not imported)'}")
            return 0
        if not args.name:
            raise UserError(f"import-profile {args.action}: give the profile's NAME")
        if args.action == "delete":
            delete_profile(store, args.name)
            emit(f"Deleted import profile {args.name!r}")
            return 0
        mapping = {}
        for item in args.map:
            if "=" not in item:
                raise UserError(f"--map {item!r}: write it as HEADER=COLUMN")
            header, col = item.rsplit("=", 1)
            mapping[header.strip()] = col.strip() or None   # HEADER= : not imported
        if not mapping:
            raise UserError("import-profile save: give at least one --map HEADER=COLUMN")
        save_profile(store, args.name, mapping)
        emit(f"Saved import profile {args.name!r} ({len(mapping)} column(s))")
        return 0


def cmd_rejects(args) -> int:
    with open_store(args.store) as store:
        batch = args.batch or store.scalar("SELECT max(batch_id) FROM rejected_rows")
        if batch is None:
            emit("No rejected rows are kept.")
            return 0
        kept = imports.rejected_rows(store, batch)
        if not kept:
            emit(f"Batch {batch} has no rejected rows.")
            return 0
        if args.output:
            n = imports.export_rejects(store, batch, args.output)
            emit(f"Wrote {n:,} rejected row(s) of batch {batch} to {args.output}")
        else:
            record_listing(store, "rejects", len(kept), "table", args,
                           persons=imports.reject_person_ids(store, batch, kept), filters=("batch",),
                           extra={"batch": batch})
            print_rows([{"line": k.row_number, "column": shown(k.column or ""), "reason": k.reason} for k in kept],
                       ["line", "column", "reason"])
        return 0


def cmd_info(args) -> int:
    with open_store(args.store) as store:
        info = store.info(pages=True)
    if args.format == "json":
        emit(json.dumps(info, indent=2))
        return 0
    emit(f"Store           {info['path']}")
    emit(f"Schema version  {info['schema_version']}")
    for k, v in info["counts"].items():
        emit(f"  {k.replace('_', ' '):<14}{v:>10,}")
    last = info["last_import"]
    if last:
        emit(f"Last import     batch {last['batch']}, {last['finished_at']}, {last['file']}: "
             f"{last['rows_read']:,} rows read, {last['new']:,} new, {last['updated']:,} updated, "
             f"{last['unchanged']:,} unchanged, {last['rejected']:,} rejected")
    else:
        emit("Last import     none yet")
    emit(f"Page check      {info['pages']}")  # every page's HMAC (SQLCipher), or why it was not run
    return 0

"""Store commands: init, demo, import, import-profile, rejects, info."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys

from ..services.demo import DemoSpec, fill_store, write_csv
from ..domain import UserError
from ..services import imports
from ..intake.importer import delete_profile, import_extract, list_profiles, save_profile
from ..storage.store import Store
from .common import TerminalProgress, create_store, emit, open_store, print_rows, record_listing

__all__ = ["register"]


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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
    p.add_argument("--as-of", type=_date, default=None, help="date the data ends (default: today)")
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
    p.set_defaults(func=cmd_import)

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
    emit(f"Imported {s.file_name} ({s.encoding}), batch {s.batch_id}")
    emit(f"  rows read        {s.rows_read:>10,}")
    emit(f"  new              {s.new:>10,}")
    emit(f"  updated          {s.updated:>10,}")
    emit(f"  unchanged        {s.unchanged:>10,}")
    emit(f"  rejected         {s.rejected:>10,}")
    for reason, n in s.rejected_by_reason.most_common():
        emit(f"    {n:>8,}  {reason}")
    emit(f"  persons new      {s.persons_new:>10,}")
    emit(f"  persons updated  {s.persons_updated:>10,}")
    emit(f"  incidents new    {s.incidents_new:>10,}")
    emit(f"  incidents changed{s.incidents_updated:>10,}")
    if s.dob_warnings:
        emit(f"  {s.dob_warnings:,} date-of-birth change(s) kept as data-quality warnings")


def cmd_import(args) -> int:
    with open_store(args.store) as store:
        bar = TerminalProgress("Import")
        try:
            summary = import_extract(store, args.file, profile=args.profile, rejects_path=args.rejects,
                                     progress=bar)
        finally:
            bar.finish()
    _print_summary(summary, args.format)
    if summary.rejected and args.rejects:
        emit(f"Rejected rows written to {args.rejects}")
    elif summary.rejected:
        emit("Rejected rows are kept in the store: matac-desk rejects STORE -o FILE")
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
                    emit(f"    {header} -> {col}")
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
            mapping[header.strip()] = col.strip()
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
            print_rows([{"row": k.row_number, "column": k.column or "", "reason": k.reason} for k in kept],
                       ["row", "column", "reason"])
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

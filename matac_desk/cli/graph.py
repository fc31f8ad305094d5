"""Relationship-graph commands: links, partners, duplicates, merge, unmerge, merges, shared-victims, networks, graph."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..storage import audit
from ..domain import UserError
from ..analysis.duplicates import (changed_in_batch, explain_pair, find_duplicates, mark_not_duplicate, merge, merges,
                                   threshold, undo_decision, unmerge)
from ..storage.files import write_atomically
from ..analysis.graph import SCOPES, NewPartner, default_period, networks, new_partners, partner_count_over_time, \
    shared_victims
from ..intake.links import import_links
from .common import FORMATS, date_arg, TerminalProgress, emit, listing_options, open_store, print_rows, record_listing

__all__ = ["register"]


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"not a probability between 0 and 1: {text!r}")
    return value


def register(sub) -> None:
    p = sub.add_parser("links", help="import intelligence links between persons (CSV)")
    p.add_argument("store")
    p.add_argument("file", help="CSV: person_a_id, person_b_id, relationship, first_seen, source "
                                "[, person_b_forename, person_b_surname, person_b_dob, grading (3×5×2, e.g. 1B P)]")
    p.add_argument("--rejects", metavar="FILE", help="write rejected rows with reasons to this CSV")
    p.set_defaults(func=cmd_links)

    p = sub.add_parser("partners", help="new partners of known perpetrators in a period")
    p.add_argument("store")
    p.add_argument("--since", type=date_arg, help="start of the period, not included (default: the previous "
                                               "held meeting, or 28 days before --as-of)")
    p.add_argument("--as-of", type=date_arg, help="end of the period, included (default: today)")
    p.add_argument("--scope", choices=SCOPES, default="cohort",
                   help="cohort: cohort, open referrals and serial perpetrators (default); serial: every serial "
                        "perpetrator; all: every recorded perpetrator")
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_partners)

    p = sub.add_parser("partner-history", help="a perpetrator's number of intimate partners per year")
    p.add_argument("store")
    p.add_argument("person_id")
    p.add_argument("--as-of", type=date_arg)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_partner_history)

    p = sub.add_parser("duplicates", help="probable duplicate person records (never merged automatically)")
    p.add_argument("store")
    p.add_argument("--person", metavar="ID", help="only the duplicates of this person")
    p.add_argument("--batch", type=int, metavar="N",
                   help="only the persons import N added or changed (compare after an import)")
    p.add_argument("--threshold", type=_probability, metavar="P",
                   help="list pairs from this probability (default: the setting, 0.5 unless changed)")
    p.add_argument("--explain", nargs=2, metavar=("ID_A", "ID_B"),
                   help="compare two records and explain the score field by field, whatever it is")
    p.add_argument("--not-same", nargs=2, metavar=("ID_A", "ID_B"),
                   help="record that two records are different people (needs --reason)")
    p.add_argument("--undo-decision", type=int, metavar="N",
                   help="undo the 'not the same person' decision N: its pairs may be listed again")
    p.add_argument("--reason", help="with --not-same: why they differ; otherwise why the duplicates are listed "
                                    "(recorded in the audit log; no names)")
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p, reason=False)
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("merge", help="merge two person records into one (can be undone)")
    p.add_argument("store")
    p.add_argument("keep_id", help="the record to keep")
    p.add_argument("merge_id", help="the record merged into it")
    p.add_argument("--reason", required=True, help="why they are the same person (kept in the audit log)")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("unmerge", help="undo the merge of a person record")
    p.add_argument("store")
    p.add_argument("merge_id", help="the record that was merged into another")
    p.add_argument("--reason", default="", help="why (kept in the audit log)")
    p.set_defaults(func=cmd_unmerge)

    p = sub.add_parser("merges", help="the merge history")
    p.add_argument("store")
    p.add_argument("--all", action="store_true", help="include merges already undone")
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_merges)

    p = sub.add_parser("shared-victims", help="victims of more than one perpetrator")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_shared_victims)

    p = sub.add_parser("networks", help="groups of perpetrators connected through shared victims or family")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_networks)

    p = sub.add_parser("graph", help="draw a person's relationship picture to SVG or PDF")
    p.add_argument("store")
    p.add_argument("person_id")
    p.add_argument("--radius", type=int, choices=(1, 2), default=1)
    p.add_argument("--since", type=date_arg)
    p.add_argument("--as-of", type=date_arg)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.svg or FILE.pdf")
    listing_options(p)
    p.set_defaults(func=cmd_graph)


def cmd_links(args) -> int:
    store = open_store(args.store)
    try:
        bar = TerminalProgress("Links")
        try:
            s = import_links(store, args.file, rejects_path=args.rejects, progress=bar)
        finally:
            bar.finish()
    finally:
        store.close()
    emit(f"Imported links from {s.file_name} ({s.encoding}), batch {s.batch_id}")
    for label, n in (("rows read", s.rows_read), ("new", s.new), ("updated", s.updated),
                     ("unchanged", s.unchanged), ("rejected", s.rejected), ("persons new", s.persons_new)):
        emit(f"  {label:<16} {n:>10,}")
    for reason, n in s.rejected_by_reason.most_common():
        emit(f"    {n:>8,}  {reason}")
    if s.rejected:
        emit(f"Rejected rows written to {args.rejects}" if args.rejects
             else "Rejected rows are kept in the store: matac-desk rejects STORE -o FILE")
    return 0


def cmd_partners(args) -> int:
    store = open_store(args.store)
    try:
        since, as_of = default_period(store, args.as_of)
        since = args.since or since
        bar = TerminalProgress("Partners")
        try:
            found = new_partners(store, since, as_of, args.scope, progress=bar)
        finally:
            bar.finish()
        rows = [n.as_row() for n in found]
        record_listing(store, "partners", rows, args.format, args,
                       persons=[p for n in found for p in (n.perpetrator_id, n.partner_id, *n.other_perpetrators,
                                                           *(c.id for c in n.children), *n.possible_duplicates)],
                       filters=("scope",), extra={"since": since.isoformat(), "as_of": as_of.isoformat()})
    finally:
        store.close()
    if args.format == "table":
        emit(f"New partners {since} (not included) to {as_of}, scope {args.scope}: {len(rows)}")
        if not rows:
            return 0
        cols = ["perpetrator_id", "partner_id", "partner_name", "first_linked", "source", "other_perpetrators",
                "children", "disclosure", "possible_duplicates"]
        print_rows(rows, cols, "table")
        return 0
    print_rows(rows, list(NewPartner.CSV_COLUMNS), args.format)
    return 0


def cmd_partner_history(args) -> int:
    return _listing(args, "partner-history", lambda st: partner_count_over_time(st, args.person_id, args.as_of),
                    ["year", "partners", "new", "total"], f"No intimate partners recorded for {args.person_id}.",
                    persons=lambda found: [], filters=("person_id", "as_of"))


def cmd_duplicates(args) -> int:
    store = open_store(args.store)
    try:
        if args.not_same:
            if not args.reason:
                raise UserError("--not-same needs --reason")
            n = mark_not_duplicate(store, args.not_same[0], args.not_same[1], args.reason)
            emit(f"Recorded that {args.not_same[0]} and {args.not_same[1]} are different people (decision {n}); "
                 f"undo with: matac-desk duplicates STORE --undo-decision {n}")
            return 0
        if args.undo_decision is not None:
            n = undo_decision(store, args.undo_decision, args.reason or "")
            emit(f"Undid decision {args.undo_decision}: {n} pair(s) may be listed again.")
            return 0
        if args.explain:
            return _explain(store, args)
        ids = None
        if args.person:
            ids = [args.person]
        if args.batch is not None:
            if not store.scalar("SELECT count(*) FROM import_batches WHERE id = ?", [args.batch]):
                raise UserError(f"no import {args.batch} in the store")
            ids = (ids or []) + changed_in_batch(store, args.batch)
        floor = args.threshold if args.threshold is not None else threshold(store)
        bar = TerminalProgress("Duplicates")
        try:
            pairs = find_duplicates(store, ids, threshold_=floor, progress=bar) if ids != [] else []
        finally:
            bar.finish()
        rows = [p.as_row() for p in pairs]
        record_listing(store, "duplicates", rows, args.format, args, person_keys=("person_a_id", "person_b_id"),
                       filters=("person", "batch", "threshold"))
    finally:
        store.close()
    if args.format == "table" and not pairs:
        emit(f"No probable duplicates (probability {floor:.2f} or more).")
        return 0
    if args.format == "table":
        emit(f"{len(pairs):,} probable duplicate pair(s), probability {floor:.2f} or more; why each is listed: "
             f"--explain ID_A ID_B, or --format csv/json for every field's part")
    print_rows(rows, ["person_a_id", "person_b_id", "score", "division", "reason", "person_a_name", "person_b_name",
                      "dob", "b_dob"] + ([] if args.format == "table" else ["explanation"]), args.format)
    return 0


def _explain(store, args) -> int:
    pair = explain_pair(store, *args.explain)
    row = pair.as_row() | {"evidence": [{"field": e.field, "level": e.level, "text": e.text, "weight": e.weight}
                                        for e in pair.evidence]}
    record_listing(store, "duplicates-explain", [row], args.format, args, person_keys=("person_a_id", "person_b_id"))
    if args.format == "json":
        print_rows([row], list(row), "json")
        return 0
    if args.format == "csv":
        print_rows([{"field": e.field, "level": e.level, "text": e.text, "weight": e.weight} for e in pair.evidence],
                   ["field", "level", "text", "weight"], "csv")
        return 0
    listed = pair.score >= threshold(store)
    emit(f"{pair.a_id} {pair.a_name} (born {pair.dob or 'not recorded'}) and {pair.b_id} {pair.b_name} "
         f"(born {pair.b_dob or 'not recorded'})")
    for e in pair.evidence:
        emit(f"  {e.weight:+6.1f}  {e.text}")
    emit(f"  {sum(e.weight for e in pair.evidence):+6.1f}  in all: probability {pair.score:.3f} "
         f"({'listed' if listed else 'not listed'} at the threshold {threshold(store):.2f})")
    return 0


def cmd_merge(args) -> int:
    store = open_store(args.store)
    try:
        n = merge(store, args.keep_id, args.merge_id, args.reason)
    finally:
        store.close()
    emit(f"Merged {args.merge_id} into {args.keep_id} (merge {n}); undo with: matac-desk unmerge STORE "
         f"{args.merge_id}")
    return 0


def cmd_unmerge(args) -> int:
    store = open_store(args.store)
    try:
        n = unmerge(store, args.merge_id, args.reason)
    finally:
        store.close()
    emit(f"Undid merge {n}: {args.merge_id} stands on its own again")
    return 0


def _listing(args, what: str, fetch, columns: list[str], empty: str, *, persons, filters=("as_of",)) -> int:
    """Open the store, fetch rows, record the listing (``persons(found)``: the ids it shows), print the rows
    (or ``empty`` for an empty table)."""
    store = open_store(args.store)
    try:
        found = fetch(store)
        rows = [r.as_row() for r in found]
        record_listing(store, what, rows, args.format, args, persons=persons(found), filters=filters)
    finally:
        store.close()
    if args.format == "table" and not rows:
        emit(empty)
        return 0
    print_rows(rows, columns, args.format)
    return 0


def cmd_merges(args) -> int:
    return _listing(args, "merges", lambda st: merges(st, include_undone=args.all),
                    ["merge", "keep_id", "merged_id", "records", "merged_at", "merged_by", "reason", "undone_at"],
                    "No merges.", persons=lambda found: [p for m in found for p in (m.keep_id, m.merged_id)],
                    filters=("all",))


def cmd_shared_victims(args) -> int:
    return _listing(args, "shared-victims", lambda st: shared_victims(st, args.as_of),
                    ["victim_id", "victim_name", "perpetrators", "perpetrator_ids", "incidents", "first", "last"],
                    "No victim is linked to more than one perpetrator.",
                    persons=lambda found: [p for v in found for p in (v.victim_id, *v.perpetrator_ids)])


def cmd_networks(args) -> int:
    return _listing(args, "networks", lambda st: networks(st, args.as_of),
                    ["size", "perpetrator_ids", "shared_victims", "shared_victim_ids", "family_links"],
                    "No networks of perpetrators.",
                    persons=lambda found: [p for n in found for p in (*n.perpetrator_ids, *n.shared_victim_ids)])


def cmd_graph(args) -> int:
    from reportlab.graphics import renderPDF, renderSVG

    from ..analysis.picture import layout_drawing, neighbourhood_layout

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".pdf"):
        raise UserError(f"{out.name}: the picture is written as .svg or .pdf")
    if not out.parent.exists():
        raise UserError(f"{out.parent}: no such folder")
    store = open_store(args.store)
    try:
        layout = neighbourhood_layout(store, args.person_id, args.radius, args.as_of, args.since)
        centre = layout.node(layout.centre)
        drawing = layout_drawing(layout, 842, 595, marking="OFFICIAL-SENSITIVE",
                                 title=f"Relationships of {centre.label} ({centre.id}), radius {layout.radius}")

        def picture() -> bytes:
            if suffix == ".pdf":
                return renderPDF.drawToString(drawing, msg="OFFICIAL-SENSITIVE")
            return renderSVG.drawToString(drawing).encode("utf-8")

        def record() -> None:  # a disclosure of everyone drawn, before the file appears
            audit.audit_export(store, "picture", [layout.centre] + [n.id for n in layout.nodes],
                               recipient=args.recipient, reason=args.reason,
                               detail={"picture_of": layout.centre, "radius": layout.radius, "file": out.name})

        write_atomically(out, picture, before_rename=record)
    finally:
        store.close()
    emit(f"Wrote the relationship picture of {layout.centre} ({len(layout.nodes)} persons, "
         f"{len(layout.edges)} links) to {out}")
    return 0

"""The case file's commands: plan, clares-law, order breaches and lists, victim-support, equality, return."""

from __future__ import annotations

import argparse
import datetime as _dt

from ..domain import UserError
from ..meeting import plans as plans_mod
from ..meeting.cohort import require_person
from .common import emit, listing_options, open_store, print_rows, record_listing

__all__ = ["register"]

FORMATS = ("table", "csv", "json")


def _date(text: str) -> str:
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text[:40]!r}") from None


def register(sub) -> None:
    p = sub.add_parser("plan", help="a subject's risk management plan: show, set a pillar, review; or the reviews due",
                       description="plan STORE PERSON [show|history|set PILLAR TEXT --owner AGENCY|rosh --who ... "
                                   "|review --next DATE]; plan STORE --due")
    p.add_argument("store")
    p.add_argument("person_id", nargs="?", help="the subject")
    p.add_argument("words", nargs="*", metavar="ACTION", help="show (default), history, set PILLAR TEXT, rosh, review")
    p.add_argument("--owner", help="set: the agency that owns the pillar")
    p.add_argument("--next", dest="next_review", type=_date, help="review: the next review date")
    p.add_argument("--on", type=_date, help="review: the day it was reviewed (default today)")
    p.add_argument("--who", help="rosh: who is at risk")
    p.add_argument("--nature", help="rosh: the nature of the risk")
    p.add_argument("--imminence", help="rosh: how soon")
    p.add_argument("--due", action="store_true", help="the cohort's reviews due or overdue, and subjects with no plan")
    p.add_argument("--as-of", type=_date)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_plan)


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------

def cmd_plan(args) -> int:
    with open_store(args.store) as store:
        if args.due:
            rows = plans_mod.due(store, args.as_of)
            record_listing(store, "plan due", rows, args.format, args, person_keys=("person_id",), filters=("as_of",))
            if not rows and args.format == "table":
                emit("No plan review is due.")
            else:
                print_rows(rows, ["person_id", "name", "next_review", "state", "days_overdue"], args.format)
            return 0
        if not args.person_id:
            raise UserError("give the subject's person id, or --due")
        pid = require_person(store, args.person_id)
        action, *rest = args.words or ["show"]
        if action == "set":
            if len(rest) != 2:
                raise UserError("plan set needs PILLAR and TEXT (quote the text), and --owner AGENCY")
            if not args.owner:
                raise UserError("plan set needs --owner AGENCY (the agency that owns the pillar)")
            p = plans_mod.set_pillar(store, pid, rest[0], rest[1], args.owner)
            emit(f"Plan for {pid}: version {p.version} ({p.change})")
        elif action == "rosh":
            p = plans_mod.set_rosh(store, pid, who=args.who, nature=args.nature, imminence=args.imminence)
            emit(f"Plan for {pid}: version {p.version} ({p.change})")
        elif action == "review":
            if not args.next_review:
                raise UserError("plan review needs --next DATE (the next review)")
            p = plans_mod.review(store, pid, args.next_review, on=args.on)
            emit(f"Plan for {pid} reviewed on {p['reviewed_on']}; next review {p['next_review']} (version {p.version})")
        elif action == "history":
            rows = [{"version": h.version, "change": h.change, "changed_at": h.changed_at, "changed_by": h.changed_by,
                     "next_review": h["next_review"]} for h in plans_mod.history(store, pid)]
            record_listing(store, "plan history", rows, args.format, args, persons=[pid], filters=("person_id",))
            print_rows(rows, ["version", "change", "changed_at", "changed_by", "next_review"], args.format)
            return 0
        elif action != "show":
            raise UserError(f"unknown plan action {action[:40]!r}: show, history, set, rosh or review")
        p = plans_mod.plan(store, pid)
        record_listing(store, "plan", 1, "table", args, persons=[pid], filters=("person_id",))
        if p is None:
            emit(f"{pid} has no risk management plan yet: matac-desk plan STORE {pid} set PILLAR TEXT --owner AGENCY")
            return 0
        state = p.review_state(args.as_of)
        emit(f"Risk management plan for {pid} (version {p.version}, {p.changed_at[:10]} by {p.changed_by})")
        for key in plans_mod.PILLARS:
            owner = f" [{p[key + '_owner']}]" if p[key + "_owner"] else ""
            emit(f"  {plans_mod.PILLAR_LABELS[key]:<28}{owner} {p[key] or '—'}")
        emit("  Risk of serious harm")
        for key in plans_mod.ROSH_FIELDS:
            emit(f"    {plans_mod.ROSH_LABELS[key]:<20} {p[key] or '—'}")
        emit(f"  Reviewed {p['reviewed_on'] or '—'}; next review {p['next_review'] or '—'}"
             + (f" ({state.upper()})" if state else ""))
        return 0

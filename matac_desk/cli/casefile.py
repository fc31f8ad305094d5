"""The case file's commands: plan, clares-law, order breaches and lists, victim-support, equality, return."""

from __future__ import annotations

import datetime as _dt

from ..domain import UserError
from ..meeting import plans as plans_mod
from ..meeting.cohort import require_person
from .common import FORMATS, date_text, emit, listing_options, open_store, print_rows, record_listing

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("plan", help="a subject's risk management plan: show, set a pillar, review; or the reviews due",
                       description="plan STORE PERSON [show|history|set PILLAR TEXT --owner AGENCY|rosh --who ... "
                                   "|review --next DATE]; plan STORE --due")
    p.add_argument("store")
    p.add_argument("person_id", nargs="?", help="the subject")
    p.add_argument("words", nargs="*", metavar="ACTION", help="show (default), history, set PILLAR TEXT, rosh, review, "
                                                              "restore VERSION")
    p.add_argument("--owner", help="set: the agency that owns the pillar")
    p.add_argument("--next", dest="next_review", type=date_text, help="review: the next review date")
    p.add_argument("--on", type=date_text, help="review: the day it was reviewed (default today)")
    p.add_argument("--who", help="rosh: who is at risk")
    p.add_argument("--nature", help="rosh: the nature of the risk")
    p.add_argument("--imminence", help="rosh: how soon")
    p.add_argument("--due", action="store_true", help="the cohort's reviews due or overdue, and subjects with no plan")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_plan)
    _register_clares_law(sub)
    _register_support(sub)
    _register_equality(sub)
    _register_return(sub)


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------

def cmd_plan(args) -> int:
    with open_store(args.store) as store:
        if args.due:
            rows = plans_mod.due(store, args.as_of)
            record_listing(store, "plan due", rows, args.format, args, person_keys=("person_id",), filters=("as_of",))
            print_rows(rows, ["person_id", "name", "next_review", "state", "days_overdue"], args.format,
                       empty="No plan review is due.")
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
        elif action == "restore":
            if len(rest) != 1 or not rest[0].isdigit() or not args.reason:
                raise UserError("plan restore needs VERSION and --reason (why the later versions were wrong)")
            p = plans_mod.restore(store, pid, int(rest[0]), reason=args.reason)
            emit(f"Plan for {pid}: version {p.version} ({p.change})")
        elif action == "history":
            rows = [{"version": h.version, "change": h.change, "changed_at": h.changed_at, "changed_by": h.changed_by,
                     "next_review": h["next_review"]} for h in plans_mod.history(store, pid)]
            record_listing(store, "plan history", rows, args.format, args, persons=[pid], filters=("person_id",))
            print_rows(rows, ["version", "change", "changed_at", "changed_by", "next_review"], args.format)
            return 0
        elif action != "show":
            raise UserError(f"unknown plan action {action[:40]!r}: show, history, set, rosh, review or restore")
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


# --------------------------------------------------------------------------
# clares-law
# --------------------------------------------------------------------------

def _register_clares_law(sub) -> None:
    from ..meeting import clares_law as cl
    p = sub.add_parser("clares-law", help="Clare's Law (DVDS) applications: list, new, step, close, show")
    p.add_argument("store")
    csub = p.add_subparsers(dest="cl_command", metavar="ACTION", required=True)
    q = csub.add_parser("list", help="applications, the overdue and due this week first")
    q.add_argument("--open", action="store_true", dest="open_only")
    q.add_argument("--due", action="store_true", help="only those overdue or due within 7 days")
    q.add_argument("--person", dest="person_id", help="one subject's")
    q.add_argument("--as-of", type=date_text)
    q.add_argument("--format", choices=FORMATS, default="table")
    listing_options(q)
    q = csub.add_parser("new", help="open an application (its first step: the request received)")
    q.add_argument("person_id", help="the subject")
    q.add_argument("--route", required=True, help="right to ask | right to know")
    q.add_argument("--applicant", required=True, dest="relation",
                   help="the applicant's relation to the subject (partner, partner's mother, police ...)")
    q.add_argument("--at-risk", dest="at_risk_id", help="person id of the person at risk")
    q.add_argument("--at-risk-name", help="her name when she is not in the store")
    q.add_argument("--received", type=date_text, help="the day the request was received (default today)")
    q.add_argument("--by", required=True, help="who received it")
    q.add_argument("--note")
    q = csub.add_parser("step", help="record a step: " + ", ".join(cl.STEPS[1:]))
    q.add_argument("application_id", type=int)
    q.add_argument("step")
    q.add_argument("--date", type=date_text, help="default today")
    q.add_argument("--by", required=True, help="who did it")
    q.add_argument("--note")
    q = csub.add_parser("close", help="close with the outcome: " + ", ".join(cl.OUTCOMES))
    q.add_argument("application_id", type=int)
    q.add_argument("outcome")
    q.add_argument("--date", type=date_text, help="default today")
    q.add_argument("--by", required=True)
    q.add_argument("--note")
    q = csub.add_parser("remove-step", help="delete a step recorded in error (its number: see show)")
    q.add_argument("step_id", type=int)
    q.add_argument("--reason", required=True)
    q = csub.add_parser("reopen", help="undo a closing made in error (its decision and disclosure record go)")
    q.add_argument("application_id", type=int)
    q.add_argument("--reason", required=True)
    q = csub.add_parser("show", help="one application with its steps")
    q.add_argument("application_id", type=int)
    listing_options(q)
    p.set_defaults(func=cmd_clares_law)


CL_COLUMNS = ["id", "subject_id", "subject_name", "route", "applicant_relation", "at_risk_name", "received_on",
              "deadline", "days_left", "state", "last_step", "outcome", "closed_on"]


def cmd_clares_law(args) -> int:
    from ..meeting import clares_law as cl
    with open_store(args.store) as store:
        c = args.cl_command
        if c == "list":
            rows = (cl.due(store, args.as_of) if args.due else
                    cl.applications(store, as_of=args.as_of, subject_id=args.person_id, open_only=args.open_only))
            if args.due and args.person_id:
                rows = [r for r in rows if r["subject_id"] == require_person(store, args.person_id)]
            record_listing(store, "clares-law", rows, args.format, args, person_keys=("subject_id", "at_risk_id"),
                           filters=("as_of", "person_id", "open_only", "due"))
            print_rows(rows, CL_COLUMNS, args.format,
                       empty="No Clare's Law applications match.")
        elif c == "new":
            aid = cl.new_application(store, args.person_id, args.route, args.relation,
                                     args.received or _dt.date.today(), args.by, at_risk_id=args.at_risk_id,
                                     at_risk_name=args.at_risk_name, note=args.note)
            a = cl.application(store, aid)
            emit(f"Clare's Law application {aid} opened ({a['route']}); decide by {a['deadline']}")
        elif c == "step":
            cl.add_step(store, args.application_id, args.step, args.date or _dt.date.today(), args.by, note=args.note)
            a = cl.application(store, args.application_id)
            emit(f"Application {a['id']}: {a['last_step']} recorded; {a['state']}, deadline {a['deadline']}")
        elif c == "close":
            a = cl.close(store, args.application_id, args.outcome, args.date or _dt.date.today(), args.by,
                         note=args.note)
            emit(f"Application {a['id']} closed: {a['outcome']} on {a['closed_on']}"
                 + (" (after the deadline)" if a["state"] == "closed late" else ""))
        elif c == "remove-step":
            got = cl.remove_step(store, args.step_id, reason=args.reason)
            emit(f"Step {args.step_id} ({got['step']} on {got['date']}) removed from application {got['application_id']}")
        elif c == "reopen":
            a = cl.reopen(store, args.application_id, reason=args.reason)
            emit(f"Application {a['id']} reopened: {a['state']}, deadline {a['deadline']}")
        else:
            a = cl.application(store, args.application_id)
            record_listing(store, "clares-law application", 1, "table", args,
                           persons=[a["subject_id"]] + ([a["at_risk_id"]] if a["at_risk_id"] else []))
            emit(f"Application {a['id']}: {a['route']} about {a['subject_name']} ({a['subject_id']}); "
                 f"applicant: {a['applicant_relation']}; at risk: {a['at_risk_name']}")
            emit(f"  received {a['received_on']}, deadline {a['deadline']}: {a['state']}"
                 + (f", outcome {a['outcome']} on {a['closed_on']}" if a["closed_on"] else ""))
            print_rows(cl.steps(store, a["id"]), ["id", "date", "step", "by", "note"])
        return 0


# --------------------------------------------------------------------------
# order: breaches, requirements, every order, every breach (the options of cli.meetings' order command)
# --------------------------------------------------------------------------

ORDER_ACTIONS = ("breach", "requirement", "show", "remove-breach")


def order_options(p) -> None:
    """The ``order`` command's case-file options (``order STORE breach ORDER_ID --date D --note N`` ...)."""
    p.add_argument("more", nargs="*", metavar="ARG", help="breach ORDER_ID | requirement ORDER_ID KIND TYPE TEXT "
                                                          "| show ORDER_ID")
    p.add_argument("--list", action="store_true", help="every order, with its status, monitoring end and breaches")
    p.add_argument("--in-force", action="store_true", help="with --list: only those in force")
    p.add_argument("--breaches", action="store_true", help="every breach (--since: after a day)")
    p.add_argument("--since", type=date_text, help="with --breaches: after this day (default: the last meeting held)")
    p.add_argument("--expiring", action="store_true", help="with --list: only those ending within 28 days")
    p.add_argument("--date", type=date_text, help="breach: the day of the breach")
    p.add_argument("--note", help="breach: what happened and what was done")
    p.add_argument("--until", type=date_text, help="requirement: its own end (electronic monitoring)")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")


def cmd_order_more(args) -> int:
    from ..meeting import orders as orders_mod
    with open_store(args.store) as store:
        action = args.person_id
        if action in ORDER_ACTIONS:
            if not args.more or not args.more[0].isdigit():
                raise UserError(f"order {action} needs the {'breach' if action == 'remove-breach' else 'order'}'s number")
            oid = int(args.more[0])
            if action == "remove-breach":
                if not args.reason:
                    raise UserError("order remove-breach needs --reason (why the breach was recorded in error)")
                got = orders_mod.remove_breach(store, oid, reason=args.reason)
                emit(f"Breach {oid} of order {got['order_id']} ({got['date']}) removed")
            elif action == "breach":
                if not args.date or not args.note:
                    raise UserError("order breach needs --date DATE and --note TEXT")
                bid = orders_mod.add_breach(store, oid, args.date, args.note)
                emit(f"Breach {bid} of order {oid} recorded ({args.date})")
            elif action == "requirement":
                if len(args.more) != 4:
                    raise UserError("order requirement needs ORDER_ID KIND TYPE TEXT (quote the type and the text)")
                rid = orders_mod.add_requirement(store, oid, args.more[1], args.more[2], args.more[3], until=args.until)
                emit(f"Requirement {rid} added to order {oid}")
            else:
                from ..meeting.cohort import order
                o = order(store, oid)
                record_listing(store, "order", 1, "table", args, persons=[o["person_id"]])
                emit(f"Order {oid}: {o['type']} on {o['person_id']}, {o['start']} to {o['end'] or 'no end'}")
                print_rows(orders_mod.requirements(store, oid), ["kind", "type", "text", "until"])
                b = orders_mod.breaches(store, person_id=o["person_id"])
                emit(f"Breaches: {sum(1 for x in b if x['order_id'] == oid)}")
            return 0
        if args.more:
            raise UserError(f"unknown order action {args.person_id!r}: breach, requirement or show")
        if args.breaches:
            since = args.since
            if since is None and not args.person_id:
                since = store.scalar("SELECT max(date) FROM meetings WHERE status = 'held'")
            rows = orders_mod.breaches(store, person_id=args.person_id, since=since, until=args.as_of)
            record_listing(store, "order breaches", rows, args.format, args, person_keys=("person_id",),
                           filters=("person_id", "since", "as_of"))
            if args.format == "table":
                emit(f"Breaches since {since}:" if since else "Every breach:")
            print_rows(rows, ["id", "order_id", "type", "person_id", "name", "date", "note"], args.format)
            return 0
        rows = (orders_mod.expiring(store, args.as_of) if args.expiring else
                orders_mod.all_orders(store, as_of=args.as_of, in_force_only=args.in_force, person_id=args.person_id))
        record_listing(store, "orders", rows, args.format, args, person_keys=("person_id", "protected_person_id"),
                       filters=("person_id", "as_of", "in_force", "expiring"))
        cols = ["id", "person_id", "name", "type", "start", "end", "status", "em_end", "requirements", "breaches",
                "last_breach"] + (["what", "ends", "days_left"] if args.expiring else [])
        print_rows(rows, cols, args.format,
                   empty="No orders match.")
        return 0


# --------------------------------------------------------------------------
# victim-support
# --------------------------------------------------------------------------

def _register_support(sub) -> None:
    from ..meeting import support
    p = sub.add_parser("victim-support", help="support status of each victim of a cohort subject; set one",
                       description="victim-support STORE [--person ID]; victim-support STORE set VICTIM --service S "
                                   "--status ST [--date D] [--note N]")
    p.add_argument("store")
    p.add_argument("words", nargs="*", metavar="ACTION", help="set VICTIM_ID | history VICTIM_ID | remove RECORD_ID")
    p.add_argument("--person", dest="person_id", help="one subject's victims")
    p.add_argument("--service", help="set: IDVA, ISVA, Refuge, Outreach service, ... (free text)")
    p.add_argument("--status", help="set: " + ", ".join(support.STATUSES))
    p.add_argument("--date", type=date_text, help="set: default today")
    p.add_argument("--note")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_victim_support)


def cmd_victim_support(args) -> int:
    from ..meeting import support
    with open_store(args.store) as store:
        if args.words[:1] == ["history"] and len(args.words) == 2:
            rows = support.history(store, args.words[1])
            record_listing(store, "victim-support history", rows, args.format, args,
                           persons=[require_person(store, args.words[1])])
            print_rows(rows, ["id", "date", "service", "status", "note"], args.format)
            return 0
        if args.words[:1] == ["remove"] and len(args.words) == 2 and args.words[1].isdigit():
            if not args.reason:
                raise UserError("victim-support remove needs --reason")
            got = support.remove_record(store, int(args.words[1]), reason=args.reason)
            emit(f"Support record {args.words[1]} ({got['status']} on {got['date']}) removed")
            return 0
        if args.words:
            if args.words[0] != "set" or len(args.words) != 2:
                raise UserError("victim-support: set VICTIM_ID --service S --status ST, history VICTIM_ID, "
                                "or remove RECORD_ID --reason R")
            if not args.service or not args.status:
                raise UserError("victim-support set needs --service and --status")
            support.set_status(store, args.words[1], args.service, args.status, args.date, note=args.note)
            emit(f"Support for {args.words[1]}: {args.status} ({args.service})")
            return 0
        rows = support.cohort_support(store, args.as_of, subject_id=args.person_id)
        record_listing(store, "victim-support", rows, args.format, args, person_keys=("subject_id", "victim_id"),
                       filters=("person_id", "as_of"))
        print_rows(rows, ["subject_id", "subject_name", "victim_id", "victim_name", "service", "status", "date"],
                   args.format,
                   empty="No victims of cohort subjects.")
        return 0


# --------------------------------------------------------------------------
# equality
# --------------------------------------------------------------------------

def _register_equality(sub) -> None:
    from ..services import equality
    p = sub.add_parser("equality", help="a person's sex, ethnicity, disability; who is nominated and adopted, by group",
                       description="equality STORE PERSON [--sex S] [--ethnicity E] [--disability D]; "
                                   "equality STORE --by division|sex|ethnicity|'age band'")
    p.add_argument("store")
    p.add_argument("person_id", nargs="?")
    p.add_argument("--sex", help="F, M, X, NS or the words")
    p.add_argument("--ethnicity", help="an ONS 2021 code (W1 … O2, NS) or its category")
    p.add_argument("--disability", help="Y, N, NS or the words")
    p.add_argument("--by", choices=equality.DIMENSIONS, help="who is nominated: scored, nominated and adopted per group")
    p.add_argument("--since", type=date_text, help="with --by: nominations and adoptions after this day (default a year)")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_equality)


def cmd_equality(args) -> int:
    from ..services import equality
    with open_store(args.store) as store:
        if args.by:
            rows = equality.who_is_nominated(store, args.by, args.as_of, since=args.since)
            if args.format == "table":
                rows = [r | {k: "—" if r[k] is None else f"{r[k]:.1%}" for k in ("nominated_share", "adopted_share")}
                        for r in rows]
                emit(f"Who is nominated, by {args.by} (scored on {args.as_of or _dt.date.today()}; nominated and "
                     f"adopted in the year before, or since {args.since})" if args.since else
                     f"Who is nominated, by {args.by} (scored today; nominated and adopted in the last year)")
            print_rows(rows, ["group", "scored", "nominated", "adopted", "nominated_share", "adopted_share"],
                       args.format)
            return 0
        if not args.person_id:
            raise UserError("give a person id, or --by DIMENSION")
        values = {k: getattr(args, k) for k in ("sex", "ethnicity", "disability") if getattr(args, k) is not None}
        if values:
            changed = equality.set_fields(store, args.person_id, **values)
            emit(f"Changed: {', '.join(changed) or 'nothing'}")
        f = equality.fields(store, args.person_id, args.as_of)
        record_listing(store, "equality", 1, "table", args, persons=[require_person(store, args.person_id)],
                       filters=("person_id",))
        for k in ("sex", "ethnicity", "disability"):
            emit(f"  {k:<11} {f[k + '_label']}" + (f" ({f[k]})" if f[k] else ""))
        emit(f"  {'age band':<11} {f['age_band']}")
        return 0


# --------------------------------------------------------------------------
# return
# --------------------------------------------------------------------------

def _register_return(sub) -> None:
    p = sub.add_parser("return", help="the quarterly return (counts only, small numbers suppressed) as CSV or PDF",
                       description="return STORE --quarter 2026Q3 -o FILE.csv|FILE.pdf --recipient R")
    p.add_argument("store")
    p.add_argument("--quarter", required=True, help="a calendar quarter: 2026Q3 is July to September 2026")
    p.add_argument("-o", "--output", required=True, help="FILE.csv or FILE.pdf")
    p.add_argument("--recipient", required=True, help="who receives it (recorded in the audit log)")
    p.add_argument("--reason", help="why (default: quarterly return QUARTER)")
    p.set_defaults(func=cmd_return)


def cmd_return(args) -> int:
    from ..meeting import force
    from ..pack.returns import export_return
    with open_store(args.store) as store:
        name = force.load(store).name
        e = export_return(store, args.output, args.quarter, recipient=args.recipient, reason=args.reason, force=name)
        emit(f"Wrote the {args.quarter.upper()} return to {e.path} ({e.size:,} bytes"
             + (f", {e.pages} page(s)" if e.pages else "") + f"), reference {e.reference}; "
             f"recorded as a disclosure to {args.recipient!r}")
        return 0

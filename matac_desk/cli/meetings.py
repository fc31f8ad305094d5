"""Meeting-cycle commands: meeting, cohort, subject, order, disclosure, toolkit, tactic, actions, action,
om, workload, outcomes, prompts."""

from __future__ import annotations

import datetime as _dt

from ..meeting import actions as actions_mod
from ..meeting import cohort as cohort_mod
from ..meeting import meetings as meetings_mod
from ..meeting import workload as workload_mod
from ..services import people as people_mod
from ..domain import UserError
from .casefile import ORDER_ACTIONS, cmd_order_more, order_options
from . import evaluation
from .common import FORMATS, date_text, emit, listing_options, open_store, print_rows, record_listing

__all__ = ["register"]


def _yes_no(text: str) -> bool:
    t = text.strip().casefold()
    if t in ("yes", "y", "true", "1"):
        return True
    if t in ("no", "n", "false", "0"):
        return False
    import argparse
    raise argparse.ArgumentTypeError(f"yes or no, not {text!r}")


def register(sub) -> None:
    # meeting ---------------------------------------------------------------
    p = sub.add_parser("meeting", help="schedule meetings, record attendance, decisions and minutes")
    p.add_argument("store")
    msub = p.add_subparsers(dest="meeting_command", metavar="ACTION", required=True)
    q = msub.add_parser("new", help="schedule a meeting (default: four weeks after the last)")
    q.add_argument("--date", type=date_text)
    q.add_argument("--area", default="")
    q.add_argument("--chair")
    q = msub.add_parser("schedule", help="schedule a year of four-weekly meetings in one step")
    q.add_argument("--from", dest="start", type=date_text, help="first date (default: four weeks after the last)")
    q.add_argument("--count", type=int, default=13)
    q.add_argument("--area", default="")
    q.add_argument("--chair")
    q = msub.add_parser("list", help="every meeting")
    q.add_argument("--area")
    q.add_argument("--format", choices=FORMATS, default="table")
    q = msub.add_parser("agenda", help="the agenda, built from the store")
    _which_meeting(q)
    q.add_argument("--format", choices=("table", "json"), default="table")
    listing_options(q)
    q = msub.add_parser("attend", help="add an attendee or an apology")
    _which_meeting(q)
    q.add_argument("name")
    q.add_argument("agency")
    q.add_argument("--apology", action="store_true")
    q = msub.add_parser("decide", help="record a decision on a subject")
    _which_meeting(q)
    q.add_argument("person_id", help="the person's id, or a name only he has")
    q.add_argument("decision", choices=meetings_mod.DECISIONS,
                   help="adopt or do not adopt; for a cohort subject continue, escalate or exit")
    q.add_argument("--reason", help="required for 'do not adopt' and 'exit' (exit: one of the exit reasons)")
    q = msub.add_parser("minutes", help="record minutes for a subject (or the meeting)")
    _which_meeting(q)
    q.add_argument("text")
    q.add_argument("--person", dest="person_id")
    q.add_argument("--chair")
    q = msub.add_parser("held", help="mark the meeting held and keep the day's scores (on or after its day)")
    _which_meeting(q)
    q.add_argument("--chair")
    q.add_argument("--early", action="store_true", help="mark it held before its day (needs --reason)")
    q.add_argument("--reason", help="why it is marked held before its day")
    q = msub.add_parser("reopen", help="put a held meeting back to scheduled; its snapshot is kept, superseded")
    _which_meeting(q)
    q.add_argument("--reason", required=True, help="why the meeting is reopened (audited)")
    q.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_meeting)

    # cohort and subjects ---------------------------------------------------
    p = sub.add_parser("cohort", help="the cohort, with each subject's adoption and offender manager")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_cohort)

    p = sub.add_parser("subject", help="show or set a subject's OM, MAPPA, MARAC, IOM and risk factors")
    p.add_argument("store")
    p.add_argument("person_id", help="the person's id, or a name only he has")
    p.add_argument("--om", type=int, dest="om_id")
    p.add_argument("--division")
    p.add_argument("--mappa-category", type=int, choices=(1, 2, 3, 4))
    p.add_argument("--mappa-level", type=int, choices=(1, 2, 3))
    p.add_argument("--marac", type=_yes_no)
    p.add_argument("--iom", type=_yes_no)
    p.add_argument("--risk-level", choices=("standard", "medium", "high"))
    p.add_argument("--weapons", type=_yes_no, dest="risk_weapons")
    p.add_argument("--substance-misuse", type=_yes_no, dest="risk_substance_misuse")
    p.add_argument("--mental-health", type=_yes_no, dest="risk_mental_health")
    listing_options(p)
    p.set_defaults(func=cmd_subject)

    p = sub.add_parser("order", help="record an order or bail conditions, or list a subject's; breaches, "
                                     "requirements, every order (--list) or every breach (--breaches)")
    p.add_argument("store")
    p.add_argument("person_id", nargs="?", help="the subject; or 'breach ORDER_ID', 'requirement ORDER_ID ...'")
    order_options(p)
    p.add_argument("--type", choices=cohort_mod.ORDER_TYPES)
    p.add_argument("--start", type=date_text)
    p.add_argument("--end", type=date_text)
    p.add_argument("--protects", dest="protected_person_id")
    p.add_argument("--conditions")
    listing_options(p)
    p.set_defaults(func=cmd_order)

    p = sub.add_parser("disclosure", help="record a Clare's Law (DVDS) application or disclosure")
    p.add_argument("store")
    p.add_argument("person_id", help="the subject")
    p.add_argument("kind", choices=("right to ask", "right to know"))
    p.add_argument("--to", dest="to_id", help="person id of the partner told")
    p.add_argument("--to-name", help="recipient's name when not in the store")
    p.add_argument("--date", type=date_text)
    p.add_argument("--decision", choices=("pending", "disclosed", "not disclosed"), default="pending")
    p.set_defaults(func=cmd_disclosure)

    p = sub.add_parser("toolkit", help="list the tactics toolkit, or add a tactic to it")
    p.add_argument("store")
    p.add_argument("--add", metavar="NAME")
    p.add_argument("--category", choices=cohort_mod.TOOLKIT_CATEGORIES)
    p.add_argument("--description", default="")
    p.set_defaults(func=cmd_toolkit)

    p = sub.add_parser("tactic", help="agree a tactic for a subject, or list his tactics")
    p.add_argument("store")
    p.add_argument("person_id", help="the person's id, or a name only he has")
    p.add_argument("tactic", nargs="?", help="toolkit name or id")
    p.add_argument("--meeting", type=date_text, help="date of the meeting that agreed it")
    listing_options(p)
    p.set_defaults(func=cmd_tactic)

    # actions ----------------------------------------------------------------
    p = sub.add_parser("actions", help="list actions, overdue first")
    p.add_argument("store")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--open", action="store_true", dest="open_only")
    p.add_argument("--agency")
    p.add_argument("--owner")
    p.add_argument("--person", dest="person_id")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-o", "--output", help="write the list as CSV to this file (an audited disclosure to --recipient, "
                                          "default: the --agency)")
    listing_options(p)
    p.set_defaults(func=cmd_actions)

    p = sub.add_parser("action", help="add an action, or update one")
    p.add_argument("store")
    asub = p.add_subparsers(dest="action_command", metavar="ACTION", required=True)
    q = asub.add_parser("add")
    q.add_argument("person_id", help="the person's id, or a name only he has")
    q.add_argument("agency")
    q.add_argument("description")
    q.add_argument("--owner")
    q.add_argument("--due", type=date_text)
    q.add_argument("--meeting", type=date_text, help="date of the meeting that raised it")
    q = asub.add_parser("update")
    q.add_argument("action_id", type=int)
    q.add_argument("--status", choices=actions_mod.STATUSES)
    q.add_argument("--note")
    q.add_argument("--due", type=date_text)
    q.add_argument("--owner")
    q.add_argument("--on", type=date_text)
    p.set_defaults(func=cmd_action)

    # offender managers ---------------------------------------------------------
    p = sub.add_parser("om", help="offender managers: add, list, allocate a subject")
    p.add_argument("store")
    osub = p.add_subparsers(dest="om_command", metavar="ACTION", required=True)
    q = osub.add_parser("add")
    q.add_argument("name")
    q.add_argument("division")
    q.add_argument("--mosovo", type=date_text, help="date the MOSOVO course was completed")
    q.add_argument("--mosovo-waiting", action="store_true")
    q.add_argument("--other-cases", type=int, default=0, help="cases managed outside MATAC")
    q.add_argument("--other-high-risk", type=int, default=0)
    osub.add_parser("list")
    q = osub.add_parser("allocate")
    q.add_argument("person_id", help="the person's id, or a name only he has")
    q.add_argument("om_id", type=int, nargs="?", help="default: the suggested OM in the subject's division")
    q.add_argument("--division")
    q.add_argument("--allow-overloaded", action="store_true")
    p.set_defaults(func=cmd_om)

    p = sub.add_parser("outcomes", help="offending before and after adoption, per subject and for the cohort")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--person", dest="person_id")
    p.add_argument("--format", choices=FORMATS, default="table")
    evaluation.add_comparison_options(p)
    listing_options(p)
    p.set_defaults(func=cmd_outcomes)

    p = sub.add_parser("prompts", help="MAPPA category 3 and MARAC referrals to consider; record an outcome")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--since", type=date_text, help="MARAC: incidents after this day (default: 28 days before)")
    p.add_argument("--record", nargs=3, metavar=("FORUM", "PERSON_ID", "OUTCOME"),
                   help="record what was done: MAPPA|MARAC, the person, referred|not referred|pending")
    p.add_argument("--perpetrator", help="with --record MARAC: the perpetrator")
    p.add_argument("--reason", help="with --record: why; otherwise why the prompts are listed (recorded in the "
                                    "audit log; no names)")
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p, reason=False)
    p.set_defaults(func=cmd_prompts)

    p = sub.add_parser("workload", help="caseload per offender manager and division, against the standard")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--format", choices=FORMATS, default="table")
    listing_options(p)
    p.set_defaults(func=cmd_workload)


def _which_meeting(q) -> None:
    g = q.add_mutually_exclusive_group()
    g.add_argument("--meeting", type=date_text, help="the meeting's date")
    g.add_argument("--next", action="store_true", help="the next scheduled meeting (default)")
    q.add_argument("--area", default="")


def _resolve_meeting(store, args):
    if getattr(args, "meeting", None):
        return meetings_mod.find_meeting(store, args.meeting, args.area)
    m = meetings_mod.next_meeting(store, area=args.area)
    if m is None:
        raise UserError("no meeting is scheduled from today on; schedule one with: matac-desk meeting STORE new")
    return m


def cmd_meeting(args) -> int:
    with open_store(args.store) as store:
        c = args.meeting_command
        if c == "new":
            mid = meetings_mod.schedule_meeting(store, args.date, area=args.area, chair=args.chair)
            emit(f"Scheduled {meetings_mod.meeting(store, mid).label}")
        elif c == "schedule":
            ids = meetings_mod.schedule_year(store, args.start, area=args.area, count=args.count, chair=args.chair)
            emit(f"Scheduled {len(ids)} meeting(s): " + ", ".join(meetings_mod.meeting(store, i).date for i in ids))
        elif c == "list":
            rows = [{"number": m.number, "date": m.date, "area": m.area, "chair": m.chair or "", "status": m.status,
                     "attendees": len(meetings_mod.attendees(store, m.id))}
                    for m in meetings_mod.meetings(store, args.area)]
            print_rows(rows, ["number", "date", "area", "chair", "status", "attendees"], args.format,
                       empty="No meetings yet: matac-desk meeting STORE new --date YYYY-MM-DD")
        elif c == "agenda":
            from ..meeting import agenda
            a = agenda.build_agenda(store, _resolve_meeting(store, args).id)
            record_listing(store, "agenda", len(a.new_partners) + len(a.nominations) + len(a.review)
                           + len(a.actions) + len(a.proposed_exits) + len(a.prompts)
                           + (len(a.case_file) if a.case_file else 0), args.format, args,
                           persons=a.person_ids(), filters=("meeting", "next", "area"),
                           extra={"meeting_id": a.meeting.id})
            emit(agenda.agenda_json(a) if args.format == "json" else agenda.agenda_text(a))
        elif c == "attend":
            m = _resolve_meeting(store, args)
            meetings_mod.add_attendee(store, m.id, args.name, args.agency, apology=args.apology)
            emit(f"{'Apology' if args.apology else 'Attendee'} added to {m.label}")
        elif c == "decide":
            m = _resolve_meeting(store, args)
            pid = people_mod.resolve(store, args.person_id)
            w = meetings_mod.record_decision(store, m.id, pid, args.decision, reason=args.reason)
            score = "" if w["score"] is None else f" (score {w['score']:g})"
            emit(f"{m.label}: {w['person_id']} — {args.decision}{score}")
        elif c == "minutes":
            m = _resolve_meeting(store, args)
            meetings_mod.add_minutes(store, m.id, people_mod.resolve(store, args.person_id) if args.person_id else None,
                                    args.text, chair=args.chair)
            emit(f"Minutes recorded for {m.label}")
        elif c == "held":
            m = _resolve_meeting(store, args)
            if args.early and not (args.reason or "").strip():
                raise UserError("--early needs --reason: why the meeting is marked held before its day")
            if args.reason and not args.early:
                raise UserError("--reason goes with --early (marking a meeting held before its day)")
            try:
                meetings_mod.mark_held(store, m.id, chair=args.chair,
                                       early_reason=args.reason if args.early else None)
            except meetings_mod.HeldTooEarly as e:     # said with the command line's way to give the reason
                raise e.said("give --early --reason REASON") from None
            emit(f"{m.label} marked held; scores kept as they stood that day; its agenda is closed")
        elif c == "reopen":
            m = _resolve_meeting(store, args)
            if m.status != "held":
                raise UserError(f"{m.label} is not held, so there is nothing to reopen")
            if not args.yes:
                import sys
                if not sys.stdin.isatty():
                    raise UserError("reopening asks for confirmation: run it in a terminal, or add --yes")
                answer = input(f"Reopen {m.label}? Its snapshot is kept, marked superseded, and decisions can be "
                               "recorded again. [y/N] ")
                if answer.strip().casefold() not in ("y", "yes"):
                    emit("Nothing changed.")
                    return 1
            done = meetings_mod.reopen_meeting(store, m.id, args.reason)
            emit(f"{m.label} reopened; {len(done['superseded'])} snapshot(s) kept, marked superseded")
        return 0


def cmd_cohort(args) -> int:
    with open_store(args.store) as store:
        rows = [{"person_id": m.person_id, "name": m.name, "adopted_on": m.adopted_on, "entry_score": m.entry_score,
                 "division": m.division or "", "om": m.om_name or "", "mappa_level": m.mappa_level}
                for m in cohort_mod.cohort(store, args.as_of)]
        record_listing(store, "cohort", rows, args.format, args, person_keys=("person_id",), filters=("as_of",))
        print_rows(rows, ["person_id", "name", "adopted_on", "entry_score", "division", "om", "mappa_level"],
                   args.format,
                   empty="The cohort is empty.")
        return 0


def cmd_subject(args) -> int:
    with open_store(args.store) as store:
        fields = {k: getattr(args, k) for k in ("om_id", "division", "mappa_category", "mappa_level", "marac", "iom",
                                                 "risk_level", "risk_weapons", "risk_substance_misuse",
                                                 "risk_mental_health") if getattr(args, k) is not None}
        pid = people_mod.resolve(store, args.person_id)
        if fields:
            changed = cohort_mod.set_subject_details(store, pid, **fields)
            emit(f"Changed: {', '.join(changed) or 'nothing'}")
        details = cohort_mod.subject_details(store, pid)
        record_listing(store, "subject", 1, "table", args, persons=[pid], filters=("person_id",))
        for k, v in details.items():
            emit(f"  {k.replace('_', ' '):<22} {'' if v is None else v}")
        return 0


def cmd_order(args) -> int:
    if args.person_id is None or args.person_id in ORDER_ACTIONS or args.list or args.breaches or args.more:
        return cmd_order_more(args)
    with open_store(args.store) as store:
        if args.type:
            if not args.start:
                raise UserError("an order needs --start")
            oid = cohort_mod.add_order(store, people_mod.resolve(store, args.person_id), args.type, args.start, args.end,
                                       args.protected_person_id, args.conditions)
            emit(f"Order {oid} recorded")
        pid = people_mod.resolve(store, args.person_id)
        rows = cohort_mod.orders(store, pid)
        record_listing(store, "order", rows, "table", args, persons=[pid], person_keys=("protected_person_id",),
                       filters=("person_id",))
        print_rows(rows, ["id", "type", "start", "end", "protected_name", "conditions"])
        return 0


def cmd_disclosure(args) -> int:
    with open_store(args.store) as store:
        did = cohort_mod.record_disclosure(store, people_mod.resolve(store, args.person_id), args.kind, args.date or _dt.date.today(),
                                           disclosed_to_id=args.to_id, recipient_name=args.to_name,
                                           decision=args.decision)
        emit(f"Disclosure {did} recorded")
        return 0


def cmd_toolkit(args) -> int:
    with open_store(args.store) as store:
        if args.add:
            if not args.category:
                raise UserError("give the new tactic's --category")
            cohort_mod.add_tactic_to_toolkit(store, args.category, args.add, args.description)
        print_rows(cohort_mod.toolkit(store), ["id", "category", "name", "description"])
        return 0


def cmd_tactic(args) -> int:
    with open_store(args.store) as store:
        pid = people_mod.resolve(store, args.person_id)
        if args.tactic:
            mid = meetings_mod.find_meeting(store, args.meeting).id if args.meeting else None
            cohort_mod.agree_tactic(store, pid, args.tactic, meeting_id=mid, on=args.meeting)
        rows = cohort_mod.tactics(store, pid)
        record_listing(store, "tactic", rows, "table", args, persons=[pid], filters=("person_id",))
        print_rows(rows, ["id", "category", "name", "agreed_on", "status"])
        return 0


ACTION_COLUMNS = ["id", "agency", "owner", "person_id", "subject_name", "description", "due_date", "status",
                  "overdue", "days_overdue"]


def cmd_actions(args) -> int:
    with open_store(args.store) as store:
        filters = dict(as_of=args.as_of, owner=args.owner, person_id=args.person_id, open_only=args.open_only,
                       overdue_only=args.overdue)
        if args.output:
            n = actions_mod.export_actions_csv(store, args.output, agency=args.agency, recipient=args.recipient,
                                               reason=args.reason, **filters)
            emit(f"Wrote {n} action(s) to {args.output}")
            return 0
        rows = [a.__dict__ for a in actions_mod.list_actions(store, agency=args.agency, **filters)]
        record_listing(store, "actions", rows, args.format, args, person_keys=("person_id",),
                       filters=("as_of", "agency", "owner", "person_id", "open_only", "overdue"))
        print_rows(rows, ACTION_COLUMNS, args.format,
                   empty="No actions match.")
        return 0


def cmd_action(args) -> int:
    with open_store(args.store) as store:
        if args.action_command == "add":
            mid = meetings_mod.find_meeting(store, args.meeting).id if args.meeting else None
            aid = actions_mod.add_action(store, people_mod.resolve(store, args.person_id), args.agency, args.description, owner=args.owner,
                                         due=args.due, meeting_id=mid)
            emit(f"Action {aid} added")
        else:
            actions_mod.update_action(store, args.action_id, status=args.status, note=args.note, on=args.on,
                                      due=args.due, owner=args.owner)
            emit(f"Action {args.action_id} updated")
        return 0


def cmd_om(args) -> int:
    with open_store(args.store) as store:
        c = args.om_command
        if c == "add":
            oid = workload_mod.add_om(store, args.name, args.division, mosovo_completed_on=args.mosovo,
                                      mosovo_waiting=args.mosovo_waiting, other_cases=args.other_cases,
                                      other_high_risk=args.other_high_risk)
            emit(f"Offender manager {oid} added")
        elif c == "list":
            print_rows(workload_mod.offender_managers(store),
                       ["id", "name", "division", "mosovo_completed_on", "mosovo_waiting", "other_cases"])
        else:
            pid = people_mod.resolve(store, args.person_id)
            om_id = args.om_id
            if om_id is None:
                division = args.division or cohort_mod.subject_details(store, pid)["division"]
                if not division:
                    raise UserError("give an OM id, or --division to suggest one")
                best = workload_mod.suggest_om(store, division)
                if best is None:
                    raise UserError(f"every offender manager in {division} is overloaded; give an OM id "
                                    "with --allow-overloaded, or add an offender manager")
                om_id = best.om_id
            workload_mod.allocate(store, pid, om_id, allow_overloaded=args.allow_overloaded)
            emit(f"{pid} allocated to offender manager {om_id}")
        return 0


def cmd_outcomes(args) -> int:
    from ..meeting import outcomes
    if args.comparison:
        return evaluation.print_comparison(args)
    with open_store(args.store) as store:
        periods = outcomes.subject_outcomes(store, args.as_of, args.person_id)
        record_listing(store, "outcomes", len(periods), args.format, args, persons=[p.person_id for p in periods],
                       filters=("as_of", "person_id"))
        cols = ["person_id", "name", "adopted_on", "exited_on", "follow_up_days", "incidents_before",
                "incidents_after", "harm_before", "harm_after", "victims_before", "victims_after", "new_victims",
                "entry_score", "exit_or_latest_score", "enough_follow_up"]
        if args.format != "table":
            print_rows([p.as_row() for p in periods], cols, args.format)
            return 0
        total = outcomes.cohort_outcomes(store, args.as_of)

        def pct(x):
            return "—" if x is None else f"{x:+.0%}"
        emit(f"Cohort outcomes as of {total.as_of} (equal windows before and after adoption; "
             f"follow-up of at least {total.min_follow_up_days} days)")
        emit(f"  subjects {total.subjects}, adoption periods {total.periods}")
        emit(f"  DA incidents   before {total.incidents_before:>5}   after {total.incidents_after:>5}   "
             f"{pct(total.incident_change)}")
        emit(f"  harm (gravity) before {total.harm_before:>5}   after {total.harm_after:>5}   {pct(total.harm_change)}")
        emit(f"  victims        before {total.victims_before:>5}   after {total.victims_after:>5}")
        emit(f"  new victims after adoption {total.new_victims} ({total.subjects_with_new_victims} subjects)")
        emit(f"  mean score at entry {total.mean_entry_score if total.mean_entry_score is not None else '—'}, "
             f"at exit or now {total.mean_exit_or_latest_score if total.mean_exit_or_latest_score is not None else '—'}")
        if total.too_short:
            emit(f"  shown apart, follow-up too short: {len(total.too_short)} period(s)")
        emit("")
        print_rows([p.as_row() for p in periods], cols)
        return 0


def cmd_prompts(args) -> int:
    from ..meeting import forums
    with open_store(args.store) as store:
        if args.record:
            forum, pid, outcome = args.record
            if not args.reason:
                raise UserError("--record needs --reason")
            forums.record_forum_referral(store, forum.upper(), pid, outcome, reason=args.reason,
                                         related_person_id=args.perpetrator, on=args.as_of)
            emit(f"Recorded: {forum.upper()} {outcome} for {pid}")
            return 0
        rows = [p.__dict__ for p in forums.referral_prompts(store, args.as_of, since=args.since)]
        record_listing(store, "prompts", rows, args.format, args, person_keys=("person_id", "related_person_id"),
                       filters=("as_of", "since"))
        print_rows(rows, ["forum", "person_id", "person_name", "related_person_id", "reason"], args.format,
                   empty="No referrals to consider.")
        return 0


def cmd_workload(args) -> int:
    with open_store(args.store) as store:
        lim = workload_mod.limits(store)
        rows = []
        for c in workload_mod.caseloads(store, args.as_of):
            flags = [f for f, on in (("OVER CASE LIMIT", c.over_cases), ("HIGH-RISK SHARE", c.over_high_risk)) if on]
            rows.append({"om_id": c.om_id, "name": c.name, "division": c.division, "cases": c.cases,
                         "matac_cases": c.cohort_cases, "high_risk": c.high_risk,
                         "high_risk_share": f"{c.high_risk_share:.0%}" if args.format == "table" else round(c.high_risk_share, 4),
                         "mosovo": "trained" if c.mosovo_trained else "waiting" if c.mosovo_waiting else "no",
                         "flags": ", ".join(flags)})
        training = workload_mod.training_flags(store, args.as_of) if args.format == "table" else []
        record_listing(store, "workload", rows, args.format, args, persons=[t["person_id"] for t in training],
                       filters=("as_of",))
        if args.format == "table":
            emit(f"Standard: fewer than {lim['max_cases']} cases per OM, high-risk under "
                 f"{lim['max_high_risk_share']:.0%}. Overloaded OMs are not suggested for new subjects.")
        print_rows(rows, ["om_id", "name", "division", "cases", "matac_cases", "high_risk", "high_risk_share",
                          "mosovo", "flags"], args.format)
        if training:
            emit("")
            emit("MAPPA level 2/3 subjects without a MOSOVO-trained OM:")
            print_rows(training, ["person_id", "name", "mappa_level", "om_name", "problem"])
        return 0

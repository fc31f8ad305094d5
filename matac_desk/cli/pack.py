"""PDF commands: pack (the meeting pack) and profile (one perpetrator profile)."""

from __future__ import annotations

from ..meeting import meetings as meetings_mod
from ..domain import UserError
from .common import TerminalProgress, emit, open_store
from .common import date_arg

__all__ = ["register"]


def _disclosure_args(p) -> None:
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="the PDF to write")
    p.add_argument("--recipient", help="who receives it (an agency or role): required, it is a disclosure and is "
                                       "recorded in the audit log")
    p.add_argument("--reason", help="why it is disclosed (default: the meeting, or 'MATAC perpetrator profile')")
    p.add_argument("--redact-victims", action="store_true",
                   help="the partner-agency version: no victim's or partner's address, postcode or date of birth, "
                        "in the tables or in free text (minutes, actions, conditions, notes, referral reasons); "
                        "what free text withheld is listed per section")
    p.add_argument("--agency", help="list only this agency's actions")


def register(sub) -> None:
    p = sub.add_parser("pack", help="the meeting pack as PDF (marked, numbered, bookmarked; audited)")
    p.add_argument("store")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--meeting", type=date_arg, metavar="DATE", help="the meeting on this date")
    which.add_argument("--next", action="store_true", help="the next scheduled meeting on or after today")
    p.add_argument("--area", default="", help="the meeting's area (default: the force-wide meeting)")
    _disclosure_args(p)
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("profile", help="one perpetrator profile as PDF (audited)")
    p.add_argument("store")
    p.add_argument("person_id")
    p.add_argument("--as-of", type=date_arg, help="the day the profile is as of (default: today)")
    _disclosure_args(p)
    p.set_defaults(func=cmd_profile)


def _recipient(args, what: str) -> str:
    if not (args.recipient or "").strip():
        raise UserError(f"--recipient is required: a {what} is a disclosure, recorded in the audit log with who "
                        "receives it (for example --recipient \"Probation, Central\")")
    return args.recipient


def cmd_pack(args) -> int:
    from ..pack import export_pack
    recipient = _recipient(args, "meeting pack")
    if not args.meeting and not args.next:
        raise UserError("say which meeting: --meeting DATE or --next")
    store = open_store(args.store)
    try:
        if args.next:
            m = meetings_mod.next_meeting(store, area=args.area)
            if m is None:
                raise UserError("no meeting is scheduled on or after today (schedule one with: matac-desk meeting "
                                f"{args.store} new)")
        else:
            m = meetings_mod.find_meeting(store, args.meeting, args.area)
        progress = TerminalProgress("Pack")
        try:
            e = export_pack(store, args.output, m.id, recipient=recipient, reason=args.reason,
                            redact=args.redact_victims, agency=args.agency, progress=progress)
        finally:
            progress.finish()
    finally:
        store.close()
    return _done(e, m.label, args, recipient)


def _done(e, what: str, args, recipient: str) -> int:
    emit(f"{e.path}: {what}, {e.pages} pages, reference {e.reference}"
         + (", redacted for partner agencies" if args.redact_victims else "")
         + f"; disclosure to {recipient} recorded in the audit log")
    if args.redact_victims:
        lines = e.withheld_lines()
        if lines:
            emit("Withheld from free text (check before printing): " + "; ".join(lines))
        else:
            emit("Withheld from free text: nothing (no address, postcode or date of birth was written in it)")
    return 0


def cmd_profile(args) -> int:
    from ..pack import export_profile
    recipient = _recipient(args, "profile")
    store = open_store(args.store)
    try:
        progress = TerminalProgress("Profile")
        try:
            e = export_profile(store, args.output, args.person_id, recipient=recipient, reason=args.reason,
                               redact=args.redact_victims, agency=args.agency, as_of=args.as_of, progress=progress)
        finally:
            progress.finish()
    finally:
        store.close()
    return _done(e, f"profile of {args.person_id}", args, recipient)

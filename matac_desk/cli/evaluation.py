"""``outcomes --comparison`` and ``tactics-effect``: did MATAC work, against a matched comparison group.

The figures come from :mod:`matac_desk.meeting.evaluation`; these commands
only print them. Neither names a person (counts and percentages only), so
neither is recorded as a listing.
"""

from __future__ import annotations

from ..meeting import evaluation
from .common import FORMATS, date_text, emit, open_store, print_rows

__all__ = ["register", "comparison_rows", "print_comparison", "cmd_tactics_effect"]


def _window(text: str) -> int:
    import argparse
    from ..domain import UserError
    try:
        return evaluation.parse_window(text)
    except UserError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def register(sub) -> None:
    p = sub.add_parser("tactics-effect", help="per tactic: harm change of the subjects who had it, each against "
                                              "his matched comparison, with its interval")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_text)
    p.add_argument("--window", type=_window, help="12m (default: the setting), 6m, or days: 365d")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_tactics_effect)


def add_comparison_options(p) -> None:
    """The ``outcomes`` command's ``--comparison`` and ``--window``."""
    p.add_argument("--comparison", action="store_true",
                   help="adopted subjects against a matched comparison group (difference in differences)")
    p.add_argument("--window", type=_window,
                   help="with --comparison: 12m (default: the setting), 6m, or days: 365d")


def comparison_rows(ev: evaluation.Evaluation) -> list[dict]:
    """One row per group per measure, and the difference with its interval."""
    rows = []
    for m in evaluation.MEASURES:
        e = ev.estimates[m]
        for group, before, after, change in (("adopted", e.adopted_before, e.adopted_after, e.adopted_change),
                                             ("comparison", e.comparison_before, e.comparison_after,
                                              e.comparison_change)):
            rows.append({"window_days": ev.window_days, "measure": m, "group": group, "n": e.n_pairs,
                         "before": _num(before), "after": _num(after), "change": change, "low": None,
                         "high": None})
        rows.append({"window_days": ev.window_days, "measure": m, "group": "difference", "n": e.n_pairs,
                     "before": None, "after": None, "change": e.difference, "low": e.low, "high": e.high})
    return rows


def _num(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


COLUMNS = ["window_days", "measure", "group", "n", "before", "after", "change", "low", "high"]


def print_comparison(args) -> int:
    with open_store(args.store) as store:
        ev = evaluation.evaluate(store, args.as_of, window_days=args.window)
    if args.format != "table":
        print_rows(comparison_rows(ev), COLUMNS, args.format)
        return 0
    emit(f"Adopted subjects against a matched comparison group, as of {ev.as_of} "
         f"({ev.window_days}-day windows before and after the decision)")
    emit(f"  adoptions {ev.adoptions}; matched and measured {len(ev.pairs)}; unmatched {len(ev.unmatched)}; "
         f"window not yet ended {ev.too_recent}")
    emit("")
    emit("  " + ev.sentence())
    emit("")
    emit("Balance at entry (means):")
    print_rows([b.__dict__ for b in ev.balance], ["group", "n", "mean_score", "mean_incidents", "mean_victims",
                                                  "serial_share"])
    emit("")
    print_rows(comparison_rows(ev), COLUMNS)
    emit("")
    emit(f"change: per cent; difference: adopted change minus comparison change in percentage points (for "
         f"days_to_first: 'after' is the mean days to the first incident, the difference in days), "
         f"with its 95% bootstrap interval (low, high). The naive before/after of the adopted "
         f"alone: {'—' if ev.naive_change is None else f'{ev.naive_change:+.1f}%'} incidents.")
    return 0


def cmd_tactics_effect(args) -> int:
    with open_store(args.store) as store:
        ev = evaluation.evaluate(store, args.as_of, window_days=args.window)
        effects = evaluation.tactic_effects(store, evaluation=ev)
    rows = [{"category": t.category, "tactic": t.tactic, "n": t.n, "mean_harm_difference": t.mean_difference,
             "low": t.low, "high": t.high, "warning": t.warning} for t in effects]
    cols = ["category", "tactic", "n", "mean_harm_difference", "low", "high", "warning"]
    if args.format != "table":
        print_rows(rows, cols, args.format)
        return 0
    emit(f"Per tactic, as of {ev.as_of}: each subject's harm change minus his matched comparison's "
         f"({ev.window_days}-day windows); negative is less harm. Listed by category, not ranked.")
    if not rows:
        emit("  No adopted subject with a tactic has a matched comparison with a full window yet.")
        return 0
    print_rows(rows, cols)
    return 0

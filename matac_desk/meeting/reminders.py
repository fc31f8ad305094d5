"""The case file's reminders: what the agenda and the Dashboard raise by themselves.

As of a day (a meeting's date, or today): risk management plan reviews
overdue or due (and cohort subjects with no plan), Clare's Law applications
overdue or due within the week, orders and electronic monitoring ending
within 28 days, breaches since a day (the previous meeting), and victims of
cohort subjects with no support recorded or unreachable. One function,
:func:`reminders`, so the agenda, the Dashboard and the pack count the same.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..storage.store import Store
from . import clares_law, orders, plans, support

__all__ = ["Reminders", "reminders", "reminders_text"]


@dataclass
class Reminders:
    as_of: str
    since: str | None
    plan_reviews: list[dict] = field(default_factory=list)
    clares_law: list[dict] = field(default_factory=list)
    expiring_orders: list[dict] = field(default_factory=list)
    breaches: list[dict] = field(default_factory=list)
    victims_without_support: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self.plan_reviews) + len(self.clares_law) + len(self.expiring_orders) + len(self.breaches)
                + len(self.victims_without_support))

    def person_ids(self) -> list[str]:
        ids = [r["person_id"] for r in self.plan_reviews]
        ids += [x for r in self.clares_law for x in (r["subject_id"], r["at_risk_id"]) if x]
        ids += [x for r in self.expiring_orders for x in (r["person_id"], r.get("protected_person_id")) if x]
        ids += [r["person_id"] for r in self.breaches]
        ids += [x for r in self.victims_without_support for x in (r["subject_id"], r["victim_id"])]
        return list(dict.fromkeys(ids))


def reminders(store: Store, as_of: _dt.date | str | None = None, *, since: _dt.date | str | None = None) -> Reminders:
    """The reminders as of a day; breaches after ``since`` (default: the last meeting held before the day)."""
    day = as_of.isoformat() if isinstance(as_of, _dt.date) else (as_of or _dt.date.today().isoformat())
    if since is None:
        since = store.scalar("SELECT max(date) FROM meetings WHERE status = 'held' AND date < ?", [day])
    since = since.isoformat() if isinstance(since, _dt.date) else since
    return Reminders(day, since, plans.due(store, day), clares_law.due(store, day), orders.expiring(store, day),
                     orders.breached_since(store, since, day), support.not_supported(store, day))


def reminders_text(r: Reminders, number: int = 7) -> list[str]:
    """The reminders as the agenda's plain-text section ``number``."""
    out = [f"{number}. Case file ({len(r)})"]
    for p in r.plan_reviews:
        when = f"next review {p['next_review']}" if p["next_review"] else ""
        out.append(f"   Plan: {p['name']} ({p['person_id']}) — {p['state']}" + (f", {when}" if when else ""))
    for a in r.clares_law:
        out.append(f"   Clare's Law {a['id']}: {a['subject_name']} ({a['subject_id']}), {a['route']} — {a['state']}, "
                   f"deadline {a['deadline']}; last step {a['last_step']}")
    for o in r.expiring_orders:
        out.append(f"   Order {o['id']}: {o['type']} on {o['name']} ({o['person_id']}) — {o['what']} ends {o['ends']} "
                   f"(in {o['days_left']} days)")
    for b in r.breaches:
        out.append(f"   Breach of order {b['order_id']} ({b['type']}): {b['name']} ({b['person_id']}) on {b['date']}")
    for v in r.victims_without_support:
        out.append(f"   Victim support: {v['victim_name']} ({v['victim_id']}), victim of {v['subject_name']} — "
                   f"{v['status']}")
    return out

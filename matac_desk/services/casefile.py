"""A subject's case file: what MATAC knows and agreed about one person, beyond his police records.

The person page's MATAC tabs, Qt-free: the score with its explanation and
history, cohort membership, subject details, orders, Clare's Law
disclosures, tactics, actions, decisions, minutes, open referrals and the
audit entries about him (who viewed or changed the record).
:func:`view` loads the profile and the case file and records one
``person.viewed`` entry (:func:`matac_desk.storage.audit.audit_view`, which also
works on a store opened read-only).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..meeting import actions, cohort, force, meetings, workload
from ..storage import audit
from ..analysis import nominations, scoring
from . import people
from ..storage.store import Store

__all__ = ["CaseFile", "Choices", "case_file", "view", "choices", "AUDIT_SHOWN"]

AUDIT_SHOWN = 500  # the newest audit entries about the person


@dataclass(frozen=True)
class CaseFile:
    person_id: str
    explanation: scoring.Explanation
    history: list[nominations.HistoryPoint]
    trend: nominations.Trend
    membership: list[cohort.Membership]
    in_cohort: bool
    details: dict
    orders: list[dict] = field(default_factory=list)
    disclosures: list[dict] = field(default_factory=list)
    tactics: list[dict] = field(default_factory=list)
    actions: list[actions.Action] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    minutes: list[dict] = field(default_factory=list)
    referrals: list[nominations.Referral] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    change: nominations.Change | None = None    # the score shown against the latest snapshot before the day

    @property
    def is_subject(self) -> bool:
        """Whether he may have subject details: a perpetrator in any of his records, in the cohort or ever
        through it, or with details recorded already (otherwise a victim or a linked person only)."""
        return bool(self.explanation.incidents or self.in_cohort or self.membership or self.details.get("updated_at"))

    @property
    def live_tactics(self) -> list[dict]:
        """The tactics agreed and not yet completed or stopped."""
        return [t for t in self.tactics if t["status"] in cohort.LIVE_TACTIC_STATUSES]

    @property
    def open_actions(self) -> list[actions.Action]:
        """The actions neither done nor cancelled."""
        return [a for a in self.actions if a.status not in actions.CLOSED]


def case_file(store: Store, person_id: str, as_of: _dt.date | str | None = None) -> CaseFile:
    """Everything above for one person (a merged record is read as its root), as of a day (default today)."""
    root = scoring.resolve_person(store, person_id)
    day = scoring.as_of_date(as_of)
    expl = scoring.explain(store, root, day)
    return CaseFile(
        person_id=root,
        explanation=expl,
        history=nominations.score_history(store, root),
        trend=nominations.trend(store, root),
        membership=cohort.membership_history(store, root),
        in_cohort=cohort.in_cohort(store, root, day),
        details=cohort.subject_details(store, root),
        orders=cohort.orders(store, root),
        disclosures=cohort.disclosures(store, root),
        tactics=cohort.tactics(store, root),
        actions=actions.list_actions(store, as_of=day, person_id=root),
        decisions=meetings.decisions(store, person_id=root),
        minutes=meetings.minutes(store, person_id=root),
        referrals=nominations.referrals(store, status=None, person_id=root),
        audit=audit.entries(store.conn, person_id=person_id, limit=AUDIT_SHOWN),
        change=nominations.change(store, root, expl.score.score if expl.score else None, day),
    )


@dataclass(frozen=True)
class Choices:
    """What a subject's details may be set to: the offender managers, and the division names known."""
    offender_managers: list[dict]
    divisions: list[str]


def choices(store: Store) -> Choices:
    """The force's divisions (Settings) and every offender manager's, in that order; cheap (no incident scan)."""
    oms = workload.offender_managers(store)
    names = list(force.load(store).divisions) + sorted({om["division"] for om in oms if om["division"]},
                                                       key=str.casefold)
    return Choices(oms, list(dict.fromkeys(names)))


def view(store: Store, person_id: str, as_of: _dt.date | str | None = None,
         ) -> tuple[people.PersonProfile, CaseFile]:
    """Open a person for display: the profile and the case file, and the view audited (DPA 2018 s.62)."""
    prof = people.load_profile(store, person_id)
    audit.audit_view(store, person_id, what="profile")
    return prof, case_file(store, person_id, as_of)

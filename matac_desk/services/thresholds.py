"""The thresholds the services keep in the store's settings, gathered for one form.

Each service owns its numbers and reads them with its own defaults
(:func:`matac_desk.meeting.workload.limits`, the agenda's exit rules and top N,
:mod:`matac_desk.meeting.forums`' prompt rules, the outcomes' shortest follow-up,
the retention and backup policies). This module names every one of them
(:data:`THRESHOLDS`: where it is kept, its label, its range), reads them all
(:func:`load`) and saves a changed set in one transaction (:func:`save`),
so a form can show and change them without knowing where each lives.
Each setting written is audited (``settings.changed``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from ..analysis import duplicates
from ..meeting import agenda, forums, outcomes, workload
from ..meeting import clares_law
from ..storage.backups import POLICY_KEY as BACKUP_KEY
from ..storage.backups import BackupPolicy
from ..domain import UserError
from ..storage.retention import POLICY_KEY as RETENTION_KEY
from ..storage.retention import RetentionPolicy
from ..storage.store import Store

__all__ = ["Threshold", "THRESHOLDS", "GROUPS", "load", "save", "defaults"]


@dataclass(frozen=True)
class Threshold:
    """One number kept in the settings: ``setting`` (and ``field`` when the setting is a dict of numbers).

    ``share`` marks a fraction (0.2) that a form shows as a percentage (20%).
    """

    setting: str
    field: str | None
    group: str
    label: str
    default: int | float
    low: int | float
    high: int | float
    unit: str = ""
    help: str = ""
    share: bool = False

    @property
    def name(self) -> str:
        return f"{self.setting}.{self.field}" if self.field else self.setting

    def check(self, value) -> int | float:
        """The value if it is allowed, else a :class:`UserError` naming the threshold."""
        if self.share:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and self.low <= value <= self.high
            if not ok:
                raise UserError(f"{self.label}: a percentage from {self.low:.0%} to {self.high:.0%}")
            return float(value)
        if not (isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high):
            raise UserError(f"{self.label}: a whole number from {self.low} to {self.high}")
        return value


_WORK = "Offender managers' workload"
_AGENDA = "Meeting agenda"
_FORUMS = "MAPPA and MARAC prompts"
_OUTCOMES = "Outcomes"
_RETENTION = "Retention review"
_BACKUPS = "Backups kept"
_RP, _BP = RetentionPolicy(), BackupPolicy()

THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("workload.limits", "max_cases", _WORK, "Overloaded at", workload.DEFAULT_LIMITS["max_cases"],
              1, 1000, "cases", "An offender manager with this many cases or more is overloaded and gets no new "
              "subjects (the standard: fewer than 50)"),
    Threshold("workload.limits", "max_high_risk_share", _WORK, "or high-risk share at",
              workload.DEFAULT_LIMITS["max_high_risk_share"], 0.01, 1.0, "of the caseload",
              "High-risk cases making up this share of a caseload or more overload it (the standard: under 20%)",
              share=True),
    Threshold("agenda.nominations_top_n", None, _AGENDA, "Top scores nominated", agenda.NOMINATIONS_TOP_N, 1, 200,
              "perpetrators", "How many of the highest-scoring serial perpetrators outside the cohort a meeting's "
              "agenda nominates (referrals are always listed)"),
    Threshold("agenda.exit_rules", "quiet_days", _AGENDA, "Propose an exit after", agenda.EXIT_RULES["quiet_days"],
              1, 3650, "days without an incident", "A subject with no DA incident for this long (and in the cohort "
              "at least as long) is proposed for exit"),
    Threshold("agenda.exit_rules", "fall_share", _AGENDA, "or a score fall of", agenda.EXIT_RULES["fall_share"],
              0.01, 1.0, "since entry", "A subject whose score has fallen by this share of his entry score is "
              "proposed for exit", share=True),
    Threshold("forums", "mappa_top_n", _FORUMS, "High harm: ranked within", forums.DEFAULTS["mappa_top_n"], 0, 1000,
              "by score", "A rank this high is one sign of high harm (0: rank is not a sign)"),
    Threshold("forums", "mappa_min_gravity", _FORUMS, "High harm: gravity of", forums.DEFAULTS["mappa_min_gravity"],
              0, 100, "points or more", "An offence this grave is one sign of high harm"),
    Threshold("forums", "mappa_min_signs", _FORUMS, "MAPPA prompt needs", forums.DEFAULTS["mappa_min_signs"], 1, 3,
              "signs of high harm", "Of rank, gravity and a victim at high DASH risk in the last year"),
    Threshold("forums", "repeat_days", _FORUMS, "Repeat MARAC within", forums.DEFAULTS["repeat_days"], 1, 3650,
              "days", "New abuse between the same pair this soon after a MARAC referral is a repeat"),
    Threshold("forums", "reprompt_days", _FORUMS, "Prompt again after", forums.DEFAULTS["reprompt_days"], 0, 3650,
              "days", "Once an outcome is recorded, the same prompt returns only after this long"),
    Threshold("outcomes.min_follow_up_days", None, _OUTCOMES, "Shortest follow-up counted",
              outcomes.DEFAULT_MIN_FOLLOW_UP_DAYS, 1, 3650, "days",
              "Adoption periods shorter than this are shown apart and left out of the cohort totals"),
    Threshold(clares_law.SETTING, None, "Clare's Law", "Decide an application within",
              clares_law.DEFAULT_DEADLINE_DAYS, 1, 120, "days of the request",
              "The DVDS statutory guidance (Home Office, April 2023) sets 28 days; applications keep the deadline "
              "they were opened under"),
    Threshold(duplicates.THRESHOLD_KEY, None, "Probable duplicates", "List a pair from a probability of",
              duplicates.DEFAULT_THRESHOLD, 0.5, 0.99, "", "Pairs of person records at least this likely to be one "
              "person are listed on the Duplicates page and as \u2018may also be\u2019 (50%: more likely than not)",
              share=True),
    Threshold(RETENTION_KEY, "review_years", _RETENTION, "Review a person after", _RP.review_years, 1, 100,
              "years", "Years after a person's latest record before the record is due for review"),
    Threshold(RETENTION_KEY, "cohort_review_years", _RETENTION, "A MATAC subject after", _RP.cohort_review_years,
              1, 100, "years", "The same for anyone who was ever in the MATAC cohort"),
    Threshold(BACKUP_KEY, "keep_last", _BACKUPS, "Keep the latest", _BP.keep_last, 1, 1000, "backups"),
    Threshold(BACKUP_KEY, "daily", _BACKUPS, "then one a day for", _BP.daily, 0, 1000, "days"),
    Threshold(BACKUP_KEY, "weekly", _BACKUPS, "one a week for", _BP.weekly, 0, 1000, "weeks"),
    Threshold(BACKUP_KEY, "monthly", _BACKUPS, "and one a month for", _BP.monthly, 0, 1000, "months"),
)

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(t.group for t in THRESHOLDS))

_BY_NAME = {t.name: t for t in THRESHOLDS}


def defaults() -> dict[str, int | float]:
    """``{name: default}`` for every threshold."""
    return {t.name: t.default for t in THRESHOLDS}


def load(store: Store) -> dict[str, int | float]:
    """``{name: value}`` for every threshold: the stored value, or the service's default."""
    out = {}
    for t in THRESHOLDS:
        value = store.get_setting(t.setting)
        if t.field is not None:
            value = value.get(t.field) if isinstance(value, dict) else None
        out[t.name] = t.default if value is None else value
    return out


def save(store: Store, values: Mapping[str, int | float]) -> dict[str, int | float]:
    """Check every value given and save those that changed, in one transaction; returns them all.

    Raises :class:`UserError` (naming the threshold) before anything is
    written when one is refused. A setting that holds several numbers keeps
    any other keys it holds.
    """
    unknown = sorted(set(values) - set(_BY_NAME))
    if unknown:
        raise UserError(f"no threshold called {unknown[0]!r}")
    checked = {name: _BY_NAME[name].check(v) for name, v in values.items()}
    current = load(store)
    new = current | checked
    RetentionPolicy(**{t.field: new[t.name] for t in THRESHOLDS if t.setting == RETENTION_KEY})
    BackupPolicy(**{t.field: new[t.name] for t in THRESHOLDS if t.setting == BACKUP_KEY})
    changed = {t.setting for t in THRESHOLDS if new[t.name] != current[t.name]}
    with store.transaction():
        for setting in sorted(changed):
            mine = [t for t in THRESHOLDS if t.setting == setting]
            if mine[0].field is None:
                store.set_setting(setting, new[mine[0].name])
            else:
                held = store.get_setting(setting)
                held = dict(held) if isinstance(held, dict) else {}
                store.set_setting(setting, held | {t.field: new[t.name] for t in mine})
    return new

"""What the coordinator sees first: what the store holds and what needs attention.

:func:`summary` gathers it in one read: counts, the last import, open
data-quality warnings and rejected rows awaiting review. Each item names
where it is dealt with (the UI links it there). Later features (next
meeting, new partner alerts, overdue actions) add their own items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import display_name
from ..storage.store import Store

__all__ = ["WarningItem", "Dashboard", "summary", "COUNT_LABELS"]

COUNT_LABELS = {
    "persons": "Persons", "incidents": "Incidents", "involvements": "Offence records",
    "links": "Intelligence links", "referrals": "Partner referrals", "meetings": "Meetings",
    "actions": "Actions", "rejected_rows": "Rejected rows kept", "data_quality": "Data-quality warnings",
    "audit_log": "Audit entries",
}

WARNING_KINDS = {"dob_changed": "Date of birth changed"}


@dataclass(frozen=True)
class WarningItem:
    id: int
    person_id: str | None
    person_name: str
    kind: str
    detail: str
    old_value: str | None
    new_value: str | None
    detected_at: str

    @property
    def kind_label(self) -> str:
        return WARNING_KINDS.get(self.kind, self.kind.replace("_", " ").capitalize())


@dataclass
class Dashboard:
    force_name: str
    counts: dict[str, int]
    last_import: dict | None
    open_warnings: int
    warnings: list[WarningItem] = field(default_factory=list)   # the newest open ones
    rejects_awaiting: int = 0
    batches_awaiting: int = 0


def summary(store: Store, *, warnings_shown: int = 50) -> Dashboard:
    info = store.info()
    conn = store.conn
    open_warnings = store.scalar("SELECT count(*) FROM data_quality WHERE resolved_at IS NULL")
    warnings = [WarningItem(i, pid, display_name(fn, sn) if pid else "", kind, detail, old, new, at)
                for i, pid, fn, sn, kind, detail, old, new, at in conn.execute(
                    "SELECT q.id, q.person_id, p.forename, p.surname, q.kind, q.detail, q.old_value, q.new_value,"
                    " q.detected_at FROM data_quality q LEFT JOIN persons p ON p.id = q.person_id"
                    " WHERE q.resolved_at IS NULL ORDER BY q.detected_at DESC, q.id DESC LIMIT ?",
                    [warnings_shown])]
    awaiting, batches = conn.execute(
        "SELECT count(*), count(DISTINCT batch_id) FROM rejected_rows WHERE NOT reviewed").fetchone()
    return Dashboard(
        force_name=store.get_setting("force.name", "") or "",
        counts=info["counts"],
        last_import=info["last_import"],
        open_warnings=open_warnings,
        warnings=warnings,
        rejects_awaiting=awaiting,
        batches_awaiting=batches,
    )

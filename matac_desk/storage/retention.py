"""Retention review and erasure of a person (Data Protection Act 2018, Part 3: review, delete).

Every person gets a review date from a configurable :class:`RetentionPolicy`:
``review_years`` after their latest record (incident, intelligence link,
referral, cohort event, action, disclosure), or ``cohort_review_years``
for anyone who was ever adopted into the MATAC cohort. Records merged
into another person follow that person. :func:`due_for_review` lists who
is due on a date.

:func:`erase_person` removes a person's personal data from the whole
store in one transaction: the person and every record merged into them,
aliases, involvements, incidents left with no one in them (their
addresses go with them), links, referrals, cohort events, actions and
their updates, disclosures about them (and their name on disclosures made
to them), data-quality notes, rejected import rows that hold the id, rows
of any other table that refer to them (found through foreign keys, so
tables added later are covered), and any remaining mention of their id or
full name in text; full-text indexes are rebuilt, as they would keep the
words of a deleted row. The audit log keeps one entry with the pseudonym,
the counts and the reason. Afterwards the file is vacuumed so freed pages do
not keep the old text. Backups made *before* the erasure still hold the
person until rotation removes them (:func:`backups_holding_before`).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import asdict, dataclass
from typing import Callable

from . import audit
from .backups import list_backups
from ..domain import UserError, never_cancelled, no_progress, Cancelled
from .store import Store

__all__ = ["RetentionPolicy", "POLICY_KEY", "get_policy", "set_policy", "review_dates", "due_for_review",
           "erase_person", "ErasureSummary", "backups_holding_before", "erasure_preview", "ErasurePreview"]

POLICY_KEY = "retention_policy"
ERASED = "[erased]"


@dataclass(frozen=True)
class RetentionPolicy:
    """Years after a person's latest record before they are reviewed.

    The defaults follow the police Management of Police Information review
    periods: six years for most records, ten for MATAC cohort subjects
    (serious, repeated harm).
    """

    review_years: int = 6
    cohort_review_years: int = 10

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                raise UserError(f"retention policy: {name} must be a whole number of years from 1 to 100")


def get_policy(store: Store) -> RetentionPolicy:
    value = store.get_setting(POLICY_KEY) or {}
    return RetentionPolicy(**{k: v for k, v in value.items() if k in RetentionPolicy.__dataclass_fields__})


def set_policy(store: Store, policy: RetentionPolicy) -> None:
    store.set_setting(POLICY_KEY, asdict(policy))


def _add_years(day: _dt.date, years: int) -> _dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Every dated record of a person, as (person_id, date, role).
_LATEST_SQL = """
WITH dated(person_id, day, role) AS (
    SELECT v.perpetrator_id, i.date, 'perpetrator' FROM involvements v JOIN incidents i ON i.ref = v.incident_ref
    UNION ALL
    SELECT v.victim_id, i.date, 'victim' FROM involvements v JOIN incidents i ON i.ref = v.incident_ref
    UNION ALL SELECT person_a_id, first_seen, 'linked' FROM links
    UNION ALL SELECT person_b_id, first_seen, 'linked' FROM links
    UNION ALL SELECT person_id, date, 'referred' FROM referrals
    UNION ALL SELECT person_id, date, 'cohort' FROM cohort_events
    UNION ALL SELECT person_id, substr(created_at, 1, 10), 'actions' FROM actions
    UNION ALL SELECT subject_id, date, 'disclosure' FROM disclosures
    UNION ALL SELECT disclosed_to_id, date, 'disclosure' FROM disclosures WHERE disclosed_to_id IS NOT NULL
),
owner(id, root) AS (
    SELECT id, coalesce(merged_into, id) FROM persons
)
SELECT o.root, max(d.day), group_concat(DISTINCT d.role)
FROM dated d JOIN owner o ON o.id = d.person_id
GROUP BY o.root
"""


def review_dates(store: Store, policy: RetentionPolicy | None = None) -> dict[str, dict]:
    """``{person_id: {latest_record, roles, cohort, review_date}}`` for every person not merged away."""
    policy = policy or get_policy(store)
    conn = store.conn
    latest = {pid: (day, roles) for pid, day, roles in conn.execute(_LATEST_SQL)}
    cohort = {r[0] for r in conn.execute(
        "SELECT DISTINCT coalesce(p.merged_into, p.id) FROM cohort_events c JOIN persons p ON p.id = c.person_id"
        " WHERE c.event = 'adopted'")}
    out = {}
    for pid, created in conn.execute("SELECT id, substr(created_at, 1, 10) FROM persons WHERE merged_into IS NULL"):
        day, roles = latest.get(pid, (created, "none"))
        try:
            last = _dt.date.fromisoformat(day[:10])
        except (TypeError, ValueError):
            last = _dt.date.fromisoformat(created)
        years = policy.cohort_review_years if pid in cohort else policy.review_years
        out[pid] = {"latest_record": last.isoformat(), "roles": ",".join(sorted(set(roles.split(",")))),
                    "cohort": pid in cohort, "review_date": _add_years(last, years).isoformat()}
    return out


def due_for_review(store: Store, as_of: _dt.date | None = None, *,
                   policy: RetentionPolicy | None = None, record: bool = True) -> list[dict]:
    """Persons whose review date is on or before ``as_of``, earliest first (ids and dates, no names).

    Listing persons is a consultation: one audit entry records it with the
    persons' pseudonyms (the first :data:`~matac_desk.storage.audit.LISTED_PERSONS_CAP`
    of them). ``record=False`` leaves that to the caller (the command line
    records a consultation or a disclosure, by how the list is shown).
    """
    as_of = as_of or _dt.date.today()
    rows = [dict(person_id=pid, **info) for pid, info in review_dates(store, policy).items()
            if info["review_date"] <= as_of.isoformat()]
    rows.sort(key=lambda r: (r["review_date"], r["person_id"]))
    if record:
        ids, detail = audit.itemised((r["person_id"] for r in rows), {"as_of": as_of.isoformat(), "due": len(rows)})
        with store.audit_transaction():
            store.audit("retention.reviewed", entity="store", detail=detail, persons=ids)
    return rows


def backups_holding_before(store: Store, when: _dt.datetime) -> int:
    """How many backups were taken before ``when`` (they may still hold an erased person)."""
    return sum(1 for b in list_backups(store.path) if b.taken_at < when)


# ---------------------------------------------------------------- erasure

@dataclass
class ErasureSummary:
    person_pseudonym: str
    records: int            # person records erased (the person and those merged into them)
    removed: dict[str, int]  # rows deleted per table
    scrubbed: dict[str, int]  # rows whose text had a mention removed, per table
    older_backups: int       # backups taken before the erasure, which still hold the person

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """What was done, in one line (no personal data: the pseudonym and counts)."""
        return (f"Erased: {self.records} person record(s), {sum(self.removed.values()):,} row(s) removed, "
                f"{sum(self.scrubbed.values()):,} row(s) cleared of mentions; "
                f"the audit log keeps only the pseudonym {self.person_pseudonym}.")


@dataclass(frozen=True)
class ErasurePreview:
    """What :func:`erase_person` would remove, counted (for the confirmation; no personal data)."""

    records: int                # the person and the records merged into them
    counts: tuple[tuple[str, int], ...]   # (what, how many), only those held
    older_backups: int          # backups that will still hold the person afterwards

    def lines(self) -> list[str]:
        return [f"{n:,} {what}" for what, n in self.counts]


# How the confirmation names the rows of a table; other tables go by their name.
_TABLE_WORDS = {
    "aliases": "alias(es)", "involvements": "incident involvement(s)", "links": "intelligence link(s)",
    "referrals": "referral(s)", "cohort_events": "cohort event(s)", "actions": "partnership action(s)",
    "disclosures": "Clare's Law disclosure(s) about them", "data_quality": "data-quality note(s)",
    "subjects": "MATAC subject record(s)", "decisions": "meeting decision(s)", "minutes": "minute(s)",
    "orders": "order(s)", "subject_tactics": "tactic(s)", "snapshot_scores": "saved score(s)",
    "forum_referrals": "MAPPA/MARAC referral(s)",
}


def erasure_preview(store: Store, person_id: str) -> ErasurePreview:
    """Count what erasing ``person_id`` removes (rows that refer to them, per table); changes nothing.

    A UserError for an unknown id. Text that mentions them is cleared too,
    which is not counted here.
    """
    conn = store.conn
    if store.scalar("SELECT 1 FROM persons WHERE id = ?", [person_id]) is None:
        raise UserError(f"no person with that id is held in the store: {person_id}")
    ids = _merged_family(conn, person_id)
    ph = _in(ids)
    counts: dict[str, int] = {}
    order = list(_TABLE_WORDS)
    refers = _person_fk_columns(conn)
    for table in sorted(refers, key=lambda t: (order.index(t) if t in order else len(order), t)):
        cols = refers[table]
        cond = " OR ".join(f'"{c}" IN {ph}' for c in cols)
        n = conn.execute(f'SELECT count(*) FROM "{table}" WHERE {cond}', ids * len(cols)).fetchone()[0]
        if n:
            counts[_TABLE_WORDS.get(table, table.replace("_", " ") + " row(s)")] = n
    alone = conn.execute(
        f"SELECT count(*) FROM incidents i WHERE EXISTS (SELECT 1 FROM involvements v WHERE v.incident_ref = i.ref"
        f" AND (v.perpetrator_id IN {ph} OR v.victim_id IN {ph})) AND NOT EXISTS (SELECT 1 FROM involvements v"
        f" WHERE v.incident_ref = i.ref AND v.perpetrator_id NOT IN {ph} AND v.victim_id NOT IN {ph})",
        ids * 4).fetchone()[0]
    if alone:
        counts["incident(s) with no one else in them (with their addresses)"] = alone
    return ErasurePreview(len(ids), tuple(counts.items()), backups_holding_before(store, _dt.datetime.now()))


_SKIP_TABLES = {"audit_log", "_sqlite_migrations", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}


def _merged_family(conn, person_id: str) -> list[str]:
    ids, frontier = [person_id], [person_id]
    while frontier:
        nxt = [r[0] for r in conn.execute(
            f"SELECT id FROM persons WHERE merged_into IN ({','.join('?' * len(frontier))})", frontier)
            if r[0] not in ids]
        ids += nxt
        frontier = nxt
    return ids


def _in(ids: list[str]) -> str:
    return "(" + ",".join("?" * len(ids)) + ")"


def _mentions(conn, ids: list[str]) -> tuple[re.Pattern, set[str]]:
    """Whole-word mentions of the ids and full names (either order) of the persons and their aliases.

    Returns the pattern and the words an SQL pre-filter looks for.
    """
    terms = set(ids)
    for fn, sn in conn.execute(f"SELECT forename, surname FROM persons WHERE id IN {_in(ids)}"
                               f" UNION SELECT forename, surname FROM aliases WHERE person_id IN {_in(ids)}",
                               ids + ids):
        if fn and sn:
            terms |= {f"{fn} {sn}", f"{sn} {fn}", f"{sn}, {fn}"}
    alts = sorted((r"\s+".join(re.escape(w) for w in t.split()) for t in terms if t.strip()), key=len, reverse=True)
    words = {w for t in terms for w in re.findall(r"\w+", t) if len(w) > 2} | set(ids)
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])", re.IGNORECASE), words


def _user_tables(conn) -> list[str]:
    rows = conn.execute("SELECT name, type FROM pragma_table_list WHERE schema = 'main'").fetchall()
    return sorted(n for n, t in rows if t in ("table", "virtual") and n not in _SKIP_TABLES
                  and not n.startswith("sqlite_"))


def _person_fk_columns(conn) -> dict[str, list[str]]:
    """By table (tables added later too), the columns whose foreign key refers to a person: what an erasure removes.

    Disclosures go by their subject only: those made *to* the person belong
    to another subject's history and are kept, without their name
    (:func:`erase_person` clears that first; :func:`erasure_preview` does
    not count them).
    """
    found: dict[str, list[str]] = {}
    for table in _user_tables(conn):
        cols = [fk[0] for fk in conn.execute(f'SELECT "from", "table" FROM pragma_foreign_key_list("{table}")')
                if fk[1] == "persons"]
        if table == "persons" or not cols:
            continue
        found[table] = ["subject_id"] if table == "disclosures" else cols
    return found


def _text_columns(conn, table: str) -> list[str]:
    cols = conn.execute(f'SELECT name, type FROM pragma_table_info("{table}")').fetchall()
    return [n for n, t in cols if not t or any(k in t.upper() for k in ("TEXT", "CHAR", "CLOB"))]


def erase_person(store: Store, person_id: str, reason: str, *,
                 progress: Callable[[int, int, str], None] = no_progress,
                 cancelled: Callable[[], bool] = never_cancelled) -> ErasureSummary:
    """Erase a person's personal data everywhere in the store; one transaction, then VACUUM.

    ``reason`` is required and must not name the person. Raises
    :class:`UserError` for an unknown id or a missing reason; nothing is
    changed then, nor when ``cancelled()`` turns true.
    """
    reason = (reason or "").strip()
    if not reason:
        raise UserError("give the reason for the erasure (it goes in the audit log)")
    conn = store.conn
    if store.scalar("SELECT 1 FROM persons WHERE id = ?", [person_id]) is None:
        raise UserError(f"no person with that id is held in the store: {person_id}")
    audit.check_free_text(conn, reason, [person_id])
    removed: dict[str, int] = {}
    scrubbed: dict[str, int] = {}

    def delete(table: str, where: str, params: list) -> None:
        n = conn.execute(f'DELETE FROM "{table}" WHERE {where}', params).rowcount
        if n > 0:
            removed[table] = removed.get(table, 0) + n

    steps = 6
    progress(0, steps, "Finding the records")
    started = _dt.datetime.now()
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with store.transaction():
            ids = _merged_family(conn, person_id)
            mention, words = _mentions(conn, ids)
            pseudonym = audit.pseudonym(conn, person_id)
            ph = _in(ids)
            baseline_fk = {(t, r) for t, r, _p, _f in conn.execute("PRAGMA foreign_key_check")}
            conn.execute("PRAGMA defer_foreign_keys = ON")
            progress(1, steps, "Removing records")
            # Incidents the person was in: removed below when no one else is left in them.
            refs = [r[0] for r in conn.execute(
                f"SELECT DISTINCT incident_ref FROM involvements WHERE perpetrator_id IN {ph} OR victim_id IN {ph}",
                ids + ids)]
            delete("involvements", f"perpetrator_id IN {ph} OR victim_id IN {ph}", ids + ids)
            for i in range(0, len(refs), 500):
                part = refs[i:i + 500]
                delete("incidents", f"ref IN {_in(part)} AND NOT EXISTS"
                       " (SELECT 1 FROM involvements v WHERE v.incident_ref = incidents.ref)", part)
            # Disclosures made *to* this person belong to another subject's history: keep them, nameless.
            n = conn.execute(f"UPDATE disclosures SET disclosed_to_id = NULL, recipient_name = NULL"
                             f" WHERE disclosed_to_id IN {ph}", ids).rowcount
            if n > 0:
                scrubbed["disclosures"] = n
            # So are Clare's Law applications about protecting this person (case file, migration 0012).
            n = conn.execute(f"UPDATE dvds_applications SET at_risk_id = NULL, at_risk_name = NULL"
                             f" WHERE at_risk_id IN {ph}", ids).rowcount
            if n > 0:
                scrubbed["dvds_applications"] = n
            delete("action_updates", f"action_id IN (SELECT id FROM actions WHERE person_id IN {ph})", ids)
            # Every other row that refers to the person through a foreign key (tables added later too).
            for table, cols in _person_fk_columns(conn).items():
                for col in cols:
                    delete(table, f'"{col}" IN {ph}', ids)
            delete("persons", f"merged_into IN {ph} OR id IN {ph}", ids + ids)
            if cancelled():
                raise Cancelled()
            progress(2, steps, "Removing rows left without their parent")
            _cascade_orphans(conn, baseline_fk, delete)
            progress(3, steps, "Removing mentions in text")
            _scrub_text(conn, ids, mention, words, delete, scrubbed)
            _rebuild_text_indexes(conn)
            if cancelled():
                raise Cancelled()
            store.audit("person.erased", entity="person", entity_id=person_id, reason=reason,
                        detail={"records": len(ids), "removed": removed, "scrubbed": scrubbed})
    finally:
        conn.execute("PRAGMA secure_delete = OFF")
    progress(4, steps, "Compacting the file")
    conn.execute("VACUUM")
    progress(5, steps, "Clearing the journal")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    progress(steps, steps, "Done")
    return ErasureSummary(pseudonym, len(ids), removed, scrubbed, backups_holding_before(store, started))


def _rebuild_text_indexes(conn) -> None:
    """Rebuild every full-text index from its content (FTS4 and FTS5).

    Deleting a row from a full-text table only adds a deletion marker: the
    row's words (``people_search``: every trigram of the name and the id)
    stay in the index's segments until they are merged, so the name could
    be read back from the file. A contentless table, which cannot be
    rebuilt, is merged into one segment instead, which drops what was deleted.
    """
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                                  " AND sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall():
        if not re.search(r"\bUSING\s+fts[345]\b", sql, re.IGNORECASE):
            continue
        command = "optimize" if re.search(r"\bcontent\s*=\s*(''|\"\")", sql, re.IGNORECASE) else "rebuild"
        conn.execute(f'INSERT INTO "{name}" ("{name}") VALUES (?)', [command])


def _cascade_orphans(conn, baseline: set, delete) -> None:
    """Delete rows whose parent row the erasure removed (action updates, tables added later...)."""
    for _round in range(10):
        orphans: dict[str, list[int]] = {}
        for table, rowid, _parent, _fk in conn.execute("PRAGMA foreign_key_check"):
            if rowid is not None and (table, rowid) not in baseline:
                orphans.setdefault(table, []).append(rowid)
        if not orphans:
            return
        for table, rowids in orphans.items():
            for i in range(0, len(rowids), 500):
                part = rowids[i:i + 500]
                delete(table, f"rowid IN {_in(part)}", part)


def _scrub_text(conn, ids: list[str], mention: re.Pattern, words: set[str], delete, scrubbed: dict) -> None:
    """Rows whose text *is* an id go; other mentions of an id or full name are replaced by ``[erased]``.

    Rejected import rows that mention the person are deleted whole (the raw
    row holds the rest of their record).
    """
    id_set = set(ids)
    for table in _user_tables(conn):
        cols = _text_columns(conn, table)
        if not cols:
            continue
        has_rowid = conn.execute(f'SELECT count(*) FROM pragma_table_list WHERE name = ? AND wr = 0',
                                 [table]).fetchone()[0]
        key = "rowid" if has_rowid else _primary_key(conn, table)
        if key is None:
            continue
        # Cheap pre-filter in SQL: rows holding any id, or any name word, at all.
        needles = sorted(words)
        cond = " OR ".join(f'instr(lower("{c}"), lower(?)) > 0' for c in cols for _ in needles)
        params = [n for _c in cols for n in needles]
        rows = conn.execute(f'SELECT {key}, {", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)} FROM "{table}"'
                            f" WHERE {cond}", params).fetchall()
        for row in rows:
            values = dict(zip(cols, row[1:]))
            hits = {c: v for c, v in values.items() if isinstance(v, str) and mention.search(v)}
            if not hits:
                continue
            if table == "rejected_rows" or any(v.strip() in id_set for v in hits.values()):
                delete(table, f"{key} = ?", [row[0]])
                continue
            sets = ", ".join(f'"{c}" = ?' for c in hits)
            conn.execute(f'UPDATE "{table}" SET {sets} WHERE {key} = ?',
                         [mention.sub(ERASED, v) for v in hits.values()] + [row[0]])
            scrubbed[table] = scrubbed.get(table, 0) + 1


def _primary_key(conn, table: str) -> str | None:
    pk = [r[0] for r in conn.execute(f'SELECT name FROM pragma_table_info("{table}") WHERE pk > 0 ORDER BY pk')]
    return f'"{pk[0]}"' if len(pk) == 1 else None

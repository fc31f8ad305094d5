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
words of a deleted row. Free text in the records that remain (minutes,
actions, referrals, notes, reasons, any text column of a table added later)
is searched for every mention of the person (:func:`find_mentions`): the
id, the surname alone, forename and surname in any order and case, their
aliases, the date of birth in its common forms, and the addresses and
postcodes of their incidents. Each is listed for review before the erasure
and replaced with ``[erased]`` or kept with a reason (``decisions``); the
audit entry counts what was replaced and kept, with the reasons. The
audit log keeps one entry with the pseudonym, the counts and the reason;
the person's pseudonym salt goes with their row, so the pseudonym cannot
be computed again. Afterwards the file is vacuumed so freed pages do
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
           "erase_person", "ErasureSummary", "backups_holding_before", "erasure_preview", "ErasurePreview",
           "Mention", "find_mentions", "ERASED", "REPLACE"]

POLICY_KEY = "retention_policy"
ERASED = "[erased]"
REPLACE = None  # the decision for a mention that is replaced (a string is the reason it is kept)


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
    "import_undo": "earlier value(s) kept to undo an import",
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
                 decisions: dict[tuple, str | None] | None = None,
                 progress: Callable[[int, int, str], None] = no_progress,
                 cancelled: Callable[[], bool] = never_cancelled) -> ErasureSummary:
    """Erase a person's personal data everywhere in the store; one transaction, then VACUUM.

    ``reason`` is required and must not name the person. ``decisions``
    (by :attr:`Mention.key`): :data:`REPLACE` (None) replaces a mention in
    free text with ``[erased]``, a reason keeps it; a mention not decided
    is replaced. Raises :class:`UserError` for an unknown id, a missing
    reason, or a reason for keeping that names the person; nothing is
    changed then, nor when ``cancelled()`` turns true.
    """
    reason = (reason or "").strip()
    if not reason:
        raise UserError("give the reason for the erasure (it goes in the audit log)")
    conn = store.conn
    if store.scalar("SELECT 1 FROM persons WHERE id = ?", [person_id]) is None:
        raise UserError(f"no person with that id is held in the store: {person_id}")
    decisions = dict(decisions or {})
    kept_reasons = sorted({(r or "").strip() for r in decisions.values() if r is not REPLACE})
    if any(not r for r in kept_reasons):
        raise UserError("a mention kept needs a reason (why it must stay); nothing was changed")
    audit.check_free_text(conn, reason, [person_id])
    for r in kept_reasons:
        audit.check_free_text(conn, r, [person_id], field="a reason for keeping a mention")
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
            terms = _review_terms(conn, ids)
            pseudonym = audit.pseudonym(conn, person_id)  # before the salt goes with the row
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
            found = _find_in_free_text(conn, terms)
            replaced, kept = _apply_decisions(conn, found, decisions, scrubbed)
            _scrub_text(conn, ids, mention, words, delete, scrubbed)
            _rebuild_text_indexes(conn)
            if cancelled():
                raise Cancelled()
            store.audit("person.erased", entity="person", entity_id=person_id, entity_pseudonym=pseudonym,
                        reason=reason,
                        detail={"records": len(ids), "removed": removed, "scrubbed": scrubbed,
                                "mentions": {"found": len(found), "replaced": replaced, "kept": kept,
                                             "kept_reasons": kept_reasons}})
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
        cols = [c for c in _text_columns(conn, table) if not _reviewed(table, c)]  # free text was reviewed
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


# ---------------------------------------------------------------- mentions in free text, for review

# Tables whose text is not free text about others: the persons themselves, the log, indexes, settings, raw rows
# (rejected rows that mention the person are deleted whole by the automatic scrub), the values kept to undo imports
# (which go with the row they belong to).
_NOT_FREE_TEXT_TABLES = {"persons", "aliases", "settings", "rejected_rows", "import_profiles", "audit_log",
                         "meeting_attendees", "offender_managers", "toolkit", "import_undo"}
_STRUCTURED_COLUMN = re.compile(
    r"(^id$|_id$|^ref$|_ref$|date|_at$|_on$|^dob$|postcode|address|^kind$|status|^event$|^role$|relationship|"
    r"offence|code$|hash|key$|^sort_name$|division|agency|^type$|^forum$|^category$|^time$|^config$|^gravity$|"
    r"^mapping$|^encoding$|^profile$|^file_|^actor$|_by$|^chair$|^owner$|^name$|^area$|^source$|^decision$|"
    r"risk|^recipient_name$|^first_seen$|^latest_incident$|^merged_into$|^value$|^raw$|^column_name$)")


def _reviewed(table: str, column: str) -> bool:
    """A column of free text (notes, minutes, reasons, descriptions...): its mentions are listed for review."""
    return (table not in _NOT_FREE_TEXT_TABLES and not table.startswith("people_search")
            and not _STRUCTURED_COLUMN.search(column))


@dataclass(frozen=True)
class Mention:
    """One mention of the person in free text that an erasure would leave: where, what kind, and its context."""

    table: str
    column: str
    row: int | str          # rowid (or primary key)
    start: int
    text: str               # the words found, as written
    kind: str               # "id", "full name", "surname", "alias", "date of birth", "postcode", "address"
    context: str            # the text around it, the mention in [brackets], at most ~80 characters

    @property
    def key(self) -> tuple:
        """What a decision is keyed by (stable between listing and erasing)."""
        return (self.table, self.column, str(self.row), self.start, self.text)

    @property
    def where(self) -> str:
        return f"{self.table.replace('_', ' ')} #{self.row} · {self.column.replace('_', ' ')}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def _dob_patterns(dob: str) -> list[str]:
    """The common ways a date of birth is written: 1977-07-17, 17/07/1977, 17/7/77, 17.07.1977, 17 July 1977..."""
    try:
        d = _dt.date.fromisoformat(dob[:10])
    except ValueError:
        return [re.escape(dob)]
    day, mon, yr = d.day, d.month, d.year
    dd, mm = rf"0?{day}", rf"0?{mon}"
    y = rf"(?:{yr}|{yr % 100:02d})"
    month = _MONTHS[mon - 1]
    name = rf"(?:{month}|{month[:3]}\.?)"
    return [rf"{yr}-{mon:02d}-{day:02d}", rf"{dd}\s*[/.\-]\s*{mm}\s*[/.\-]\s*{y}",
            rf"{dd}(?:st|nd|rd|th)?\s+(?:of\s+)?{name},?\s+{yr}", rf"{name}\s+{dd}(?:st|nd|rd|th)?,?\s+{yr}"]


def _words(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split())


def _review_terms(conn, ids: list[str]) -> list[tuple[str, re.Pattern]]:
    """``(kind, pattern)`` for every way free text can mention the persons ``ids`` (longest kinds first)."""
    ph = _in(ids)
    full, surnames, alias_names, dobs = set(), set(), set(), set()
    for fn, sn, dob in conn.execute(f"SELECT forename, surname, dob FROM persons WHERE id IN {ph}", ids):
        if sn and sn.strip():
            surnames.add(sn.strip())
            if fn and fn.strip():
                full |= {f"{fn} {sn}", f"{sn} {fn}", f"{sn}, {fn}"}
        if dob:
            dobs.add(dob)
    for fn, sn in conn.execute(f"SELECT forename, surname FROM aliases WHERE person_id IN {ph}", ids):
        if sn and sn.strip():
            alias_names.add(sn.strip())
            if fn and fn.strip():
                alias_names |= {f"{fn} {sn}", f"{sn} {fn}", f"{sn}, {fn}"}
    places, codes = set(), set()
    for address, postcode in conn.execute(
            f"SELECT DISTINCT i.address, i.postcode FROM incidents i JOIN involvements v ON v.incident_ref = i.ref"
            f" WHERE v.perpetrator_id IN {ph} OR v.victim_id IN {ph}", ids + ids):
        if address and len(address.strip()) >= 6:
            places.add(address.strip())
            first = address.split(",")[0].strip()
            if len(first) >= 6:
                places.add(first)
        if postcode and len(postcode.replace(" ", "")) >= 5:
            codes.add(postcode.replace(" ", "").upper())

    def alt(items, fn=_words) -> str:
        return "|".join(fn(t) for t in sorted(items, key=len, reverse=True))

    out = []
    bound = (r"(?<![\w])(?:", r")(?![\w])")
    for kind, items, fn in (("id", set(ids), re.escape), ("full name", full, _words), ("alias", alias_names, _words),
                            ("surname", surnames - alias_names, _words), ("address", places, _words),
                            ("postcode", codes, lambda c: re.escape(c[:-3]) + r"\s*" + re.escape(c[-3:]))):
        if items:
            out.append((kind, re.compile(bound[0] + alt(items, fn) + bound[1], re.IGNORECASE)))
    if dobs:
        pats = [p for d in sorted(dobs) for p in _dob_patterns(d)]
        out.append(("date of birth", re.compile(r"(?<![\w])(?:" + "|".join(pats) + r")(?![\w])", re.IGNORECASE)))
    return out


def _find_in_free_text(conn, terms: list[tuple[str, re.Pattern]]) -> list[Mention]:
    """Every mention in the free-text columns of the rows there now (overlaps: the longest, first kind wins)."""
    found: list[Mention] = []
    if not terms:
        return found
    for table in _user_tables(conn):
        cols = [c for c in _text_columns(conn, table) if _reviewed(table, c)]
        if not cols:
            continue
        has_rowid = conn.execute("SELECT count(*) FROM pragma_table_list WHERE name = ? AND wr = 0",
                                 [table]).fetchone()[0]
        key = "rowid" if has_rowid else _primary_key(conn, table)
        if key is None:
            continue
        sel = ", ".join(f'"{c}"' for c in cols)
        for row in conn.execute(f'SELECT {key}, {sel} FROM "{table}" ORDER BY {key}'):
            for col, value in zip(cols, row[1:]):
                if not isinstance(value, str) or not value:
                    continue
                spans: list[tuple[int, int, str]] = []
                for kind, pat in terms:
                    for m in pat.finditer(value):
                        if not any(m.start() < e and s < m.end() for s, e, _k in spans):
                            spans.append((m.start(), m.end(), kind))
                for start, end, kind in sorted(spans):
                    a, b = max(0, start - 30), min(len(value), end + 30)
                    context = (("…" if a else "") + value[a:start] + "[" + value[start:end] + "]" + value[end:b]
                               + ("…" if b < len(value) else ""))
                    found.append(Mention(table, col, row[0], start, value[start:end], kind,
                                         " ".join(context.split())))
    return found


def _apply_decisions(conn, found: list[Mention], decisions: dict, scrubbed: dict) -> tuple[int, int]:
    """Replace the mentions not kept with ``[erased]`` (from the end of each text); returns (replaced, kept)."""
    by_cell: dict[tuple, list[Mention]] = {}
    kept = 0
    for m in found:
        if decisions.get(m.key, REPLACE) is not REPLACE:
            kept += 1
            continue
        by_cell.setdefault((m.table, m.column, m.row), []).append(m)
    for (table, column, row), items in by_cell.items():
        has_rowid = conn.execute("SELECT count(*) FROM pragma_table_list WHERE name = ? AND wr = 0",
                                 [table]).fetchone()[0]
        key = "rowid" if has_rowid else _primary_key(conn, table)
        value = conn.execute(f'SELECT "{column}" FROM "{table}" WHERE {key} = ?', [row]).fetchone()[0]
        for m in sorted(items, key=lambda m: m.start, reverse=True):
            value = value[:m.start] + ERASED + value[m.start + len(m.text):]
        conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE {key} = ?', [value, row])
        scrubbed[table] = scrubbed.get(table, 0) + 1
    return len(found) - kept, kept


def find_mentions(store: Store, person_id: str) -> list[Mention]:
    """The mentions of ``person_id`` an erasure would leave in free text, for review; changes nothing.

    The erasure's deletions are made inside a savepoint that is rolled
    back, so the list is what remains in *other* records. Reading the
    person's data for review: the caller audits the consultation.
    """
    conn = store.conn
    if store.scalar("SELECT 1 FROM persons WHERE id = ?", [person_id]) is None:
        raise UserError(f"no person with that id is held in the store: {person_id}")
    ids = _merged_family(conn, person_id)
    terms = _review_terms(conn, ids)
    ph = _in(ids)
    if store.read_only:
        return _find_in_free_text(conn, terms)  # no rows can be put aside: their own records are listed too
    conn.execute("SAVEPOINT mentions")
    try:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        conn.execute(f"DELETE FROM involvements WHERE perpetrator_id IN {ph} OR victim_id IN {ph}", ids + ids)
        for table, cols in _person_fk_columns(conn).items():
            for col in cols:
                conn.execute(f'DELETE FROM "{table}" WHERE "{col}" IN {ph}', ids)
        conn.execute(f"DELETE FROM action_updates WHERE action_id NOT IN (SELECT id FROM actions)")
        return _find_in_free_text(conn, terms)
    finally:
        conn.execute("ROLLBACK TO mentions")
        conn.execute("RELEASE mentions")

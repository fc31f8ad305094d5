"""Undoing an import: what an import keeps to be undone, the checks, and the undo.

What is kept
------------
Rows an import *adds* are known by their ``first_batch_id`` (a link by its
``batch_id``). For rows it *changes* (a person, an incident, an involvement
or a link held before it), :func:`keep_before_images` installs temporary
triggers for the import's transaction that copy the row's values into
``import_undo`` the first time the import changes it (migration
``0014_import_undo``); :func:`finish_before_images` then records the values
the import left (``after``). A row the import added and changed again in
the same file keeps nothing: it goes whole.

Cost: nothing for rows added or left as they were (the triggers fire on
a change only); a file that changes every row of a 66,000-row store took
4.5 s to import against 3.3 s without them (one kept row per changed row).

The undo
--------
:func:`undo_plan` says what undoing an import would do (counts only) or why
it cannot be undone; :func:`can_undo` is its yes-or-no and the reason.
:func:`undo_import` checks the same things, then backs the store up (a
refused undo makes no backup and changes nothing), and in one transaction
puts the changed rows back as they were, deletes the rows the import added
(involvements, links, persons, incidents), its data-quality entries, its
rejected rows and the values it kept, marks the batch undone (the batch
row stays: the history shows it) and writes an ``import.undone`` audit
entry with the counts.

Refused, with the reason, when:

- the import was undone already;
- a later import changed or used what this one added or changed (a row it
  last wrote, a person or incident it added that a later row names, a value
  a later import replaced): those are named, to be undone first;
- it was made before imports kept the values they replace, and it changed
  rows that were held before it;
- a value it wrote was changed again since by hand (a put-back name counts
  as undone already, not as a change);
- work done since refers to a person it added (a decision, an action, a
  merge, a link entered by hand, a saved score...), counted by kind.

What cannot be seen: a later file that held a row of this import unchanged
left no trace of it, so that row goes with this import. The plan names the
later imports that held unchanged rows (:attr:`UndoPlan.later_unchanged`).
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field, replace

from ..domain import UserError
from ..storage import audit, backups
from ..storage.store import Store

__all__ = ["Tracked", "TRACKED", "UndoPlan", "keep_before_images", "finish_before_images", "drop_triggers",
           "undo_plan", "can_undo", "undo_import", "check_undo", "BACKUP_LABEL"]

BACKUP_LABEL = "pre-undo-import"


@dataclass(frozen=True)
class Tracked:
    """A table whose rows an import adds and changes.

    ``key``: the row's key; ``column``: the ``import_undo`` column that holds
    it; ``added``: the column naming the import that added a row; ``last``:
    the column naming the import that last wrote it; ``columns``: what an
    import writes (kept before and after); ``stamp``: written with a change
    but not compared (put back as it was).
    """
    table: str
    key: str
    column: str
    added: str
    last: str
    columns: tuple[str, ...]
    words: str
    stamp: tuple[str, ...] = ()

    @property
    def kept(self) -> tuple[str, ...]:
        return self.columns + self.stamp


TRACKED = (
    Tracked("persons", "id", "person_id", "first_batch_id", "last_batch_id",
            ("forename", "surname", "dob", "name_key", "sex", "ethnicity", "disability", "last_batch_id"),
            "person(s)", stamp=("updated_at",)),
    Tracked("incidents", "ref", "incident_ref", "first_batch_id", "last_batch_id",
            ("date", "time", "address", "postcode", "division", "children_present", "last_batch_id"), "incident(s)"),
    Tracked("involvements", "id", "involvement_id", "first_batch_id", "last_batch_id",
            ("offence", "offence_code", "relationship", "relationship_kind", "dash_risk", "last_batch_id"),
            "incident involvement(s)"),
    Tracked("links", "id", "link_id", "batch_id", "batch_id", ("relationship", "grading", "batch_id"),
            "intelligence link(s)"),
)
_BY_TABLE = {t.table: t for t in TRACKED}


def _q(name: str) -> str:
    return f'"{name}"'


def _json_of(t: Tracked, alias: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {alias}.{_q(c)}" for c in t.kept) + ")"


def _trigger_name(t: Tracked) -> str:
    return f"import_undo_{t.table}"


# --------------------------------------------------------------------------
# Kept at import time
# --------------------------------------------------------------------------

def keep_before_images(conn, batch_id: int) -> None:
    """Install, for the import ``batch_id`` (inside its transaction), the triggers that keep the values of every
    row it changes that it did not add. Temporary: they go with :func:`drop_triggers` (and the connection)."""
    if not _kept_here(conn):
        return
    b = int(batch_id)
    for t in TRACKED:
        changed = " OR ".join(f"old.{_q(c)} IS NOT new.{_q(c)}" for c in t.columns)
        # Kept once, at the first change: a row this import wrote already names it as its last writer, and a
        # change that leaves that column alone (an equality field) is looked up. (A conflict clause in the trigger
        # would not do: an upsert's own conflict handling overrides it.)
        conn.execute(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {_trigger_name(t)} AFTER UPDATE OF "
            f"{', '.join(_q(c) for c in t.kept)} ON main.{t.table}"
            f" WHEN old.{_q(t.added)} IS NOT {b} AND old.{_q(t.last)} IS NOT {b} AND ({changed})"
            f" AND NOT EXISTS (SELECT 1 FROM main.import_undo WHERE {t.column} = old.{_q(t.key)} AND batch_id = {b})"
            f" BEGIN INSERT INTO main.import_undo (batch_id, {t.column}, before)"
            f" VALUES ({b}, old.{_q(t.key)}, {_json_of(t, 'old')}); END")


def finish_before_images(conn, batch_id: int) -> None:
    """Record the values the import left in each row it changed (``after``), and remove the triggers."""
    drop_triggers(conn)
    if not _kept_here(conn):
        return
    for t in TRACKED:
        conn.execute(f"UPDATE import_undo SET after = (SELECT {_json_of(t, 'r')} FROM {t.table} r"
                     f" WHERE r.{_q(t.key)} = import_undo.{t.column}) WHERE batch_id = ? AND {t.column} IS NOT NULL",
                     [batch_id])
    conn.execute("UPDATE import_batches SET undo_kept = 1 WHERE id = ?", [batch_id])


def _kept_here(conn) -> bool:
    """Whether the store's schema keeps before-images (migration 0014 and later): an import run on a store
    opened without migrating (a test of an older version's data) keeps none, and its batch says so."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'import_undo'").fetchone() \
        is not None


def drop_triggers(conn) -> None:
    for t in TRACKED:
        conn.execute(f"DROP TRIGGER IF EXISTS temp.{_trigger_name(t)}")


# --------------------------------------------------------------------------
# The plan: what an undo would do, or why it cannot
# --------------------------------------------------------------------------

# How the refusal names the records that refer to a person the import added; other tables go by their name.
_WORK_WORDS = {
    "aliases": "alias(es)", "referrals": "referral(s)", "cohort_events": "cohort event(s) (nominations, adoptions)",
    "decisions": "meeting decision(s)", "actions": "partnership action(s)", "subject_tactics": "tactic(s)",
    "minutes": "minute(s)", "subjects": "MATAC subject record(s)", "orders": "order(s)",
    "disclosures": "Clare's Law disclosure(s)", "dvds_applications": "Clare's Law application(s)",
    "risk_plans": "risk management plan(s)", "victim_support": "victim support record(s)",
    "forum_referrals": "MAPPA/MARAC referral(s)", "person_merges": "merge(s) (undone ones too)",
    "not_duplicates": "'not the same person' decision(s)", "snapshot_scores": "saved score(s) in snapshots",
    "data_quality": "data-quality note(s) made by hand", "links": "intelligence link(s) entered by hand",
    "involvements": "incident involvement(s) entered otherwise",
}
# Tables the plan deals with itself (the import's own rows, other imports' rows, the kept values).
_NOT_WORK = {"persons", "import_undo"}


@dataclass(frozen=True)
class UndoPlan:
    """What undoing one import would do (counts by table, no personal data), or why it cannot be undone."""
    batch_id: int
    file_name: str
    kind: str                               # incidents | links
    refusals: tuple[str, ...] = ()          # why not ("" none): each a sentence
    removed: dict[str, int] = field(default_factory=dict)    # table -> rows the import added, to delete
    restored: dict[str, int] = field(default_factory=dict)   # table -> rows it changed, to put back
    notes: int = 0                          # its data-quality entries
    rejects: int = 0                        # its rejected rows, deleted
    rejects_handed: int = 0                 # ... or kept for a later import of the same file
    later_unchanged: tuple[tuple[int, str], ...] = ()   # later imports that held rows already in the store
    backup: str = ""                        # once carried out: the backup taken first (its file name)

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def reason(self) -> str:
        """Why it cannot be undone, in one message ("" when it can)."""
        if not self.refusals:
            return ""
        first, *rest = self.refusals
        return first + ("".join(f" Also: {r}" for r in rest))

    @property
    def label(self) -> str:
        return f"import {self.batch_id} ({self.file_name})"

    def lines(self) -> list[str]:
        """The counts in words, for a confirmation (no personal data)."""
        out = [f"{n:,} {_BY_TABLE[t].words} it added will be deleted" for t, n in self.removed.items() if n]
        out += [f"{n:,} {_BY_TABLE[t].words} it changed will be put back as they were" for t, n in self.restored.items()
                if n]
        if self.notes:
            out.append(f"{self.notes:,} data-quality note(s) it made will be deleted")
        if self.rejects:
            out.append(f"{self.rejects:,} rejected row(s) it kept will be deleted")
        if self.rejects_handed:
            out.append(f"{self.rejects_handed:,} rejected row(s) it kept stay, kept for a later import of the same "
                       "file")
        if not out:
            out.append("it added and changed nothing that is still held")
        if self.later_unchanged:
            out.append(f"{_batches(self.later_unchanged)} came after it and held some rows already in the store "
                       "unchanged: any of those that this import added go with it (import those files again to "
                       "put them back)")
        return out


def _batches(items) -> str:
    items = list(items)
    named = [f"import {i} ({name})" for i, name in items[:5]]
    more = f" and {len(items) - 5:,} more" if len(items) > 5 else ""
    if len(named) == 1:
        return named[0] + more
    return ", ".join(named[:-1]) + (f", {named[-1]}{more}" if more else f" and {named[-1]}")


def _created_persons_cte(batch_id: int) -> tuple[str, list]:
    return "WITH created(id) AS MATERIALIZED (SELECT id FROM persons WHERE first_batch_id = ?) ", [batch_id]


def _person_fk_columns(conn) -> dict[str, list[str]]:
    """By table, the columns whose foreign key refers to a person (tables added later too)."""
    found: dict[str, list[str]] = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE"
        " 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    for table in tables:
        cols = [fk[0] for fk in conn.execute(f'SELECT "from", "table" FROM pragma_foreign_key_list("{table}")')
                if fk[1] == "persons"]
        if cols and table not in _NOT_WORK:
            found[table] = cols
    return found


def _values(text: str | None) -> dict:
    return json.loads(text) if text else {}


def _kept_rows(conn, t: Tracked, batch_id: int) -> list[tuple]:
    """``(import_undo id, key, before, after, current or None)`` of the rows the import changed in ``t``."""
    return [(i, k, _values(b), _values(a), _values(c) if c is not None else None) for i, k, b, a, c in conn.execute(
        f"SELECT u.id, u.{t.column}, u.before, u.after, (SELECT {_json_of(t, 'r')} FROM {t.table} r"
        f" WHERE r.{_q(t.key)} = u.{t.column}) FROM import_undo u WHERE u.batch_id = ? AND u.{t.column} IS NOT NULL"
        " ORDER BY u.id", [batch_id])]


def _put_back(t: Tracked, before: dict, after: dict, current: dict) -> dict | None:
    """The values to write back into one row, or None when a value was changed again since (neither the one the
    import wrote nor the one it replaced)."""
    out = dict(current)
    for c in t.columns:
        if current.get(c) == after.get(c):
            out[c] = before.get(c)
        elif current.get(c) != before.get(c):
            return None
    for c in t.stamp:
        out[c] = before.get(c)
    return out


def undo_plan(store: Store, batch_id: int) -> UndoPlan:
    """What undoing import ``batch_id`` would do, or why it cannot be undone; reads, changes nothing.

    A UserError for an import that does not exist.
    """
    conn = store.conn
    row = conn.execute("SELECT file_name, kind, finished_at, undone_at, undone_by, undo_kept, rows_updated,"
                       " persons_updated, incidents_updated FROM import_batches WHERE id = ?", [batch_id]).fetchone()
    if row is None or row[2] is None:
        raise UserError(f"there is no import {batch_id}")
    file_name, kind, _finished, undone_at, undone_by, kept, rows_updated, persons_updated, incidents_updated = row
    label = f"import {batch_id} ({file_name})"
    if undone_at:
        return UndoPlan(batch_id, file_name, kind, (f"{label} was undone already, on {undone_at[:10]} by "
                                                    f"{undone_by}; there is nothing to undo.",))
    refusals: list[str] = []
    # --- made before imports kept what they replace
    if not kept:
        changed = (rows_updated or 0) + (persons_updated or 0) + (incidents_updated or 0) + conn.execute(
            "SELECT count(*) FROM data_quality WHERE batch_id = ? AND kind IN ('name_changed', 'dob_changed')",
            [batch_id]).fetchone()[0]
        if changed:
            refusals.append(
                f"{label} was made before MATAC Desk kept the values an import replaces, and it changed records "
                f"held before it ({changed:,} change(s)): they cannot be put back, so it cannot be undone. The "
                "backup taken before it holds the store as it was (restoring it also loses everything done since).")
    later = dict(conn.execute("SELECT id, file_name FROM import_batches WHERE id > ? AND undone_at IS NULL"
                              " AND finished_at IS NOT NULL ORDER BY id", [batch_id]).fetchall())
    others: set[int] = set()      # later (or other) imports that changed or used this one's rows
    cte, params = _created_persons_cte(batch_id)
    # --- rows it added (to delete), and among them those another import wrote since
    removed: dict[str, int] = {}
    for t in TRACKED:
        if t.table == "links":   # a link's batch is its last writer: a later import's change shows in its kept values
            removed[t.table] = conn.execute(
                "SELECT count(*) FROM links WHERE batch_id = ?1 AND id NOT IN (SELECT link_id FROM import_undo"
                " WHERE batch_id = ?1 AND link_id IS NOT NULL)", [batch_id]).fetchone()[0]
            continue
        removed[t.table] = 0
        for last, n in conn.execute(f"SELECT {t.last}, count(*) FROM {t.table} WHERE {t.added} = ? GROUP BY 1",
                                    [batch_id]):
            removed[t.table] += n
            if last != batch_id and last is not None:
                others.add(last)
    # --- rows it changed: written again by a later import, or kept again by one (a change its batch column
    # does not show, such as an equality field)
    restored: dict[str, int] = {}
    conflicts: dict[str, int] = {}
    for t in TRACKED:
        rows = _kept_rows(conn, t, batch_id)
        held = [r for r in rows if r[4] is not None]
        restored[t.table] = len(held)
        for _i, _k, _before, after, current in held:
            last = current.get(t.last)
            if last != after.get(t.last) and isinstance(last, int) and last > batch_id:
                others.add(last)
            elif _put_back(t, _before, after, current) is None:
                conflicts[t.table] = conflicts.get(t.table, 0) + 1
        if later:
            # a later import kept what this one had written (a row it added or changed, its batch column naming it)
            others.update(b for (b,) in conn.execute(
                f"SELECT DISTINCT batch_id FROM import_undo WHERE batch_id > ?1 AND {t.column} IS NOT NULL"
                f" AND before ->> '{t.last}' = ?1", [batch_id]))
            others.update(b for (b,) in conn.execute(
                f"SELECT DISTINCT l.batch_id FROM import_undo l WHERE l.batch_id > ?1 AND l.{t.column} IN"
                f" (SELECT u.{t.column} FROM import_undo u WHERE u.batch_id = ?1 AND u.{t.column} IS NOT NULL"
                + (f" UNION SELECT {_q(t.key)} FROM {t.table} WHERE {t.added} = ?1" if t.table != "links" else "")
                + ")", [batch_id]))
    # --- persons and incidents it added that other imports' rows name (only imports write involvements: with no
    # later import, none can)
    work: dict[str, int] = {}
    if later and (removed["persons"] or removed["incidents"]):
        for b, n in conn.execute(
                cte + "SELECT v.first_batch_id, count(*) FROM involvements v WHERE v.first_batch_id IS NOT ?1"
                " AND (v.perpetrator_id IN created OR v.victim_id IN created"
                " OR v.incident_ref IN (SELECT ref FROM incidents WHERE first_batch_id = ?1)) GROUP BY 1", params):
            if b is None:
                work["involvements"] = n
            else:
                others.add(b)
    for table, cols in (("links", ("person_a_id", "person_b_id")), ("data_quality", ("person_id",))):
        if not removed["persons"]:
            break
        cond = " OR ".join(f"{c} IN created" for c in cols)
        for b, n in conn.execute(cte + f"SELECT batch_id, count(*) FROM {table} WHERE ({cond})"
                                 " AND batch_id IS NOT ?1 GROUP BY batch_id", params):
            if b is None:
                work[table] = n
            else:
                others.add(b)
    # --- work done since on persons it added
    refers = {t: c for t, c in _person_fk_columns(conn).items() if t not in ("involvements", "links", "data_quality")}
    if refers and removed["persons"]:
        parts = [f"(SELECT count(*) FROM {_q(t)} WHERE {' OR '.join(f'{_q(c)} IN created' for c in cols)})"
                 for t, cols in refers.items()]
        counts = conn.execute(cte + "SELECT " + ", ".join(parts), params).fetchone()
        work.update({t: n for t, n in zip(refers, counts) if n})
        merged_in = conn.execute(cte + "SELECT count(*) FROM persons WHERE merged_into IN created AND first_batch_id"
                                 " IS NOT ?1", params).fetchone()[0]
        if merged_in and "person_merges" not in work:
            work["person_merges"] = merged_in
    others.discard(batch_id)
    if others:
        names = dict(conn.execute(f"SELECT id, file_name FROM import_batches WHERE id IN"
                                  f" ({','.join('?' * len(others))})", sorted(others)).fetchall())
        listed = sorted(others, reverse=True)
        refusals.insert(0, f"{label} cannot be undone while later imports build on it: "
                           f"{_batches((b, names.get(b, '?')) for b in listed)} changed or used records it added or "
                           f"changed; undo {'that' if len(listed) == 1 else 'those'} first"
                           f"{'' if len(listed) == 1 else ', newest first'}.")
    if conflicts:
        what = ", ".join(f"{n:,} {_BY_TABLE[t].words}" for t, n in conflicts.items())
        refusals.append(f"{label} changed records that were changed again since, by hand ({what}): undoing it "
                        "would overwrite that work, so it cannot be undone.")
    if work:
        what = ", ".join(f"{n:,} {_WORK_WORDS.get(t, t.replace('_', ' ') + ' row(s)')}" for t, n in
                         sorted(work.items(), key=lambda x: list(_WORK_WORDS).index(x[0])
                                if x[0] in _WORK_WORDS else len(_WORK_WORDS)))
        refusals.append(f"{label} added persons that work done since refers to ({what}): it cannot be undone "
                        "while that work stands.")

    notes = conn.execute("SELECT count(*) FROM data_quality WHERE batch_id = ?", [batch_id]).fetchone()[0]
    rejects = conn.execute("SELECT count(*) FROM rejected_rows WHERE batch_id = ?", [batch_id]).fetchone()[0]
    heir = _rejects_heir(conn, batch_id) if rejects else None
    unchanged = tuple(conn.execute(
        "SELECT id, file_name FROM import_batches WHERE id > ? AND undone_at IS NULL AND finished_at IS NOT NULL"
        " AND kind = ? AND rows_unchanged > 0 ORDER BY id", [batch_id, kind]).fetchall()) \
        if any(removed.values()) else ()
    return UndoPlan(batch_id, file_name, kind, tuple(refusals), removed, restored, notes,
                    0 if heir else rejects, rejects if heir else 0, unchanged)


def _rejects_heir(conn, batch_id: int) -> int | None:
    """The earliest later import (not undone) of the same file: it kept none of the rejected lines this one kept
    (a file's rejected lines are kept once), so they pass to it."""
    row = conn.execute(
        "SELECT l.id FROM import_batches b JOIN import_batches l ON l.file_sha256 = b.file_sha256 AND l.kind = b.kind"
        " AND l.id > b.id AND l.undone_at IS NULL AND l.finished_at IS NOT NULL WHERE b.id = ? ORDER BY l.id LIMIT 1",
        [batch_id]).fetchone()
    return row[0] if row else None


def can_undo(store: Store, batch_id: int) -> tuple[bool, str]:
    """Whether import ``batch_id`` can be undone, and if not why (for a greyed button's tooltip)."""
    try:
        plan = undo_plan(store, batch_id)
    except UserError as e:
        return False, str(e)
    return plan.allowed, plan.reason


def _touched_persons(conn, batch_id: int) -> list[str]:
    return [p for (p,) in conn.execute(
        "SELECT id FROM persons WHERE first_batch_id = ?1 UNION SELECT person_id FROM import_undo"
        " WHERE batch_id = ?1 AND person_id IS NOT NULL", [batch_id])]


def check_undo(store: Store, batch_id: int, reason: str) -> UndoPlan:
    """Everything that would refuse the undo, checked before anything is done (a UserError naming it): the import
    as :func:`undo_plan` sees it, and the reason (given, and naming none of the persons it touched)."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError("undoing an import needs a reason (it goes in the audit log)")
    plan = undo_plan(store, batch_id)
    if not plan.allowed:
        raise UserError(plan.reason)
    audit.check_free_text(store.conn, reason, _touched_persons(store.conn, batch_id))
    return plan


def undo_import(store: Store, batch_id: int, reason: str, *, actor: str | None = None) -> UndoPlan:
    """Undo import ``batch_id`` (see the module docstring); returns the plan carried out, with its backup.

    Checked first (:func:`check_undo`): a refusal is a UserError and changes nothing, not even a backup. Then the
    store is backed up (``pre-undo-import``), and the undo, the batch marked undone and its audit entry are one
    transaction.
    """
    plan = check_undo(store, batch_id, reason)
    reason = reason.strip()
    actor = actor or audit.current_actor()
    conn = store.conn
    restored_persons: list[str] = []
    taken = store.backup_file(BACKUP_LABEL)    # only once the undo is known to go ahead
    try:
        with store.transaction():
            store.audit("backup.made", entity="backup", entity_id=taken.name, detail={"label": BACKUP_LABEL})
            for t in TRACKED:
                rows = []
                for _i, key, before, after, current in _kept_rows(conn, t, batch_id):
                    if current is None:
                        continue    # erased since: nothing to put back
                    values = _put_back(t, before, after, current)
                    if values is None:   # checked above; changed in between
                        raise UserError(f"{plan.label}: a record it changed was changed again meanwhile; nothing "
                                        "was undone")
                    rows.append([values[c] for c in t.kept] + [key])
                    if t.table == "persons":
                        restored_persons.append(key)
                conn.executemany(f"UPDATE {t.table} SET {', '.join(f'{_q(c)} = ?' for c in t.kept)}"
                                 f" WHERE {_q(t.key)} = ?", rows)
            heir = _rejects_heir(conn, batch_id)
            if heir is not None:
                conn.execute("UPDATE rejected_rows SET batch_id = ? WHERE batch_id = ?", [heir, batch_id])
            deleted = {}
            for sql, name in (("DELETE FROM involvements WHERE first_batch_id = ?", "involvements"),
                              ("DELETE FROM links WHERE batch_id = ?", "links"),
                              ("DELETE FROM data_quality WHERE batch_id = ?", "notes"),
                              ("DELETE FROM rejected_rows WHERE batch_id = ?", "rejects"),
                              ("DELETE FROM import_undo WHERE batch_id = ?", None),
                              ("DELETE FROM persons WHERE first_batch_id = ?", "persons"),
                              ("DELETE FROM incidents WHERE first_batch_id = ?", "incidents")):
                n = conn.execute(sql, [batch_id]).rowcount
                if name:
                    deleted[name] = max(n, 0)
            now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            conn.execute("UPDATE import_batches SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?",
                         [now, actor, reason, batch_id])
            ids, detail = audit.itemised(restored_persons, {
                "file": plan.file_name, "kind": plan.kind, "backup": taken.name,
                "removed": {t: deleted[t] for t in ("persons", "incidents", "involvements", "links") if deleted[t]},
                "restored": {t: n for t, n in plan.restored.items() if n},
                "notes": deleted["notes"], "rejects": deleted["rejects"], "rejects_handed": plan.rejects_handed,
                "rejects_handed_to": heir})
            store.audit("import.undone", entity="import_batch", entity_id=str(batch_id), batch_id=batch_id,
                        actor=actor, reason=reason, detail=detail, persons=ids)
    except BaseException:
        taken.unlink(missing_ok=True)
        raise
    backups.rotate(store.path, backups.get_policy(store))
    return replace(plan, backup=taken.name)

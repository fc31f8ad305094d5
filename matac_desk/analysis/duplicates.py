"""Probable duplicate person records, and merging them (with undo).

Record systems hold the same woman under two ids: a dropped accent, capitals,
a double-barrelled surname, forename and surname swapped, a typo. Two
records are a *probable duplicate* when they have the same date of birth and
the same or a very similar name, or one's alias is the other's name. They
are listed with the reason and a score, never merged automatically.

A coordinator merges two records. Nothing is rewritten: ``persons.merged_into``
of the merged record (and of every record already merged into it) points at
the record kept, the *root*, and every reader (scoring, the graph, new
partners) resolves ids through it, so all incidents and links follow and a
merge can be undone exactly. ``person_merges`` keeps who, when, why and the
previous ``merged_into`` values; the audit log records both directions.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from ..storage import audit
from ..domain import Cancelled, UserError, display_name, name_key, never_cancelled, no_progress
from ..storage.store import Store

__all__ = [
    "DuplicatePair",
    "MergeRecord",
    "name_match",
    "within_one_edit",
    "find_duplicates",
    "duplicates_of",
    "merged_roots",
    "root_of",
    "group_of",
    "merge",
    "check_merge",
    "unmerge",
    "merges",
    "mark_not_duplicate",
]


@dataclass(frozen=True)
class DuplicatePair:
    """Two person records (``a_id < b_id``, both roots) that may be one person."""
    a_id: str
    b_id: str
    score: float
    reason: str
    a_name: str
    b_name: str
    dob: str

    def as_row(self) -> dict:
        return {"person_a_id": self.a_id, "person_b_id": self.b_id, "score": round(self.score, 2),
                "reason": self.reason, "person_a_name": self.a_name, "person_b_name": self.b_name, "dob": self.dob}


@dataclass(frozen=True)
class MergeRecord:
    id: int
    keep_id: str
    merged_id: str
    reason: str
    merged_by: str
    merged_at: str
    records: int
    undone_at: str | None

    def as_row(self) -> dict:
        return {"merge": self.id, "keep_id": self.keep_id, "merged_id": self.merged_id, "records": self.records,
                "merged_at": self.merged_at, "merged_by": self.merged_by, "reason": self.reason,
                "undone_at": self.undone_at or ""}


# --------------------------------------------------------------------------
# Comparing names
# --------------------------------------------------------------------------

def within_one_edit(a: str, b: str) -> str | None:
    """The kind of single edit that turns ``a`` into ``b``, or None.

    Damerau-Levenshtein distance at most 1 (optimal string alignment),
    answered in linear time: ``"same"``, ``"transposed"``, ``"substituted"``
    or ``"inserted"``.

    >>> within_one_edit("smith", "smtih")
    'transposed'
    >>> within_one_edit("smith", "smyth")
    'substituted'
    >>> within_one_edit("smith", "smiths")
    'inserted'
    >>> within_one_edit("smith", "smythe") is None
    True
    """
    if a == b:
        return "same"
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return None
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return "substituted"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return "transposed"
        return None
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return "inserted" if a[i:] == b[i + 1:] else None


def name_match(key_a: str, key_b: str) -> tuple[float, str] | None:
    """Score and reason when two folded name keys (``domain.name_key``) look like one name.

    >>> name_match("siobhan o neill", "siobhan o neill")
    (0.97, 'same name (apart from accents, capitals or punctuation)')
    >>> name_match("smith james", "james smith")
    (0.93, 'forename and surname swapped')
    >>> name_match("emma smith", "emma smtih")
    (0.8, 'letters transposed')
    >>> name_match("emma smith", "lucy smith") is None
    True
    """
    if not key_a or not key_b:
        return None
    if key_a == key_b:
        return 0.97, "same name (apart from accents, capitals or punctuation)"
    compact_a, compact_b = key_a.replace(" ", ""), key_b.replace(" ", "")
    if compact_a == compact_b:
        return 0.95, "same name apart from spaces"
    ta, tb = key_a.split(), key_b.split()
    if sorted(ta) == sorted(tb):
        return 0.93, "forename and surname swapped"
    short, long_ = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    if len(short) >= 2 and len(short) < len(long_) and short[0] == long_[0] and set(short) <= set(long_):
        return 0.85, "one name has an extra part (double-barrelled or middle name)"
    if min(len(compact_a), len(compact_b)) >= 5:
        edit = within_one_edit(key_a, key_b)
        if edit == "transposed":
            return 0.8, "letters transposed"
        if edit:
            return 0.75, f"one letter {edit} (a typing slip?)"
    return None


# --------------------------------------------------------------------------
# Merge groups
# --------------------------------------------------------------------------

def merged_roots(store: Store) -> dict[str, str]:
    """``{person id: root id}`` for every record merged into another (the rest are their own root)."""
    return dict(store.conn.execute("SELECT id, merged_into FROM persons WHERE merged_into IS NOT NULL"))


def root_of(store: Store, person_id: str) -> str:
    """The record ``person_id`` stands for: itself, or the record it was merged into."""
    row = store.conn.execute("SELECT merged_into FROM persons WHERE id = ?", [person_id]).fetchone()
    if row is None:
        raise UserError(f"no person {person_id!r} in the store")
    return row[0] or person_id


def group_of(store: Store, person_id: str) -> list[str]:
    """Every id that stands for the same person as ``person_id``, root first."""
    root = root_of(store, person_id)
    return [root] + [r[0] for r in store.conn.execute(
        "SELECT id FROM persons WHERE merged_into = ? ORDER BY id", [root])]


# --------------------------------------------------------------------------
# Finding duplicates
# --------------------------------------------------------------------------

def _dismissed(store: Store) -> set[tuple[str, str]]:
    return {(a, b) for a, b in store.conn.execute("SELECT person_a_id, person_b_id FROM not_duplicates")}


def _compare_group(records: list[tuple], aliases: dict[str, list[str]], roots: dict[str, str],
                   names: dict[str, tuple], dob: str, dismissed: set, found: dict, wanted: set | None) -> None:
    # records: (id, forename, surname, name_key) sharing one dob; compared per root.
    keys: dict[str, set[str]] = defaultdict(set)
    own: dict[str, str] = {}
    for pid, _fn, _sn, key in records:
        root = roots.get(pid, pid)
        if key:
            keys[root].add(key)
        if pid == root:
            own[root] = key
        more = aliases.get(pid)
        if more:
            keys[root].update(more)
    ids = sorted(keys)
    if wanted is None:
        pairs = ((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
    else:  # only pairs with a wanted person: O(k) per wanted person rather than O(k**2)
        pairs = sorted({(a, b) if a < b else (b, a) for a in ids if a in wanted for b in ids if b != a})
    # What name_match needs to be able to match, per own key: most pairs of a date of birth fail all
    # four at once and are passed over without calling it (the answer is the same).
    shape = {}
    for root, key in own.items():
        tokens = key.split()
        shape[root] = (len(key), len(key.replace(" ", "")), tokens[0] if tokens else None, tuple(sorted(tokens)))
    # whether a root has names besides its own key (aliases, merged records): only then the alias test
    # (a name other than the own key: two distinct names always include one; a single one, unless it is the key)
    extra = {root: len(ks) > 1 or (len(ks) == 1 and own.get(root) not in ks) for root, ks in keys.items()}
    for a, b in pairs:
        if (a, b) in dismissed:
            continue
        best = None
        if a in own and b in own:
            sa, sb = shape[a], shape[b]
            # same name -> same length; spaces only -> same compact length; one edit -> lengths within 1;
            # swapped -> same sorted parts; an extra part -> same first part
            if (-1 <= sa[0] - sb[0] <= 1 or sa[1] == sb[1] or (sa[2] is not None and sa[2] == sb[2])
                    or sa[3] == sb[3]):
                best = name_match(own[a], own[b])
        if best is None and (extra[a] or extra[b]) and any(
                (ka, kb) != (own.get(a), own.get(b)) and (m := name_match(ka, kb)) and m[0] >= 0.93
                for ka in keys[a] for kb in keys[b]):
            best = (0.9, "an alias or merged record has the same name")
        if best is None:
            continue
        prev = found.get((a, b))
        if prev is None or best[0] > prev.score:
            found[(a, b)] = DuplicatePair(a, b, best[0], best[1], display_name(*names.get(a, (a, None))),
                                          display_name(*names.get(b, (b, None))), dob)


def find_duplicates(
    store: Store,
    person_ids: Iterable[str] | None = None,
    *,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> list[DuplicatePair]:
    """Probable duplicate records, best first.

    Records are compared only with records of the same date of birth
    (``persons_dob`` index), name keys folded for diacritics, case and
    punctuation (see :func:`name_match`); aliases and the names of records
    already merged count as names of their root. Pairs already merged, and
    pairs a coordinator marked as different people, are left out. With
    ``person_ids``, only pairs involving those persons.

    Notes
    -----
    One pass over the persons ordered by date of birth, then every pair
    within a date: O(n + sum of k**2) for k records per date.
    """
    conn = store.conn
    roots = merged_roots(store)
    dismissed = _dismissed(store)
    aliases: dict[str, list[str]] = defaultdict(list)
    wanted = None
    if person_ids is not None:
        wanted = {roots.get(p, p) for p in person_ids}
        dobs = json.dumps([r[0] for r in conn.execute(
            "SELECT DISTINCT dob FROM persons WHERE dob IS NOT NULL AND (id IN (SELECT value FROM json_each(?1))"
            " OR merged_into IN (SELECT value FROM json_each(?1)))", [json.dumps(sorted(wanted))])])
        # only the aliases of the records compared
        for pid, key in conn.execute(
                "SELECT a.person_id, a.name_key FROM persons p JOIN aliases a ON a.person_id = p.id"
                " WHERE p.dob IN (SELECT value FROM json_each(?)) AND a.name_key <> ''", [dobs]):
            aliases[pid].append(key)
        rows = conn.execute(
            "SELECT id, forename, surname, dob, name_key FROM persons WHERE dob IN (SELECT value FROM json_each(?))"
            " ORDER BY dob, id", [dobs])
        total = len(json.loads(dobs))
    else:
        for pid, key in conn.execute("SELECT person_id, name_key FROM aliases WHERE name_key <> ''"):
            aliases[pid].append(key)
        rows = conn.execute("SELECT id, forename, surname, dob, name_key FROM persons WHERE dob IS NOT NULL"
                            " ORDER BY dob, id")
        total = store.scalar("SELECT count(*) FROM persons WHERE dob IS NOT NULL")
    names = {}
    found: dict[tuple[str, str], DuplicatePair] = {}
    group: list[tuple] = []
    current = None
    done = 0
    for pid, fn, sn, dob, key in rows:
        if dob != current:
            if len(group) > 1:
                _compare_group(group, aliases, roots, names, current, dismissed, found, wanted)
            group = []
            current = dob
        group.append((pid, fn, sn, key))
        if pid not in roots:
            names[pid] = (fn, sn)
        done += 1
        if done % 20000 == 0:
            if cancelled():
                raise Cancelled()
            progress(done, total, "Comparing names")
    if len(group) > 1:
        _compare_group(group, aliases, roots, names, current, dismissed, found, wanted)
    pairs = found.values()
    if wanted is not None:
        pairs = [p for p in pairs if p.a_id in wanted or p.b_id in wanted]
    return sorted(pairs, key=lambda p: (-p.score, p.a_id, p.b_id))


def duplicates_of(store: Store, person_id: str) -> list[DuplicatePair]:
    """Probable duplicates of one person (cheap: only that date of birth is read)."""
    return find_duplicates(store, [person_id])


def mark_not_duplicate(store: Store, a: str, b: str, reason: str) -> None:
    """Record that two records are different people, so they are not listed again."""
    if not (reason or "").strip():
        raise UserError("say why the two records are different people")
    ra, rb = root_of(store, a), root_of(store, b)
    if ra == rb:
        raise UserError(f"{a} and {b} are already merged as one person; undo the merge instead")
    lo, hi = sorted((ra, rb))
    with store.transaction():
        store.conn.execute(
            "INSERT OR REPLACE INTO not_duplicates (person_a_id, person_b_id, reason, decided_by, decided_at)"
            " VALUES (?,?,?,?,?)", [lo, hi, reason.strip(), audit.current_actor(), _now()])
        store.audit("person.not_duplicate", entity="person", entity_id=lo, reason=reason.strip(),
                    detail={"other": hi}, persons=[hi])


# --------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------

def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def check_merge(store: Store, keep_id: str, merge_id: str, reason: str) -> tuple[str, str, str]:
    """Everything that would refuse the merge, checked before anything is done (a UserError naming it):
    the reason (given, and naming none of the persons: it goes in the audit log) and the two records.
    Returns ``(keep root, merged root, reason)``."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError("a merge needs a reason (--reason)")
    keep_root, merge_root = root_of(store, keep_id), root_of(store, merge_id)
    if keep_root == merge_root:
        raise UserError(f"{keep_id} and {merge_id} are already one person")
    audit.check_free_text(store.conn, reason, [keep_root, merge_root, keep_id, merge_id])
    return keep_root, merge_root, reason


def merge(store: Store, keep_id: str, merge_id: str, reason: str) -> int:
    """Merge the record ``merge_id`` into ``keep_id``; returns the merge's number.

    Both are resolved to their roots first; records already merged into
    ``merge_id`` move with it, so ``merged_into`` always names a root. The
    store file is backed up first; the change and its audit entry are one
    transaction.
    """
    keep_root, merge_root, reason = check_merge(store, keep_id, merge_id, reason)
    store.backup_file("pre-merge")     # only once the merge is known to go ahead: a refused one makes no backup
    conn = store.conn
    with store.transaction():
        previous = {merge_root: None}
        previous.update({pid: merge_root for (pid,) in conn.execute(
            "SELECT id FROM persons WHERE merged_into = ?", [merge_root])})
        conn.execute("UPDATE persons SET merged_into = ?1 WHERE id = ?2 OR merged_into = ?2",
                     [keep_root, merge_root])
        actor = audit.current_actor()
        merge_no = conn.execute(
            "INSERT INTO person_merges (keep_id, merged_id, reason, merged_by, merged_at, previous)"
            " VALUES (?,?,?,?,?,?)", [keep_root, merge_root, reason, actor, _now(), json.dumps(previous)]).lastrowid
        store.audit("person.merged", entity="person", entity_id=merge_root, reason=reason, actor=actor,
                    detail={"merge": merge_no, "keep_id": keep_root, "records": len(previous)}, persons=[keep_root])
    return merge_no


def unmerge(store: Store, merge_id: str, reason: str = "") -> int:
    """Undo the merge of the record ``merge_id``; returns the merge's number.

    That is the merge that made ``merge_id`` part of another record (or,
    for a record merged along with its root, the latest one that moved it).

    The previous ``merged_into`` values come back exactly. A merge that a
    later merge builds on (the kept record was itself merged since) must
    wait until that one is undone; the error says which.
    """
    conn = store.conn
    root_of(store, merge_id)  # exists?
    # the merge of this very record first; else the latest that moved it along with its root
    row = conn.execute(
        "SELECT id, keep_id, merged_id, previous FROM person_merges WHERE undone_at IS NULL AND merged_id = ?"
        " ORDER BY id DESC LIMIT 1", [merge_id]).fetchone() or conn.execute(
        "SELECT m.id, m.keep_id, m.merged_id, m.previous FROM person_merges m, json_each(m.previous) j"
        " WHERE m.undone_at IS NULL AND j.key = ? ORDER BY m.id DESC LIMIT 1", [merge_id]).fetchone()
    if row is None:
        raise UserError(f"{merge_id} is not merged into another record")
    merge_no, keep_root, merged_root, previous = row[0], row[1], row[2], json.loads(row[3])
    later = conn.execute(
        "SELECT m.id, m.merged_id FROM person_merges m, json_each(m.previous) j"
        " WHERE m.undone_at IS NULL AND m.id > ? AND j.key = ? ORDER BY m.id DESC LIMIT 1",
        [merge_no, keep_root]).fetchone()
    current = dict(conn.execute("SELECT id, merged_into FROM persons WHERE id IN (SELECT key FROM json_each(?))",
                                [row[3]]))
    if later or any(current.get(pid) != keep_root for pid in previous):
        which = f"merge {later[0]} (of {later[1]})" if later else "the later merges of these records"
        raise UserError(f"merge {merge_no} cannot be undone while {which} stands; undo that first")
    store.backup_file("pre-unmerge")
    with store.transaction():
        conn.executemany("UPDATE persons SET merged_into = ? WHERE id = ?",
                         [(prev, pid) for pid, prev in previous.items()])
        conn.execute("UPDATE person_merges SET undone_at = ?, undone_by = ? WHERE id = ?",
                     [_now(), audit.current_actor(), merge_no])
        store.audit("person.unmerged", entity="person", entity_id=merged_root, reason=(reason or "").strip() or None,
                    detail={"merge": merge_no, "keep_id": keep_root, "records": len(previous)}, persons=[keep_root])
    return merge_no


def merges(store: Store, *, include_undone: bool = False) -> list[MergeRecord]:
    """The merge history, newest first."""
    sql = ("SELECT id, keep_id, merged_id, reason, merged_by, merged_at, previous, undone_at FROM person_merges"
           + ("" if include_undone else " WHERE undone_at IS NULL") + " ORDER BY id DESC")
    return [MergeRecord(r[0], r[1], r[2], r[3], r[4], r[5], len(json.loads(r[6])), r[7])
            for r in store.conn.execute(sql)]

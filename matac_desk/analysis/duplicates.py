"""Probable duplicate person records, the coordinator's decisions on them, and merging (with undo).

Record systems hold the same woman under two ids: a dropped accent, a typo, a
nickname, a married name, a date of birth with day and month swapped or a year
mistyped, or no date of birth at all. :func:`find_duplicates` compares the
records with a probabilistic record linker (:mod:`.linkage`: blocking on several
keys, comparison levels per field, Fellegi–Sunter weights with u from the store
and m refined on the coordinator's decisions) and lists the pairs whose
probability reaches the threshold (:func:`threshold`), each with its explanation
field by field. Nothing is merged automatically.

Decisions: *the same* is a merge (:func:`merge`, undone by :func:`unmerge`);
*not the same* is :func:`mark_not_duplicates` (one pair or a selection, one
decision, undone by :func:`undo_decision`); *skip* writes nothing. Merged pairs
and pairs marked not the same are never listed again, and both are labels the
next comparison learns from.

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
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ..storage import audit
from ..domain import Cancelled, UserError, display_name, never_cancelled, no_progress
from ..storage.store import Store
from . import linkage
from .linkage import Evidence

__all__ = [
    "DuplicatePair",
    "MergeRecord",
    "Decision",
    "BANDS",
    "THRESHOLD_KEY",
    "DEFAULT_THRESHOLD",
    "Evidence",
    "threshold",
    "set_threshold",
    "band_of",
    "load_records",
    "train_model",
    "find_duplicates",
    "duplicates_of",
    "explain_pair",
    "changed_in_batch",
    "merged_roots",
    "root_of",
    "group_of",
    "merge",
    "check_merge",
    "unmerge",
    "merges",
    "mark_not_duplicate",
    "mark_not_duplicates",
    "undo_decision",
    "decisions",
]

THRESHOLD_KEY = "duplicates.threshold"
DEFAULT_THRESHOLD = 0.5     # more likely than not
# score bands the Duplicates page filters by: (label, lowest probability)
BANDS = (("almost certain (99% or more)", 0.99), ("likely (90% to 99%)", 0.90), ("possible (below 90%)", 0.0))


@dataclass(frozen=True)
class DuplicatePair:
    """Two person records (``a_id < b_id``, both roots) that may be one person.

    ``score`` is the probability; ``evidence`` explains it field by field
    (:attr:`explanation`); ``reason`` is the short form; ``dob`` is the first
    record's date of birth and ``b_dob`` the second's.
    """
    a_id: str
    b_id: str
    score: float
    reason: str
    a_name: str
    b_name: str
    dob: str
    b_dob: str | None = None
    evidence: tuple[Evidence, ...] = ()
    weight: float = 0.0
    division: str = ""

    @property
    def explanation(self) -> str:
        return "; ".join(str(e) for e in self.evidence)

    def as_row(self) -> dict:
        return {"person_a_id": self.a_id, "person_b_id": self.b_id, "score": round(self.score, 3),
                "reason": self.reason, "person_a_name": self.a_name, "person_b_name": self.b_name,
                "dob": self.dob, "b_dob": self.b_dob or "", "division": self.division,
                "explanation": self.explanation}


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


@dataclass(frozen=True)
class Decision:
    """A "not the same person" decision on one pair or a selection of pairs."""
    id: int
    reason: str
    decided_by: str
    decided_at: str
    pairs: int
    undone_at: str | None

    def as_row(self) -> dict:
        return {"decision": self.id, "pairs": self.pairs, "decided_at": self.decided_at,
                "decided_by": self.decided_by, "reason": self.reason, "undone_at": self.undone_at or ""}


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

def threshold(store: Store) -> float:
    """The probability from which a pair is listed (the setting, else :data:`DEFAULT_THRESHOLD`)."""
    value = store.get_setting(THRESHOLD_KEY, DEFAULT_THRESHOLD)
    return float(value) if isinstance(value, (int, float)) and 0 < value < 1 else DEFAULT_THRESHOLD


def set_threshold(store: Store, value: float) -> None:
    """Keep the listing threshold (a probability strictly between 0.5 and 1), audited."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= value < 1:
        raise UserError(f"the duplicates threshold is a probability from 0.5 to below 1, not {value!r}")
    store.set_setting(THRESHOLD_KEY, float(value))


def band_of(probability: float) -> str:
    """The score band a probability falls in (:data:`BANDS`)."""
    return next(label for label, low in BANDS if probability >= low)


def load_records(store: Store, cancelled: Callable[[], bool] = never_cancelled,
                 progress: Callable[[int, int, str], None] = no_progress) -> linkage.Records:
    """Every person record, alias and merged record, with their incidents' addresses and their associates."""
    conn = store.conn

    def people():
        yield from conn.execute("SELECT id, forename, surname, dob, id FROM persons WHERE merged_into IS NULL")
        yield from conn.execute("SELECT id, forename, surname, dob, merged_into FROM persons"
                                " WHERE merged_into IS NOT NULL")
        yield from conn.execute("SELECT a.person_id, a.forename, a.surname, p.dob, coalesce(p.merged_into, p.id)"
                                " FROM aliases a JOIN persons p ON p.id = a.person_id")

    incidents = conn.execute(
        "SELECT i.perpetrator_id, i.victim_id, n.address, n.postcode FROM involvements i"
        " JOIN incidents n ON n.ref = i.incident_ref")
    links = conn.execute("SELECT person_a_id, person_b_id, CASE relationship_kind WHEN 'family' THEN 'family member'"
                         " ELSE 'associate' END FROM links")
    return linkage.Records.build(people(), incidents, links, cancelled=cancelled,
                                 progress=lambda d, t, m: progress(0, 10, f"{m}: {d:,}" + (f" of {t:,}" if t else "")))


LIGHT_SAMPLE = 20_000     # persons drawn at random for the weights when only a few persons are compared
LIGHT_LIMIT = 200         # up to this many persons: read only their candidates and a sample, not every record


def load_some_records(store: Store, person_ids: Iterable[str]) -> tuple[linkage.Records, np.ndarray, tuple[int, float]]:
    """The records a few persons can meet (same or swapped date of birth, same year of birth, same surname,
    their graph neighbours), a random sample of the store for the weights, and the store's size and exact pairs.

    Cheaper than :func:`load_records` for the new-partner alert: indexed reads and a sample, not every
    record. The blocking keys that need every record's sound (a sounds-alike surname with the date of birth
    off) are not met here; the Duplicates page and the CLI compare everyone.
    """
    conn = store.conn
    roots = merged_roots(store)
    wanted = sorted({roots.get(p, p) for p in person_ids})
    wj = json.dumps(wanted)
    n = store.scalar("SELECT count(*) FROM persons WHERE merged_into IS NULL")
    keys = conn.execute("SELECT dob, surname FROM persons WHERE coalesce(merged_into, id) IN"
                        " (SELECT value FROM json_each(?))", [wj]).fetchall()
    dobs, years, surnames = set(), set(), set()
    for dob, surname in keys:
        if dob and len(dob) >= 10:
            dobs.add(dob)
            dobs.add(f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}")
            years.add(dob[:4])
        if surname:
            surnames.add(surname)
    near = set(wanted)
    for (pid,) in conn.execute("SELECT id FROM persons WHERE dob IN (SELECT value FROM json_each(?))",
                               [json.dumps(sorted(dobs))]):
        near.add(pid)
    if len(wanted) <= LIGHT_LIMIT:      # for many persons these would read most of the store
        for y in sorted(years):
            near.update(r[0] for r in conn.execute("SELECT id FROM persons WHERE dob >= ? AND dob < ?",
                                                   [f"{y}-01-01", f"{y}-13"]))
        for sn in sorted(surnames):
            near.update(r[0] for r in conn.execute("SELECT id FROM persons WHERE surname = ? COLLATE NOCASE", [sn]))
    for a, b in conn.execute("SELECT perpetrator_id, victim_id FROM involvements WHERE victim_id IN"
                             " (SELECT value FROM json_each(?1)) OR perpetrator_id IN (SELECT value FROM json_each(?1))",
                             [wj]):
        near.update((a, b))
    max_rowid = store.scalar("SELECT max(rowid) FROM persons") or 0
    rng = np.random.default_rng(0)
    drawn = sorted(set(rng.integers(1, max_rowid + 1, min(LIGHT_SAMPLE, n)).tolist())) if max_rowid else []
    sample_ids = [r[0] for r in conn.execute(
        "SELECT coalesce(merged_into, id) FROM persons WHERE rowid IN (SELECT value FROM json_each(?))",
        [json.dumps(drawn)])]
    near = {roots.get(p, p) for p in near}
    everyone = json.dumps(sorted(near | set(sample_ids)))

    def people():
        yield from conn.execute("SELECT id, forename, surname, dob, id FROM persons WHERE merged_into IS NULL AND id IN"
                                " (SELECT value FROM json_each(?))", [everyone])
        yield from conn.execute("SELECT id, forename, surname, dob, merged_into FROM persons WHERE merged_into IN"
                                " (SELECT value FROM json_each(?))", [everyone])
        yield from conn.execute("SELECT a.person_id, a.forename, a.surname, p.dob, coalesce(p.merged_into, p.id)"
                                " FROM aliases a JOIN persons p ON p.id = a.person_id"
                                " WHERE coalesce(p.merged_into, p.id) IN (SELECT value FROM json_each(?))", [everyone])

    incidents = conn.execute(
        "SELECT i.perpetrator_id, i.victim_id, n.address, n.postcode FROM involvements i"
        " JOIN incidents n ON n.ref = i.incident_ref WHERE i.victim_id IN (SELECT value FROM json_each(?1))"
        " OR i.perpetrator_id IN (SELECT value FROM json_each(?1))", [everyone])
    links = conn.execute("SELECT person_a_id, person_b_id, CASE relationship_kind WHEN 'family' THEN 'family member'"
                         " ELSE 'associate' END FROM links WHERE person_a_id IN (SELECT value FROM json_each(?1))"
                         " OR person_b_id IN (SELECT value FROM json_each(?1))", [everyone])
    recs = linkage.Records.build(people(), incidents, links)
    index = {pid: i for i, pid in enumerate(recs.ids)}
    sample = np.array(sorted({index[p] for p in sample_ids if p in index}), dtype=np.int64)
    # the pairs agreeing on everything, for the prior: counted in the sample and scaled up to the store
    # (a count over the whole store would read every record, which this path is here to avoid)
    prim = recs.primary_rows()[sample]
    key = linkage._key(recs.vocab.cid[recs.forename[prim]] + 1, recs.vocab.cid[recs.surname[prim]] + 1,
                       np.where(recs.dob[prim] > 0, recs.dob[prim], 0))
    _, counts = np.unique(key[key >= 0], return_counts=True)
    in_sample = float((counts * (counts - 1) // 2).sum())
    scale = (n / max(len(sample), 1)) ** 2
    exact = max(in_sample, 1.0) * scale
    return recs, sample, (int(n), exact)


def _labels(store: Store, recs: linkage.Records) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The coordinator's decisions: merged (standing; as row pairs) and marked not the same (as root pairs)."""
    index = {pid: i for i, pid in enumerate(recs.ids)}
    rows = {r: i for i, r in enumerate(recs.record)}
    merged = []
    prim = recs.primary_rows()
    for keep, gone in store.conn.execute("SELECT keep_id, merged_id FROM person_merges WHERE undone_at IS NULL"):
        # the merged record's own row against the kept record's own row: what made them one person
        if keep in index and gone in rows:
            merged.append((int(prim[index[keep]]), rows[gone]))
    roots = merged_roots(store)
    not_same = []
    for a, b in store.conn.execute("SELECT person_a_id, person_b_id FROM not_duplicates"):
        ra, rb = roots.get(a, a), roots.get(b, b)
        if ra in index and rb in index and ra != rb:
            not_same.append((index[ra], index[rb]))
    return merged, not_same


def train_model(store: Store, recs: linkage.Records | None = None, *, sample=None,
                population=None) -> tuple[linkage.Records, linkage.Model]:
    """The records and the model for this store (u from its pairs, m refined on its merges)."""
    recs = recs if recs is not None else load_records(store)
    merged, not_same = _labels(store, recs)
    return recs, _train_with(recs, merged, not_same, sample=sample, population=population)


def _train_with(recs, merged, not_same, shared=None, sample=None, population=None):
    # a merged pair is compared as two records: the merged record's row against its root's own row
    model = linkage.train(recs, [], not_same, shared=shared, sample=sample, population=population)
    if merged:
        a = np.array([x for x, _ in merged], dtype=np.int64)
        b = np.array([y for _, y in merged], dtype=np.int64)
        c = linkage.compare(recs, a, b, shared, model)
        for f in linkage.FIELDS:
            counts = np.bincount(c.levels[f].astype(np.int64), minlength=len(linkage.LEVELS[f])).astype(float)
            n = counts.sum()
            model.m[f] = [(linkage.PSEUDO_MATCHES * m0 + counts[k]) / (linkage.PSEUDO_MATCHES + n)
                          for k, m0 in enumerate(model.m[f])]
        model.labels = (len(merged), len(not_same))
    return model


def _shared_with(store_recs: linkage.Records):
    def who(ra: int, rb: int) -> str:
        na, nb = store_recs.neighbours.get(ra, {}), store_recs.neighbours.get(rb, {})
        common = sorted(set(na) & set(nb), key=lambda r: store_recs.ids[r])
        if not common:
            return ""
        first = common[0]
        more = f" and {len(common) - 1} more" if len(common) > 1 else ""
        role = na[first]
        article = "an" if role and role[0].lower() in "aeiou" else "a"
        return f"{article} {role}: {store_recs.ids[first]}{more}"
    return who


def _reason(ev: tuple[Evidence, ...]) -> str:
    notes = [e.text for e in ev if e.weight > 0 and e.level != "the same" and e.field != "prior"]
    return "; ".join(notes) if notes else "same name and date of birth"


CHUNK = 1_000_000


def _scan(recs: linkage.Records, model: linkage.Model, wanted: list[int] | None, floor: float,
          progress, cancelled) -> list[tuple[int, int, float, tuple[Evidence, ...]]]:
    """(root a, root b, probability, evidence) of every pair at or above ``floor``, best row pair per person pair."""
    shared = linkage._shared_pairs(recs)
    floor_w = float(np.log2(floor / (1 - floor)))
    best: dict[tuple[int, int], tuple[float, linkage.Compared, int, dict]] = {}
    compared = 0
    def stage(done: int, total: int, message: str) -> None:
        progress(2 + 8 * done // max(total, 1), 10, message)

    for rule, a, b in linkage.candidate_pairs(recs, wanted, shared=shared, progress=stage, cancelled=cancelled):
        for s in range(0, len(a), CHUNK):
            if cancelled():
                raise Cancelled()
            c = linkage.compare(recs, a[s:s + CHUNK], b[s:s + CHUNK], shared, model)
            total, weights = linkage.score(recs, model, c)
            compared += len(c.a)
            hit = np.nonzero(total >= floor_w)[0]
            if not len(hit):
                continue
            sub = linkage.Compared(c.a[hit], c.b[hit], {f: v[hit] for f, v in c.levels.items()})
            subw = {f: v[hit] for f, v in weights.items()}
            for k in range(len(hit)):
                ra, rb = int(recs.root[sub.a[k]]), int(recs.root[sub.b[k]])
                key = (ra, rb) if ra < rb else (rb, ra)
                w = float(total[hit[k]])
                if key not in best or w > best[key][0]:
                    best[key] = (w, sub, k, subw)
    out = []
    who = _shared_with(recs)
    for (ra, rb), (w, sub, k, subw) in best.items():
        if recs.ids[int(recs.root[sub.a[k]])] > recs.ids[int(recs.root[sub.b[k]])]:
            sub = linkage.Compared(sub.b, sub.a, sub.levels)      # the first record's values first
        out.append((ra, rb, float(linkage.probability(w)), linkage.evidence(recs, model, sub, k, subw, who)))
    return out


def _divisions(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Each person's division: that of their latest incident (records merged into them included)."""
    out: dict[str, str] = {}
    roots = merged_roots(store)
    for pid, division in store.conn.execute(
            "SELECT x.pid, n.division FROM (SELECT perpetrator_id AS pid, incident_ref FROM involvements"
            " UNION ALL SELECT victim_id, incident_ref FROM involvements) x JOIN incidents n ON n.ref = x.incident_ref"
            " WHERE x.pid IN (SELECT p.id FROM persons p WHERE coalesce(p.merged_into, p.id) IN"
            " (SELECT value FROM json_each(?))) AND n.division IS NOT NULL ORDER BY n.date",
            [json.dumps(sorted(set(ids)))]):
        out[roots.get(pid, pid)] = division
    return out


def _pairs_out(store: Store, recs: linkage.Records, found) -> list[DuplicatePair]:
    if not found:
        return []
    ids = recs.ids
    info = {pid: (fn, sn, dob) for pid, fn, sn, dob in store.conn.execute(
        "SELECT id, forename, surname, dob FROM persons WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted({ids[r] for a, b, *_ in found for r in (a, b)}))])}
    divisions = _divisions(store, [ids[r] for a, b, *_ in found for r in (a, b)])
    out = []
    for ra, rb, p, ev in found:
        a, b = ids[ra], ids[rb]
        if a > b:
            a, b = b, a
        fa, sa, da = info.get(a, (None, None, None))
        fb, sb, db = info.get(b, (None, None, None))
        div = sorted({d for d in (divisions.get(a), divisions.get(b)) if d})
        out.append(DuplicatePair(a, b, p, _reason(ev), display_name(fa, sa) if a in info else a,
                                 display_name(fb, sb) if b in info else b, da or "", db, ev,
                                 float(np.log2(p / (1 - p))) if 0 < p < 1 else 0.0, " / ".join(div)))
    return out


def find_duplicates(
    store: Store,
    person_ids: Iterable[str] | None = None,
    *,
    threshold_: float | None = None,
    quick: bool = False,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> list[DuplicatePair]:
    """Probable duplicate records, most probable first.

    Every record (aliases and records already merged count as names of their
    person) is compared with those sharing a blocking key (:data:`.linkage.RULES`),
    scored by the store's own model (:func:`train_model`), and the pairs whose
    probability reaches ``threshold_`` (default: the setting, :func:`threshold`)
    are returned with their explanation. Pairs already merged, and pairs a
    coordinator marked as different people, are left out. With
    ``person_ids``, only pairs involving those persons (after an import: the
    new or changed ones, :func:`changed_in_batch`); for up to
    :data:`LIGHT_LIMIT` of them, or any number with ``quick`` (the new-partner
    alert), only their candidates are read (:func:`load_some_records`).

    Notes
    -----
    Reading the store and training are O(n); the comparisons O(candidate
    pairs), vectorised (numpy, rapidfuzz), distinct name pairs compared once.
    """
    floor = threshold(store) if threshold_ is None else threshold_
    progress(0, 10, "Reading the person records")
    if person_ids is not None:
        person_ids = list(person_ids)
    light = person_ids is not None and 0 < len(person_ids) and (quick or len(person_ids) <= LIGHT_LIMIT)
    if light:
        recs, sample, population = load_some_records(store, person_ids)
    else:
        recs, sample, population = load_records(store, cancelled, progress), None, None
    if cancelled():
        raise Cancelled()
    progress(1, 10, "Estimating the weights from the store")
    recs, model = train_model(store, recs, sample=sample, population=population)
    if cancelled():
        raise Cancelled()
    wanted = None
    if person_ids is not None:
        roots = merged_roots(store)
        index = {pid: i for i, pid in enumerate(recs.ids)}
        wanted = sorted({index[roots.get(p, p)] for p in person_ids if roots.get(p, p) in index})
        if not wanted:
            return []
    found = _scan(recs, model, wanted, floor, progress, cancelled)
    dismissed = _dismissed(store)
    ids = recs.ids
    found = [f for f in found if (min(ids[f[0]], ids[f[1]]), max(ids[f[0]], ids[f[1]])) not in dismissed]
    pairs = _pairs_out(store, recs, found)
    progress(10, 10, "Done")
    return sorted(pairs, key=lambda p: (-p.score, p.a_id, p.b_id))


def duplicates_of(store: Store, person_id: str) -> list[DuplicatePair]:
    """Probable duplicates of one person."""
    return find_duplicates(store, [person_id])


def explain_pair(store: Store, a: str, b: str) -> DuplicatePair:
    """Two records compared and explained field by field, whatever their probability."""
    ra, rb = sorted((root_of(store, a), root_of(store, b)))
    if ra == rb:
        raise UserError(f"{a} and {b} are already merged as one person")
    recs, model = train_model(store)
    index = {pid: i for i, pid in enumerate(recs.ids)}
    rows_a = np.nonzero(recs.root == index[ra])[0]
    rows_b = np.nonzero(recs.root == index[rb])[0]
    A = np.repeat(rows_a, len(rows_b))
    B = np.tile(rows_b, len(rows_a))
    c = linkage.compare(recs, A, B, None, model)
    total, weights = linkage.score(recs, model, c)
    k = int(np.argmax(total))
    ev = linkage.evidence(recs, model, c, k, weights, _shared_with(recs))
    [pair] = _pairs_out(store, recs, [(index[ra], index[rb], float(linkage.probability(total[k])), ev)])
    return pair


def changed_in_batch(store: Store, batch_id: int) -> list[str]:
    """The persons an import added or changed (compare only these afterwards)."""
    return [r[0] for r in store.conn.execute(
        "SELECT id FROM persons WHERE first_batch_id = ?1 OR last_batch_id = ?1 ORDER BY id", [batch_id])]


def _dismissed(store: Store) -> set[tuple[str, str]]:
    roots = merged_roots(store)
    out = set()
    for a, b in store.conn.execute("SELECT person_a_id, person_b_id FROM not_duplicates"):
        ra, rb = roots.get(a, a), roots.get(b, b)
        out.add((min(ra, rb), max(ra, rb)))
    return out


def mark_not_duplicate(store: Store, a: str, b: str, reason: str) -> int:
    """Record that two records are different people, so they are not listed again; returns the decision's number."""
    return mark_not_duplicates(store, [(a, b)], reason)


def mark_not_duplicates(store: Store, pairs: Iterable[tuple[str, str]], reason: str) -> int:
    """Record that each pair is two different people: one decision (undone together), each pair audited."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError("say why the two records are different people")
    resolved = []
    for a, b in pairs:
        ra, rb = root_of(store, a), root_of(store, b)
        if ra == rb:
            raise UserError(f"{a} and {b} are already merged as one person; undo the merge instead")
        resolved.append(tuple(sorted((ra, rb))))
    resolved = sorted(set(resolved))
    if not resolved:
        raise UserError("no pair was chosen")
    actor, now = audit.current_actor(), _now()
    with store.transaction():
        decision = store.conn.execute(
            "INSERT INTO duplicate_decisions (decision, reason, decided_by, decided_at, pairs) VALUES"
            " ('not the same', ?, ?, ?, 0)", [reason, actor, now]).lastrowid
        n = 0
        for lo, hi in resolved:
            n += store.conn.execute(
                "INSERT OR IGNORE INTO not_duplicates (person_a_id, person_b_id, reason, decided_by, decided_at,"
                " decision_id) VALUES (?,?,?,?,?,?)", [lo, hi, reason, actor, now, decision]).rowcount
            store.audit("person.not_duplicate", entity="person", entity_id=lo, reason=reason,
                        detail={"other": hi, "decision": decision}, persons=[hi])
        store.conn.execute("UPDATE duplicate_decisions SET pairs = ? WHERE id = ?", [n, decision])
    return decision


def undo_decision(store: Store, decision_id: int, reason: str = "") -> int:
    """Undo a "not the same person" decision: its pairs may be listed again. Returns how many pairs."""
    row = store.conn.execute("SELECT undone_at FROM duplicate_decisions WHERE id = ?", [decision_id]).fetchone()
    if row is None:
        raise UserError(f"no duplicates decision {decision_id}")
    if row[0]:
        raise UserError(f"decision {decision_id} was already undone")
    pairs = store.conn.execute("SELECT person_a_id, person_b_id FROM not_duplicates WHERE decision_id = ?",
                               [decision_id]).fetchall()
    with store.transaction():
        store.conn.execute("DELETE FROM not_duplicates WHERE decision_id = ?", [decision_id])
        store.conn.execute("UPDATE duplicate_decisions SET undone_at = ?, undone_by = ? WHERE id = ?",
                           [_now(), audit.current_actor(), decision_id])
        for lo, hi in pairs:
            store.audit("person.not_duplicate_undone", entity="person", entity_id=lo,
                        reason=(reason or "").strip() or None, detail={"other": hi, "decision": decision_id},
                        persons=[hi])
    return len(pairs)


def decisions(store: Store, *, include_undone: bool = False) -> list[Decision]:
    """The "not the same person" decisions, newest first."""
    sql = ("SELECT id, reason, decided_by, decided_at, pairs, undone_at FROM duplicate_decisions"
           + ("" if include_undone else " WHERE undone_at IS NULL") + " ORDER BY id DESC")
    return [Decision(*r) for r in store.conn.execute(sql)]


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

"""Finding and showing persons: search as you type, the rows of the People table, the person page.

Search goes through the trigram FTS5 index ``people_search`` (migration
``0005_people_search``) over ids, folded names and folded alias names, so
"siobh" finds "Siobhán" and "0012" finds "NM0001234". A query shorter than
three characters cannot use trigrams; it falls back to an id or name
prefix search. Sorting is done by the store (``ORDER BY``), never by the
caller: :func:`search_ids` returns ids already in order, and the People
table fetches the rows of the ids it shows with :func:`rows_for`.

Opening a person is a consultation of personal data: :func:`view_person`
writes a ``person.viewed`` audit entry for each view.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Callable

import sqlcipher3

from ..domain import Cancelled, UserError, display_name, name_key, never_cancelled
from ..storage.store import Store

__all__ = [
    "SORT_KEYS",
    "PersonRow",
    "IncidentLine",
    "LinkLine",
    "Warning",
    "Alias",
    "PersonProfile",
    "search_ids",
    "resolve",
    "Ambiguous",
    "suggestions",
    "rows_for",
    "count_persons",
    "load_profile",
    "view_person",
    "resolve_warning",
    "reopen_warning",
    "add_alias",
    "remove_alias",
    "rebuild_search_index",
]

# Sort keys for the People table: each is an ORDER BY over ``persons p``.
_INV_COUNT = "(SELECT count(DISTINCT incident_ref) FROM involvements WHERE {col} = p.id)"
_LAST = ("(SELECT max(i.date) FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
         " WHERE v.perpetrator_id = p.id OR v.victim_id = p.id)")
SORT_KEYS: dict[str, str] = {
    "id": "p.id",
    "name": "p.surname COLLATE NOCASE {d}, p.forename COLLATE NOCASE {d}, p.id {d}",
    "dob": "p.dob",
    "as_perpetrator": _INV_COUNT.format(col="perpetrator_id"),
    "as_victim": _INV_COUNT.format(col="victim_id"),
    "last_incident": _LAST,
}

MIN_TRIGRAM = 3
_CHECK_EVERY = 20000  # SQLite virtual-machine steps between two cancel checks


@dataclass(frozen=True)
class PersonRow:
    """One line of the People table."""
    id: str
    forename: str | None
    surname: str | None
    dob: str | None
    as_perpetrator: int
    as_victim: int
    last_incident: str | None
    merged_into: str | None

    @property
    def name(self) -> str:
        return display_name(self.forename, self.surname)


def _order_by(sort: str, descending: bool) -> str:
    try:
        key = SORT_KEYS[sort]
    except KeyError:
        raise UserError(f"cannot sort persons by {sort!r}; choose one of {', '.join(SORT_KEYS)}") from None
    d = "DESC" if descending else "ASC"
    if "{d}" in key:
        return key.format(d=d)
    return f"{key} {d}, p.id"


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _like(text: str) -> str:
    """``text`` for a LIKE pattern, its wildcards escaped (with ``ESCAPE '\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts_word(n: int) -> str:
    """The name or an alias has a word starting with parameter ``n``, or the id starts with it."""
    return (f"(name_key LIKE ?{n} || '%' ESCAPE '\\' OR name_key LIKE '% ' || ?{n} || '%' ESCAPE '\\'"
            f" OR aliases LIKE ?{n} || '%' ESCAPE '\\' OR aliases LIKE '% ' || ?{n} || '%' ESCAPE '\\'"
            f" OR id LIKE ?{n} || '%' ESCAPE '\\')")


def _search_sql(query: str) -> tuple[str | None, list] | None:
    """``(WHERE clause over people_search, params)`` for a query typed by the user; None for an empty one.

    A query too short for trigrams gives ``(None, prefixes)``: see :data:`_PREFIX_SQL`.
    """
    raw = " ".join("".join(c if c.isprintable() else " " for c in query).split())
    folded = name_key(raw)
    if not raw:
        return None
    if len(raw) < MIN_TRIGRAM and len(folded) < MIN_TRIGRAM:
        return None, [raw, raw.upper(), folded or raw]
    # Trigram search. Ids are matched as typed (case-insensitively); names by their folded words.
    words = folded.split()
    long_words = [w for w in words if len(w) >= MIN_TRIGRAM]
    short_words = [w for w in words if len(w) < MIN_TRIGRAM] if long_words else []
    name_terms = " AND ".join(_fts_phrase(w) for w in long_words) if long_words else (
        _fts_phrase(folded) if folded else "")       # "jo sm": the run as typed
    parts = [f"id : {_fts_phrase(raw)}"]
    if name_terms:
        parts.append(f"{{name_key aliases}} : ({name_terms})")
    where = "people_search MATCH ?1"
    params: list = [" OR ".join(f"({p})" for p in parts)]
    for w in short_words:
        # a short word next to long ones ("jo smith"): it must start a word of the name or an alias
        params.append(_like(w))
        where += " AND " + _starts_word(len(params))
    return where, params


def _run_cancellable(store: Store, sql: str, params: list, cancelled: Callable[[], bool]) -> list:
    """The first column of the rows ``sql`` gives; Cancelled when ``cancelled()`` turns true meanwhile."""
    if cancelled():
        raise Cancelled()
    conn = store.conn
    conn.set_progress_handler(lambda: 1 if cancelled() else 0, _CHECK_EVERY)
    try:
        # the first column of each row, each row tuple freed at once: a fetchall() of 900,000 rows keeps
        # 900,000 tuples alive, and the garbage collector's full passes over them (0.2-0.7 s each,
        # holding the GIL) stalled the GUI thread while searching
        return [row[0] for row in conn.execute(sql, params)]
    except sqlcipher3.OperationalError as e:
        if "interrupt" in str(e).lower():
            raise Cancelled() from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


# One or two characters: an id, a forename (the start of name_key), a surname or an alias that
# starts with them, each found by a range on an index (a LIKE over every name took a second on
# 900,000 persons). ?1 as typed, ?2 in capitals (ids), ?3 folded (names).
_PREFIX_SQL = """
SELECT rowid FROM persons WHERE id >= ?1 AND id < ?1 || char(1114111)
UNION SELECT rowid FROM persons WHERE id >= ?2 AND id < ?2 || char(1114111)
UNION SELECT rowid FROM persons WHERE name_key >= ?3 AND name_key < ?3 || char(1114111)
UNION SELECT rowid FROM persons WHERE surname COLLATE NOCASE >= ?3 AND surname COLLATE NOCASE < ?3 || char(1114111)
UNION SELECT p.rowid FROM aliases a JOIN persons p ON p.id = a.person_id
      WHERE a.name_key >= ?3 AND a.name_key < ?3 || char(1114111)
"""

# Sorts the search index can do alone, without reading the persons table.
_INDEX_SORTS = {"name": "sort_name COLLATE NOCASE {d}, id {d}", "id": "id {d}"}


def search_ids(store: Store, query: str = "", *, sort: str = "name", descending: bool = False,
               limit: int | None = None, cancelled: Callable[[], bool] = never_cancelled) -> list[str]:
    """Ids of the persons matching ``query`` (all persons for an empty one), in the order asked for.

    >>> search_ids(store, "siobh")          # doctest: +SKIP
    ['NM0000412', 'NM0031877']

    Raises :class:`Cancelled` when ``cancelled()`` turns true while the store works.
    """
    order = _order_by(sort, descending)
    found = _search_sql(query)
    if found is None:
        sql, params = f"SELECT p.id FROM persons p ORDER BY {order}", []
    elif found[0] is None:
        sql, params = f"SELECT p.id FROM persons p WHERE p.rowid IN ({_PREFIX_SQL}) ORDER BY {order}", found[1]
    elif sort == "name" and not descending:
        # by relevance: the exact name or id first, then a name, alias or id starting with the query, then the
        # rest; within each, by surname and forename with case and accents folded ("Dvořák" beside "DVORAK")
        where, params = found
        _fold_function(store)
        n = len(params)
        raw = " ".join("".join(c if c.isprintable() else " " for c in query).split())
        params = params + [name_key(raw), raw.upper(), _like(name_key(raw))]
        f, u, lk = n + 1, n + 2, n + 3
        tier = (f"CASE WHEN name_key = ?{f} OR upper(id) = ?{u}"
                f" OR matac_fold(substr(sort_name, 1, instr(sort_name, char(31)) - 1)) = ?{f} OR (' / ' || aliases || ' / ') LIKE"
                f" '% / ' || ?{lk} || ' / %' ESCAPE '\\' THEN 0"
                f" WHEN name_key LIKE ?{lk} || '%' ESCAPE '\\' OR name_key LIKE '% ' || ?{lk} || '%' ESCAPE '\\'"
                f" OR aliases LIKE ?{lk} || '%' ESCAPE '\\' OR upper(id) LIKE ?{u} || '%' THEN 1 ELSE 2 END")
        sql = (f"SELECT id FROM people_search WHERE {where} ORDER BY {tier}, matac_fold(sort_name), id")
    elif sort in _INDEX_SORTS:
        where, params = found
        d = "DESC" if descending else "ASC"
        sql = f"SELECT id FROM people_search WHERE {where} ORDER BY {_INDEX_SORTS[sort].format(d=d)}"
    else:
        where, params = found
        sql = (f"SELECT p.id FROM persons p WHERE p.rowid IN (SELECT rowid FROM people_search WHERE {where})"
               f" ORDER BY {order}")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return _run_cancellable(store, sql, params, cancelled)


def _fold_function(store: Store) -> None:
    """``matac_fold(text)`` in SQL: case and accents folded, so that sorting ignores both."""
    conn = store.conn
    if not getattr(store, "_fold_registered", None) is conn:
        conn.create_function("matac_fold", 1, lambda t: name_key(t) if t else "", deterministic=True)
        store._fold_registered = conn


class Ambiguous(UserError):
    """A name several persons have: ``candidates`` are ``(id, name, date of birth)`` of the first ten, ``count``
    how many match. Its message lists them, as the command line prints it; a person field shows "could be …"."""

    def __init__(self, message: str, candidates: list[tuple[str, str, str | None]], count: int):
        super().__init__(message)
        self.candidates = candidates
        self.count = count


def resolve(store: Store, text: str, *, follow_merges: bool = True, new_ok: bool = False) -> str:
    """The id of the person ``text`` names: an id, or a name (or alias) that only one person has.

    When several persons match, the :class:`Ambiguous` error lists the ids
    it could be (up to ten, each with the name and date of birth), so the
    user can pick. ``follow_merges=False`` keeps an id typed as it is, even
    of a record merged into another. ``new_ok=True`` gives back a single word
    that matches nobody as it was typed (a new person's id, or a mistake the
    caller's own checks name), where a name of several words is refused.
    """
    raw = " ".join((text or "").split())
    if not raw:
        raise UserError("no person given: type a name or an id")
    row = store.conn.execute("SELECT id, merged_into FROM persons WHERE id = ? OR id = ?", [raw, raw.upper()]).fetchone()
    if row:
        return (row[1] if follow_merges else None) or row[0]
    shown = re.search(r"\(([^()\s]+)\)", raw)     # "Kieran Chapman (NM0000006) · born ...", as a suggestion shows him
    if shown:
        row = store.conn.execute("SELECT id, merged_into FROM persons WHERE id = ?", [shown.group(1)]).fetchone()
        if row:
            return (row[1] if follow_merges else None) or row[0]
    ids = search_ids(store, raw, limit=50)
    if not ids:
        if new_ok and " " not in raw:
            return raw
        raise UserError(f"no person matches {raw[:40]!r} (by name, alias or id)")
    key = name_key(raw)
    exact = [i for i in ids if store.scalar(
        "SELECT 1 FROM people_search WHERE id = ? AND (name_key = ? OR (' / ' || aliases || ' / ') LIKE ?)",
        [i, key, f"% / {key} / %"])]
    if len(exact) == 1 or len(ids) == 1:
        return (exact or ids)[0]
    pick = exact or ids
    rows = rows_for(store, pick[:10])
    listed = "; ".join(f"{i} {rows[i].name}" + (f" (born {rows[i].dob})" if rows[i].dob else "")
                       for i in pick[:10] if i in rows)
    more = f" and {len(pick) - 10} more" if len(pick) > 10 else ""
    raise Ambiguous(f"{len(pick)} persons match {raw[:40]!r}: {listed}{more}; give the id",
                    [(i, rows[i].name, rows[i].dob) for i in pick[:10] if i in rows], len(pick))


def suggestions(store: Store, text: str, limit: int = 12) -> list[tuple[str, str, str | None]]:
    """``(id, name, date of birth)`` of the first persons a typed name, alias, id or date of birth finds,
    best first (exact, then starting with it, then the rest), for a person field's completer."""
    raw = " ".join((text or "").split())
    if len(raw) < 2:
        return []
    ids = search_ids(store, raw, limit=limit)
    if len(ids) < limit and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        ids += [r[0] for r in store.conn.execute("SELECT id FROM persons WHERE dob = ? ORDER BY surname, forename"
                                                 " LIMIT ?", [raw, limit - len(ids)]) if r[0] not in ids]
    rows = rows_for(store, ids)
    return [(i, rows[i].name, rows[i].dob) for i in ids if i in rows]


def count_persons(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM persons")


_ROWS_SQL = """
SELECT p.id, p.forename, p.surname, p.dob,
       (SELECT count(DISTINCT incident_ref) FROM involvements WHERE perpetrator_id = p.id),
       (SELECT count(DISTINCT incident_ref) FROM involvements WHERE victim_id = p.id),
       (SELECT max(i.date) FROM involvements v JOIN incidents i ON i.ref = v.incident_ref
        WHERE v.perpetrator_id = p.id OR v.victim_id = p.id),
       p.merged_into
FROM persons p WHERE p.id IN (SELECT value FROM json_each(?))
"""


def rows_for(store: Store, ids: list[str]) -> dict[str, PersonRow]:
    """The table rows of these persons (a page of the People table), by id."""
    if not ids:
        return {}
    return {r[0]: PersonRow(*r) for r in store.conn.execute(_ROWS_SQL, [json.dumps(list(ids))])}


# --------------------------------------------------------------------------
# The person page
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentLine:
    """One offence on one incident, seen from the person's side."""
    date: str
    time: str | None
    ref: str
    offence: str
    other_id: str
    other_name: str
    relationship: str | None
    relationship_kind: str
    dash_risk: str | None
    division: str | None


@dataclass(frozen=True)
class LinkLine:
    """An intelligence link to another person."""
    other_id: str
    other_name: str
    relationship: str | None
    relationship_kind: str
    first_seen: str
    source: str
    grading: str | None = None      # the 3×5×2 grade, e.g. "1B P"


@dataclass(frozen=True)
class Warning:
    """A data-quality warning about a person."""
    id: int
    kind: str
    detail: str
    old_value: str | None
    new_value: str | None
    detected_at: str
    resolved_at: str | None


@dataclass(frozen=True)
class Alias:
    """Another name a person is known by."""
    id: int
    forename: str | None
    surname: str | None
    source: str | None

    @property
    def name(self) -> str:
        return display_name(self.forename, self.surname)


@dataclass
class PersonProfile:
    id: str
    forename: str | None
    surname: str | None
    dob: str | None
    merged_into: str | None
    created_at: str
    updated_at: str
    aliases: list[tuple[str, str]] = field(default_factory=list)       # (name, source)
    merged_from: list[str] = field(default_factory=list)
    as_perpetrator: list[IncidentLine] = field(default_factory=list)
    as_victim: list[IncidentLine] = field(default_factory=list)
    links: list[LinkLine] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    alias_records: list[Alias] = field(default_factory=list)   # the aliases with their ids, for editing

    @property
    def name(self) -> str:
        return display_name(self.forename, self.surname)

    def age(self, today: _dt.date) -> int | None:
        if not self.dob:
            return None
        try:
            born = _dt.date.fromisoformat(self.dob)
        except ValueError:
            return None
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def open_warnings(self) -> list[Warning]:
        return [w for w in self.warnings if w.resolved_at is None]


_INCIDENTS_SQL = """
SELECT i.date, i.time, i.ref, v.offence, o.id, o.forename, o.surname, v.relationship, v.relationship_kind,
       v.dash_risk, i.division
FROM involvements v
JOIN incidents i ON i.ref = v.incident_ref
JOIN persons o ON o.id = v.{other}
WHERE v.{me} = ?
ORDER BY i.date DESC, i.time DESC, i.ref, v.offence
"""


def load_profile(store: Store, person_id: str) -> PersonProfile:
    """Everything the person page shows. A UserError when there is no such person."""
    conn = store.conn
    row = conn.execute("SELECT id, forename, surname, dob, merged_into, created_at, updated_at FROM persons"
                       " WHERE id = ?", [person_id]).fetchone()
    if row is None:
        raise UserError(f"no person with id {person_id!r} in this store")
    prof = PersonProfile(*row)
    prof.alias_records = [Alias(*r) for r in conn.execute(
        "SELECT id, forename, surname, source FROM aliases WHERE person_id = ? ORDER BY surname, forename, id",
        [person_id])]
    prof.aliases = [(a.name, a.source or "") for a in prof.alias_records]
    prof.merged_from = [r[0] for r in conn.execute(
        "SELECT id FROM persons WHERE merged_into = ? ORDER BY id", [person_id])]

    def lines(me: str, other: str) -> list[IncidentLine]:
        return [IncidentLine(d, t, ref, off, oid, display_name(fn, sn), rel, kind, dash, div)
                for d, t, ref, off, oid, fn, sn, rel, kind, dash, div
                in conn.execute(_INCIDENTS_SQL.format(me=me, other=other), [person_id])]

    prof.as_perpetrator = lines("perpetrator_id", "victim_id")
    prof.as_victim = lines("victim_id", "perpetrator_id")
    prof.links = [LinkLine(oid, display_name(fn, sn), rel, kind, first, src, grade)
                  for oid, fn, sn, rel, kind, first, src, grade in conn.execute(
                      "SELECT o.id, o.forename, o.surname, l.relationship, l.relationship_kind, l.first_seen, l.source,"
                      " l.grading"
                      " FROM links l JOIN persons o"
                      " ON o.id = CASE WHEN l.person_a_id = ?1 THEN l.person_b_id ELSE l.person_a_id END"
                      " WHERE l.person_a_id = ?1 OR l.person_b_id = ?1 ORDER BY l.first_seen DESC, o.id",
                      [person_id])]
    prof.warnings = [Warning(*r) for r in conn.execute(
        "SELECT id, kind, detail, old_value, new_value, detected_at, resolved_at FROM data_quality"
        " WHERE person_id = ? ORDER BY resolved_at IS NOT NULL, detected_at DESC, id DESC", [person_id])]
    return prof


def view_person(store: Store, person_id: str) -> PersonProfile:
    """Load a person for display and record the view in the audit log (DPA 2018 s.62)."""
    prof = load_profile(store, person_id)
    with store.transaction():
        store.audit("person.viewed", entity="person", entity_id=person_id)
    return prof


def resolve_warning(store: Store, warning_id: int, *, reason: str | None = None) -> None:
    """Mark a data-quality warning as dealt with."""
    _set_warning_resolved(store, warning_id, True, reason)


def reopen_warning(store: Store, warning_id: int, *, reason: str | None = None) -> None:
    """Mark a resolved data-quality warning open again (an undone resolution)."""
    _set_warning_resolved(store, warning_id, False, reason)


def _set_warning_resolved(store: Store, warning_id: int, resolved: bool, reason: str | None) -> None:
    """Resolve (now) or reopen one warning, audited; refused when it is so already."""
    row = store.conn.execute("SELECT person_id, resolved_at FROM data_quality WHERE id = ?", [warning_id]).fetchone()
    if row is None:
        raise UserError(f"no data-quality warning number {warning_id}")
    if resolved and row[1] is not None:
        raise UserError(f"data-quality warning {warning_id} was already resolved on {row[1][:10]}")
    if not resolved and row[1] is None:
        raise UserError(f"data-quality warning {warning_id} is open already")
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds") if resolved else None
    with store.transaction():
        store.conn.execute("UPDATE data_quality SET resolved_at = ? WHERE id = ?", [now, warning_id])
        store.audit("data_quality.resolved" if resolved else "data_quality.reopened", entity="person",
                    entity_id=row[0], detail={"warning": warning_id}, reason=reason)


MAX_NAME = 100


def add_alias(store: Store, person_id: str, forename: str | None, surname: str | None, *,
              source: str | None = None, reason: str | None = None) -> int:
    """Record another name the person is known by; it is searchable at once. Returns the alias's id.

    Refused: an empty or overlong name, the person's own name, a name he
    already has as an alias (names compared folded: "Siobhán" is "siobhan").
    """
    forename = " ".join((forename or "").split()) or None
    surname = " ".join((surname or "").split()) or None
    source = " ".join((source or "").split()) or None
    key = name_key(forename, surname)
    if not key:
        raise UserError("an alias needs a forename or a surname")
    long = {what: len(text) for what, text in (("forename", forename), ("surname", surname), ("source", source))
            if len(text or "") > MAX_NAME}
    if long:
        raise UserError(f"an alias's {' and '.join(long)} " + ("is" if len(long) == 1 else "are")
                        + f" at most {MAX_NAME} characters" + ("" if len(long) == 1 else " each")
                        + f" ({' and '.join(map(str, long.values()))} given)")
    row = store.conn.execute("SELECT name_key FROM persons WHERE id = ?", [person_id]).fetchone()
    if row is None:
        raise UserError(f"no person with id {person_id!r} in this store")
    if row[0] == key:
        raise UserError("that is the person's own name, not an alias")
    if store.scalar("SELECT 1 FROM aliases WHERE person_id = ? AND name_key = ?", [person_id, key]):
        raise UserError(f"{display_name(forename, surname)} is already an alias of this person")
    with store.transaction():
        aid = store.conn.execute(
            "INSERT INTO aliases (person_id, forename, surname, name_key, source) VALUES (?,?,?,?,?)",
            [person_id, forename, surname, key, source]).lastrowid
        store.audit("alias.added", entity="person", entity_id=person_id, detail={"alias_id": aid}, reason=reason)
    return aid


def remove_alias(store: Store, alias_id: int, *, reason: str | None = None) -> Alias:
    """Remove an alias (recorded in error, or an undone addition); returns it as it was."""
    row = store.conn.execute("SELECT id, forename, surname, source, person_id FROM aliases WHERE id = ?",
                             [alias_id]).fetchone()
    if row is None:
        raise UserError(f"no alias number {alias_id}")
    with store.transaction():
        store.conn.execute("DELETE FROM aliases WHERE id = ?", [alias_id])
        store.audit("alias.removed", entity="person", entity_id=row[4], detail={"alias_id": alias_id},
                    reason=reason)
    return Alias(*row[:4])


def rebuild_search_index(store: Store) -> int:
    """Rebuild ``people_search`` from persons and aliases (after a VACUUM); returns the rows indexed."""
    with store.transaction():
        store.conn.execute("DELETE FROM people_search")
        store.conn.execute(
            "INSERT INTO people_search (rowid, id, name_key, aliases, sort_name)"
            " SELECT p.rowid, p.id, p.name_key, coalesce((SELECT group_concat(a.name_key, ' / ')"
            " FROM aliases a WHERE a.person_id = p.id), ''),"
            " coalesce(p.surname, '') || char(31) || coalesce(p.forename, '') FROM persons p")
        store.audit("people_search.rebuilt", entity="store")
    return store.scalar("SELECT count(*) FROM people_search")

"""The relationship graph: persons as nodes, DA incidents and intelligence links as edges.

An edge joins two persons (undirected: who was the perpetrator in an
incident does not change that they were partners). Its attributes, all
plain values:

``kind``
    the closest relationship seen between them: ``partner``, ``ex-partner``,
    ``family`` or ``other``;
``first``, ``last``
    ISO dates of the first and latest incident or link;
``since``
    ISO date of the earliest *intimate* (partner or ex-partner) incident or
    link, or None: the date a new partner is judged by;
``incidents``
    the number of incidents between them.

``G.graph["perpetrators"]`` and ``G.graph["victims"]`` are the sets of
nodes recorded as the perpetrator or victim of an incident. Merged person
records are one node, named by the root record (see
:mod:`matac_desk.analysis.duplicates`).

New partners
------------
A *new partner* of perpetrator P in the period (S, A] is a person Q whose
earliest intimate link with P, from any incident or intelligence link,
falls after S and on or before A. Family and "other" links never make a
partner; a later link with an old partner is not new.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import networkx as nx

from ..domain import Cancelled, INTIMATE_KINDS, UserError, display_name, never_cancelled, no_progress
from .duplicates import find_duplicates, merged_roots
from ..storage.store import Store

__all__ = [
    "KINDS",
    "SCOPES",
    "SERIAL_WINDOW_DAYS",
    "Child",
    "NewPartner",
    "SharedVictim",
    "Network",
    "PartnerYear",
    "build_graph",
    "default_period",
    "serial_perpetrators",
    "perpetrators_in_scope",
    "new_partner_edges",
    "new_partners",
    "shared_victims",
    "networks",
    "partner_count_over_time",
    "is_child",
    "names_and_dobs",
]

KINDS = ("other", "family", "ex-partner", "partner")  # weakest to closest; an edge keeps the closest
SCOPES = ("cohort", "serial", "all")
SERIAL_WINDOW_DAYS = 1094
DEFAULT_PERIOD_DAYS = 28
READ_CACHE_KIB = 131072  # page cache while reading the whole store: each page is decrypted once

_RANK = "CASE {k} WHEN 'partner' THEN 3 WHEN 'ex-partner' THEN 2 WHEN 'family' THEN 1 ELSE 0 END"
_INTIMATE = "{k} IN ('partner', 'ex-partner')"

# One row per ordered pair and source: (a, b, first, last, since, incidents, rank, from_incident).
_INVOLVEMENT_PAIRS = f"""
SELECT i.perpetrator_id, i.victim_id, min(n.date), max(n.date),
       min(CASE WHEN {_INTIMATE.format(k='i.relationship_kind')} THEN n.date END),
       count(DISTINCT i.incident_ref), max({_RANK.format(k='i.relationship_kind')}), 1
FROM involvements i JOIN incidents n ON n.ref = i.incident_ref
WHERE {{where}}
GROUP BY i.perpetrator_id, i.victim_id
"""
_LINK_PAIRS = f"""
SELECT person_a_id, person_b_id, min(first_seen), max(first_seen),
       min(CASE WHEN {_INTIMATE.format(k='relationship_kind')} THEN first_seen END),
       0, max({_RANK.format(k='relationship_kind')}), 0
FROM links
WHERE {{where}}
GROUP BY person_a_id, person_b_id
"""
_IN = "(SELECT value FROM json_each(?1))"


def _iso(d: _dt.date | str | None) -> str | None:
    if d is None:
        return None
    return d.isoformat() if isinstance(d, _dt.date) else _dt.date.fromisoformat(d).isoformat()


def _edge_rows(conn, ids: list[str] | None, as_of: str | None):
    """The pair rows touching ``ids`` (all when None), dated on or before ``as_of``."""
    date_i = " AND n.date <= ?2" if as_of else ""
    date_l = " AND first_seen <= ?2" if as_of else ""
    if ids is None:
        # a sequential scan reads each page once; the perpetrator index would visit them at random
        sql = (_INVOLVEMENT_PAIRS.replace("FROM involvements i JOIN", "FROM involvements i NOT INDEXED JOIN")
               .format(where="1" + date_i) + " UNION ALL " + _LINK_PAIRS.format(where="1" + date_l))
        params = [None, as_of] if as_of else []
        if not as_of:
            sql = sql.replace("?2", "NULL")
        return conn.execute(sql, params)
    sql = " UNION ALL ".join((
        _INVOLVEMENT_PAIRS.format(where=f"i.perpetrator_id IN {_IN}" + date_i),
        _INVOLVEMENT_PAIRS.format(where=f"i.victim_id IN {_IN} AND i.perpetrator_id NOT IN {_IN}" + date_i),
        _LINK_PAIRS.format(where=f"person_a_id IN {_IN}" + date_l),
        _LINK_PAIRS.format(where=f"person_b_id IN {_IN} AND person_a_id NOT IN {_IN}" + date_l),
    ))
    return conn.execute(sql, [json.dumps(ids)] + ([as_of] if as_of else []))


class _Edges:
    """Pair rows folded into one undirected edge per pair of root persons."""

    __slots__ = ("agg", "perps", "victims", "roots")

    def __init__(self, roots: dict[str, str]):
        self.agg: dict[tuple[str, str], list] = {}
        self.perps: set[str] = set()
        self.victims: set[str] = set()
        self.roots = roots

    def add(self, rows, keep: Callable[[str, str], bool] | None = None) -> set[str]:
        """Fold rows in (those ``keep(a, b)`` accepts); with ``keep``, returns their endpoints."""
        agg, roots = self.agg, self.roots
        perps_add, victims_add = self.perps.add, self.victims.add
        seen: set[str] = set()
        for a, b, first, last, since, n, rank, from_incident in rows:
            if roots:
                a = roots.get(a, a)
                b = roots.get(b, b)
                if a == b:
                    continue
            if keep is not None and not keep(a, b):
                continue
            if from_incident:
                perps_add(a)
                victims_add(b)
            key = (a, b) if a < b else (b, a)
            cur = agg.get(key)
            if cur is None:
                agg[key] = [first, last, since, n, rank]
            else:
                if first < cur[0]:
                    cur[0] = first
                if last > cur[1]:
                    cur[1] = last
                if since is not None and (cur[2] is None or since < cur[2]):
                    cur[2] = since
                cur[3] += n
                if rank > cur[4]:
                    cur[4] = rank
            if keep is not None:
                seen.add(a)
                seen.add(b)
        return seen

    def graph(self) -> nx.Graph:
        """The folded pairs as a networkx Graph.

        Written straight into the graph's adjacency dicts, node by node and edge by edge in the order
        ``add_edges_from`` would use, without its checks for an edge already there (every pair here is
        new and distinct, and never a loop): 0.76 s of add_edges_from for 226,000 pairs, about a third
        of that this way. ``tests/test_graph_build.py`` holds it to add_edges_from's graph.
        """
        G = nx.Graph()
        adj, node = G._adj, G._node
        for (u, v), (f, la, s, n, r) in self.agg.items():
            d = {"kind": KINDS[r], "first": f, "last": la, "since": s, "incidents": n}
            au = adj.get(u)
            if au is None:
                au = adj[u] = {}
                node[u] = {}
            av = adj.get(v)
            if av is None:
                av = adj[v] = {}
                node[v] = {}
            au[v] = d
            av[u] = d
        clear_cache = getattr(nx, "_clear_cache", None)   # networkx 3.3+: cached views of the graph
        if clear_cache is not None:
            clear_cache(G)
        G.graph["perpetrators"] = self.perps
        G.graph["victims"] = self.victims
        return G


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small containers.

    Edges make no reference cycles; without the pause every generation-2
    collection walks the whole growing graph again, holding the GIL (the
    window's thread waits for it).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # what was made meanwhile is young: the first collection after would walk all of it at once
            # (0.2 s for a large neighbourhood, holding the GIL); freeze and unfreeze move it to the old
            # generation, walked at the next full collection, by when most of it is gone
            gc.freeze()
            gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def _read_cache(store: Store) -> Iterator[None]:
    """A large page cache while reading much of the store, so each encrypted page is decrypted once."""
    old_cache = store.scalar("PRAGMA cache_size")
    store.conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {old_cache}")


def _members(roots: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for pid, root in roots.items():
        out[root].append(pid)
    return out


def _expand(ids: Iterable[str], members: dict[str, list[str]], *, ordered: bool = True) -> list[str]:
    """The ids and the records merged into them; sorted unless ``ordered=False``.

    A neighbourhood's frontier can hold hundreds of thousands of ids: sorting
    them is one long call that holds the GIL (80 ms seen, the window's thread
    waiting), so callers whose SQL groups or collects into sets pass
    ``ordered=False`` (SQLite builds its own index of an ``IN`` list).
    """
    out = set(ids)
    for pid in list(out):
        out.update(members.get(pid, ()))
    return sorted(out) if ordered else list(out)


def build_graph(
    store: Store,
    person_ids: Iterable[str] | None = None,
    radius: int | None = None,
    *,
    as_of: _dt.date | str | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> nx.Graph:
    """The relationship graph of the whole store, or of some persons' neighbourhood.

    Parameters
    ----------
    store : Store
    person_ids : iterable of str, optional
        Centre(s) of a neighbourhood; None for the whole store.
    radius : int, optional
        With ``person_ids``: how many steps out (default 1).
    as_of : date or ISO str, optional
        Leave out incidents and links dated after it.

    Returns
    -------
    networkx.Graph
        Nodes are root person ids; edge attributes ``kind``, ``first``,
        ``last``, ``since``, ``incidents`` (see the module docstring).

    Examples
    --------
    >>> from matac_desk.analysis.graph import build_graph  # doctest: +SKIP
    >>> G = build_graph(store)                    # doctest: +SKIP
    >>> G.edges["NM0000001", "NM0000002"]["kind"] # doctest: +SKIP
    'partner'

    Notes
    -----
    The whole store is one SQL query grouped by pair (O(incidents + links)
    in SQLite), one pass in Python over the pairs, and one
    ``add_edges_from``: O(pairs) memory. A neighbourhood runs the query
    once per step, restricted to the frontier through the indexes on
    involvements and links.
    """
    roots = merged_roots(store)
    edges = _Edges(roots)
    as_of = _iso(as_of)
    conn = store.conn
    if person_ids is None:
        progress(0, 2, "Reading incidents and links")
        with _read_cache(store), _no_gc():
            edges.add(_edge_rows(conn, None, as_of))
        if cancelled():
            raise Cancelled()
        progress(1, 2, "Building the graph")
        with _no_gc():
            G = edges.graph()
        del edges
        progress(2, 2, "Done")
        return G
    radius = 1 if radius is None else radius
    if radius < 0:
        raise UserError("the radius must be 0 or more")
    members = _members(roots)
    centre = {roots.get(p, p) for p in person_ids}
    known = {r[0] for r in conn.execute(f"SELECT id FROM persons WHERE id IN {_IN}", [json.dumps(sorted(centre))])}
    missing = sorted(centre - known)
    if missing:
        raise UserError(f"no person {missing[0]!r} in the store")
    # the cohort scope's ring is every serial perpetrator's on a large store: hundreds of thousands of edges,
    # each collector pass over them held the GIL for 0.1-0.7 s (the window stalled meanwhile)
    with _no_gc():
        G = _neighbourhood(conn, edges, members, centre, radius, as_of, progress, cancelled)
    G.add_nodes_from(sorted(centre))
    progress(radius + 1, radius + 1, "Done")
    return G


def _neighbourhood(conn, edges: _Edges, members: dict[str, list[str]], centre: set[str], radius: int,
                   as_of: str | None, progress, cancelled) -> nx.Graph:
    """The rings of :func:`build_graph`, read one step at a time from the frontier."""
    seen = set(centre)
    frontier = set(centre)
    expanded: set[str] = set()
    for step in range(radius):
        if not frontier:
            break
        if cancelled():
            raise Cancelled()
        progress(step, radius + 1, "Reading neighbours")
        # a row touching a person already expanded was read with that person
        done = frozenset(expanded)
        ends = edges.add(_edge_rows(conn, _expand(frontier, members, ordered=False), as_of),
                         keep=lambda a, b: a not in done and b not in done)
        expanded |= frontier
        frontier = ends - seen
        seen |= frontier
    if frontier:
        # edges among the outermost ring, so the neighbourhood is complete
        edges.add(_edge_rows(conn, _expand(frontier, members, ordered=False), as_of),
                  keep=lambda a, b: a in seen and b in seen and a not in expanded and b not in expanded)
    return edges.graph()


# --------------------------------------------------------------------------
# Who is in scope
# --------------------------------------------------------------------------

def default_period(store: Store, as_of: _dt.date | None = None) -> tuple[_dt.date, _dt.date]:
    """(since, as_of): since the previous held meeting, or the last 28 days; as of today by default."""
    as_of = as_of or _dt.date.today()
    last = store.scalar("SELECT max(date) FROM meetings WHERE status = 'held' AND date < ?", [as_of.isoformat()])
    since = _dt.date.fromisoformat(last) if last else as_of - _dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    return since, as_of


def _to_roots(ids: Iterable[str], roots: dict[str, str]) -> set[str]:
    return {roots.get(p, p) for p in ids}


def serial_perpetrators(store: Store, as_of: _dt.date | None = None, *,
                        window_days: int = SERIAL_WINDOW_DAYS, among: Iterable[str] | None = None) -> set[str]:
    """Persons (roots) with >= 2 distinct victims and >= 2 distinct incidents within ``window_days`` of ``as_of``.

    With ``among`` (root ids), only those persons are tested (through the
    perpetrator index) and the answer is a subset of them.

    Notes
    -----
    One grouped SQL query over the window's incidents: O(incidents), or
    O(their incidents) with ``among``.
    """
    as_of = as_of or _dt.date.today()
    start = (as_of - _dt.timedelta(days=window_days)).isoformat()
    roots = merged_roots(store)
    params = [start, as_of.isoformat()]
    sql = ("SELECT i.perpetrator_id, i.victim_id, i.incident_ref FROM involvements i"
           " JOIN incidents n ON n.ref = i.incident_ref WHERE n.date BETWEEN ?1 AND ?2")
    if among is not None:
        among = set(among)
        sql += " AND i.perpetrator_id IN (SELECT value FROM json_each(?3))"
        params.append(json.dumps(_expand(among, _members(roots), ordered=False)))
    if not roots:
        found = {r[0] for r in store.conn.execute(
            f"SELECT perpetrator_id FROM ({sql}) GROUP BY perpetrator_id"
            " HAVING count(DISTINCT victim_id) >= 2 AND count(DISTINCT incident_ref) >= 2", params)}
        return found if among is None else found & among
    victims: dict[str, set] = defaultdict(set)
    incidents: dict[str, set] = defaultdict(set)
    for p, v, ref in store.conn.execute(sql, params):
        p, v = roots.get(p, p), roots.get(v, v)
        if p != v:
            victims[p].add(v)
            incidents[p].add(ref)
    found = {p for p, vs in victims.items() if len(vs) >= 2 and len(incidents[p]) >= 2}
    return found if among is None else found & among


def perpetrators_in_scope(store: Store, scope: str = "cohort", as_of: _dt.date | None = None, *,
                          among: Iterable[str] | None = None) -> set[str]:
    """The perpetrators (roots) whose new partners are looked for.

    ``cohort``: the adopted cohort (latest cohort event 'adopted'), open
    referrals and serial perpetrators; ``serial``: serial perpetrators;
    ``all``: every person recorded as the perpetrator of an incident.
    With ``among`` (root ids), only those persons are tested: the answer is
    the scope's members among them, found through the indexes.
    """
    if scope not in SCOPES:
        raise UserError(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    as_of = as_of or _dt.date.today()
    day = as_of.isoformat()
    roots = merged_roots(store)
    conn = store.conn
    if among is not None:
        among = set(among)
        if scope == "all":
            # those of them recorded as the perpetrator of an incident on or before as_of: one probe each
            return _to_roots((r[0] for r in conn.execute(
                "SELECT j.value FROM json_each(?1) j WHERE EXISTS (SELECT 1 FROM involvements i"
                " JOIN incidents n ON n.ref = i.incident_ref WHERE i.perpetrator_id = j.value AND n.date <= ?2)",
                [json.dumps(_expand(among, _members(roots), ordered=False)), day])), roots) & among
    if scope == "all":
        # every perpetrator (from the index alone), less those whose incidents all come after as_of
        everyone = {r[0] for r in conn.execute("SELECT DISTINCT perpetrator_id FROM involvements")}
        later = {r[0] for r in conn.execute(
            "SELECT DISTINCT perpetrator_id FROM involvements WHERE incident_ref IN"
            " (SELECT ref FROM incidents WHERE date > ?)", [day])}
        if later:
            everyone -= later - {r[0] for r in conn.execute(
                "SELECT DISTINCT i.perpetrator_id FROM involvements i JOIN incidents n ON n.ref = i.incident_ref"
                f" WHERE i.perpetrator_id IN {_IN} AND n.date <= ?2", [json.dumps(sorted(later)), day])}
        return _to_roots(everyone, roots)
    out = serial_perpetrators(store, as_of, among=among)
    if scope == "cohort":
        cohort = conn.execute(
            "SELECT person_id FROM (SELECT person_id, event, row_number() OVER"
            " (PARTITION BY person_id ORDER BY date DESC, id DESC) AS k FROM cohort_events WHERE date <= ?)"
            " WHERE k = 1 AND event = 'adopted'", [day])
        referred = conn.execute("SELECT person_id FROM referrals WHERE status = 'open' AND date <= ?", [day])
        out |= _to_roots((r[0] for r in cohort), roots) | _to_roots((r[0] for r in referred), roots)
    return out if among is None else out & among


# --------------------------------------------------------------------------
# New partners
# --------------------------------------------------------------------------

def new_partner_edges(G: nx.Graph, perpetrators: Iterable[str], since: str, as_of: str) -> list[tuple[str, str, str]]:
    """``(perpetrator, partner, first intimate date)`` for every new partner in (since, as_of].

    Parameters
    ----------
    G : networkx.Graph
        A relationship graph (edge attribute ``since``).
    perpetrators : iterable of str
    since, as_of : str
        ISO dates; a first intimate link on ``since`` is not new, one on ``as_of`` is.

    Returns
    -------
    list of tuple
        Sorted by perpetrator, date and partner.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("P", "Q", since="2026-10-20")
    >>> G.add_edge("P", "OLD", since="2019-03-01")
    >>> G.add_edge("P", "MUM", since=None)
    >>> new_partner_edges(G, ["P"], "2026-10-04", "2026-11-01")
    [('P', 'Q', '2026-10-20')]

    Notes
    -----
    O(sum of the perpetrators' degrees).
    """
    out = []
    adj = G._adj
    for p in perpetrators:
        nbrs = adj.get(p)
        if not nbrs:
            continue
        for q, d in nbrs.items():
            s = d.get("since")
            if s is not None and since < s <= as_of:
                out.append((p, q, s))
    out.sort(key=lambda t: (t[0], t[2], t[1]))
    return out


def _first_intimate_in(G: nx.Graph, since: str, as_of: str) -> list[tuple[str, str, str]]:
    """``(p, q, since)`` both ways round for every edge of ``G`` first intimate in (since, as_of].

    The candidates for :func:`new_partner_edges` of any scope: one pass over
    the edges, O(edges), without first finding who is in the scope.
    """
    out = []
    append = out.append
    for p, nbrs in G._adj.items():
        for q, d in nbrs.items():
            s = d.get("since")
            if s is not None and since < s <= as_of:
                append((p, q, s))
    return out


@dataclass(frozen=True)
class Child:
    id: str
    name: str
    dob: str | None
    age: int | None

    def text(self) -> str:
        return f"{self.name} ({self.id}{', ' + str(self.age) if self.age is not None else ''})"


@dataclass(frozen=True)
class NewPartner:
    """A new partner of a perpetrator and what the meeting needs to know about her."""
    perpetrator_id: str
    perpetrator_name: str
    partner_id: str
    partner_name: str
    partner_dob: str | None
    first_linked: str
    how: str                    # 'incident' or 'intelligence'
    source: str                 # "incident NT-2026-0001234" or the intelligence source
    incident_ref: str | None
    relationship: str | None
    other_perpetrators: tuple[str, ...] = ()
    children: tuple[Child, ...] = ()
    disclosure: str | None = None
    possible_duplicates: tuple[str, ...] = ()
    # why each of possible_duplicates may be her: "NM0000345 Jade Okafor, 0.97: surname: …; forename: …"
    possible_duplicates_why: tuple[str, ...] = ()

    CSV_COLUMNS = ("perpetrator_id", "partner_id", "partner_name", "first_linked", "source",
                   "perpetrator_name", "partner_dob", "how", "incident_ref", "relationship",
                   "other_perpetrators", "children", "disclosure", "possible_duplicates", "possible_duplicates_why")

    def as_row(self) -> dict:
        return {
            "perpetrator_id": self.perpetrator_id, "partner_id": self.partner_id, "partner_name": self.partner_name,
            "first_linked": self.first_linked, "source": self.source, "perpetrator_name": self.perpetrator_name,
            "partner_dob": self.partner_dob, "how": self.how, "incident_ref": self.incident_ref,
            "relationship": self.relationship, "other_perpetrators": "; ".join(self.other_perpetrators),
            "children": "; ".join(c.text() for c in self.children),
            "disclosure": self.disclosure or "", "possible_duplicates": "; ".join(self.possible_duplicates),
            "possible_duplicates_why": " | ".join(self.possible_duplicates_why),
        }


_CHILD_RE = re.compile(r"\b(child|children|son|daughter|stepson|stepdaughter|stepchild|step ?-?(son|daughter|child)"
                       r"|foster child|baby)\b")
_PARENT_RE = re.compile(r"\b(mother|father|mum|mom|dad|parent|stepmother|stepfather|step ?-?(mother|father|parent)"
                        r"|guardian|foster parent)\b")


def is_child(relationship: str | None, side: str) -> bool:
    """Whether a family link's text says the *other* person is a child of this one.

    ``side`` is ``"a"`` when this person is person_a (the text describes
    person_b from person_a's side) and ``"b"`` otherwise.

    >>> is_child("Son", "a"), is_child("mother", "b"), is_child("sister", "a")
    (True, True, False)
    """
    text = (relationship or "").casefold()
    return bool((_CHILD_RE if side == "a" else _PARENT_RE).search(text))


def _age(dob: str | None, on: _dt.date) -> int | None:
    if not dob:
        return None
    d = _dt.date.fromisoformat(dob)
    return on.year - d.year - ((on.month, on.day) < (d.month, d.day))


def names_and_dobs(conn, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """The display name and date of birth of each of these persons held in the store, by id.

    Parameters
    ----------
    conn : sqlite connection
        The store's connection (``store.conn``).
    ids : iterable of str
        Person ids, in any order, repeats allowed; ids not in the store are left out.

    Returns
    -------
    dict
        ``{id: (name, dob)}``; the name as :func:`~matac_desk.domain.display_name` gives it.

    Examples
    --------
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE persons (id PRIMARY KEY, forename, surname, dob)")
    >>> _ = conn.execute("INSERT INTO persons VALUES ('NM0000007', 'Dean', 'Hall', '1988-03-14')")
    >>> names_and_dobs(conn, ["NM0000007", "NM9999999", "NM0000007"])
    {'NM0000007': ('Dean Hall', '1988-03-14')}

    Notes
    -----
    One query over the persons' primary key: O(len(ids)); the ids are not
    sorted (the lookup does not need an order).
    """
    return {pid: (display_name(fn, sn), dob) for pid, fn, sn, dob in conn.execute(
        f"SELECT id, forename, surname, dob FROM persons WHERE id IN {_IN}", [json.dumps(list(set(ids)))])}


def new_partners(
    store: Store,
    since: _dt.date | None = None,
    as_of: _dt.date | None = None,
    scope: str = "cohort",
    *,
    graph: nx.Graph | None = None,
    progress: Callable[[int, int, str], None] = no_progress,
    cancelled: Callable[[], bool] = never_cancelled,
) -> list[NewPartner]:
    """New partners of the perpetrators in ``scope`` in the period (since, as_of], with the facts about each.

    Parameters
    ----------
    store : Store
    since, as_of : date, optional
        The period; by default since the previous held meeting (or 28 days) as of today.
    scope : {'cohort', 'serial', 'all'}
        See :func:`perpetrators_in_scope`.
    graph : networkx.Graph, optional
        A whole-store graph already built; else the scope's neighbourhood is read.

    Returns
    -------
    list of NewPartner
        Ordered by perpetrator, first link date and partner.

    Examples
    --------
    >>> for np_ in new_partners(store, scope="serial"):   # doctest: +SKIP
    ...     print(np_.perpetrator_id, np_.partner_id, np_.first_linked, np_.source)
    NM0000012 NM0000345 2026-10-20 incident NT-2026-0001234

    Notes
    -----
    Without ``graph``: the scope (a few grouped SQL queries), its
    neighbourhood graph (see :func:`build_graph`) and a scan of the scope's
    edges (O(sum of degrees)). With ``graph``: one scan of its edges for
    those first intimate in the period (O(edges)) and the scope tested for
    their ends only (indexed probes). Then a fixed number of indexed queries
    for the facts of all new partners at once, with a large page cache.
    """
    d_since, d_as_of = default_period(store, as_of)
    since = since or d_since
    as_of = d_as_of
    if since >= as_of:
        raise UserError(f"the period is empty: since {since} is not before as of {as_of}")
    progress(0, 4, "Finding the perpetrators in scope")
    if graph is None:
        scope_ids = perpetrators_in_scope(store, scope, as_of)
        if cancelled():
            raise Cancelled()
        progress(1, 4, "Reading the relationship graph")
        graph = build_graph(store, sorted(scope_ids), 1, cancelled=cancelled) if scope_ids else nx.Graph()
        found = new_partner_edges(graph, sorted(scope_ids), since.isoformat(), as_of.isoformat())
    else:
        # The graph is at hand: the edges first intimate in the period name the few candidates, and
        # only they are tested for the scope (the same answer as testing the whole scope first).
        candidates = _first_intimate_in(graph, since.isoformat(), as_of.isoformat())
        with _read_cache(store):
            scope_ids = perpetrators_in_scope(store, scope, as_of, among={p for p, _, _ in candidates})
        found = sorted((t for t in candidates if t[0] in scope_ids), key=lambda t: (t[0], t[2], t[1]))
    if cancelled():
        raise Cancelled()
    progress(2, 4, "Gathering what is known about each new partner")
    with _read_cache(store):
        result = _facts(store, found, as_of)
    progress(4, 4, "Done")
    return result


def _facts(store: Store, found: list[tuple[str, str, str]], as_of: _dt.date) -> list[NewPartner]:
    if not found:
        return []
    conn = store.conn
    roots = merged_roots(store)
    members = _members(roots)
    root = roots.get
    partners = {q for _, q, _ in found}
    perps = {p for p, _, _ in found}
    q_ids = json.dumps(_expand(partners, members))
    day = as_of.isoformat()

    # The earliest intimate incident or link of each pair found (any record of either person),
    # read pair by pair through the perpetrator and person_a indexes.
    pairs = set()
    for p, q, _ in found:
        for a in [p, *members.get(p, ())]:
            for b in [q, *members.get(q, ())]:
                pairs.add((a, b))
                pairs.add((b, a))
    firsts: dict[tuple[str, str], tuple] = {}
    rows = conn.execute(
        "WITH pairs(a, b) AS MATERIALIZED (SELECT value ->> 0, value ->> 1 FROM json_each(?1))"
        " SELECT n.date, 0, i.perpetrator_id, i.victim_id, i.incident_ref, i.relationship"
        " FROM pairs CROSS JOIN involvements i ON i.perpetrator_id = pairs.a AND i.victim_id = pairs.b"
        f" JOIN incidents n ON n.ref = i.incident_ref WHERE {_INTIMATE.format(k='i.relationship_kind')}"
        " UNION ALL SELECT l.first_seen, 1, l.person_a_id, l.person_b_id, l.source, l.relationship"
        " FROM pairs CROSS JOIN links l ON l.person_a_id = pairs.a AND l.person_b_id = pairs.b"
        f" WHERE {_INTIMATE.format(k='l.relationship_kind')}"
        " ORDER BY 1, 2, 5, 6", [json.dumps(sorted(pairs))])
    for date, is_link, a, b, what, rel in rows:
        a, b = root(a, a), root(b, b)
        key = (a, b) if a < b else (b, a)
        if key not in firsts:
            firsts[key] = (date, is_link, what, rel)

    # Other perpetrators who abused her.
    abusers: dict[str, set[str]] = defaultdict(set)
    for v, p in conn.execute(
            "SELECT DISTINCT i.victim_id, i.perpetrator_id FROM involvements i JOIN incidents n ON n.ref = i.incident_ref"
            f" WHERE i.victim_id IN {_IN} AND n.date <= ?2", [q_ids, day]):
        abusers[root(v, v)].add(root(p, p))

    # Children linked to her by family links (links and family incidents).
    kin: dict[str, set[tuple[str, bool]]] = defaultdict(set)
    for a, b, rel in conn.execute(
            f"SELECT person_a_id, person_b_id, relationship FROM links WHERE person_a_id IN {_IN}"
            " AND relationship_kind = 'family' AND first_seen <= ?2"
            f" UNION ALL SELECT person_a_id, person_b_id, relationship FROM links WHERE person_b_id IN {_IN}"
            " AND relationship_kind = 'family' AND first_seen <= ?2"
            f" UNION ALL SELECT perpetrator_id, victim_id, relationship FROM involvements WHERE perpetrator_id IN {_IN}"
            " AND relationship_kind = 'family'"
            f" UNION ALL SELECT perpetrator_id, victim_id, relationship FROM involvements WHERE victim_id IN {_IN}"
            " AND relationship_kind = 'family'", [q_ids, day]):
        ra, rb = root(a, a), root(b, b)
        if ra in partners:
            kin[ra].add((rb, is_child(rel, "a")))
        if rb in partners:
            kin[rb].add((ra, is_child(rel, "b")))

    disclosures: dict[tuple[str, str], str] = {}
    for subject, to, kind, date, decision in conn.execute(
            "SELECT subject_id, disclosed_to_id, kind, date, decision FROM disclosures"
            f" WHERE disclosed_to_id IN {_IN} AND date <= ?2 ORDER BY date, id", [q_ids, day]):
        disclosures[(root(subject, subject), root(to, to))] = f"{kind} {date} ({decision})"

    dups: dict[str, list[str]] = defaultdict(list)
    why: dict[str, list[str]] = defaultdict(list)
    for pair in find_duplicates(store, partners, quick=True):
        dups[pair.a_id].append(pair.b_id)
        dups[pair.b_id].append(pair.a_id)
        why[pair.a_id].append(f"{pair.b_id} {pair.b_name}, {pair.score:.2f}: {pair.explanation}")
        why[pair.b_id].append(f"{pair.a_id} {pair.a_name}, {pair.score:.2f}: {pair.explanation}")

    people = names_and_dobs(conn, perps | partners | {k for ks in kin.values() for k, _ in ks})
    out = []
    for p, q, s in found:
        key = (p, q) if p < q else (q, p)
        date, is_link, what, rel = firsts.get(key, (s, 0, None, None))
        children = []
        for k, said_child in sorted(kin.get(q, ())):
            name, dob = people.get(k, (k, None))
            age = _age(dob, as_of)
            if k != p and (said_child or (age is not None and age < 18)):
                children.append(Child(k, name, dob, age))
        out.append(NewPartner(
            perpetrator_id=p, perpetrator_name=people.get(p, (p,))[0], partner_id=q,
            partner_name=people.get(q, (q,))[0], partner_dob=people.get(q, (q, None))[1], first_linked=s,
            how="intelligence" if is_link else "incident",
            source=(what or "") if is_link else f"incident {what}", incident_ref=None if is_link else what,
            relationship=rel, other_perpetrators=tuple(sorted(abusers.get(q, set()) - {p, q})),
            children=tuple(children), disclosure=disclosures.get((p, q)),
            possible_duplicates=tuple(sorted(set(dups.get(q, ())))),
            possible_duplicates_why=tuple(sorted(set(why.get(q, ()))))))
    return out


# --------------------------------------------------------------------------
# Shared victims, networks, partners over time
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class SharedVictim:
    victim_id: str
    victim_name: str
    perpetrator_ids: tuple[str, ...]
    incidents: int
    first: str
    last: str

    def as_row(self) -> dict:
        return {"victim_id": self.victim_id, "victim_name": self.victim_name,
                "perpetrators": len(self.perpetrator_ids), "perpetrator_ids": "; ".join(self.perpetrator_ids),
                "incidents": self.incidents, "first": self.first, "last": self.last}


def _victim_pairs(store: Store, as_of: str | None) -> dict[str, dict[str, list]]:
    """``{victim root: {perpetrator root: [incidents, first, last]}}``."""
    roots = merged_roots(store)
    out: dict[str, dict[str, list]] = defaultdict(dict)
    where = "WHERE n.date <= ?" if as_of else ""
    for p, v, n, first, last in store.conn.execute(
            "SELECT i.perpetrator_id, i.victim_id, count(DISTINCT i.incident_ref), min(n.date), max(n.date)"
            f" FROM involvements i JOIN incidents n ON n.ref = i.incident_ref {where}"
            " GROUP BY i.perpetrator_id, i.victim_id", [as_of] if as_of else []):
        p, v = roots.get(p, p), roots.get(v, v)
        if p == v:
            continue
        cur = out[v].get(p)
        if cur is None:
            out[v][p] = [n, first, last]
        else:
            cur[0] += n
            cur[1] = min(cur[1], first)
            cur[2] = max(cur[2], last)
    return out


def shared_victims(store: Store, as_of: _dt.date | None = None) -> list[SharedVictim]:
    """Victims of incidents by more than one perpetrator, most perpetrators first.

    Examples
    --------
    >>> [(v.victim_id, v.perpetrator_ids) for v in shared_victims(store)]   # doctest: +SKIP
    [('NM0000104', ('NM0000007', 'NM0000093'))]

    Notes
    -----
    One grouped SQL query over the incidents: O(incidents).
    """
    pairs = _victim_pairs(store, _iso(as_of))
    shared = {v: ps for v, ps in pairs.items() if len(ps) > 1}
    people = names_and_dobs(store.conn, shared)
    out = [SharedVictim(v, people.get(v, (v,))[0], tuple(sorted(ps)), sum(x[0] for x in ps.values()),
                        min(x[1] for x in ps.values()), max(x[2] for x in ps.values())) for v, ps in shared.items()]
    out.sort(key=lambda s: (-len(s.perpetrator_ids), s.victim_id))
    return out


@dataclass(frozen=True)
class Network:
    """Perpetrators connected through shared victims or family links."""
    perpetrator_ids: tuple[str, ...]
    shared_victim_ids: tuple[str, ...]
    family_links: int

    @property
    def size(self) -> int:
        return len(self.perpetrator_ids)

    def as_row(self) -> dict:
        return {"size": self.size, "perpetrator_ids": "; ".join(self.perpetrator_ids),
                "shared_victims": len(self.shared_victim_ids), "shared_victim_ids": "; ".join(self.shared_victim_ids),
                "family_links": self.family_links}


def networks(store: Store, as_of: _dt.date | None = None) -> list[Network]:
    """Groups of two or more perpetrators connected through shared victims or family, largest first.

    Two perpetrators are connected when one person is the victim of both,
    or a family link (an intelligence link or a family incident) joins
    them, directly or through family members. A counter-allegation between
    two partners does not make a network.

    Notes
    -----
    The components of a graph of perpetrators, shared victims and family
    links: O(incidents + links).
    """
    as_of_iso = _iso(as_of)
    pairs = _victim_pairs(store, as_of_iso)
    perpetrators = {p for ps in pairs.values() for p in ps}
    H = nx.Graph()
    for v, ps in pairs.items():
        if len(ps) > 1:
            H.add_edges_from((v, p) for p in ps)
    roots = merged_roots(store)
    where = " AND first_seen <= ?" if as_of_iso else ""
    family = []
    for a, b in store.conn.execute(
            f"SELECT person_a_id, person_b_id FROM links WHERE relationship_kind = 'family'{where}"
            " UNION ALL SELECT perpetrator_id, victim_id FROM involvements WHERE relationship_kind = 'family'",
            [as_of_iso] if as_of_iso else []):
        a, b = roots.get(a, a), roots.get(b, b)
        if a != b:
            family.append((a, b))
            H.add_edge(a, b, family=True)
    groups = []
    group_of: dict[str, int] = {}
    for comp in nx.connected_components(H):
        ps = sorted(comp & perpetrators)
        if len(ps) < 2:
            continue
        for node in comp:
            group_of[node] = len(groups)
        groups.append((comp, ps))
    family_count = [0] * len(groups)
    for a, _b in family:          # one pass: a link's two ends are in the same component
        g = group_of.get(a)
        if g is not None:
            family_count[g] += 1
    out = []
    for (comp, ps), fam in zip(groups, family_count):
        shared = sorted(v for v in comp if len(pairs.get(v, ())) > 1)
        out.append(Network(tuple(ps), tuple(shared), fam))
    out.sort(key=lambda n: (-n.size, n.perpetrator_ids))
    return out


@dataclass(frozen=True)
class PartnerYear:
    year: int
    partners: int      # intimate partners with an incident or link that year
    new: int           # of whom first linked that year
    total: int         # distinct partners ever, to the end of the year

    def as_row(self) -> dict:
        return {"year": self.year, "partners": self.partners, "new": self.new, "total": self.total}


def partner_count_over_time(store: Store, person_id: str, as_of: _dt.date | None = None) -> list[PartnerYear]:
    """A perpetrator's number of intimate partners per year, from the first link to ``as_of``.

    Examples
    --------
    >>> [(y.year, y.partners, y.new) for y in partner_count_over_time(store, "NM0000012")]  # doctest: +SKIP
    [(2022, 1, 1), (2023, 1, 0), (2024, 2, 1)]

    Notes
    -----
    Two indexed queries over the person's incidents and links: O(degree).
    """
    as_of = as_of or _dt.date.today()
    roots = merged_roots(store)
    me = roots.get(person_id, person_id)
    if store.scalar("SELECT count(*) FROM persons WHERE id = ?", [me]) == 0:
        raise UserError(f"no person {person_id!r} in the store")
    ids = json.dumps(_expand([me], _members(roots)))
    by_year: dict[int, set[str]] = defaultdict(set)
    first: dict[str, str] = {}
    for a, b, date in store.conn.execute(
            "SELECT i.perpetrator_id, i.victim_id, n.date FROM involvements i JOIN incidents n ON n.ref = i.incident_ref"
            f" WHERE (i.perpetrator_id IN {_IN} OR i.victim_id IN {_IN})"
            f" AND {_INTIMATE.format(k='i.relationship_kind')} AND n.date <= ?2"
            " UNION ALL SELECT person_a_id, person_b_id, first_seen FROM links"
            f" WHERE (person_a_id IN {_IN} OR person_b_id IN {_IN}) AND {_INTIMATE.format(k='relationship_kind')}"
            " AND first_seen <= ?2", [ids, as_of.isoformat()]):
        a, b = roots.get(a, a), roots.get(b, b)
        other = b if a == me else a
        if other == me:
            continue
        by_year[int(date[:4])].add(other)
        if other not in first or date < first[other]:
            first[other] = date
    if not by_year:
        return []
    out = []
    total: set[str] = set()
    for year in range(min(by_year), as_of.year + 1):
        ps = by_year.get(year, set())
        new = {q for q, d in first.items() if int(d[:4]) == year}
        total |= new
        out.append(PartnerYear(year, len(ps), len(new), len(total)))
    return out

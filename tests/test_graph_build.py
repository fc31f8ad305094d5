"""The whole-store graph is written straight into networkx's adjacency: it must equal add_edges_from's graph."""

from __future__ import annotations

import networkx as nx

from matac_desk.analysis.graph import KINDS, _Edges, _edge_rows, build_graph, merged_roots

from gui_support import _demo_template, demo_store  # noqa: F401  (fixtures)


def test_the_graph_equals_add_edges_from_of_the_same_pairs(demo_store):  # noqa: F811
    G = build_graph(demo_store)
    edges = _Edges(merged_roots(demo_store))
    edges.add(_edge_rows(demo_store.conn, None, None))
    H = nx.Graph()
    H.add_edges_from((u, v, {"kind": KINDS[r], "first": f, "last": la, "since": s, "incidents": n})
                     for (u, v), (f, la, s, n, r) in edges.agg.items())
    assert G.number_of_edges() == H.number_of_edges() > 100
    assert list(G.nodes) == list(H.nodes)                       # the same order too
    assert G.adj == H.adj and dict(G.nodes) == dict(H.nodes)
    u, v = next(iter(G.edges))
    assert G.edges[u, v] is G.adj[v][u]                          # one data dict per edge, both ways
    G.add_edge(u, "someone new")                                 # still an ordinary graph afterwards
    assert G.degree("someone new") == 1 and "someone new" in G.adj[u]

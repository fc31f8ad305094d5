"""Merging duplicate person records, and undoing it exactly; graphs and partners treat a merge as one person."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from matac_desk.storage.audit import pseudonym

from matac_desk.domain import UserError
from matac_desk.analysis.duplicates import group_of, merge, merges, root_of, unmerge
from matac_desk.analysis.graph import build_graph, new_partners, shared_victims

from graphdata import incident, person

S, A = dt.date(2026, 10, 1), dt.date(2026, 10, 29)


def _state(store):
    return store.conn.execute("SELECT id, merged_into FROM persons ORDER BY id").fetchall()


@pytest.fixture
def people(store):
    with store.transaction():
        incident(store, "R-1", "2021-05-05", "P", "Q1", "girlfriend")   # Q1 and Q2: one woman, two records
        incident(store, "R-2", "2026-10-10", "P", "Q2", "girlfriend")
        incident(store, "R-3", "2022-01-01", "X", "Q2", "wife")
        for pid in ("A", "B", "C", "D"):
            person(store, pid)
    return store


def test_merge_makes_one_node_and_the_old_partner_is_not_new(people):
    store = people
    assert [n.partner_id for n in new_partners(store, S, A, "all")] == ["Q2"]
    merge(store, "Q1", "Q2", "same date of birth, surname typo, same address")
    G = build_graph(store)
    assert "Q2" not in G and G.edges["P", "Q1"]["incidents"] == 2 and G.edges["P", "Q1"]["since"] == "2021-05-05"
    assert G.has_edge("X", "Q1")
    assert new_partners(store, S, A, "all") == []
    [shared] = shared_victims(store)
    assert (shared.victim_id, shared.perpetrator_ids) == ("Q1", ("P", "X"))
    assert root_of(store, "Q2") == "Q1" and group_of(store, "Q2") == ["Q1", "Q2"]


def test_unmerge_restores_exactly(people):
    store = people
    before = _state(store)
    merge(store, "Q1", "Q2", "same person")
    unmerge(store, "Q2", "different people after all")
    assert _state(store) == before
    assert [n.partner_id for n in new_partners(store, S, A, "all")] == ["Q2"]
    [m] = merges(store, include_undone=True)
    assert m.undone_at and merges(store) == []


def test_chains_are_flattened_and_undone_in_order(people):
    store = people
    before = _state(store)
    merge(store, "A", "B", "same")          # B -> A
    merge(store, "C", "A", "same")          # A -> C, and B follows: B -> C (the root)
    state = dict(_state(store))
    assert (state["A"], state["B"]) == ("C", "C")
    with pytest.raises(UserError, match="cannot be undone while merge 2"):
        unmerge(store, "B")
    unmerge(store, "A")
    state = dict(_state(store))
    assert (state["A"], state["B"]) == (None, "A")
    unmerge(store, "B")
    assert _state(store) == before


def test_merging_into_a_merged_record_uses_its_root(people):
    store = people
    merge(store, "A", "B", "same")
    merge(store, "B", "C", "same")          # B stands for A
    assert dict(_state(store))["C"] == "A"
    unmerge(store, "C")
    assert dict(_state(store))["C"] is None


@pytest.mark.parametrize("keep, gone, reason, message", [
    ("A", "A", "x", "already one person"),
    ("A", "NOPE", "x", "no person 'NOPE'"),
    ("A", "B", "  ", "needs a reason"),
])
def test_bad_merges(people, keep, gone, reason, message):
    before = _state(people)
    with pytest.raises(UserError, match=message):
        merge(people, keep, gone, reason)
    assert _state(people) == before


def test_unmerge_of_a_record_never_merged(people):
    with pytest.raises(UserError, match="not merged"):
        unmerge(people, "A")


def test_merge_is_audited_without_names_and_backed_up(people):
    store = people
    n = merge(store, "Q1", "Q2", "same person")
    unmerge(store, "Q2", "not the same")
    rows = store.conn.execute("SELECT action, entity, entity_id, detail, reason FROM audit_log"
                              " WHERE action LIKE 'person.%' ORDER BY id").fetchall()
    q1, q2 = pseudonym(store.conn, "Q1"), pseudonym(store.conn, "Q2")
    assert [r[:3] for r in rows] == [("person.merged", "person", q2), ("person.unmerged", "person", q2)]
    assert json.loads(rows[0][3]) == {"merge": n, "keep_id": q1, "records": 1, "persons": [q1]}
    assert "Q1" not in rows[0][3] and "Q2" not in rows[0][3]
    assert rows[0][4] == "same person" and rows[1][4] == "not the same"
    assert "FQ1" not in rows[0][3] and "SQ1" not in rows[0][3]
    backups = sorted(p.name.split("-2")[0] for p in store.path.with_name(store.path.name + ".backups").glob("*.mdesk"))
    assert backups == ["pre-merge", "pre-unmerge"]

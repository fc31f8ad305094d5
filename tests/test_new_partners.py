"""The new-partner rule at its edges: (S, A], earliest intimate link, undirected, family never counts."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.analysis.graph import build_graph, default_period, new_partners, perpetrators_in_scope

from graphdata import incident, link, person

S = dt.date(2026, 10, 1)
A = dt.date(2026, 10, 29)


def _base(store):
    # P is a known perpetrator (an old incident against his mother).
    incident(store, "R-0", "2019-05-01", "P", "MUM", "mother")


CASES = [
    # (name, rows, is_new, first_linked, how, source)
    ("incident on S is not new", [("inc", "R-1", "2026-10-01", "P", "Q", "girlfriend")], False, None, None, None),
    ("incident the day after S is new", [("inc", "R-1", "2026-10-02", "P", "Q", "girlfriend")], True,
     "2026-10-02", "incident", "incident R-1"),
    ("incident on A is new", [("inc", "R-1", "2026-10-29", "P", "Q", "wife")], True, "2026-10-29", "incident",
     "incident R-1"),
    ("incident after A is not yet", [("inc", "R-1", "2026-10-30", "P", "Q", "girlfriend")], False, None, None, None),
    ("old partner seen again", [("inc", "R-1", "2021-03-04", "P", "Q", "girlfriend"),
                                ("inc", "R-2", "2026-10-10", "P", "Q", "ex-girlfriend")], False, None, None, None),
    ("family incident", [("inc", "R-1", "2026-10-10", "P", "Q", "sister")], False, None, None, None),
    ("family intelligence link", [("link", "P", "Q", "cousin", "2026-10-10", "custody record")], False,
     None, None, None),
    ("friend link", [("link", "P", "Q", "friend", "2026-10-10", "custody record")], False, None, None, None),
    ("intelligence link", [("link", "P", "Q", "girlfriend", "2026-10-12", "neighbourhood team")], True,
     "2026-10-12", "intelligence", "neighbourhood team"),
    ("reversed intelligence link: person_b is the perpetrator",
     [("link", "Q", "P", "boyfriend", "2026-10-12", "custody record")], True, "2026-10-12", "intelligence",
     "custody record"),
    ("partner first linked long ago as the abuser of P",
     [("inc", "R-1", "2018-02-02", "Q", "P", "boyfriend"), ("inc", "R-2", "2026-10-10", "P", "Q", "girlfriend")],
     False, None, None, None),
    ("earlier friend, partner in the period",
     [("link", "P", "Q", "friend", "2025-01-01", "custody record"), ("inc", "R-1", "2026-10-10", "P", "Q", "partner")],
     True, "2026-10-10", "incident", "incident R-1"),
    ("link before the incident gives the date and source",
     [("link", "P", "Q", "girlfriend", "2026-10-05", "custody record"),
      ("inc", "R-1", "2026-10-20", "P", "Q", "girlfriend")], True, "2026-10-05", "intelligence", "custody record"),
    ("intimate link long ago, before S", [("link", "P", "Q", "partner", "2026-09-30", "custody record"),
                                          ("inc", "R-1", "2026-10-20", "P", "Q", "girlfriend")], False,
     None, None, None),
]


@pytest.mark.parametrize("name, rows, is_new, first, how, source", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("whole_graph", [False, True], ids=["neighbourhood", "whole graph"])
def test_new_partner_rule(store, name, rows, is_new, first, how, source, whole_graph):
    with store.transaction():
        _base(store)
        for row in rows:
            if row[0] == "inc":
                incident(store, *row[1:])
            else:
                link(store, *row[1:])
    graph = build_graph(store) if whole_graph else None
    found = new_partners(store, S, A, scope="all", graph=graph)
    mine = [n for n in found if n.perpetrator_id == "P" and n.partner_id == "Q"]
    assert bool(mine) is is_new
    if is_new:
        assert (mine[0].first_linked, mine[0].how, mine[0].source) == (first, how, source)
    assert all(n.partner_id != "MUM" for n in found)


def test_facts_about_the_new_partner(store):
    with store.transaction():
        _base(store)
        person(store, "Q", "Jade", "Smith", "1990-04-04")
        person(store, "Q2", "Jade", "Smtih", "1990-04-04")          # a probable duplicate of her
        person(store, "KID", "Ava", "Smith", "2018-01-01")
        person(store, "TEEN", "Leo", "Smith", "2010-06-01")
        person(store, "ADULT", "Sam", "Smith", "1970-01-01")
        incident(store, "R-1", "2026-10-10", "P", "Q", "girlfriend")
        incident(store, "R-9", "2023-02-02", "X", "Q", "girlfriend")   # she was the victim of X before
        incident(store, "R-8", "2024-02-02", "Y", "Q", "ex-partner")   # and of Y
        link(store, "Q", "KID", "daughter", "2018-01-02")              # her child, says the text
        link(store, "TEEN", "Q", "cousin", "2020-01-01")               # family and under 18
        link(store, "Q", "ADULT", "brother", "2020-01-01")             # family, adult: not a child
        store.conn.execute("INSERT INTO disclosures (subject_id, disclosed_to_id, kind, date, decision, recorded_at)"
                           " VALUES ('P', 'Q', 'right to know', '2026-10-20', 'disclosed', '2026-10-20')")
    [np_] = new_partners(store, S, A, scope="all")
    assert np_.partner_name == "Jade Smith"
    assert np_.other_perpetrators == ("X", "Y")
    assert [c.id for c in np_.children] == ["KID", "TEEN"]
    assert [c.age for c in np_.children] == [8, 16]
    assert np_.disclosure == "right to know 2026-10-20 (disclosed)"
    assert np_.possible_duplicates == ("Q2",)


def _scoped(store):
    with store.transaction():
        # C: adopted into the cohort, one incident; E: adopted then exited; R: open referral;
        # SER: two victims, two incidents in three years; OLD: serial only long ago; ONE: one incident.
        for pid, date in (("C", "2026-01-01"), ("E", "2026-01-01"), ("R", "2026-01-01"), ("ONE", "2026-01-01")):
            incident(store, f"I-{pid}", date, pid, f"V-{pid}")
        incident(store, "I-S1", "2024-01-01", "SER", "V1")
        incident(store, "I-S2", "2026-06-01", "SER", "V2")
        incident(store, "I-O1", "2020-01-01", "OLD", "V3")
        incident(store, "I-O2", "2021-01-01", "OLD", "V4")
        store.conn.execute("INSERT INTO cohort_events (person_id, event, date) VALUES ('C', 'adopted', '2026-02-01'),"
                           " ('E', 'adopted', '2026-02-01'), ('E', 'exited', '2026-08-01')")
        store.conn.execute("INSERT INTO referrals (person_id, agency, date, reason) VALUES ('R', 'probation',"
                           " '2026-09-01', 'new concerns')")


@pytest.mark.parametrize("scope, expected", [
    ("cohort", {"C", "R", "SER"}),
    ("serial", {"SER"}),
    ("all", {"C", "E", "R", "ONE", "SER", "OLD"}),
])
def test_scope(store, scope, expected):
    _scoped(store)
    assert perpetrators_in_scope(store, scope, A) == expected


def test_serial_window_edge(store):
    # 1094 days before A is inside the window, 1095 is not
    with store.transaction():
        incident(store, "I-1", (A - dt.timedelta(days=1094)).isoformat(), "P1", "V1")
        incident(store, "I-2", "2026-10-01", "P1", "V2")
        incident(store, "I-3", (A - dt.timedelta(days=1095)).isoformat(), "P2", "V1")
        incident(store, "I-4", "2026-10-01", "P2", "V2")
    assert perpetrators_in_scope(store, "serial", A) == {"P1"}


@pytest.mark.parametrize("meetings, expected_since", [
    ([], dt.date(2026, 10, 1)),
    ([("2026-10-08", "held")], dt.date(2026, 10, 8)),
    ([("2026-10-08", "held"), ("2026-10-22", "cancelled")], dt.date(2026, 10, 8)),
    ([("2026-10-08", "held"), ("2026-10-29", "held")], dt.date(2026, 10, 8)),  # not the meeting on the day itself
])
def test_default_period(store, meetings, expected_since):
    with store.transaction():
        for date, status in meetings:
            store.conn.execute("INSERT INTO meetings (date, status) VALUES (?, ?)", [date, status])
    assert default_period(store, A) == (expected_since, A)


def test_empty_period_is_a_user_error(store):
    from matac_desk.domain import UserError
    with pytest.raises(UserError, match="period is empty"):
        new_partners(store, A, A, scope="all")

"""Shared victims, networks of perpetrators, and a perpetrator's partners over time."""

from __future__ import annotations

import datetime as dt

from matac_desk.analysis.graph import networks, partner_count_over_time, shared_victims

from graphdata import incident, link


def _fill(store):
    with store.transaction():
        incident(store, "R-1", "2020-01-01", "P1", "V", "girlfriend")
        incident(store, "R-2", "2022-01-01", "P2", "V", "wife")
        incident(store, "R-3", "2023-01-01", "P2", "V", "ex-wife")
        incident(store, "R-4", "2021-01-01", "P3", "W", "girlfriend")
        incident(store, "R-5", "2021-02-01", "W", "P3", "boyfriend")      # counter-allegation: no network
        incident(store, "R-6", "2021-01-01", "P4", "U", "girlfriend")
        link(store, "P4", "P2", "brother", "2015-01-01")                   # family joins P4 to P1 and P2
        incident(store, "R-7", "2024-01-01", "P5", "MUM", "mother")
        incident(store, "R-8", "2024-02-01", "P6", "MUM", "mother")        # two sons, one mother


def test_shared_victims(store):
    _fill(store)
    got = [(v.victim_id, v.perpetrator_ids, v.incidents, v.first, v.last) for v in shared_victims(store)]
    assert got == [("MUM", ("P5", "P6"), 2, "2024-01-01", "2024-02-01"),
                   ("V", ("P1", "P2"), 3, "2020-01-01", "2023-01-01")]
    assert shared_victims(store, dt.date(2021, 12, 31)) == []


def test_networks(store):
    _fill(store)
    got = [(n.size, n.perpetrator_ids, n.shared_victim_ids, n.family_links) for n in networks(store)]
    assert got == [(3, ("P1", "P2", "P4"), ("V",), 1), (2, ("P5", "P6"), ("MUM",), 2)]


def test_partner_count_over_time(store):
    with store.transaction():
        incident(store, "R-1", "2022-03-01", "P", "A", "girlfriend")
        incident(store, "R-2", "2022-09-01", "P", "A", "girlfriend")
        link(store, "B", "P", "boyfriend", "2024-05-01")
        incident(store, "R-3", "2024-06-01", "P", "A", "ex-girlfriend")
        incident(store, "R-4", "2024-07-01", "P", "MUM", "mother")
    got = [(y.year, y.partners, y.new, y.total) for y in partner_count_over_time(store, "P", dt.date(2025, 1, 1))]
    assert got == [(2022, 1, 1, 1), (2023, 0, 0, 1), (2024, 2, 1, 2), (2025, 0, 0, 2)]

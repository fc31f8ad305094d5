"""The person page's data: incidents either way, links, aliases, warnings; every view audited."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.services import people
from matac_desk.storage.audit import pseudonym
from matac_desk.domain import UserError, name_key

P = [("P1", "Darren", "Hall", "1980-04-02"), ("V1", "Kelly", "Wood", "1984-01-01"),
     ("V2", "Amy", "Price", None), ("C1", "Ruby", "Price", "2019-06-06")]
INCIDENTS = [("I1", "2026-01-10", "21:30", "North"), ("I2", "2026-03-05", None, "South"),
             ("I3", "2026-02-01", "08:00", "North")]
INVOLVEMENTS = [  # ref, perpetrator, victim, offence, relationship, kind
    ("I1", "P1", "V1", "Common assault", "girlfriend", "partner"),
    ("I2", "P1", "V2", "Harassment", "ex-girlfriend", "ex-partner"),
    ("I2", "P1", "V2", "Criminal damage", "ex-girlfriend", "ex-partner"),
    ("I3", "V1", "P1", "Common assault", "boyfriend", "partner"),
]


@pytest.fixture
def filled(store):
    c = store.conn
    with store.transaction():
        for pid, fn, sn, dob in P:
            c.execute("INSERT INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
                      " VALUES (?,?,?,?,?, '2026-01-11T10:00:00+00:00', 'x')", [pid, fn, sn, dob, name_key(fn, sn)])
        c.execute("INSERT INTO persons (id, forename, surname, name_key, merged_into, created_at, updated_at)"
                  " VALUES ('P1-OLD', 'Daz', 'Hall', 'daz hall', 'P1', 'x', 'x')")
        for ref, d, t, div in INCIDENTS:
            c.execute("INSERT INTO incidents (ref, date, time, division) VALUES (?,?,?,?)", [ref, d, t, div])
        for ref, p, v, off, rel, kind in INVOLVEMENTS:
            c.execute("INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key,"
                      " relationship, relationship_kind) VALUES (?,?,?,?,?,?,?)", [ref, p, v, off, off.lower(), rel, kind])
        c.execute("INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen, source)"
                  " VALUES ('V2', 'C1', 'child', 'family', '2025-05-01', 'children''s services')")
        c.execute("INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen, source)"
                  " VALUES ('P1', 'V2', 'partner', 'partner', '2025-09-01', 'intelligence report')")
        c.execute("INSERT INTO aliases (person_id, forename, surname, name_key, source) VALUES"
                  " ('P1', 'Daz', 'Hall', 'daz hall', 'custody record')")
        c.execute("INSERT INTO data_quality (person_id, kind, detail, old_value, new_value, detected_at)"
                  " VALUES ('P1', 'dob_changed', 'date of birth differs from the one held', '1980-02-04',"
                  " '1980-04-02', '2026-03-06T00:00:00+00:00')")
    return store


def test_profile_lists_incidents_from_each_side_newest_first(filled):
    prof = people.load_profile(filled, "P1")
    assert prof.name == "Darren Hall"
    assert [(x.ref, x.offence, x.other_id, x.relationship_kind) for x in prof.as_perpetrator] == [
        ("I2", "Criminal damage", "V2", "ex-partner"),
        ("I2", "Harassment", "V2", "ex-partner"),
        ("I1", "Common assault", "V1", "partner"),
    ]
    assert [(x.ref, x.other_id, x.other_name, x.time) for x in prof.as_victim] == [("I3", "V1", "Kelly Wood", "08:00")]
    assert [(lk.other_id, lk.relationship_kind, lk.source) for lk in prof.links] == [("V2", "partner",
                                                                                       "intelligence report")]
    assert prof.aliases == [("Daz Hall", "custody record")]
    assert prof.merged_from == ["P1-OLD"]
    assert [w.kind for w in prof.open_warnings] == ["dob_changed"]
    assert prof.age(dt.date(2026, 4, 1)) == 45 and prof.age(dt.date(2026, 4, 2)) == 46


def test_links_are_found_from_either_end(filled):
    assert [lk.other_id for lk in people.load_profile(filled, "C1").links] == ["V2"]
    assert sorted(lk.other_id for lk in people.load_profile(filled, "V2").links) == ["C1", "P1"]


def test_merged_record_points_to_the_kept_one(filled):
    assert people.load_profile(filled, "P1-OLD").merged_into == "P1"


def test_each_view_is_audited_with_the_id_only(filled):
    before = filled.scalar("SELECT count(*) FROM audit_log")
    people.view_person(filled, "P1")
    people.view_person(filled, "V1")
    rows = filled.conn.execute("SELECT action, entity, entity_id, detail FROM audit_log ORDER BY id DESC LIMIT 2")
    assert rows.fetchall() == [("person.viewed", "person", pseudonym(filled.conn, "V1"), None),
                               ("person.viewed", "person", pseudonym(filled.conn, "P1"), None)]
    assert filled.scalar("SELECT count(*) FROM audit_log") == before + 2


def test_loading_without_viewing_is_not_audited(filled):
    before = filled.scalar("SELECT count(*) FROM audit_log")
    people.load_profile(filled, "P1")
    assert filled.scalar("SELECT count(*) FROM audit_log") == before


def test_unknown_person_is_a_user_error_and_not_audited(filled):
    before = filled.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(UserError, match="no person with id 'NOPE'"):
        people.view_person(filled, "NOPE")
    assert filled.scalar("SELECT count(*) FROM audit_log") == before


def test_rows_for_counts_distinct_incidents_and_last_date(filled):
    rows = people.rows_for(filled, ["P1", "V2", "C1", "missing"])
    assert set(rows) == {"P1", "V2", "C1"}
    assert (rows["P1"].as_perpetrator, rows["P1"].as_victim, rows["P1"].last_incident) == (2, 1, "2026-03-05")
    assert (rows["V2"].as_perpetrator, rows["V2"].as_victim, rows["V2"].last_incident) == (0, 1, "2026-03-05")
    assert (rows["C1"].as_perpetrator, rows["C1"].as_victim, rows["C1"].last_incident) == (0, 0, None)


@pytest.mark.parametrize("sort, expected", [
    ("as_perpetrator", ["C1", "P1-OLD", "V2", "V1", "P1"]),
    ("as_victim", ["C1", "P1-OLD", "P1", "V1", "V2"]),
    ("last_incident", ["C1", "P1-OLD", "V1", "P1", "V2"]),
])
def test_sort_by_counts_and_dates_in_the_store(filled, sort, expected):
    # ascending by the value (no incident first), ties by id
    assert people.search_ids(filled, "", sort=sort) == expected


def test_resolving_a_warning_is_audited_and_only_once(filled):
    wid = people.load_profile(filled, "P1").open_warnings[0].id
    people.resolve_warning(filled, wid, reason="checked with records")
    assert people.load_profile(filled, "P1").open_warnings == []
    last = filled.conn.execute("SELECT action, entity_id, reason FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("data_quality.resolved", pseudonym(filled.conn, "P1"), "checked with records")
    with pytest.raises(UserError, match="already resolved"):
        people.resolve_warning(filled, wid)
    with pytest.raises(UserError, match="no data-quality warning number 999"):
        people.resolve_warning(filled, 999)

"""Nominations: top serial perpetrators outside the cohort, plus every open partner referral."""

from __future__ import annotations

import datetime as dt

import pytest

from matac_desk.storage.audit import pseudonym
from scoring_support import A, load, merge, row

from matac_desk.analysis import nominations as nom
from matac_desk.domain import UserError

# Serial (two victims, two incidents): S1 = R5 F2 G5 V3 = 15, S2 = R5 F2 G3 V3 = 13 (South),
# S3 = R4 F2 G2 V3 = 11. Not serial: N1 = R5 F1 G5 V1 = 12. Not scored: OLD (800 days ago).
ROWS = [
    row("A1", 1, "Rape", "S1", "V1"), row("A2", 2, "Harassment", "S1", "V2"),
    row("B1", 3, "Common assault", "S2", "V3", division="South"), row("B2", 4, "Harassment", "S2", "V4",
                                                                        division="South"),
    row("C1", 40, "Harassment", "S3", "V5"), row("C2", 50, "Harassment", "S3", "V6"),
    row("D1", 5, "Rape", "N1", "V7"),
    row("E1", 800, "Harassment", "OLD", "V8"),
]


def _cohort(store, person, event, date="2026-10-01"):
    with store.transaction():
        store.conn.execute("INSERT INTO cohort_events (person_id, event, date) VALUES (?, ?, ?)",
                           [person, event, date])


def _ids(noms):
    return [(n.person_id, n.reasons) for n in noms]


def test_top_serial_not_in_cohort(store, tmp_path):
    load(store, tmp_path, ROWS)
    assert _ids(nom.nominations(store, A, 2)) == [("S1", ("score",)), ("S2", ("score",))]
    _cohort(store, "S1", "nominated", "2026-09-01")
    _cohort(store, "S1", "adopted", "2026-10-01")
    assert _ids(nom.nominations(store, A, 2)) == [("S2", ("score",)), ("S3", ("score",))]
    _cohort(store, "S1", "exited", "2026-10-20")      # left the cohort: a candidate again
    assert _ids(nom.nominations(store, A, 1)) == [("S1", ("score",))]


@pytest.mark.parametrize("division, expected", [("south", ["S2"]), ("North", ["S1", "S3"]), ("West", [])])
def test_division_filter(store, tmp_path, division, expected):
    load(store, tmp_path, ROWS)
    assert [n.person_id for n in nom.nominations(store, A, 5, division)] == expected


def test_referrals_always_appear_until_decided(store, tmp_path):
    load(store, tmp_path, ROWS)
    ref_n1 = nom.refer(store, "N1", "Probation", "OM Jones", "new partner, escalating", dt.date(2026, 10, 20))
    ref_old = nom.refer(store, "OLD", "Housing", None, "neighbours report shouting", "2026-10-25")
    nom.refer(store, "S1", "IDVA service", "IDVA", "victim disclosure")
    got = nom.nominations(store, A, 1)
    assert _ids(got) == [("S1", ("score", "referral")), ("N1", ("referral",)), ("OLD", ("referral",))]
    assert got[1].score.score == 12 and got[2].score is None
    assert [r.agency for r in got[0].referrals] == ["IDVA service"]
    nom.decide_referral(store, ref_n1.id, "not adopted")
    nom.decide_referral(store, ref_old.id, "withdrawn")
    assert _ids(nom.nominations(store, A, 1)) == [("S1", ("score", "referral"))]
    with pytest.raises(UserError, match="already decided"):
        nom.decide_referral(store, ref_n1.id, "adopted")


def test_referred_person_in_the_cohort_still_appears(store, tmp_path):
    load(store, tmp_path, ROWS)
    _cohort(store, "S1", "adopted")
    nom.refer(store, "S1", "Police", None, "breach of bail")
    (n, *_rest) = nom.nominations(store, A, 0)
    assert (n.person_id, n.reasons, n.in_cohort) == ("S1", ("referral",), True)


@pytest.mark.parametrize("args, message", [
    (("NOBODY", "Probation", None, "x"), "no person with id 'NOBODY'"),
    (("S1", " ", None, "x"), "the referring agency is required"),
    (("S1", "Probation", None, ""), "the reason for the referral is required"),
    (("S1", "Probation", None, "x", "2999-01-01"), "is in the future"),
    (("S1", "Probation", None, "x", "01/02/2026"), "not a date"),
])
def test_bad_referrals_are_one_line_errors_and_change_nothing(store, tmp_path, args, message):
    load(store, tmp_path, ROWS)
    with pytest.raises(UserError, match=message):
        nom.refer(store, *args)
    assert store.scalar("SELECT count(*) FROM referrals") == 0


def test_referral_of_a_merged_record_goes_to_the_root_and_is_audited(store, tmp_path):
    load(store, tmp_path, ROWS)
    merge(store, "N1", "S3")
    ref = nom.refer(store, "N1", "Probation", "OM Jones", "moved in with a new partner", "2026-10-30")
    assert ref.person_id == "S3"
    entity, detail = store.conn.execute(
        "SELECT entity_id, detail FROM audit_log WHERE action = 'referral.created'").fetchone()
    assert entity == pseudonym(store.conn, "S3") and "Jones" not in detail and "partner" not in detail
    assert [r.id for r in nom.referrals(store, person_id="N1")] == [ref.id]

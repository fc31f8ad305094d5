"""MAPPA and MARAC referral prompts and their recorded outcomes."""

import datetime as dt

from matac_desk.meeting import cohort, forums

from scoring_support import load


def r(ref, date, offence, perp, victim):
    return [ref, date, offence, perp, "", victim, "North"]


def _dash(store, ref, level):
    with store.transaction():
        store.conn.execute("UPDATE involvements SET dash_risk = ? WHERE incident_ref = ?", [level, ref])


def test_mappa_prompt_needs_two_signs_and_stops_once_decided(store, tmp_path):
    load(store, tmp_path, [r("R1", "2026-10-01", "Assault occasioning actual bodily harm", "P1", "V1"),
                           r("R2", "2026-10-02", "Common assault", "P2", "V2")])
    _dash(store, "R1", "high")
    for pid in ("P1", "P2"):
        cohort.record_event(store, pid, "adopted", "2026-10-05")
    store.set_setting("forums", {"mappa_top_n": 0})   # leave rank out: gravity 4 and a high-DASH victim remain
    prompts = forums.referral_prompts(store, "2026-10-20")
    mappa = [p for p in prompts if p.forum == "MAPPA"]
    assert [(p.person_id, p.reason) for p in mappa] == [
        ("P1", "consider a MAPPA category 3 referral: gravity 4; a victim at high DASH risk in the last year")]
    forums.record_forum_referral(store, "MAPPA", "P1", "not referred", reason="Already managed by IOM",
                                 on="2026-10-20")
    assert not [p for p in forums.referral_prompts(store, "2026-10-21") if p.forum == "MAPPA"]
    cohort.set_subject_details(store, "P1", mappa_category=3, mappa_level=1)
    assert forums.forum_referrals(store, "P1")[0]["outcome"] == "not referred"


def test_marac_high_risk_and_repeat(store, tmp_path):
    load(store, tmp_path, [r("R1", "2026-01-10", "Common assault", "P1", "V1"),
                           r("R2", "2026-10-10", "Harassment", "P1", "V1"),
                           r("R3", "2026-10-12", "Common assault", "P1", "V2")])
    _dash(store, "R3", "high")
    cohort.record_event(store, "P1", "adopted", "2026-01-20")
    forums.record_forum_referral(store, "MARAC", "V1", "referred", reason="high risk", related_person_id="P1",
                                 on="2026-01-11")
    prompts = {(p.forum, p.person_id): p.reason for p in forums.referral_prompts(store, dt.date(2026, 10, 20))}
    assert prompts[("MARAC", "V2")] == "consider a MARAC referral: high DASH risk on 2026-10-12"
    assert prompts[("MARAC", "V1")] == ("consider a MARAC referral: repeat: new abuse on 2026-10-10 within 12 "
                                        "months of the MARAC referral of 2026-01-11")

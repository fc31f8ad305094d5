"""Score snapshots: saved with their configuration version, unchanged by later changes; history and trend."""

from __future__ import annotations

import datetime as dt

import pytest
from scoring_support import A, load, merge, row

from matac_desk.analysis import nominations as nom
from matac_desk.analysis import scoring
from matac_desk.domain import Cancelled, UserError

ROWS = [row("I1", 400, "Rape", "PA", "V1"), row("I2", 3, "Harassment", "PB", "V2"),
        row("I3", 200, "Harassment", "PA", "V3")]


def _meeting(store, date="2026-11-05"):
    with store.transaction():
        return store.conn.execute("INSERT INTO meetings (date, area) VALUES (?, 'North')", [date]).lastrowid


def test_an_old_snapshot_still_shows_what_it_showed(store, tmp_path):
    load(store, tmp_path, ROWS)
    # PA: latest 200 days (R2), 2 incidents (F2), rape (G5), 2 victims (V3) = 12, serial.
    # PB: R5 F1 G2 V1 = 9.
    snap = nom.take_snapshot(store, A, "November MATAC", _meeting(store))
    assert (snap.config_version, snap.persons, snap.label) == (1, 2, "November MATAC")
    saved = nom.snapshot_scores(store, snap.id)
    assert [(s.perpetrator_id, s.score, s.rank, s.serial, s.config_version) for s in saved] == \
        [("PA", 12, 1, True, 1), ("PB", 9, 2, False, 1)]
    scoring.set_config_value(store, "weight_r", "4")
    # Now PA = 4*2 + 2 + 5 + 3 = 18 and PB = 4*5 + 1 + 2 + 1 = 24: the order flips.
    assert [(s.perpetrator_id, s.score) for s in scoring.score_all(store, A)] == [("PB", 24), ("PA", 18)]
    assert nom.snapshot_scores(store, snap.id) == saved
    # and version 1 reproduces it exactly from the data
    again = scoring.score_all(store, snap.as_of, version=snap.config_version)
    assert again == saved


def test_snapshot_is_audited_and_meeting_must_exist(store, tmp_path):
    load(store, tmp_path, ROWS)
    with pytest.raises(UserError, match="no meeting with id 99"):
        nom.take_snapshot(store, A, meeting_id=99)
    assert nom.list_snapshots(store) == []
    snap = nom.take_snapshot(store, A)
    (detail,) = store.conn.execute("SELECT detail FROM audit_log WHERE action = 'score.snapshot'").fetchone()
    assert '"persons": 2' in detail and "PA" not in detail
    assert nom.list_snapshots(store) == [snap]


def test_cancelled_snapshot_leaves_nothing(store, tmp_path):
    load(store, tmp_path, ROWS)
    with pytest.raises(Cancelled):
        nom.take_snapshot(store, A, cancelled=lambda: True)
    assert store.scalar("SELECT count(*) FROM score_snapshots") == 0
    assert store.scalar("SELECT count(*) FROM scoring_configs") == 0


def test_history_and_trend(store, tmp_path):
    load(store, tmp_path, ROWS)
    m1, m2 = _meeting(store, "2026-06-01"), _meeting(store, "2026-07-01")
    early = dt.date(2026, 6, 1)
    # As of 2026-06-01: PA's incidents were 247 (I1) and 47 days (I3) before: R4 F2 G5 V3 = 14.
    s1 = nom.take_snapshot(store, early, "June", m1)
    # As of 2026-07-01: 277 and 77 days: R4 again, 14.
    s2 = nom.take_snapshot(store, dt.date(2026, 7, 1), "July", m2)
    s3 = nom.take_snapshot(store, A, "on demand")  # 12, as above
    hist = nom.score_history(store, "PA")
    assert [(p.snapshot.id, p.points) for p in hist] == [(s1.id, 14), (s2.id, 14), (s3.id, 12)]
    t = nom.trend(store, "PA")
    assert (t.change, t.direction) == (-2, "down")
    assert nom.trend(store, "PA", meetings_only=True).direction == "same"
    assert nom.trend(store, "PA", snapshot_id=s1.id).direction == "new"
    # PB's only incident is after 2026-07-01: first scored in the last snapshot.
    assert [p.snapshot.id for p in nom.score_history(store, "PB")] == [s3.id]
    assert nom.trend(store, "PB").direction == "new"


def test_history_follows_merges(store, tmp_path):
    load(store, tmp_path, ROWS)
    snap = nom.take_snapshot(store, A)
    merge(store, "PA", "PB")  # after the snapshot: PB now stands for both records
    hist = nom.score_history(store, "PA")
    assert [(p.snapshot.id, p.score.perpetrator_id, p.points) for p in hist] == [(snap.id, "PA", 12)]


def test_person_not_scored_any_more_counts_zero(store, tmp_path):
    load(store, tmp_path, [row("I1", 700, "Harassment", "PC", "V1")])
    first = nom.take_snapshot(store, A)
    later = nom.take_snapshot(store, A + dt.timedelta(days=60))   # 760 days: out of the window
    hist = nom.score_history(store, "PC")
    assert [(p.snapshot.id, p.score is None) for p in hist] == [(first.id, False), (later.id, True)]
    assert nom.trend(store, "PC").change == -5

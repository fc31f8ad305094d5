"""Migration 0010: snapshots say which rules made them, old configuration versions read and restore whole."""

from __future__ import annotations

import json

from scoring_support import A, load, row

from matac_desk.analysis import nominations, scoring


def test_snapshots_before_0010_are_marked_edition_1(tmp_path, monkeypatch):
    from conftest import PASSPHRASE
    from matac_desk.storage import schema
    from matac_desk.storage.store import Store
    path = tmp_path / "old.mdesk"
    monkeypatch.setattr(schema.migrations, "_migrations",
                        [m for m in schema.migrations._migrations if m.name != "0010_scoring_codes"])
    with Store.create(path, PASSPHRASE) as s:
        load(s, tmp_path, [row("I1", 10, "Harassment", "P", "W")])
        old = nominations.take_snapshot(s, A, "before")
        assert "rules" not in {c.name for c in s.db["score_snapshots"].columns}
    monkeypatch.undo()
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() == "0010_scoring_codes"
        new = nominations.take_snapshot(s, A, "after")
        assert scoring.snapshot_rules(s, old.id).startswith("edition 1: rules before 0010")
        assert scoring.snapshot_rules(s, new.id).startswith(f"edition {scoring.RULES_EDITION}: both people 16")
        # the old snapshot's scores read as they were saved
        assert [(x.perpetrator_id, x.score) for x in nominations.snapshot_scores(s, old.id)] == [("P", 9)]


def test_a_version_saved_before_the_new_settings_reads_with_their_defaults(store):
    """A configuration row written before issue 18: no gravity_mode, three-element gravity rows."""
    settings = scoring.ScoringConfig().settings()
    for key in ("gravity_mode", "gravity_sum_bands", "serial_unconnected_victims"):
        del settings[key]
    gravity = [row[:3] for row in scoring.ScoringConfig().gravity_json()]
    with store.transaction():
        store.conn.execute("INSERT INTO scoring_configs (created_at, created_by, reason, config, gravity, active)"
                           " VALUES ('2025-01-01T00:00:00+00:00', 'old', 'old', ?, ?, 1)",
                           [json.dumps(settings), json.dumps(gravity)])
    old = scoring.active_config(store)
    assert (old.config.gravity_mode, old.config.serial_unconnected_victims) == ("max", False)
    assert all(e.codes == () for e in old.config.gravity)
    changed = scoring.set_config_values(store, {"gravity_mode": "sum", "serial_unconnected_victims": True,
                                                "min_age": 18})
    assert changed.version == 2
    back = scoring.restore_config(store, 1)
    assert (back.config.gravity_mode, back.config.serial_unconnected_victims, back.config.min_age) == \
        ("max", False, 16)
    again = scoring.restore_config(store, 2)
    assert (again.config.gravity_mode, again.config.serial_unconnected_victims, again.config.min_age) == \
        ("sum", True, 18)


def test_each_saved_score_names_its_version(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W")])
    v = scoring.set_config_value(store, "gravity_mode", "sum")
    (s,) = scoring.score_all(store, A)
    assert s.config_version == v.version
    snap = nominations.take_snapshot(store, A)
    assert snap.config_version == v.version

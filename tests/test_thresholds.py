"""The thresholds kept in the settings: one form's worth, read with the services' defaults, saved at once."""

from __future__ import annotations

import pytest

from matac_desk.meeting import agenda, forums, outcomes, workload
from matac_desk.storage import backups, retention
from matac_desk.services import thresholds
from matac_desk.domain import UserError


def test_unset_thresholds_are_the_services_defaults(store):
    got = thresholds.load(store)
    assert got == thresholds.defaults()
    assert got["workload.limits.max_cases"] == workload.limits(store)["max_cases"] == 50
    assert got["workload.limits.max_high_risk_share"] == 0.2
    assert got["agenda.nominations_top_n"] == 10
    assert got["agenda.exit_rules.fall_share"] == agenda.EXIT_RULES["fall_share"]
    assert got["forums.mappa_min_signs"] == forums.DEFAULTS["mappa_min_signs"]
    assert got["outcomes.min_follow_up_days"] == outcomes.min_follow_up_days(store)
    assert got["retention_policy.cohort_review_years"] == retention.get_policy(store).cohort_review_years
    assert got["backup_policy.keep_last"] == backups.get_policy(store).keep_last


def test_saved_thresholds_reach_the_services(store):
    thresholds.save(store, {"workload.limits.max_cases": 40, "workload.limits.max_high_risk_share": 0.25,
                            "agenda.nominations_top_n": 15, "agenda.exit_rules.quiet_days": 90,
                            "forums.repeat_days": 300, "outcomes.min_follow_up_days": 60,
                            "retention_policy.review_years": 7, "backup_policy.monthly": 24})
    assert workload.limits(store) == {"max_cases": 40, "max_high_risk_share": 0.25}
    assert store.get_setting("agenda.nominations_top_n") == 15
    assert store.get_setting("agenda.exit_rules") == {"quiet_days": 90, "fall_share": 0.3}
    assert store.get_setting("forums")["repeat_days"] == 300
    assert outcomes.min_follow_up_days(store) == 60
    assert retention.get_policy(store).review_years == 7
    assert backups.get_policy(store).monthly == 24
    assert thresholds.load(store)["forums.mappa_top_n"] == 10


def test_only_the_settings_that_changed_are_written_and_audited(store):
    store.set_setting("forums", {"mappa_top_n": 5, "kept": "as it was"})
    last = store.scalar("SELECT max(id) FROM audit_log")
    values = thresholds.load(store)
    thresholds.save(store, values | {"forums.mappa_min_gravity": 3})
    assert store.conn.execute("SELECT action, entity_id FROM audit_log WHERE id > ?", [last]).fetchall() == [
        ("settings.changed", "forums")]
    assert store.get_setting("forums") == {"mappa_top_n": 5, "kept": "as it was", "mappa_min_gravity": 3,
                                           "mappa_min_signs": 2, "repeat_days": 365, "reprompt_days": 365}
    last = store.scalar("SELECT max(id) FROM audit_log")
    thresholds.save(store, thresholds.load(store))
    assert store.scalar("SELECT max(id) FROM audit_log") == last


@pytest.mark.parametrize("values, message", [
    ({"workload.limits.max_cases": 0}, "Overloaded at: a whole number from 1 to 1000"),
    ({"workload.limits.max_high_risk_share": 1.5}, "or high-risk share at: a percentage from 1% to 100%"),
    ({"agenda.nominations_top_n": 2.5}, "Top scores nominated: a whole number"),
    ({"forums.mappa_min_signs": True}, "MAPPA prompt needs: a whole number from 1 to 3"),
    ({"backup_policy.keep_last": 0}, "Keep the latest: a whole number from 1 to 1000"),
    ({"agenda.top": 3}, "no threshold called 'agenda.top'"),
])
def test_a_bad_value_saves_nothing(store, values, message):
    before = thresholds.load(store)
    last = store.scalar("SELECT max(id) FROM audit_log")
    with pytest.raises(UserError, match=message):
        thresholds.save(store, {"outcomes.min_follow_up_days": 30} | values)
    assert thresholds.load(store) == before
    assert store.scalar("SELECT max(id) FROM audit_log") == last


def test_every_default_is_allowed_and_every_name_is_one_threshold():
    names = [t.name for t in thresholds.THRESHOLDS]
    assert len(names) == len(set(names))
    for t in thresholds.THRESHOLDS:
        assert t.check(t.default) == t.default, t.name

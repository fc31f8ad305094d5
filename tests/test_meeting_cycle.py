"""A whole cycle through the services: schedule -> agenda -> decisions -> actions -> the next meeting carries
open actions -> exit with the exit score -> outcomes updated. And the same from the command line."""

import datetime as dt
import json

import pytest

from matac_desk.meeting import actions, agenda, cohort, meetings, outcomes
from matac_desk.app import main

from conftest import PASSPHRASE
from scoring_support import load, row

A = dt.date(2026, 11, 1)


@pytest.fixture
def world(store, tmp_path):
    """P1: serial (3 victims, recent); P2: serial, fewer; P3: one victim only; V's are victims."""
    load(store, tmp_path, [
        row("R1", 400, "Assault occasioning actual bodily harm", "P1", "V1"),
        row("R2", 200, "Common assault", "P1", "V2"),
        row("R3", 90, "Controlling or coercive behaviour", "P1", "V3"),
        row("R4", 20, "Common assault", "P1", "V3"),
        row("R5", 300, "Harassment", "P2", "V4"),
        row("R6", 100, "Harassment", "P2", "V5"),
        row("R7", 10, "Common assault", "P3", "V6"),
    ])
    return store


def test_full_cycle_through_the_services(world, tmp_path):
    store = world
    first, second = meetings.schedule_year(store, A, count=2, chair="DCI Hart")
    a1 = agenda.build_agenda(store, first)
    assert [n.person_id for n in a1.nominations] == ["P1", "P2"]  # serial, not in the cohort; P3 is not serial
    assert a1.review == [] and a1.actions == []

    w = meetings.record_decision(store, first, "P1", "adopt")
    assert w["score"] == a1.nominations[0].score.score
    meetings.record_decision(store, first, "P2", "do not adopt", reason="Managed by IOM")
    done = actions.add_action(store, "P1", "Housing", "Tenancy review", due=A + dt.timedelta(days=7), meeting_id=first)
    open_ = actions.add_action(store, "P1", "Police", "Arrest for breach", due=A + dt.timedelta(days=14),
                               meeting_id=first)
    cohort.agree_tactic(store, "P1", "Drive programme", meeting_id=first, on=A)
    meetings.add_minutes(store, first, "P1", "Adopted; Drive referral agreed.")
    meetings.mark_held(store, first)
    actions.update_action(store, done, status="done", on=A + dt.timedelta(days=5))

    a2 = agenda.build_agenda(store, second)
    assert [r.person_id for r in a2.review] == ["P1"]
    assert a2.review[0].entry_score == w["score"]
    assert [x.id for x in a2.actions] == [open_]         # carried forward: open, raised at an earlier meeting
    assert a2.actions[0].overdue                           # due 2026-11-15, the meeting is 2026-11-29
    assert "P2" not in [n.person_id for n in a2.nominations]  # decided: not adopted; no open referral

    exit_ = meetings.record_decision(store, second, "P1", "exit", reason="custody")
    assert exit_["score"] is not None
    hist = cohort.membership_history(store, "P1")
    assert [(h.event, h.meeting_id) for h in hist] == [("adopted", first), ("exited", second)]
    assert hist[-1].score == exit_["score"] and hist[-1].reason == "custody"
    (period,) = outcomes.subject_outcomes(store, A + dt.timedelta(days=60))
    assert (period.adopted_on, period.exited_on, period.follow_up_days) == ("2026-11-01", "2026-11-29", 28)
    assert period.exit_or_latest_score == exit_["score"]
    assert not period.enough_follow_up                    # 28 days: shown apart
    assert outcomes.cohort_outcomes(store, A + dt.timedelta(days=60)).periods == 0


def test_full_cycle_from_the_command_line(world, capsys, monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    path = str(world.path)
    world.close()

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    run("meeting", path, "new", "--date", "2026-11-01", "--chair", "DCI Hart")
    run("meeting", path, "new")                            # four weeks later
    assert "2026-11-29" in run("meeting", path, "list")
    out = run("meeting", path, "agenda", "--meeting", "2026-11-01")
    assert "2. Nominations (2: the top" in out and "P1" in out
    run("meeting", path, "attend", "Sam Okafor", "Probation", "--meeting", "2026-11-01")
    run("meeting", path, "decide", "P1", "adopt", "--meeting", "2026-11-01")
    run("action", path, "add", "P1", "Police", "Arrest for breach", "--due", "2026-11-10", "--meeting", "2026-11-01")
    run("meeting", path, "held", "--meeting", "2026-11-01")
    data = json.loads(run("meeting", path, "agenda", "--meeting", "2026-11-29", "--format", "json"))
    assert [r["person_id"] for r in data["review"]] == ["P1"]
    assert [x["description"] for x in data["actions"]] == ["Arrest for breach"]
    assert "P1" in run("actions", path, "--overdue", "--as-of", "2026-11-29")
    run("meeting", path, "decide", "P1", "exit", "--reason", "custody", "--meeting", "2026-11-29")
    assert "The cohort is empty." in run("cohort", path, "--as-of", "2026-11-30")
    assert "P1" in run("outcomes", path, "--as-of", "2027-03-01")


def test_proposed_exits(world):
    store = world
    m = meetings.schedule_meeting(store, A)
    meetings.record_decision(store, m, "P2", "adopt", score=9)
    later = meetings.schedule_meeting(store, A + dt.timedelta(days=200))
    a = agenda.build_agenda(store, later)
    (e,) = a.proposed_exits
    assert e.person_id == "P2" and e.reason == "no DA incident for 300 days"

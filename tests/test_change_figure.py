"""One change figure everywhere: the score shown against the latest snapshot strictly before the day it is shown
for, with that snapshot's date. The agenda, the cohort and nominations rows, the case file (the person page),
the profile and the meeting pack all print the same number, on a store whose snapshots are known."""

from __future__ import annotations

import datetime as dt

import pytest
from pack_support import fold, page_texts
from scoring_support import A, load, row

from matac_desk.analysis import nominations, scoring
from matac_desk.meeting import agenda, cohort, meetings
from matac_desk.pack import pack_pdf
from matac_desk.pack.profile import collect_profile
from matac_desk.services import casefile, selection

EARLY = A - dt.timedelta(days=60)


@pytest.fixture
def known(store, tmp_path):
    """P1 (adopted) and P2 (nominee) are serial; both score more on A than on EARLY (incidents in between).

    Snapshots: EARLY, and one on A itself, which the figure for A must not use (it is not before A).
    """
    load(store, tmp_path, [
        row("R1", 200, "Common assault", "P1", "V1"), row("R2", 150, "Stalking", "P1", "V2"),
        row("R3", 20, "Assault occasioning actual bodily harm", "P1", "V1"), row("R4", 5, "Harassment", "P1", "V3"),
        row("R5", 300, "Common assault", "P2", "V4"), row("R6", 100, "Criminal damage", "P2", "V5"),
        row("R7", 10, "Threats to kill", "P2", "V4"),
        row("R8", 400, "Common assault", "P3", "V6"),
    ])
    nominations.take_snapshot(store, as_of=EARLY, label="early")
    mid = meetings.schedule_meeting(store, A)
    cohort.record_event(store, "P1", "adopted", A - dt.timedelta(days=30))
    nominations.take_snapshot(store, as_of=A, label="on the day")     # not before A: never the baseline
    return store, mid


def _expected(store, pid):
    now = scoring.score_person(store, pid, A).score
    then = next(s.score for s in nominations.snapshot_scores(store, nominations.list_snapshots(store)[0].id)
                if s.perpetrator_id == pid)
    return now - then


def test_the_figure_is_the_score_shown_minus_the_latest_snapshot_before_the_day(known):
    store, _ = known
    for pid in ("P1", "P2"):
        c = nominations.change(store, pid, scoring.score_person(store, pid, A).score, A)
        assert c.value == _expected(store, pid) != 0
        assert c.since == EARLY.isoformat()
        assert c.text() == f"{c.arrow} {c.number} since {EARLY.day} {EARLY:%b}"
    # a sharp rise points up, in the shown direction
    c = nominations.change(store, "P1", scoring.score_person(store, "P1", A).score, A)
    assert (c.direction, c.arrow) == ("up", "▲")


def test_no_snapshot_before_the_day_means_no_figure(known):
    store, _ = known
    c = nominations.change(store, "P1", 10, EARLY)
    assert c.value is None and c.since is None and c.text() == "no earlier snapshot"


def test_a_person_the_snapshot_did_not_score_has_no_figure_and_says_so(known):
    store, _ = known
    c = nominations.change(store, "V1", None, A)
    assert c.value is None and c.since == EARLY.isoformat() and c.text().startswith("not scored on")


def test_every_screen_and_paper_prints_the_same_figure(known):
    store, mid = known
    want = {pid: nominations.change(store, pid, scoring.score_person(store, pid, A).score, A) for pid in ("P1", "P2")}

    a = agenda.build_agenda(store, mid)
    review = {r.person_id: r for r in a.review}
    assert review["P1"].change == want["P1"].value and review["P1"].change_text == want["P1"].text()
    assert f"{want['P1'].text()}" in agenda.agenda_text(a)

    cohort_rows = {r.person_id: r for r in selection.cohort_rows(store, A)}
    assert cohort_rows["P1"].change == want["P1"].value and cohort_rows["P1"].trend_text == want["P1"].text()
    noms = {r.person_id: r for r in selection.nomination_rows(store, A)}
    assert noms["P2"].change == want["P2"].value and noms["P2"].trend_text == want["P2"].text()

    assert casefile.case_file(store, "P1", A).change == want["P1"]          # the person page's header
    prof = collect_profile(store, "P1", as_of=A, since=A - dt.timedelta(days=28))
    assert prof.change == want["P1"]

    pdf, _ = pack_pdf(store, mid, recipient="test", today=A, reference="MATAC-TEST")
    text = fold("".join(page_texts(pdf)))
    shown = fold(want["P1"].text())
    assert text.count(shown) >= 2, "the cohort summary and the profile both print the figure"
    assert fold("since the last snapshot") not in text

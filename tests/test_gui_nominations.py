"""The Nominations and cohort page: adopt, do not adopt, refer and exit from the tables; the score explained."""

from __future__ import annotations

import pytest

from matac_desk.meeting import cohort, meetings
from matac_desk.analysis import nominations
from matac_desk.meeting.cohort import EXIT_REASONS
from matac_desk.ui import dialogs

from gui_support import TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, seeded = meeting_store
    w = make_window(qtbot, store)
    return w.show_page("nominations"), store, seeded


def test_the_tables_hold_the_nominations_and_the_cohort(page):
    p, store, seeded = page
    noms = p.nom_model.rows()
    # the agenda's list, from the agenda's setting (the Top box starts there)
    from matac_desk.meeting import agenda
    assert [r.person_id for r in noms] == [n.person_id for n in agenda.meeting_nominations(store, TODAY)]
    assert p.top.value() == agenda.nominations_top_n(store)
    assert f"scores as of {TODAY.isoformat()}" in p.status.text()
    assert sorted(r.person_id for r in p.cohort_model.rows()) == sorted(seeded.cohort)
    referred = next(r for r in noms if r.person_id == seeded.referred)
    assert "referral" in referred.reasons and "Children's social care" in referred.referral_agencies
    assert p.meeting.currentData() == seeded.next_meeting


@pytest.mark.parametrize("title, key, descending", [("Score", lambda r: r.score, True),
                                                     ("Change", lambda r: r.change, False),
                                                     ("R", lambda r: r.r, False),
                                                     ("Entry", lambda r: r.entry_score, True)])
def test_sorting_happens_in_the_model(page, title, key, descending):
    p, _store, _seeded = page
    from PySide6.QtCore import Qt
    p.tabs.setCurrentIndex(1)
    column = [c.title for c in p.cohort_model.columns].index(title)
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    p.cohort_view.sortByColumn(column, order)
    values = [key(r) for r in p.cohort_model.rows() if key(r) is not None]
    assert len(values) >= 2
    assert values == sorted(values, reverse=descending)


def test_adopt_records_the_decision_at_the_chosen_meeting(page):
    p, store, seeded = page
    pid = p.nom_model.rows()[0].person_id
    p.select_person(pid)
    assert seeded.next_meeting == p.meeting.currentData()
    p.adopt_button.click()
    m = meetings.meeting(store, seeded.next_meeting)
    assert cohort.in_cohort(store, pid, m.date)
    assert "adopt recorded" in p.message.text()
    assert pid in [r.person_id for r in p.cohort_model.rows()]          # the page reloaded
    assert pid not in [r.person_id for r in p.nom_model.rows()]


def test_do_not_adopt_asks_for_the_reason(page, monkeypatch):
    p, store, seeded = page
    pid = p.nom_model.rows()[0].person_id
    p.select_person(pid)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"reason": "already managed through MAPPA level 3"})
    p.reject_button.click()
    assert meetings.decisions(store, seeded.next_meeting, pid)[0]["reason"] == "already managed through MAPPA level 3"


def test_cancelling_the_reason_records_nothing(page, monkeypatch):
    p, store, _seeded = page
    p.select_person(p.nom_model.rows()[0].person_id)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: None)
    before = store.scalar("SELECT count(*) FROM decisions")
    p.reject_button.click()
    assert store.scalar("SELECT count(*) FROM decisions") == before


def test_exit_takes_the_subject_out_with_the_reason(page, monkeypatch):
    p, store, seeded = page
    pid = seeded.cohort[0]
    assert p.select_person(pid)
    assert p.exit_button.isEnabled() and not p.adopt_button.isEnabled()
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"reason": EXIT_REASONS[1]})
    p.exit_button.click()
    m = meetings.meeting(store, seeded.next_meeting)
    assert not cohort.in_cohort(store, pid, m.date)
    assert cohort.membership_history(store, pid)[-1].reason == EXIT_REASONS[1]


def test_refer_records_a_partner_referral(page, monkeypatch):
    p, store, _seeded = page
    row = p.nom_model.rows()[-1]
    p.select_person(row.person_id)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"person": row.person_id, "agency": "Housing", "referrer": "",
                                                         "reason": "ASB reports", "date": TODAY})
    p.refer_button.click()
    refs = nominations.referrals(store, person_id=row.person_id)
    assert [(r.agency, r.referrer, r.reason) for r in refs][-1] == ("Housing", None, "ASB reports")


def test_no_meeting_scheduled_is_a_clear_message(page, monkeypatch):
    p, store, seeded = page
    shown = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.warning", lambda _p, _t, text: shown.append(text))
    with store.transaction():
        store.conn.execute("UPDATE meetings SET status = 'cancelled' WHERE status = 'scheduled'")
    p.refresh()
    assert p.meeting.currentData() is None
    p.select_person(p.nom_model.rows()[0].person_id)
    p.adopt_button.click()
    assert shown and "schedule the next MATAC meeting" in shown[0]


def test_the_side_panel_explains_the_selected_score(page):
    p, _store, _seeded = page
    row = p.nom_model.rows()[0]
    p.select_person(row.person_id)
    text = p.explain.toPlainText()
    assert f"Score {row.score:g} = R {row.r} + F {row.f} + G {row.g} + V {row.v}" in text
    assert "Recency" in text and "Gravity" in text


def test_the_division_filter_keeps_one_division(page):
    p, _store, _seeded = page
    i = p.division.findData("North")
    assert i > 0
    p.division.setCurrentIndex(i)
    assert p.nom_model.rows() and all(r.division in ("North", None) for r in p.nom_model.rows())
    assert all(r.division == "North" for r in p.cohort_model.rows())

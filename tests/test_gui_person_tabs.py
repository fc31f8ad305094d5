"""The person page's tabs on the seeded demo store: the right rows, the charts' data, and lazy loading."""

from __future__ import annotations

import pytest

from matac_desk.services import casefile, relations
from matac_desk.meeting import cohort
from matac_desk.analysis import nominations
from matac_desk.ui.charts import TimelineChart, TrendChart

from gui_support import (TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store,  # noqa: F401
                         open_cohort_person)

pytestmark = pytest.mark.gui


@pytest.fixture
def lead(open_cohort_person):  # noqa: F811
    """The lead cohort subject: MAPPA and MARAC set, a DVPO, a disclosure, and a new partner linked lately."""
    return open_cohort_person(0)


def test_every_section_is_a_tab_in_view(lead):
    _w, person, _store, _seeded, _pid = lead
    titles = [person.tabs.tabText(i).replace("&", "") for i in range(person.tabs.count())]
    assert [t.split(" (")[0] for t in titles] == [
        "Overview", "As perpetrator", "As victim", "Score", "Victims and partners", "Children",
        "Orders and disclosures", "Case file", "Tactics", "Actions", "Minutes", "Intelligence links", "Aliases", "Data quality",
        "Audit"]
    bar = person.tabs.tabBar()
    assert all(bar.tabRect(i).bottom() <= bar.height() for i in range(bar.count()))   # none scrolled away


def test_victims_and_partners_are_read_when_the_tab_is_shown(lead):
    w, person, store, seeded, pid = lead
    assert person.relations is None and person.partner_model.rowCount() == 0      # not read on opening
    person.tabs.setCurrentWidget(person.partner_tab)
    expected = relations.relations(store, pid, as_of=TODAY)
    assert [(p.person_id, p.first, p.last, p.incidents, p.sources, p.new) for p in person.partner_model.rows()] == [
        (p.person_id, p.first, p.last, p.incidents, p.sources, p.new) for p in expected.partners]
    partner = seeded.new_partner[1]
    (row,) = [i for i, p in enumerate(person.partner_model.rows()) if p.person_id == partner]
    assert row == 0, "the new partner is listed first"
    assert person.partner_model.data(person.partner_model.index(row, 0)).startswith("NEW")
    assert person.partner_model.data(person.partner_model.index(row, 7)) == "intelligence"
    assert f"since {expected.since}" in person.partner_note.text()
    assert person.tabs.tabText(person.tabs.indexOf(person.partner_tab)) == \
        f"Victims and pa&rtners ({len(expected.partners)})"
    # double-click opens her
    person.partner_view.doubleClicked.emit(person.partner_model.index(row, 0))
    assert person.profile.id == partner


def test_victims_and_partners_are_read_again_only_when_what_they_come_from_changed(lead, monkeypatch):
    w, person, store, _seeded, pid = lead
    reads = []
    real = relations.relations
    monkeypatch.setattr(relations, "relations", lambda *a, **kw: reads.append(a[1]) or real(*a, **kw))
    person.tabs.setCurrentWidget(person.partner_tab)
    assert reads == [pid]
    rows = person.partner_model.rows()
    w.ctx.notify("cohort")          # a correction on his page
    w.ctx.notify("audit")           # a profile exported
    assert person.profile.id == pid and reads == [pid] and person.partner_model.rows() == rows
    w.ctx.notify("links")           # a link added or removed: his partners may have changed
    assert reads == [pid, pid] and person.partner_model.rowCount() == len(rows)


def test_children_tab_lists_the_children_linked_to_him_or_his_partners(lead):
    _w, person, store, _seeded, pid = lead
    person.tabs.setCurrentWidget(person.child_tab)
    expected = relations.relations(store, pid, as_of=TODAY).children
    assert [(c.person_id, c.age, c.linked_to) for c in person.child_model.rows()] == [
        (c.person_id, c.age, c.linked_to) for c in expected]


def test_children_of_a_perpetrator_with_some(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, _seeded = meeting_store
    with_children = next(pid for (pid,) in store.conn.execute(
        "SELECT DISTINCT perpetrator_id FROM involvements ORDER BY perpetrator_id")
        if relations.relations(store, pid, as_of=TODAY).children)
    w = make_window(qtbot, store)
    w.open_person(with_children)
    person = w.pages["people"].person
    person.tabs.setCurrentWidget(person.child_tab)
    assert person.child_model.rowCount() == len(relations.relations(store, with_children, as_of=TODAY).children) > 0
    assert all(c.age is not None and c.age < 18 for c in person.child_model.rows())


def test_orders_and_disclosures_tables(lead):
    _w, person, store, _seeded, pid = lead
    tab = person.orders_tab
    assert [(o["type"], o["start"], o["end"]) for o in tab.order_model.rows()] == [
        (o["type"], o["start"], o["end"]) for o in cohort.orders(store, pid)]
    assert tab.order_model.data(tab.order_model.index(0, 3)) == "in force"          # the seeded DVPO
    assert [(d["kind"], d["decision"], d["to_name"]) for d in tab.disclosure_model.rows()] == [
        ("right to know", "disclosed", "current partner")]
    n = len(cohort.orders(store, pid)) + len(cohort.disclosures(store, pid))
    assert person.tabs.tabText(person.tabs.indexOf(tab)) == f"Or&ders and disclosures ({n})"


def test_the_subject_form_shows_what_the_store_holds(lead):
    _w, person, store, _seeded, pid = lead
    d = cohort.subject_details(store, pid)
    form = person.subject_form
    assert (form.mappa_category.currentData(), form.mappa_level.currentData(), form.risk_level.currentData()) == (
        d["mappa_category"], d["mappa_level"], d["risk_level"]) == (3, 2, "high")
    assert form.checks["marac"].isChecked() and form.checks["risk_weapons"].isChecked()
    assert not form.checks["iom"].isChecked()
    assert form.om.currentData() == d["om_id"] is not None
    assert all(x.isEnabled() for x in form.edit_widgets)


def _grab(chart):
    """The chart as painted, and its background (a pixel right of the plot, where nothing is drawn)."""
    img = chart.grab().toImage()
    return img, img.pixelColor(img.width() - 2, img.height() // 2)


def _painted_spots(chart) -> list:
    """The chart's spots (where it drew a marker) whose pixel is not the background: drawn, not only listed."""
    img, bg = _grab(chart)
    dpr = img.devicePixelRatio()
    return [s for s in chart._spots if img.pixelColor(int(s[0] * dpr), int(s[1] * dpr)) != bg]


def _blank(chart) -> bool:
    from PySide6.QtGui import QImage
    img, bg = _grab(chart)
    blank = QImage(img.size(), img.format())
    blank.fill(bg)
    return img == blank


def test_the_offending_timeline_has_a_stem_per_incident_at_its_gravity(lead):
    _w, person, store, _seeded, pid = lead
    case = casefile.case_file(store, pid, TODAY)
    chart: TimelineChart = person.timeline
    expected = sorted((ln.date, ln.gravity) for ln in case.explanation.incidents)
    assert [(s.date, s.gravity) for s in chart.stems] == expected and expected
    assert chart.end == TODAY.isoformat() and chart.start <= expected[0][0]
    assert [label for _d, label in chart.marks] == ["adopted"]
    assert f"{len(expected)} incident(s)" in chart.accessibleDescription()
    assert chart.grab().width() > 0 and chart._spots                  # drawn, with a tooltip per stem
    assert len(_painted_spots(chart)) == len(chart._spots) == len(expected)     # a marker painted at each


def test_the_score_trend_has_a_point_per_snapshot(lead):
    _w, person, store, _seeded, pid = lead
    history = nominations.score_history(store, pid)
    chart: TrendChart = person.trend
    assert [(p.date, p.score) for p in chart.points] == [
        (h.snapshot.as_of, h.score.score if h.score else None) for h in history]
    assert len(chart.points) == 2                                    # the two meetings held
    assert chart.grab().width() > 0 and len(chart._spots) == 2
    assert len(_painted_spots(chart)) == 2                            # a point painted at each snapshot
    scores, ys = [pt.score or 0 for pt in chart.points], [y for _x, y, _t in chart._spots]
    assert all((ys[i] < ys[j]) == (scores[i] > scores[j])             # a higher score is drawn higher
               for i in range(2) for j in range(2) if scores[i] != scores[j])


def test_an_empty_chart_says_so(qtbot):
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.set_incidents([], "", "")
    assert chart.accessibleDescription() == "No incident as perpetrator is recorded"
    assert chart.grab().width() > 0
    assert not _blank(chart) and chart._spots == []                  # the message is painted, no marker


def test_a_victim_only_person_opens_on_her_incidents(lead):
    _w, person, store, _seeded, _pid = lead
    victim = store.scalar("SELECT victim_id FROM involvements WHERE victim_id NOT IN "
                          "(SELECT perpetrator_id FROM involvements) LIMIT 1")
    person.tabs.setCurrentWidget(person.overview)
    person.show_person(victim)
    assert person.tabs.currentWidget() is person.victim_view
    assert not any(x.isEnabled() for x in person.subject_form.edit_widgets)
    assert "only as a victim" in person.subject_form.note.text()


def test_the_header_shows_the_score_as_of_today_and_the_one_change_figure(lead):
    from matac_desk.analysis import nominations, scoring
    _w, person, store, _seeded, pid = lead
    s = scoring.score_person(store, pid, TODAY)
    c = nominations.change(store, pid, s.score if s else None, TODAY)
    text = person.score_badge.text()
    assert f"as of {TODAY.isoformat()}" in text
    assert c.since is not None, "the seeded meetings took snapshots before today"
    assert c.text() in text.replace("&amp;", "&")

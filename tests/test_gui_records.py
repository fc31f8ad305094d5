"""The Duplicates & links page: duplicates, merge and undo, not the same person, links by hand and by CSV, shared
victims and networks."""

from __future__ import annotations

import json
from html import escape

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from matac_desk.analysis import duplicates, graph
from matac_desk.storage.audit import pseudonym
from matac_desk.services.demo import DemoData, DemoSpec, generate
from matac_desk.analysis.duplicates import DuplicatePair, MergeRecord
from matac_desk.analysis.graph import Network, SharedVictim
from matac_desk.intake.links import LinkRow
from matac_desk.services.people import PersonRow
from matac_desk.storage.store import backups_folder
from matac_desk.ui import dialogs, records
from matac_desk.ui.models import RowsModel
from matac_desk.ui.widgets import ACCENT

from conftest import write_csv
from graphdata import person
from gui_support import TODAY, _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401

pytestmark = pytest.mark.gui

LINKS_HEADER = ["person_a_id", "person_b_id", "relationship", "first_seen", "source",
                "person_b_forename", "person_b_surname", "person_b_dob"]
DUPLICATES, MERGES, LINKS, SHARED = range(4)


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings, monkeypatch):  # noqa: F811
    def no_box(*args, **_kw):   # a UserError is told in the page, never in a message box
        raise AssertionError(f"a message box was shown: {args[1:]}")
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, no_box)
    return make_window(qtbot, demo_store)


@pytest.fixture
def page(window):
    return window.show_page("records")


def _answer(monkeypatch, **values):
    """Answer the page's next dialogs.ask with ``values`` (a callable value receives the fields)."""
    asked = []

    def ask(_parent, title, fields, **kw):
        asked.append((title, fields, kw.get("intro", "")))
        return {k: v(fields) if callable(v) else v for k, v in values.items()}
    monkeypatch.setattr(dialogs, "ask", ask)
    return asked


def _pairs(page):
    return [(p.a_id, p.b_id) for p in page.pair_model.rows()]


def _count(store, sql, *args):
    return store.scalar(f"SELECT count(*) FROM {sql}", list(args))


def _audit(store, action):
    return store.conn.execute("SELECT entity_id, reason, detail FROM audit_log WHERE action = ? ORDER BY id",
                              [action]).fetchall()


# ------------------------------------------------------------ probable duplicates

def test_the_seeded_duplicates_are_listed_with_both_records_side_by_side(page, demo_store):
    data = DemoData()
    for _ in generate(DemoSpec(seed=3, incidents=200, as_of=TODAY), data):
        pass
    seeded = {tuple(sorted(d[:2])) for d in data.duplicates}
    assert seeded and seeded <= set(_pairs(page))
    assert page.pair_model.rows() == duplicates.find_duplicates(demo_store)
    assert "probable duplicate pair" in page.pair_summary.text()
    first = page.selected_pair()
    assert first == page.pair_model.rows()[0]
    facts = {f[0]: f[1:] for f in page.fact_model.rows()}
    assert facts["Id"] == (first.a_id, first.b_id)
    assert facts["Date of birth"] == (first.dob, first.dob)
    rows = demo_store.conn.execute("SELECT forename || ' ' || surname FROM persons WHERE id IN (?, ?) ORDER BY id",
                                   [first.a_id, first.b_id]).fetchall()
    assert facts["Name"] == tuple(r[0] for r in rows)
    n = _count(demo_store, "(SELECT DISTINCT incident_ref FROM involvements WHERE victim_id = ?)", first.a_id)
    assert facts["Victim in"][0] == f"{n} incident(s)"
    name_row = [f[0] for f in page.fact_model.rows()].index("Name")
    assert page.fact_model.data(page.fact_model.index(name_row, 1), Qt.ItemDataRole.ForegroundRole) == \
        QColor(ACCENT["warning"])            # what differs stands out
    assert "Probability" in page.pair_why.text() and escape(first.reason) in page.pair_why.text()
    for e in first.evidence:     # the explanation, field by field, each with its weight
        assert escape(e.text) in page.pair_why.text() and f"{e.weight:+.1f}" in page.pair_why.text()


def test_merge_through_the_page_then_undo_it(page, window, demo_store, monkeypatch):
    pair = page.selected_pair()
    keep, other = pair.a_id, pair.b_id
    asked = _answer(monkeypatch, keep=lambda fields: fields[0].choices[0], reason="same dob, surname typo")
    page.merge_button.click()
    assert asked[0][0] == "Merge two records" and asked[0][1][1].required
    incidents = {pid: demo_store.scalar("SELECT count(DISTINCT incident_ref) FROM involvements WHERE perpetrator_id"
                                        " = ?1 OR victim_id = ?1", [pid]) for pid in (keep, other)}
    busier = max(incidents, key=incidents.get)
    assert asked[0][1][0].default == f"{busier} {pair.a_name if busier == keep else pair.b_name}"
    assert ("Suggested: keep" in asked[0][2]) == (incidents[keep] != incidents[other])
    assert demo_store.scalar("SELECT merged_into FROM persons WHERE id = ?", [other]) == keep
    [(entity, reason, detail)] = _audit(demo_store, "person.merged")
    assert (entity, reason) == (pseudonym(demo_store.conn, other), "same dob, surname typo")
    assert json.loads(detail)["keep_id"] == pseudonym(demo_store.conn, keep)
    assert any(f.name.startswith("pre-merge") for f in backups_folder(demo_store.path).iterdir())
    assert (keep, other) not in _pairs(page)                   # the list was looked at again
    assert page.dup_message.text().startswith(f"Merged {other} into {keep} (merge 1)")

    people = window.show_page("people")
    people.search.setText(pair.a_name.split()[0])
    people.run_search()
    shown = {people.model.person_id(r): people.model.data(people.model.index(r, 1))
             for r in range(people.model.rowCount())}
    assert {pid for pid, name in shown.items() if not name.endswith("(merged)")} & {keep, other} == {keep}
    assert shown[other].endswith("(merged)")

    window.show_page("records")
    page.tabs.setCurrentIndex(MERGES)
    [line] = page.merge_model.rows()
    assert (line.merge.keep_id, line.merge.merged_id, line.keep_name) == (keep, other, pair.a_name)
    page.merge_view.selectRow(0)
    _answer(monkeypatch, reason="different people after all")
    page.undo_button.click()
    assert demo_store.scalar("SELECT merged_into FROM persons WHERE id = ?", [other]) is None
    assert [r[1] for r in _audit(demo_store, "person.unmerged")] == ["different people after all"]
    assert page.merge_message.text() == f"Undid merge 1: {other} stands on its own again."
    assert page.merge_model.rows() == []
    page.show_undone.setChecked(True)
    assert [m.merge.undone_at is not None for m in page.merge_model.rows()] == [True]
    assert not page.undo_button.isEnabled()                     # an undone merge cannot be undone again
    page.tabs.setCurrentIndex(DUPLICATES)
    assert (keep, other) in _pairs(page)


def test_the_second_record_can_be_kept_and_a_cancelled_merge_changes_nothing(page, demo_store, monkeypatch):
    pair = page.selected_pair()
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: None)
    page.merge_button.click()
    assert _count(demo_store, "person_merges") == 0
    _answer(monkeypatch, keep=lambda fields: fields[0].choices[1], reason="same person")
    page.merge_button.click()
    assert demo_store.scalar("SELECT merged_into FROM persons WHERE id = ?", [pair.a_id]) == pair.b_id


def test_undoing_a_merge_a_later_merge_builds_on_is_told_in_the_page(page, demo_store, monkeypatch):
    pair = page.selected_pair()
    with demo_store.transaction():   # a third record of the same person
        third = person(demo_store, "NM0999999", *pair.a_name.split(" ", 1), pair.dob)
    duplicates.merge(demo_store, pair.a_id, pair.b_id, "same person")          # merge 1: b into a
    duplicates.merge(demo_store, third, pair.a_id, "same person again")        # merge 2: a (and b) into third
    page.ctx.notify("persons")
    page.tabs.setCurrentIndex(MERGES)
    first = next(i for i, m in enumerate(page.merge_model.rows()) if m.merge.id == 1)
    page.merge_view.selectRow(first)
    _answer(monkeypatch, reason="wrong")
    page.undo_button.click()
    assert page.merge_message.text() == f"Merge 1 cannot be undone while merge 2 (of {pair.a_id}) stands; undo " \
                                        f"that first"
    assert ACCENT["error"] in page.merge_message.styleSheet()
    assert demo_store.scalar("SELECT merged_into FROM persons WHERE id = ?", [pair.b_id]) == third
    assert page.undo_button.isEnabled()


def test_not_the_same_person_hides_the_pair(page, demo_store, monkeypatch):
    pair = page.selected_pair()
    asked = _answer(monkeypatch, reason="different mothers' names")
    page.not_same_button.click()
    assert asked[0][1][0].required
    assert (pair.a_id, pair.b_id) not in _pairs(page)
    assert demo_store.conn.execute("SELECT person_a_id, person_b_id, reason FROM not_duplicates").fetchall() == \
        [(pair.a_id, pair.b_id, "different mothers' names")]
    assert [r[1] for r in _audit(demo_store, "person.not_duplicate")] == ["different mothers' names"]
    assert "are different people" in page.dup_message.text()


@pytest.fixture
def more_pairs(page, demo_store):
    """Three more pairs of one person's records, with incidents in two divisions."""
    from graphdata import incident
    made = [("NM0999001", "Kerry", "Okonjo", "1991-02-03", "North"), ("NM0999002", "KERRY", "OKONJO", "1991-02-03",
                                                                      "North"),
            ("NM0999003", "Marta", "Zielinska", "1985-06-07", "South"),
            ("NM0999004", "Marta", "Zielinska-Nowak", "1985-06-07", "South"),
            ("NM0999005", "Ruth", "Abara", "1979-09-10", "Central"), ("NM0999006", "Ruth", "Abara", None, "Central")]
    with demo_store.transaction():
        for i, (pid, fn, sn, dob, division) in enumerate(made):
            person(demo_store, pid, fn, sn, dob)
            incident(demo_store, f"X-{i}", "2026-09-01", f"NM09990{50 + i}", pid)
            demo_store.conn.execute("UPDATE incidents SET division = ? WHERE ref = ?", [division, f"X-{i}"])
    page.ctx.notify("persons")
    assert {("NM0999001", "NM0999002"), ("NM0999003", "NM0999004")} <= set(_pairs(page))
    return page


def _key(qtbot, page, key):
    page.pair_view.setFocus()
    qtbot.keyClick(page.pair_view, key)


def test_filters_by_division_and_probability_band(more_pairs, demo_store):
    page = more_pairs
    every = page.pair_model.rows()
    assert every == duplicates.find_duplicates(demo_store)
    divisions = [page.division_filter.itemText(i) for i in range(1, page.division_filter.count())]
    assert divisions == sorted({d for p in every for d in p.division.split(" / ") if d})
    page.division_filter.setCurrentText(divisions[0])
    shown = page.pair_model.rows()
    assert shown == [p for p in every if divisions[0] in p.division.split(" / ")] and len(shown) < len(every)
    assert f"{len(shown):,} of {len(every):,} probable duplicate pair(s)" in page.pair_summary.text()
    page.division_filter.setCurrentText(records.ALL)
    for i, (label, low) in enumerate(duplicates.BANDS, start=1):
        page.band_filter.setCurrentIndex(i)
        assert page.pair_model.rows() == [p for p in every if duplicates.band_of(p.score) == label]
    page.band_filter.setCurrentIndex(0)
    assert page.pair_model.rows() == every


def test_keyboard_skip_not_the_same_for_a_selection_and_undo(more_pairs, demo_store, monkeypatch, qtbot):
    page = more_pairs
    rows = page.pair_model.rows()
    assert len(rows) >= 3
    page.pair_view.selectRow(0)
    _key(qtbot, page, Qt.Key.Key_K)                        # skip: the next pair, nothing written
    assert page.selected_pair() == rows[1] and _count(demo_store, "not_duplicates") == 0
    page.pair_view.selectRow(0)
    page.pair_view.selectionModel().select(page.pair_model.index(1, 0), page.pair_view.selectionModel().SelectionFlag
                                           .Select | page.pair_view.selectionModel().SelectionFlag.Rows)
    assert page.selected_pairs() == rows[:2]
    assert page.not_same_button.text() == "&Not the same: 2 pairs…" and not page.merge_button.isEnabled()
    asked = _answer(monkeypatch, reason="different people, checked with the OM")
    _key(qtbot, page, Qt.Key.Key_N)                        # not the same: both pairs, one decision
    assert "The 2 selected pairs" in asked[0][2]
    assert {tuple(r) for r in demo_store.conn.execute("SELECT person_a_id, person_b_id FROM not_duplicates")} == \
        {(p.a_id, p.b_id) for p in rows[:2]}
    assert len(_audit(demo_store, "person.not_duplicate")) == 2
    assert [(p.a_id, p.b_id) for p in page.pair_model.rows()] == [(p.a_id, p.b_id) for p in rows[2:]]
    _answer(monkeypatch, reason="marked by mistake")
    page.undo_decision_button.click()
    assert _count(demo_store, "not_duplicates") == 0
    assert [r[1] for r in _audit(demo_store, "person.not_duplicate_undone")] == ["marked by mistake"] * 2
    assert page.pair_model.rows() == rows
    assert page.dup_message.text() == "Undid decision 1: 2 pair(s) may be listed again."
    _answer(monkeypatch, reason="x")
    page.undo_decision_button.click()
    assert "No \u2018not the same person\u2019 decision stands" in page.dup_message.text()


def test_keyboard_same_asks_to_merge(page, demo_store, monkeypatch, qtbot):
    pair = page.pair_model.rows()[0]
    page.pair_view.selectRow(0)
    asked = _answer(monkeypatch, keep=lambda fields: fields[0].choices[0], reason="same person")
    _key(qtbot, page, Qt.Key.Key_S)
    assert asked[0][0] == "Merge two records"
    assert demo_store.scalar("SELECT merged_into FROM persons WHERE id = ?", [pair.b_id]) == pair.a_id


def test_open_either_record(page, window):
    pair = page.selected_pair()
    page.open_b_button.click()
    assert window.current_page() is window.pages["people"]
    assert window.pages["people"].person.profile.id == pair.b_id


# ------------------------------------------------------------ intelligence links

def _fill(page, **values):
    for column, value in values.items():
        w = page.link_edits[column]
        if hasattr(w, "setCurrentText"):
            w.setCurrentText(value)
        else:
            w.setText(value)


def _two_persons(store):
    return [r[0] for r in store.conn.execute("SELECT id FROM persons WHERE merged_into IS NULL AND id NOT IN"
                                             " (SELECT person_a_id FROM links) ORDER BY id LIMIT 2")]


def test_a_link_entered_by_hand(page, demo_store):
    a, b = _two_persons(demo_store)
    page.tabs.setCurrentIndex(LINKS)
    _fill(page, person_a_id=a, person_b_id=b, relationship="girlfriend", first_seen="20/10/2026",
          source="IDVA phone call")
    page.look_up_persons()
    name = demo_store.scalar("SELECT forename || ' ' || surname FROM persons WHERE id = ?", [a])
    assert page.a_name.text().startswith(name)
    page.add_button.click()
    row = demo_store.conn.execute("SELECT id, relationship_kind, first_seen, source, batch_id FROM links"
                                  " WHERE person_a_id = ? AND person_b_id = ?", [a, b]).fetchone()
    assert row[1:] == ("partner", "2026-10-20", "IDVA phone call", None)
    assert page.link_message.text() == f"Link {row[0]} recorded: {b} is {a}'s girlfriend from 20/10/2026."
    assert page.link_model.rows()[0].id == row[0]              # the links entered last, newest first
    assert page.b_id.text() == "" and page.a_id.text() == a     # ready for person A's next link


def test_a_link_to_a_new_person_b(page, demo_store):
    a, _ = _two_persons(demo_store)
    before = _count(demo_store, "persons")
    page.tabs.setCurrentIndex(LINKS)
    _fill(page, person_a_id=a, person_b_id="NM8800001", relationship="partner", first_seen="2026-10-30",
          source="neighbourhood team", person_b_forename="Chloe", person_b_surname="Marsh",
          person_b_dob="1998-04-17")
    page.look_up_persons()
    assert page.b_name.text().startswith("Not in the store")
    page.add_button.click()
    assert _count(demo_store, "persons") == before + 1
    assert demo_store.conn.execute("SELECT forename, surname, dob FROM persons WHERE id = 'NM8800001'").fetchone() \
        == ("Chloe", "Marsh", "1998-04-17")
    assert page.b_forename.text() == ""


@pytest.mark.parametrize("change, column, reason", [
    ({"person_a_id": "NM7777777"}, "person_a_id", "person_a_id is not in the store"),
    ({"person_b_id": "NM7777777"}, "person_b_id",
     "person_b_id is not in the store and no person_b_forename or person_b_surname is given to add them"),
    ({"first_seen": "2026-11-02"}, "first_seen", "first_seen is in the future"),
    ({"first_seen": "31/02/2026"}, "first_seen", "first_seen: no such date"),
    ({"source": ""}, "source", "source is empty (say where the link comes from)"),
    ({"person_b_id": "NM7777777", "person_b_surname": "Lee", "person_b_dob": "2026-10-02"}, "person_b_dob",
     "person_b_dob is after first_seen"),
])
def test_a_link_the_import_would_reject_is_told_and_nothing_is_written(page, demo_store, change, column, reason):
    a, b = _two_persons(demo_store)
    counts = _count(demo_store, "links"), _count(demo_store, "persons"), _count(demo_store, "audit_log")
    page.tabs.setCurrentIndex(LINKS)
    _fill(page, **{"person_a_id": a, "person_b_id": b, "relationship": "partner", "first_seen": "2026-10-01",
                   "source": "custody record", **change})
    page.add_button.click()
    typed = change[column]          # the import's words, and what was typed
    assert page.link_message.text() == f"The link cannot be added: {reason}" + (f": {typed}" if typed else "")
    assert ACCENT["error"] in page.link_message.styleSheet()
    assert (_count(demo_store, "links"), _count(demo_store, "persons"), _count(demo_store, "audit_log")) == counts
    assert page.window().focusWidget() is page.link_edits[column].focusProxy() or \
        page.window().focusWidget() is page.link_edits[column] or \
        page.link_edits[column].isAncestorOf(page.window().focusWidget())


def test_import_a_links_csv_with_a_bad_row(page, window, demo_store, tmp_path):
    a, b = _two_persons(demo_store)
    f = write_csv(tmp_path / "links.csv", LINKS_HEADER, [
        [a, b, "ex-partner", "2026-03-01", "custody record", "", "", ""],
        [a, "NM8800002", "girlfriend", "2026-10-01", "intelligence report", "Jade", "Kirk", ""],
        ["NM7777777", b, "brother", "2026-01-01", "intelligence report", "", "", ""],
    ])
    page.tabs.setCurrentIndex(LINKS)
    page.import_links(str(f))
    s = page.import_summary
    assert (s.rows_read, s.new, s.rejected, s.persons_new) == (3, 2, 1, 1)
    assert "<b>2</b> new" in page.import_message.text() and "person_a_id is not in the store" in \
        page.import_message.text()
    [reject] = page.reject_model.rows()
    assert (reject.row_number, reject.column, reject.value, reject.reason) == \
        (4, "person_a_id", "NM7777777", "person_a_id is not in the store")
    assert page.reject_view.isVisibleTo(page) and page.save_rejects_button.isVisibleTo(page)
    out = tmp_path / "rejects.csv"
    page.save_rejects(path=str(out))
    assert "person_a_id is not in the store" in out.read_text(encoding="utf-8-sig")
    assert {r.person_b_id for r in page.link_model.rows()[:2]} == {b, "NM8800002"}
    assert not page.import_progress.isVisibleTo(page) and page.import_button.isEnabled()
    imports_page = window.show_page("imports")                  # kept for review beside the extract's rejects
    assert imports_page.batch_model.rows()[0].id == s.batch_id


def test_a_links_csv_that_cannot_be_imported_is_told_in_the_page(page, demo_store, tmp_path):
    f = write_csv(tmp_path / "links.csv", ["person_a_id", "person_b_id"], [["A", "B"]])
    before = _count(demo_store, "import_batches")
    page.tabs.setCurrentIndex(LINKS)
    page.import_links(str(f))
    assert page.import_message.text().startswith("Cannot import: links.csv: required column(s) relationship,")
    assert _count(demo_store, "import_batches") == before
    assert not page.reject_view.isVisibleTo(page)


def test_a_cancelled_links_import_changes_nothing(page, demo_store, tmp_path, monkeypatch):
    a, b = _two_persons(demo_store)
    f = write_csv(tmp_path / "links.csv", LINKS_HEADER,
                  [[a, f"NM88{i:05d}", "partner", "2026-09-01", "x", "A", "B", ""]
                   for i in range(records.links.CHUNK)])           # enough rows to reach the first check
    real = records.links.import_links
    monkeypatch.setattr(records.links, "import_links",
                        lambda *args, **kw: real(*args, **{**kw, "cancelled": lambda: True}))
    counts = _count(demo_store, "links"), _count(demo_store, "persons"), _count(demo_store, "import_batches")
    page.tabs.setCurrentIndex(LINKS)
    page.import_links(str(f))
    assert page.import_message.text() == "The import was cancelled; nothing was changed."
    assert (_count(demo_store, "links"), _count(demo_store, "persons"), _count(demo_store, "import_batches")) == counts
    assert page.import_button.isEnabled() and not page.cancel_import_button.isVisibleTo(page)


def test_remove_a_link_with_a_reason(page, demo_store, monkeypatch):
    page.tabs.setCurrentIndex(LINKS)
    page.link_view.selectRow(0)
    target = page.selected_link()
    _answer(monkeypatch, reason="entered against the wrong person")
    page.remove_button.click()
    assert _count(demo_store, "links WHERE id = ?", target.id) == 0
    assert target.id not in {r.id for r in page.link_model.rows()}
    assert [r[1] for r in _audit(demo_store, "link.removed")] == ["entered against the wrong person"]


# ------------------------------------------------------------ shared victims and networks

def test_shared_victims_and_networks(page, window, demo_store):
    page.tabs.setCurrentIndex(SHARED)
    expected = graph.shared_victims(demo_store, TODAY)
    assert expected and [v.victim for v in page.shared_model.rows()] == expected
    line = page.shared_model.rows()[0]
    names = dict(demo_store.conn.execute("SELECT id, forename || ' ' || surname FROM persons"))
    assert line.perpetrators == tuple((p, names[p]) for p in expected[0].perpetrator_ids)
    nets = graph.networks(demo_store, TODAY)
    assert nets and [n.network for n in page.network_model.rows()] == nets
    assert "victim(s) of more than one perpetrator" in page.shared_title.text()

    page.network_view.selectRow(0)
    assert [page.member.itemData(i) for i in range(page.member.count())] == list(nets[0].perpetrator_ids)
    page.network_view.doubleClicked.emit(page.network_model.index(0, 0))
    assert window.current_page() is window.pages["graph"] and window.pages["graph"].person_id == \
        nets[0].perpetrator_ids[0]
    window.show_page("records")
    page.shared_view.doubleClicked.emit(page.shared_model.index(0, 0))
    assert window.current_page() is window.pages["people"]
    assert window.pages["people"].person.profile.id == expected[0].victim_id


def test_a_tab_shown_after_a_change_is_reloaded(page, demo_store):
    page.tabs.setCurrentIndex(SHARED)
    v = next(x for x in graph.shared_victims(demo_store, TODAY) if len(x.perpetrator_ids) == 2)
    assert v.victim_id in {line.victim.victim_id for line in page.shared_model.rows()}
    page.tabs.setCurrentIndex(DUPLICATES)
    page.ctx.change(duplicates.merge, *v.perpetrator_ids, "the same man", kinds=records.MERGE_KINDS, what="Merge",
                    parent=page)
    page.tabs.setCurrentIndex(SHARED)        # two records of one perpetrator: she is no longer a shared victim
    assert v.victim_id not in {line.victim.victim_id for line in page.shared_model.rows()}
    assert [line.victim for line in page.shared_model.rows()] == graph.shared_victims(demo_store, TODAY)


# ------------------------------------------------------------ the page itself

def test_every_control_on_every_tab_is_named_and_nothing_colours_a_background(page):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QHeaderView, QLineEdit, QWidget
    for i in range(page.tabs.count()):
        page.tabs.setCurrentIndex(i)
        missing = [w.objectName() or type(w).__name__
                   for cls in (QAbstractButton, QLineEdit, QAbstractItemView) for w in page.findChildren(cls)
                   if not w.accessibleName() and not (isinstance(w, QAbstractButton) and w.text())
                   and not isinstance(w, QHeaderView) and w.isVisibleTo(page)]
        assert missing == [], page.tabs.tabText(i)
    assert all("background" not in w.styleSheet() for w in page.findChildren(QWidget))


def test_a_read_only_store_offers_no_change(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    from matac_desk.storage.store import Store
    from gui_support import PASSPHRASE
    ro = Store.open(demo_store.path, PASSPHRASE, read_only=True)
    try:
        page = make_window(qtbot, ro).show_page("records")
        assert page.pair_model.rowCount()                           # it still reads
        for b in (page.merge_button, page.not_same_button, page.undo_button, page.add_button, page.import_button,
                  page.remove_button):
            assert not b.isEnabled() and "Read-only" in b.toolTip()
        page.tabs.setCurrentIndex(LINKS)
        page.link_view.selectRow(0)
        assert page.open_link_a_button.isEnabled() and not page.remove_button.isEnabled()
    finally:
        ro.close()


def test_the_long_reads_give_back_their_connection_and_lock_share(page, demo_store, tmp_path):
    import os
    from matac_desk.storage.store import StoreLock
    key = os.path.realpath(demo_store.path.with_name(demo_store.path.name + ".lock"))
    shares = StoreLock._held[key][1]
    for tab in (DUPLICATES, SHARED):
        page.tabs.setCurrentIndex(tab)
        page.ctx.notify("persons")                  # scans again, on a connection of its own
    page.tabs.setCurrentIndex(LINKS)
    page.import_links(str(write_csv(tmp_path / "l.csv", LINKS_HEADER, [["X", "Y", "son", "2026-01-01", "z"]])))
    assert page.import_summary.rejected == 1
    assert StoreLock._held[key][1] == shares


def test_locking_drops_everything_the_page_shows(page, window, demo_store):
    a, b = _two_persons(demo_store)
    page.tabs.setCurrentIndex(LINKS)
    _fill(page, person_a_id=a, person_b_id=b)
    page.look_up_persons()
    window.lock()
    models = (page.pair_model, page.fact_model, page.merge_model, page.link_model, page.reject_model,
              page.shared_model, page.network_model)
    assert all(m.rowCount() == 0 for m in models)
    assert page.a_id.text() == page.b_id.text() == page.a_name.text() == ""


def _merge_record(n=1, undone=None):
    return MergeRecord(n, "NM1", "NM2", "same", "coordinator", "2026-10-01T10:00:00+00:00", 1, undone)


@pytest.mark.parametrize("columns, rows", [
    (records.PAIR_COLUMNS, [DuplicatePair("NM1", "NM2", 0.97, "same name", "Amy Lee", "AMY LEE", "1990-01-01"),
                            DuplicatePair("NM3", "NM4", 0.8, "letters transposed", "Jo Ng", "Jo Gn", "1991-01-01")]),
    (records.FACT_COLUMNS, [("Id", "NM1", "NM2"), ("Name", "Amy Lee", "AMY LEE")]),
    (records.MERGE_COLUMNS, [records.MergeLine(_merge_record(), "Amy Lee", "AMY LEE"),
                             records.MergeLine(_merge_record(2, "2026-10-02T10:00:00+00:00"), "Jo Ng", "Jo Gn")]),
    (records.LINK_COLUMNS, [LinkRow(7, "NM1", "Amy Lee", "son", "family", "NM2", "Leo Lee", "2026-01-01", "x", "me",
                                    None), LinkRow(8, "NM1", "Amy Lee", None, "other", "NM3", "Al Ng", "2026-01-02",
                                                   "y", None, 3)]),
    (records.SHARED_COLUMNS, [records.SharedLine(SharedVictim("NM1", "Amy Lee", ("NM2", "NM3"), 3, "2025-01-01",
                                                              "2026-01-01"), (("NM2", "Al Ng"), ("NM3", "Bo Ng")))]),
    (records.NETWORK_COLUMNS, [records.NetworkLine(Network(("NM2", "NM3"), ("NM1",), 1), (("NM2", "Al Ng"),
                                                                                         ("NM3", "Bo Ng")),
                                                   (("NM1", "Amy Lee"),))]),
])
def test_the_models_pass_the_model_tester(qtmodeltester, columns, rows):
    model = RowsModel(columns, rows)
    qtmodeltester.check(model)
    for c in range(model.columnCount()):
        model.sort(c, Qt.SortOrder.DescendingOrder)
    model.set_rows([])
    qtmodeltester.check(model)


def test_key_facts_side_by_side():
    pair = DuplicatePair("NM1", "NM2", 0.97, "same name", "Amy Lee", "AMY LEE", "1990-01-01")
    rows = {"NM1": PersonRow("NM1", "Amy", "Lee", "1990-01-01", 0, 2, "2026-01-01", None),
            "NM2": PersonRow("NM2", "AMY", "LEE", "1990-01-01", 1, 1234, None, None)}
    facts = {f[0]: f[1:] for f in records.key_facts(pair, rows, {"NM1": ["NM1", "NM5"], "NM2": ["NM2"]})}
    assert facts == {"Id": ("NM1", "NM2"), "Name": ("Amy Lee", "AMY LEE"), "Date of birth": ("1990-01-01",) * 2,
                     "Perpetrator in": ("0 incident(s)", "1 incident(s)"),
                     "Victim in": ("2 incident(s)", "1,234 incident(s)"), "Last incident": ("2026-01-01", "none"),
                     "Records merged into it": ("NM5", "none")}

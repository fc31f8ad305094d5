"""The Settings page: each tab saves what it shows, refuses a bad value in the tab, and the other pages follow."""

from __future__ import annotations

import csv

import pytest

from matac_desk.meeting import cohort, force, workload
from matac_desk.analysis import scoring
from matac_desk.services import thresholds
from matac_desk.services.demo import DEMO_AGENCIES
from matac_desk.ui import dialogs

from gui_support import (TODAY, _demo_template, _meeting_template, demo_store, isolated_qsettings,  # noqa: F401
                         make_window, meeting_store)

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    return make_window(qtbot, demo_store)


@pytest.fixture
def settings(window):
    return window.show_page("settings")


class Answers:
    """Stands in for dialogs.ask: answers with the values given, and keeps what it was asked."""

    def __init__(self, monkeypatch, **values):
        self.values = values
        self.asked: list[tuple[str, str]] = []
        monkeypatch.setattr(dialogs, "ask", self)

    def __call__(self, parent, title, fields, *, intro="", ok="OK"):
        self.asked.append((title, intro))
        self.fields = fields
        return None if self.values.get("cancel") else {f.key: self.values.get(f.key, f.default) for f in fields}


def _versions(store) -> int:
    return store.scalar("SELECT count(*) FROM scoring_configs")


# ---------------------------------------------------------------- general: the force's names and agencies

def test_agencies_are_saved_and_offered_at_the_meeting(qtbot, meeting_store, isolated_qsettings,  # noqa: F811
                                                       monkeypatch):
    store, _seeded = meeting_store
    w = make_window(qtbot, store)
    general = w.show_page("settings").general
    assert general.agencies.toPlainText().splitlines() == list(DEMO_AGENCIES)   # the demo force's list
    general.agencies.setPlainText("Police\nNorthshire Homes\nProbation")
    general.save_button.click()
    assert general.message.text() == "Saved."
    assert force.load(store).agencies == ("Police", "Northshire Homes", "Probation")

    page = w.show_page("meetings")
    offered = [page.action_agency.itemText(i) for i in range(page.action_agency.count())]
    assert offered[:3] == ["Police", "Northshire Homes", "Probation"]
    assert "IDVA service" in offered           # named on attendees already: still offered, after the list
    answers = Answers(monkeypatch, name="Ann Lee", agency="Northshire Homes", apology=False)
    page.add_attendee()
    (field,) = [f for f in answers.fields if f.key == "agency"]
    assert list(field.choices) == offered
    assert "Ann Lee (Northshire Homes)" in page.attendees.text()

    acts = w.show_page("actions")
    assert "Northshire Homes" in [acts.agency.itemText(i) for i in range(acts.agency.count())]


def test_a_repeated_agency_is_refused_and_nothing_changes(settings, demo_store):  # noqa: F811
    general = settings.general
    before = force.load(demo_store)
    general.force_name.setText("Renamed")
    general.agencies.setPlainText("Housing\nhousing ")
    general.save_button.click()
    assert general.message.text() == "agency 'housing' is listed twice" and general.message.refused
    assert force.load(demo_store) == before


def test_agencies_found_in_the_data_are_added_once(settings, demo_store):  # noqa: F811
    general = settings.general
    general.agencies.setPlainText("Police\nhousing")
    general.add_found_agencies()
    got = general.agencies.toPlainText().splitlines()
    assert got[:2] == ["Police", "housing"] and "Housing" not in got
    assert {"Probation", "IDVA service", "MARAC"} <= set(got)
    assert "Save to keep them" in general.message.text()


def test_unsaved_edits_survive_a_save_on_another_tab(settings, demo_store):  # noqa: F811
    settings.general.force_name.setText("Not saved yet")
    settings.show_section(settings.thresholds)
    settings.thresholds.spins["agenda.nominations_top_n"].setValue(12)
    settings.thresholds.save_button.click()
    assert settings.general.force_name.text() == "Not saved yet"
    assert demo_store.get_setting("agenda.nominations_top_n") == 12


# ---------------------------------------------------------------- scoring configuration

def test_a_changed_configuration_is_a_new_version_the_ranking_uses(window, settings, demo_store,  # noqa: F811
                                                                    monkeypatch):
    noms = window.pages["nominations"]
    tab = settings.show_section(settings.scoring)
    before = scoring.active_config(demo_store).version
    tab.numbers["weight_v"].setValue(3)
    tab.numbers["serial_window_days"].setValue(729)
    assert tab.dirty and tab.revert_button.isEnabled()
    answers = Answers(monkeypatch, reason="force policy: victims weigh more")
    tab.save_button.click()
    (title, intro), = answers.asked
    assert "Weight of V: 1 → 3" in intro and "Serial look-back: 1094 → 729" in intro
    active = scoring.active_config(demo_store)
    assert active.version == before + 1 and active.reason == "force policy: victims weigh more"
    assert (active.config.weight_v, active.config.serial_window_days) == (3, 729)
    assert f"Configuration version {active.version} saved. Rescored as of" in tab.message.text()
    assert not tab.dirty and tab.numbers["weight_v"].value() == 3
    assert tab.history_model.rows()[0].stored.version == active.version
    assert tab.history_model.rows()[0].changed == ("Serial look-back", "Weight of V")

    window.show_page("nominations")
    rows = [r for r in noms.nom_model.rows() if r.score is not None]
    assert rows and any(r.v for r in rows)
    assert all(r.score == r.r + r.f + r.g + 3 * r.v for r in rows)
    ranked = scoring.score_all(demo_store, TODAY)
    assert {s.config_version for s in ranked} == {active.version}


@pytest.mark.parametrize("edit, message", [
    (lambda tab: tab.bands["recency_bands"].table.item(1, 1).setText("ninety"),
     "Not saved: Recency (R) bands, row 2: 'To' 'ninety' is not a whole number"),
    (lambda tab: tab.numbers["window_days"].setValue(900),
     "Not saved: Recency bands: the bands stop at 729 days but the window runs to 900 days"),
    (lambda tab: tab.bands["victim_bands"].table.item(3, 2).setText("101"),
     "Not saved: Victim bands: band 4 gives 101 points; points run from 0 to 100"),
    (lambda tab: tab.bands["frequency_bands"].table.item(4, 1).setText("9"),
     "Not saved: Frequency bands: the last band must be open-ended: leave its 'To' empty"),
])
def test_a_bad_value_is_refused_in_the_tab_and_nothing_is_saved(settings, demo_store, monkeypatch, edit,  # noqa: F811
                                                                 message):
    tab = settings.show_section(settings.scoring)
    v = _versions(demo_store)
    answers = Answers(monkeypatch, reason="should not be asked")
    edit(tab)
    tab.save_button.click()
    assert tab.message.text() == message and tab.message.refused
    assert answers.asked == [] and _versions(demo_store) == v
    assert tab.dirty                 # the edits stay in the form to be corrected


def test_band_rows_follow_on_and_can_be_added_and_removed(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.scoring)
    editor = tab.bands["victim_bands"]
    editor.table.item(2, 1).setText("4")            # 3-4 = 4
    assert editor.table.item(3, 0).text() == "5"     # the next band now starts at 5
    editor.add_band()                                # 5-? and a new open band
    editor.table.item(3, 1).setText("6")
    editor.table.item(4, 2).setText("6")
    assert editor.bands() == ((1, 1, 1), (2, 2, 3), (3, 4, 4), (5, 6, 5), (7, None, 6))
    Answers(monkeypatch, reason="victims banded further")
    tab.save_button.click()
    assert scoring.active_config(demo_store).config.victim_bands == ((1, 1, 1), (2, 2, 3), (3, 4, 4), (5, 6, 5),
                                                                     (7, None, 6))
    editor.table.selectRow(1)
    editor.remove_band()
    assert editor.table.item(1, 0).text() == "2" and editor.table.rowCount() == 4


def test_cancelling_the_reason_saves_nothing(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.scoring)
    v = _versions(demo_store)
    tab.numbers["min_age"].setValue(18)
    Answers(monkeypatch, cancel=True)
    tab.save_button.click()
    assert tab.message.text() == "Not saved." and _versions(demo_store) == v


def test_restoring_a_version(settings, demo_store, monkeypatch):  # noqa: F811
    first = scoring.ensure_active_config(demo_store).version
    scoring.set_config_value(demo_store, "min_age", 18, reason="older")
    scoring.set_config_value(demo_store, "weight_g", 2, reason="gravity weighs more")
    settings.window_.ctx.notify("scores")
    tab = settings.show_section(settings.scoring)
    assert [v.stored.version for v in tab.history_model.rows()] == [first + 2, first + 1, first]
    assert not tab.restore_button.isEnabled()
    assert tab.select_version(first)
    assert tab.version_detail.text() == (f"Restoring version {first} would change: Minimum age: 18 → 16; "
                                         "Weight of G: 2 → 1.")
    answers = Answers(monkeypatch)
    tab.restore_button.click()
    assert answers.fields[0].default == f"restored version {first}"
    active = scoring.active_config(demo_store)
    assert active.version == first + 3 and active.reason == f"restored version {first}"
    assert active.config == scoring.load_config(demo_store, first).config
    assert tab.numbers["min_age"].value() == 16 and tab.numbers["weight_g"].value() == 1
    assert f"Version {first} restored as version {first + 3}." in tab.message.text()


# ---------------------------------------------------------------- gravity table

def _gravity(store) -> dict:
    return {e.key: e for e in scoring.active_config(store).config.gravity}


def test_gravity_edits_in_place_are_saved_as_one_version(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    model = tab.model
    v = _versions(demo_store)
    i = model.find("Harassment")
    assert model.setData(model.index(i, model.POINTS), "4")
    assert not model.setData(model.index(i, model.POINTS), "lots")
    assert tab.message.text() == "Not changed: Harassment: points 'lots' is not a whole number"
    Answers(monkeypatch, offence="Theft from the person", points="2", days="")
    tab.add_offence()
    assert tab.selected_row() == model.find("theft from the person")
    assert tab.select_offence("Criminal damage")
    tab.remove_button.click()
    assert model.row(model.find("criminal damage")).state == "removed" and tab.remove_button.text() == "&Keep"
    assert "3 change(s) not saved yet" in tab.message.text()
    assert _versions(demo_store) == v
    answers = Answers(monkeypatch, reason="force gravity review")
    tab.save_button.click()
    assert "Harassment: 4 points" in answers.asked[0][1]
    table = _gravity(demo_store)
    assert table["harassment"].points == 4 and table["theft from the person"].points == 2
    assert "criminal damage" not in table
    assert _versions(demo_store) == v + 1
    assert scoring.active_config(demo_store).reason == "force gravity review"
    assert not tab.dirty and model.changes() == {}
    assert "theft from the person" not in [u.key for u in tab.unmapped_model.rows()]


def test_adding_an_offence_already_in_the_table_is_refused(settings, monkeypatch):
    tab = settings.show_section(settings.gravity)
    Answers(monkeypatch, offence="  murder ", points="3", days="")
    tab.add_offence()
    assert tab.message.text() == "Not added: 'Murder' is already in the table" and not tab.dirty


def test_importing_a_bad_gravity_csv_names_the_line_and_changes_nothing(settings, demo_store, tmp_path,  # noqa: F811
                                                                         monkeypatch):
    tab = settings.show_section(settings.gravity)
    path = tmp_path / "force-gravity.csv"
    path.write_text("offence,points\nMurder,5\nHarassment,two\n", encoding="utf-8")
    v = _versions(demo_store)
    answers = Answers(monkeypatch, reason="should not be asked")
    tab.import_csv(str(path))
    assert tab.message.text() == "Not imported: force-gravity.csv: line 3: points 'two' is not a whole number"
    assert answers.asked == [] and _versions(demo_store) == v


def test_importing_and_exporting_a_gravity_csv(settings, demo_store, tmp_path, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    path = tmp_path / "force-gravity.csv"
    path.write_text("# our table\noffence,points\nMurder,5\nHarassment,3\nStalking,4\n", encoding="utf-8")
    answers = Answers(monkeypatch)
    tab.import_csv(str(path))
    assert "force-gravity.csv holds 3 offences" in answers.asked[0][1]
    active = scoring.active_config(demo_store)
    assert active.reason == "gravity table imported from force-gravity.csv"
    assert [(e.offence, e.points) for e in active.config.gravity] == [("Murder", 5), ("Harassment", 3),
                                                                      ("Stalking", 4)]
    assert [r.offence for r in tab.model.rows()] == ["Murder", "Harassment", "Stalking"]
    out = tmp_path / "out.csv"
    tab.export_csv(str(out))
    with open(out, encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["offence", "offence_code", "points", "days"], ["Murder", "", "5", ""],
                                        ["Harassment", "", "3", ""], ["Stalking", "", "4", ""]]
    assert tab.message.text() == f"Wrote the 3 offences in use to {out}."


def test_switching_to_the_chi_profile_scores_by_days(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    tab.profile.setCurrentIndex(tab.profile.findData("chi"))
    Answers(monkeypatch)
    tab.profile_button.click()
    active = scoring.active_config(demo_store)
    assert active.config.gravity_source == "chi" and active.reason == "gravity profile chi"
    assert (active.config.gravity_mode, active.config.gravity_sum_bands) == ("sum", scoring.SUM_BANDS_DAYS)
    i = tab.model.find("Harassment")
    row = tab.model.row(i)
    # G is summed: a days row gives an incident its days of harm, added up over the window and then banded
    assert (row.points, row.days, tab.model.scores(row)) == (None, 10, 10)
    assert tab.model.data(tab.model.index(i, tab.model.SCORES)) == "10"
    assert tab.model.data(tab.model.index(i, tab.model.CODES)) == "8L"
    assert "scored by days of harm, summed over the window" in tab.status.text()
    tab.model.mode = "max"                       # with the highest offence, days are banded into points
    assert tab.model.scores(row) == 2


def test_mapping_an_unmapped_offence_still_works(settings, demo_store):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    assert tab.unmapped_model.rowCount()
    offence = tab.unmapped_model.row(0).offence
    tab.unmapped_view.selectRow(0)
    tab.points.setValue(2)
    tab.map_button.click()
    assert _gravity(demo_store)[scoring.normalise_offence(offence)].points == 2
    assert "configuration version" in tab.gravity_message.text()
    assert tab.model.find(offence) is not None


def test_mapping_a_code_in_one_step(settings, demo_store):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    rows = tab.unmapped_model.rows()
    i = next(n for n, u in enumerate(rows) if u.code)
    u = rows[i]
    assert tab.unmapped_model.data(tab.unmapped_model.index(i, 0)) == u.code
    tab.unmapped_view.selectRow(i)
    assert tab.map_code_button.isEnabled()
    tab.code_target.setCurrentIndex(tab.code_target.findData("Common assault"))
    tab.map_code_button.click()
    assert u.code in _gravity(demo_store)["common assault"].codes
    assert f"Code {u.code} now means Common assault; configuration version" in tab.gravity_message.text()
    assert (u.key, u.code) not in [(x.key, x.code) for x in tab.unmapped_model.rows()]
    j = tab.model.find("Common assault")
    assert u.code in tab.model.data(tab.model.index(j, tab.model.CODES))


def test_codes_are_edited_in_place(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.gravity)
    model = tab.model
    i = model.find("Criminal damage")
    assert model.setData(model.index(i, model.CODES), "58A; 58b")
    assert not model.setData(model.index(i, model.CODES), "8L")
    assert tab.message.text() == "Not changed: Criminal damage: code 8L is already given to 'Harassment'"
    Answers(monkeypatch, reason="force codes")
    tab.save_button.click()
    assert _gravity(demo_store)["criminal damage"].codes == ("58A", "58b")


def test_the_dashboard_opens_the_unmapped_offences(window):
    window.show_page("dashboard").gravity_button.click()
    settings = window.current_page()
    assert settings.key == "settings" and settings.tabs.currentIndex() == settings.sections.index(settings.gravity)


def test_mode_and_unconnected_victims_are_saved_and_restored(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.scoring)
    assert tab.rules.text().startswith("Rules in use: R, F, V and G over 730 days; serial over 1,095 days")
    first = scoring.active_config(demo_store).version
    tab.mode.setCurrentIndex(tab.mode.findData("sum"))
    tab.unconnected.setChecked(True)
    answers = Answers(monkeypatch, reason="harm-based ranking")
    tab.save_button.click()
    assert "Gravity: max → sum" in answers.asked[0][1] and "Serial: unconnected victims: off → on" in answers.asked[0][1]
    active = scoring.active_config(demo_store)
    assert (active.config.gravity_mode, active.config.serial_unconnected_victims) == ("sum", True)
    assert "unconnected victims" in tab.rules.text() and "sum of each incident" in tab.rules.text()
    scoring.restore_config(demo_store, first)
    tab.reload()
    assert tab.mode.currentData() == "max" and not tab.unconnected.isChecked()


def test_the_gravity_model_passes_the_model_tester(qtmodeltester):
    from matac_desk.ui.gravitytable import GravityModel
    model = GravityModel()
    model.set_table(scoring.load_gravity_profile("chi"), scoring.ScoringConfig.gravity_day_bands)
    qtmodeltester.check(model)
    model.setData(model.index(0, model.POINTS), "3")
    model.toggle_removed(1)
    model.add("Something new", 2, None)
    qtmodeltester.check(model)
    assert set(model.changes()) == {model.row(0).offence, model.row(1).offence, "Something new"}
    model.drop_edits()
    assert model.changes() == {} and model.rowCount() == len(scoring.load_gravity_profile("chi"))


# ---------------------------------------------------------------- toolkit

def test_toolkit_add_retire_and_restore(window, settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.toolkit)
    Answers(monkeypatch, category="safeguarding", name="Sanctuary scheme", description="Locks and alarms")
    tab.add_button.click()
    assert tab.message.text() == "Sanctuary scheme added to the toolkit."
    assert tab.selected()["name"] == "Sanctuary scheme"          # the new tactic is selected
    assert any(t["name"] == "Sanctuary scheme" and t["category"] == "safeguarding" for t in cohort.toolkit(demo_store))

    meetings = window.show_page("meetings")
    offered = lambda: [meetings.tactic.itemText(i) for i in range(meetings.tactic.count())]  # noqa: E731
    assert "Sanctuary scheme (safeguarding)" in offered()

    window.show_page("settings")
    assert tab.select("Drive programme")
    agreed = cohort.toolkit_usage(demo_store).get(tab.selected()["id"], 0)
    tab.retire_button.click()
    assert tab.message.text().startswith("Drive programme retired: no longer offered at meetings")
    assert (f"{agreed:,} time(s)" in tab.message.text()) == bool(agreed)
    assert "Drive programme" not in [t["name"] for t in cohort.toolkit(demo_store)]
    assert not tab.select("Drive programme")                      # hidden until asked for
    tab.show_retired.setChecked(True)
    assert tab.select("Drive programme") and tab.restore_button.isEnabled() and not tab.retire_button.isEnabled()
    window.show_page("meetings")
    assert "Drive programme (support and diversion)" not in offered()
    window.show_page("settings")
    tab.restore_button.click()
    assert "Drive programme" in [t["name"] for t in cohort.toolkit(demo_store)]
    window.show_page("meetings")
    assert "Drive programme (support and diversion)" in offered()


def test_a_tactic_already_in_the_toolkit_is_refused(settings, demo_store, monkeypatch):  # noqa: F811
    tab = settings.show_section(settings.toolkit)
    n = len(cohort.toolkit(demo_store, include_inactive=True))
    Answers(monkeypatch, category="enforcement", name="arrest", description="")
    tab.add_button.click()
    assert tab.message.text() == "Not added: the toolkit already has 'Arrest'" and tab.message.refused
    assert len(cohort.toolkit(demo_store, include_inactive=True)) == n


# ---------------------------------------------------------------- thresholds

def test_thresholds_save_and_the_workload_page_follows(window, settings, demo_store):  # noqa: F811
    tab = settings.show_section(settings.thresholds)
    assert tab.spins["workload.limits.max_high_risk_share"].value() == 20
    tab.spins["workload.limits.max_cases"].setValue(40)
    tab.spins["workload.limits.max_high_risk_share"].setValue(25)
    tab.spins["retention_policy.review_years"].setValue(7)
    tab.save_button.click()
    assert tab.message.text() == "Thresholds saved."
    assert workload.limits(demo_store) == {"max_cases": 40, "max_high_risk_share": 0.25}
    assert demo_store.get_setting("retention_policy")["review_years"] == 7
    page = window.show_page("workload")
    assert "fewer than 40 cases" in page.limits.text() and "under 25%" in page.limits.text()


def test_threshold_boxes_hold_only_what_the_service_allows(settings):
    tab = settings.show_section(settings.thresholds)
    for t in thresholds.THRESHOLDS:
        spin = tab.spins[t.name]
        scale = 100 if t.share else 1
        assert (spin.minimum(), spin.maximum()) == (round(t.low * scale), round(t.high * scale)), t.name
    spin = tab.spins["workload.limits.max_cases"]
    spin.lineEdit().setText("0")
    spin.interpretText()
    assert spin.value() >= 1


def test_discarding_and_defaults(settings, demo_store):  # noqa: F811
    tab = settings.show_section(settings.thresholds)
    tab.spins["forums.repeat_days"].setValue(100)
    tab.revert_button.click()
    assert tab.spins["forums.repeat_days"].value() == 365 and not tab.dirty
    thresholds.save(demo_store, {"forums.repeat_days": 200})
    settings.window_.ctx.notify("settings")
    assert tab.spins["forums.repeat_days"].value() == 200
    tab.defaults_button.click()
    assert tab.spins["forums.repeat_days"].value() == 365 and tab.dirty
    assert demo_store.get_setting("forums")["repeat_days"] == 200


# ---------------------------------------------------------------- the page

def test_every_control_on_every_tab_has_an_accessible_name(window, settings):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QHeaderView, \
        QLineEdit, QPlainTextEdit
    seen = 0
    for i, section in enumerate(settings.sections):
        settings.tabs.setCurrentIndex(i)
        for cls in (QAbstractButton, QLineEdit, QAbstractItemView, QAbstractSpinBox, QComboBox, QPlainTextEdit):
            for w in section.findChildren(cls):
                if not w.isVisibleTo(window) or isinstance(w, QHeaderView) or \
                        w.objectName() == "qt_scrollarea_viewport" or isinstance(w.parent(), QAbstractSpinBox) or \
                        isinstance(w.parent(), QComboBox):
                    continue
                seen += 1
                assert w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()), \
                    f"{section.title}: {type(w).__name__} {w.objectName()}"
    assert seen > 60


def test_locking_drops_what_the_tabs_show(window, settings):
    assert settings.gravity.model.rowCount() and settings.toolkit.tree.topLevelItemCount()
    window.lock()
    assert settings.gravity.model.rowCount() == 0 and settings.scoring.history_model.rowCount() == 0
    assert settings.toolkit.tree.topLevelItemCount() == 0 and settings.general.agencies.toPlainText() == ""

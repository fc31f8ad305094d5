"""A coordinator's cycle in one run, through the real window on a new store.

Create and unlock a store → import an extract with bad rows through the wizard → search and open a
person → see a new partner alert and open it in the graph → schedule a meeting, adopt a nominee and
raise an action for him → export the pack → lock and unlock. Each step checks what the store holds
afterwards, so a step that only looks right on screen fails here.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from matac_desk.meeting import actions, cohort, meetings
from matac_desk.storage import audit
from matac_desk.services.demo import DemoSpec, write_csv
from matac_desk.ui import dialogs
from matac_desk.ui.importwizard import ImportWizard
from matac_desk.ui.lock import LockScreen
from matac_desk.ui.tasks import ImmediateRunner
from matac_desk.ui.unlock import UnlockDialog

from gui_support import PASSPHRASE, TODAY, isolated_qsettings, make_window  # noqa: F401  (fixture)

pytestmark = pytest.mark.gui


def _extract_with_bad_rows(path) -> int:
    """The demo extract plus three rows the importer must reject; returns the number of good rows."""
    good = write_csv(path, DemoSpec(seed=5, incidents=400, as_of=TODAY))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, first = rows[0], rows[1]
    col = {name: i for i, name in enumerate(header)}
    future, no_victim, same = list(first), list(first), list(first)
    future[col["incident_ref"]], future[col["incident_date"]] = "BAD-1", "2099-01-01"
    no_victim[col["incident_ref"]], no_victim[col["victim_id"]] = "BAD-2", ""
    same[col["incident_ref"]], same[col["victim_id"]] = "BAD-3", first[col["perpetrator_id"]]
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([future, no_victim, same])
    return good


def test_a_coordinators_cycle_end_to_end(qtbot, tmp_path, isolated_qsettings, monkeypatch):  # noqa: F811
    # 1. create the store through the dialog, as on first run
    dlg = UnlockDialog(tmp_path / "force.mdesk", create=True, runner=ImmediateRunner())
    qtbot.addWidget(dlg)
    dlg.passphrase.setText(PASSPHRASE)
    dlg.repeat.setText(PASSPHRASE)
    dlg.try_unlock()
    assert dlg.result() == QDialog.DialogCode.Accepted
    store = dlg.store
    w = make_window(qtbot, store)

    # 2. import an extract with rejects through the wizard
    extract = tmp_path / "extract.csv"
    good = _extract_with_bad_rows(extract)
    wizard = w.start_import()
    wizard.file_page.set_path(str(extract))
    wizard.next()
    assert wizard.currentId() == ImportWizard.MAPPING and wizard.mapping_page.isComplete()
    wizard.next()
    preview = wizard.preview_page
    assert (preview.result.good, preview.result.rejected) == (good, 3)
    assert store.scalar("SELECT count(*) FROM involvements") == 0
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=10000)
    assert (wizard.summary.new, wizard.summary.rejected) == (good, 3)
    assert sorted(r.reason for r in wizard.summary_page.reject_model.rows()) == [
        "incident_date is in the future", "perpetrator and victim are the same person", "victim_id is empty"]
    wizard.accept()
    assert store.scalar("SELECT count(*) FROM involvements") == good

    # 3. a new partner alert on the dashboard opens the graph on the perpetrator
    dash = w.show_page("dashboard")
    alerts = dash.partner_model.rows()
    assert alerts, "the demo extract has serial perpetrators with new partners in the last 28 days"
    alert = alerts[0]
    dash.partner_view.doubleClicked.emit(dash.partner_model.index(0, 0))
    graph = w.current_page()
    assert graph.key == "graph" and graph.layout_.centre == alert.perpetrator_id
    assert {n.id: n.kind for n in graph.layout_.nodes}[alert.partner_id] == "new partner"

    # 4. search for that perpetrator by id and open him; the view is audited
    people = w.show_page("people")
    qtbot.keyClicks(people.search, alert.perpetrator_id)
    qtbot.waitUntil(lambda: people.last_query == alert.perpetrator_id, timeout=3000)
    assert people.model.ids() == [alert.perpetrator_id]
    qtbot.keyClick(people.search, Qt.Key.Key_Return)
    assert people.person.profile.id == alert.perpetrator_id
    assert audit.entries(store.conn, action="person.viewed")[-1]["entity_id"] == audit.pseudonym(
        store.conn, alert.perpetrator_id)

    # 5. schedule the meeting through its form, adopt the first nominee and raise an action for him
    day = TODAY + dt.timedelta(days=7)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: {"date": day, "area": "", "chair": "DCI Hart"})
    page = w.show_page("meetings")
    page.schedule_one()
    meeting = meetings.find_meeting(store, day)
    assert page.meeting.id == meeting.id
    nominee = page.items["nominations"][0].person_id
    assert page.select_item("nominations", nominee) and page.decision.currentIndex() == -1   # nothing pre-chosen
    page.decision.setCurrentText("adopt")
    page.record_decision()
    assert cohort.in_cohort(store, nominee, day)
    page.action_agency.setCurrentText("Housing")
    page.action_owner.setText("J Price")
    page.action_text.setText("Tenancy review")
    page.add_action()
    assert [(a.agency, a.description) for a in actions.list_actions(store, person_id=nominee)] == [
        ("Housing", "Tenancy review")]

    # 6. export the pack for that meeting; the disclosure is logged with its recipient
    packs = w.show_page("packs")
    packs.meeting.setCurrentIndex(packs.meeting.findData(meeting.id))
    packs.recipient.setCurrentText("MATAC meeting attendees")
    out = tmp_path / "pack.pdf"
    task = packs.export(path=str(out))
    assert task.error is None, task.error
    assert out.read_bytes().startswith(b"%PDF")
    [entry] = audit.entries(store.conn, action="disclosure.pack")
    assert entry["recipient"] == "MATAC meeting attendees"

    # 7. lock: no data on screen; unlock with the passphrase: back where we were
    w.lock_action.trigger()
    assert w.locked and isinstance(w.centralWidget(), LockScreen)
    assert people.person.profile is None and people.model.rowCount() == 0
    w.lock_screen.passphrase.setText(PASSPHRASE)
    w.lock_screen.try_unlock()
    assert not w.locked and w.centralWidget() is w.workspace
    assert w.show_page("dashboard").partner_model.rowCount() > 0
    store.close()

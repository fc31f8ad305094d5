"""Editing a person in place: each kind of field changed, undone and redone from the Edit menu, audited; refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from matac_desk.storage import audit
from matac_desk.meeting import cohort, workload
from matac_desk.services import people
from matac_desk.domain import UserError
from matac_desk.ui import dialogs

from gui_support import TODAY, _meeting_template, isolated_qsettings, meeting_store, open_cohort_person  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def shown(open_cohort_person, monkeypatch):  # noqa: F811
    """The window on the second cohort subject's page; message boxes recorded instead of shown."""
    messages: list[str] = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.warning", lambda _p, _t, text: messages.append(text))
    # allocated to an OM, few details set: room to change each one
    w, person, store, _seeded, pid = open_cohort_person(1)
    return w, person, store, pid, messages


def _entries(store, pid, action):
    return [(e["action"], e["reason"]) for e in audit.entries(store.conn, person_id=pid, action=action)]


def _undo_text(w) -> str:
    return w.undo_action.text().replace("&", "")


def _choose(box, value) -> None:
    """What picking an item does: the index moves, then ``activated`` (only a user's choice sends it)."""
    i = box.findData(value)
    assert i >= 0, value
    box.setCurrentIndex(i)
    box.activated.emit(i)


@pytest.mark.parametrize("field, value, label", [
    ("mappa_category", 3, "MAPPA category"),
    ("mappa_level", 3, "MAPPA level"),
    ("risk_level", "high", "risk level"),
])
def test_a_choice_is_saved_undone_and_redone(shown, field, value, label):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)[field]
    assert before != value
    _choose(getattr(person.subject_form, field), value)
    assert cohort.subject_details(store, pid)[field] == value
    assert _undo_text(w) == f"Undo change {label}" and w.undo_action.isEnabled()
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)[field] == before
    assert getattr(person.subject_form, field).currentData() == before      # the page shows the store again
    assert _undo_text(w) == "Undo" and not w.undo_action.isEnabled()
    assert w.redo_action.text().replace("&", "") == f"Redo change {label}"
    w.redo_action.trigger()
    assert cohort.subject_details(store, pid)[field] == value
    assert _entries(store, pid, "subject.changed")[-3:] == [("subject.changed", None), ("subject.changed", "undo"),
                                                            ("subject.changed", "redo")]


@pytest.mark.parametrize("field, label", [
    ("marac", "MARAC"), ("iom", "IOM"), ("risk_weapons", "weapons risk"),
    ("risk_substance_misuse", "substance misuse risk"), ("risk_mental_health", "mental health risk"),
])
def test_a_flag_is_ticked_and_untick_by_undo(qtbot, shown, field, label):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)[field]
    qtbot.mouseClick(person.subject_form.checks[field], Qt.MouseButton.LeftButton)
    assert cohort.subject_details(store, pid)[field] is (not before)
    assert _undo_text(w) == f"Undo change {label}"
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)[field] is before
    assert person.subject_form.checks[field].isChecked() is before


def test_the_division_is_typed_and_saved_on_enter(qtbot, shown):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)["division"]
    box = person.subject_form.division
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "Coastal")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert cohort.subject_details(store, pid)["division"] == "Coastal"
    assert _undo_text(w) == "Undo change division"
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)["division"] == before


def test_a_new_offender_manager_and_undo(shown):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)["om_id"]
    free = next(c for c in workload.caseloads(store, TODAY) if not c.overloaded and c.om_id != before)
    _choose(person.subject_form.om, free.om_id)
    assert cohort.subject_details(store, pid)["om_id"] == free.om_id
    assert _undo_text(w) == "Undo change offender manager"
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)["om_id"] == before


def test_an_overloaded_offender_manager_is_refused_and_nothing_changes(shown, monkeypatch):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)
    busy = next(c for c in workload.caseloads(store, TODAY) if c.overloaded and c.om_id != before["om_id"])
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda _p, _t, text, **_k: asked.append(text) or False)
    n_audit = store.scalar("SELECT count(*) FROM audit_log")
    _choose(person.subject_form.om, busy.om_id)
    assert asked and "overloaded" in asked[0]
    assert cohort.subject_details(store, pid) == before
    assert store.scalar("SELECT count(*) FROM audit_log") == n_audit
    assert person.subject_form.om.currentData() == before["om_id"]      # the field is put back
    assert not w.undo_action.isEnabled()                                 # nothing to undo
    # confirmed: allocated after all, and undoable
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: True)
    _choose(person.subject_form.om, busy.om_id)
    assert cohort.subject_details(store, pid)["om_id"] == busy.om_id
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)["om_id"] == before["om_id"]


def test_only_the_overloaded_refusal_asks_to_allocate_anyway(shown, monkeypatch):
    w, person, store, pid, messages = shown
    before = cohort.subject_details(store, pid)
    free = next(c for c in workload.caseloads(store, TODAY) if not c.overloaded and c.om_id != before["om_id"])
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: asked.append(1) or True)

    def refused(*_a, **_k):     # another refusal whose text happens to say "overloaded"
        raise UserError("the offender managers' list is overloaded with retired officers")

    monkeypatch.setattr(workload, "allocate", refused)
    _choose(person.subject_form.om, free.om_id)
    assert not asked and messages and "retired officers" in messages[-1]
    assert cohort.subject_details(store, pid) == before
    assert person.subject_form.om.currentData() == before["om_id"]


def test_an_undo_refused_changes_nothing_and_stays_on_the_menu(shown):
    w, person, store, pid, messages = shown
    _choose(person.subject_form.mappa_level, 3)
    cohort.set_subject_details(store, pid, mappa_level=1)          # changed since, elsewhere
    w.undo_action.trigger()
    assert messages and "changed again since" in messages[-1]
    assert cohort.subject_details(store, pid)["mappa_level"] == 1
    assert _undo_text(w) == "Undo change MAPPA level"               # the history did not move


class _HeldRunner:
    """Keeps each task until the test lets it run: work asked for piles up as behind a slow store."""

    def __init__(self):
        self.held = []

    def run(self, fn):
        from matac_desk.ui.tasks import Task
        task = Task(fn)
        self.held.append(task)
        return task

    def release_all(self) -> None:
        while self.held:
            self.held.pop(0).run_here()

    def wait_idle(self, msecs: int = 30000) -> bool:     # the window closing
        self.release_all()
        return True


def test_a_refused_undo_drops_the_undos_asked_for_after_it(shown):
    w, person, store, pid, messages = shown
    _choose(person.subject_form.mappa_level, 3)
    _choose(person.subject_form.risk_level, "high")
    cohort.set_subject_details(store, pid, risk_level="medium")    # the newest edit changed since, elsewhere
    held = _HeldRunner()
    w.ctx.runner = held
    history = w.ctx.history
    history.undo()
    history.undo()                  # asked for while the first still runs: it assumed the first would succeed
    assert history.busy and len(history._queue) == 1
    held.release_all()
    assert messages and "changed again since" in messages[-1]
    d = cohort.subject_details(store, pid)
    assert (d["risk_level"], d["mappa_level"]) == ("medium", 3)     # neither undone
    assert not history.busy and not history._queue
    assert _undo_text(w) == "Undo change risk level"


def test_an_undo_moves_the_history_once_it_is_done(shown):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)["mappa_level"]
    _choose(person.subject_form.mappa_level, 3)
    held = _HeldRunner()
    w.ctx.runner = held
    w.ctx.history.undo()
    held.release_all()
    assert cohort.subject_details(store, pid)["mappa_level"] == before
    assert _undo_text(w) == "Undo" and w.redo_action.text().replace("&", "") == "Redo change MAPPA level"
    w.ctx.history.redo()
    held.release_all()
    assert cohort.subject_details(store, pid)["mappa_level"] == 3
    assert _undo_text(w) == "Undo change MAPPA level"


def test_ctrl_z_and_ctrl_shift_z(qtbot, shown):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)["mappa_level"]
    _choose(person.subject_form.mappa_level, 3)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=2000)
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert cohort.subject_details(store, pid)["mappa_level"] == before
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert cohort.subject_details(store, pid)["mappa_level"] == 3
    assert w.undo_action.shortcut().toString() == "Ctrl+Z" and w.redo_action.shortcut().toString() == "Ctrl+Shift+Z"


def test_several_edits_are_undone_newest_first(shown):
    w, person, store, pid, _ = shown
    before = cohort.subject_details(store, pid)
    _choose(person.subject_form.mappa_category, 2)
    _choose(person.subject_form.risk_level, "high")
    assert _undo_text(w) == "Undo change risk level"
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)["risk_level"] == before["risk_level"]
    assert cohort.subject_details(store, pid)["mappa_category"] == 2
    assert _undo_text(w) == "Undo change MAPPA category"
    w.undo_action.trigger()
    assert cohort.subject_details(store, pid)["mappa_category"] == before["mappa_category"]


def _answer(monkeypatch, **values):
    monkeypatch.setattr(dialogs, "ask", lambda *_a, **_k: dict(values))


def test_an_order_is_added_ended_and_undone(shown, monkeypatch):
    w, person, store, pid, _ = shown
    tab = person.orders_tab
    victim = person.profile.as_perpetrator[0]
    _answer(monkeypatch, type="SPO", start=dt.date(2026, 10, 1), end=None,
            protects=f"{victim.other_name} ({victim.other_id})", conditions="Not to contact her")
    tab.add_order()
    (o,) = [x for x in cohort.orders(store, pid) if x["type"] == "SPO"]
    assert (o["start"], o["end"], o["protected_person_id"]) == ("2026-10-01", None, victim.other_id)
    assert [r["type"] for r in tab.order_model.rows()].count("SPO") == 1
    assert _undo_text(w) == "Undo add SPO"
    tab.order_view.selectRow(next(i for i, r in enumerate(tab.order_model.rows()) if r["id"] == o["id"]))
    tab.end_order()
    assert cohort.order(store, o["id"])["end"] == TODAY.isoformat()
    assert _undo_text(w) == "Undo end order"
    w.undo_action.trigger()
    assert cohort.order(store, o["id"])["end"] is None
    w.undo_action.trigger()
    assert not [x for x in cohort.orders(store, pid) if x["type"] == "SPO"]
    assert [a for a, _ in _entries(store, pid, "order.*")] == ["order.added", "order.changed", "order.changed",
                                                                "order.removed"]


def test_a_corrected_order_keeps_the_rest(shown, monkeypatch):
    w, person, store, pid, _ = shown
    oid = cohort.add_order(store, pid, "bail conditions", "2026-10-01", conditions="Curfew 7pm to 7am")
    person.reload()
    tab = person.orders_tab
    tab.order_view.selectRow(next(i for i, r in enumerate(tab.order_model.rows()) if r["id"] == oid))
    _answer(monkeypatch, type="bail conditions", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 1), protects="",
            conditions="Curfew 8pm to 7am")
    tab.edit_order()
    o = cohort.order(store, oid)
    assert (o["end"], o["conditions"], o["start"]) == ("2026-12-01", "Curfew 8pm to 7am", "2026-10-01")
    assert _undo_text(w) == "Undo change order"
    w.undo_action.trigger()
    o = cohort.order(store, oid)
    assert (o["end"], o["conditions"]) == (None, "Curfew 7pm to 7am")


def test_a_refused_order_writes_nothing(shown, monkeypatch):
    w, person, store, pid, messages = shown
    before = cohort.orders(store, pid)
    _answer(monkeypatch, type="DVPO", start=dt.date(2026, 10, 10), end=dt.date(2026, 10, 1), protects="",
            conditions="")
    person.orders_tab.add_order()
    assert messages and "cannot end before it starts" in messages[-1]
    assert cohort.orders(store, pid) == before and not w.undo_action.isEnabled()


def test_a_clares_law_disclosure_is_recorded_decided_and_undone(shown, monkeypatch):
    w, person, store, pid, _ = shown
    tab = person.orders_tab
    victim = person.profile.as_perpetrator[0]
    _answer(monkeypatch, kind="right to know", date=dt.date(2026, 10, 20), to=f"{victim.other_name} ({victim.other_id})",
            decision="pending", notes="")
    tab.add_disclosure()
    (d,) = [x for x in cohort.disclosures(store, pid) if x["to_id"] == victim.other_id]
    assert d["decision"] == "pending"
    assert _undo_text(w) == "Undo record Clare's Law right to know"
    tab.disclosure_view.selectRow(next(i for i, r in enumerate(tab.disclosure_model.rows()) if r["id"] == d["id"]))
    _answer(monkeypatch, kind="right to know", date=dt.date(2026, 10, 20), decision="disclosed", notes="")
    tab.edit_disclosure()
    assert cohort.disclosure(store, d["id"])["decision"] == "disclosed"
    assert _undo_text(w) == "Undo change Clare's Law decision"
    w.undo_action.trigger()
    assert cohort.disclosure(store, d["id"])["decision"] == "pending"
    w.undo_action.trigger()
    assert not [x for x in cohort.disclosures(store, pid) if x["to_id"] == victim.other_id]


def test_an_alias_is_added_and_removed_and_both_undone(shown, monkeypatch):
    w, person, store, pid, _ = shown
    _answer(monkeypatch, forename="Dazza", surname="Quinlan", source="custody record")
    person.add_alias()
    assert ("Dazza Quinlan", "custody record") in people.load_profile(store, pid).aliases
    assert people.search_ids(store, "quinlan") == [pid]
    assert [a.name for a in person.alias_model.rows()] == ["Dazza Quinlan"]
    person.alias_view.selectRow(0)
    person.remove_alias()
    assert people.load_profile(store, pid).aliases == []
    assert _undo_text(w) == "Undo remove alias"
    w.undo_action.trigger()
    assert people.load_profile(store, pid).aliases == [("Dazza Quinlan", "custody record")]
    w.undo_action.trigger()
    assert people.load_profile(store, pid).aliases == []


def test_a_warning_marked_resolved_and_undone(shown):
    w, person, store, pid, _ = shown
    with store.transaction():
        store.conn.execute("INSERT INTO data_quality (person_id, kind, detail, old_value, new_value, detected_at)"
                           " VALUES (?, 'dob_changed', 'date of birth differs', '1980-01-01', '1980-01-02', ?)",
                           [pid, "2026-10-30T00:00:00+00:00"])
    person.reload()
    assert person.resolve_button.isEnabled()
    person.resolve_button.click()
    assert people.load_profile(store, pid).open_warnings == []
    assert _undo_text(w) == "Undo mark warning resolved"
    w.undo_action.trigger()
    assert len(people.load_profile(store, pid).open_warnings) == 1
    assert person.resolve_button.isEnabled()


def test_locking_forgets_the_history(shown):
    w, person, store, pid, _ = shown
    _choose(person.subject_form.mappa_level, 3)
    assert w.undo_action.isEnabled()
    w.lock()
    assert not w.undo_action.isEnabled() and w.ctx.history.stack.count() == 0
    w.lock_screen.passphrase.setText("test passphrase 123")
    w.lock_screen.try_unlock()
    assert not w.locked
    assert not w.undo_action.isEnabled() and _undo_text(w) == "Undo"
    assert cohort.subject_details(store, pid)["mappa_level"] == 3       # the change itself stays


def test_a_merged_record_is_shown_but_not_edited(shown):
    w, person, store, pid, _ = shown
    with store.transaction():
        store.conn.execute("INSERT INTO persons (id, forename, surname, name_key, merged_into, created_at, updated_at)"
                           " VALUES ('DUP1', 'Dup', 'Record', 'dup record', ?, 'x', 'x')", [pid])
    person.show_person("DUP1")
    assert person.profile.merged_into == pid
    assert not any(x.isEnabled() for x in person.subject_form.edit_widgets)
    assert "merged into" in person.subject_form.note.text()
    assert not person.orders_tab.add_order_button.isEnabled() and not person.add_alias_button.isEnabled()


def test_a_person_whose_incidents_as_perpetrator_are_on_a_merged_record_has_subject_details(shown):
    w, person, store, _pid, _ = shown
    perp = store.scalar(
        "SELECT DISTINCT v.perpetrator_id FROM involvements v JOIN persons p ON p.id = v.perpetrator_id"
        " WHERE p.merged_into IS NULL AND v.perpetrator_id NOT IN (SELECT person_id FROM cohort_events)"
        " AND v.perpetrator_id NOT IN (SELECT person_id FROM subjects) ORDER BY 1 LIMIT 1")
    with store.transaction():           # his other record, without incidents, is the one kept
        store.conn.execute("INSERT INTO persons (id, forename, surname, name_key, created_at, updated_at)"
                           " VALUES ('KEPT1', 'Kept', 'Record', 'kept record', 'x', 'x')")
        store.conn.execute("UPDATE persons SET merged_into = 'KEPT1' WHERE id = ?", [perp])
    person.show_person("KEPT1")
    assert person.profile.id == "KEPT1" and not person.profile.as_perpetrator
    assert person.case.explanation.incidents                       # the timeline shows his incidents...
    assert all(x.isEnabled() for x in person.subject_form.edit_widgets)      # ...and his details can be set
    assert "only as a victim" not in person.subject_form.note.text()


def test_edits_and_undos_through_the_thread_pool_run_in_the_order_asked(qtbot, meeting_store,  # noqa: F811
                                                                         isolated_qsettings):  # noqa: F811
    from matac_desk.ui.main import open_window
    from matac_desk.ui.tasks import TaskRunner
    store, seeded = meeting_store
    w = open_window(store, TaskRunner(), today=lambda: TODAY)
    qtbot.addWidget(w)
    w.show()
    pid = seeded.cohort[1]
    w.open_person(pid)
    person = w.pages["people"].person
    qtbot.waitUntil(lambda: person.profile is not None and person.profile.id == pid and person._pending is None,
                    timeout=10000)
    before = cohort.subject_details(store, pid)
    form = person.subject_form
    _choose(form.mappa_category, 2)         # three edits and two undos asked for before any has finished
    _choose(form.mappa_level, 3)
    _choose(form.risk_level, "high")
    w.ctx.history.undo()
    w.ctx.history.undo()
    history = w.ctx.history
    qtbot.waitUntil(lambda: not history.busy and not history._queue, timeout=15000)
    d = cohort.subject_details(store, pid)
    assert (d["mappa_category"], d["mappa_level"], d["risk_level"]) == (2, before["mappa_level"],
                                                                         before["risk_level"])
    assert _undo_text(w) == "Undo change MAPPA category"
    assert [r for _a, r in _entries(store, pid, "subject.changed")][-5:] == [None, None, None, "undo", "undo"]
    w.close()

"""Edits made on a person page: each applied, undone and redone through the services, audited, all or nothing."""

from __future__ import annotations

import pytest

from matac_desk.storage import audit
from matac_desk.meeting import cohort, workload
from matac_desk.services import edits, people
from matac_desk.storage.audit import pseudonym
from matac_desk.domain import Overloaded, UserError, name_key

NOW = "2026-01-01T00:00:00+00:00"


@pytest.fixture
def person(store):
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO persons (id, forename, surname, name_key, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            [(pid, fn, sn, name_key(fn, sn), NOW, NOW)
             for pid, fn, sn in (("P1", "Lee", "Smith"), ("V1", "Zoë", "Nowak"), ("V2", "Amy", "Price"))])
        store.conn.execute("INSERT INTO data_quality (person_id, kind, detail, old_value, new_value, detected_at)"
                           " VALUES ('P1', 'dob_changed', 'date of birth differs', '1980-02-04', '1980-04-02', ?)",
                           [NOW])
    return "P1"


def _log(store, pid="P1"):
    return [(e["action"], e["reason"]) for e in audit.entries(store.conn, person_id=pid)]


def _snapshot(store) -> dict:
    """Every table an edit may touch, as it is."""
    return {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("subjects", "orders", "disclosures", "aliases", "data_quality")}


@pytest.mark.parametrize("field, value, text", [
    ("mappa_category", 3, "change MAPPA category"),
    ("mappa_level", 2, "change MAPPA level"),
    ("marac", True, "change MARAC"),
    ("iom", True, "change IOM"),
    ("risk_level", "high", "change risk level"),
    ("risk_weapons", True, "change weapons risk"),
    ("risk_substance_misuse", True, "change substance misuse risk"),
    ("risk_mental_health", True, "change mental health risk"),
    ("division", "North", "change division"),
])
def test_a_subject_detail_is_set_undone_and_redone(store, person, field, value, text):
    before = cohort.subject_details(store, person)[field]
    edit = edits.SubjectEdit(person, **{field: value})
    assert edit.text == text
    assert edit.apply(store) is True
    assert cohort.subject_details(store, person)[field] == value
    edit.revert(store)
    assert cohort.subject_details(store, person)[field] == before
    edit.apply(store)
    assert cohort.subject_details(store, person)[field] == value
    assert _log(store) == [("subject.changed", None), ("subject.changed", "undo"), ("subject.changed", "redo")]


def test_allocating_an_offender_manager_and_undoing_restores_division_too(store, person):
    om = workload.add_om(store, "DC Amy Reid", "North")
    edit = edits.SubjectEdit(person, om_id=om)
    assert edit.text == "change offender manager"
    edit.apply(store)
    d = cohort.subject_details(store, person)
    assert (d["om_id"], d["division"]) == (om, "North")   # allocate gives him the OM's division
    edit.revert(store)
    d = cohort.subject_details(store, person)
    assert (d["om_id"], d["division"]) == (None, None)


def test_an_overloaded_offender_manager_is_refused_and_nothing_changes(store, person):
    om = workload.add_om(store, "DC Busy", "North", other_cases=60)
    before = _snapshot(store)
    with pytest.raises(UserError, match="overloaded") as refused:
        edits.SubjectEdit(person, om_id=om).apply(store)
    assert isinstance(refused.value, Overloaded)          # what the form asks to confirm, by its type
    assert _snapshot(store) == before and _log(store) == []
    edits.SubjectEdit(person, om_id=om, allow_overloaded=True).apply(store)
    assert cohort.subject_details(store, person)["om_id"] == om


def test_a_refused_value_changes_nothing(store, person):
    before = _snapshot(store)
    with pytest.raises(UserError, match="MAPPA level must be"):
        edits.SubjectEdit(person, mappa_level=7).apply(store)
    assert _snapshot(store) == before and _log(store) == []


def test_several_fields_in_one_edit_are_one_transaction(store, person, monkeypatch):
    real = store.audit

    def failing_audit(action, **kw):      # the write happened; the audit entry fails: all of it goes
        real(action, **kw)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "audit", failing_audit)
    with pytest.raises(RuntimeError):
        edits.SubjectEdit(person, mappa_category=3, mappa_level=2).apply(store)
    monkeypatch.undo()
    assert cohort.subject_details(store, person)["mappa_level"] is None
    assert _log(store) == []


def test_nothing_changed_is_not_an_edit(store, person):
    edits.SubjectEdit(person, marac=True).apply(store)
    assert edits.SubjectEdit(person, marac=True).apply(store) is False


def test_undo_is_refused_when_the_value_changed_again_since(store, person):
    edit = edits.SubjectEdit(person, mappa_level=2)
    edit.apply(store)
    cohort.set_subject_details(store, person, mappa_level=3)       # elsewhere (the CLI, another page)
    with pytest.raises(UserError, match="MAPPA level changed again since") as refused:
        edit.revert(store)
    assert "(it is now 3)" in str(refused.value)                    # what it holds now
    assert cohort.subject_details(store, person)["mappa_level"] == 3


def test_an_undo_refused_names_what_each_field_holds_now(store, person):
    edit = edits.SubjectEdit(person, mappa_level=2, marac=True, division="North")
    edit.apply(store)
    cohort.set_subject_details(store, person, mappa_level=None, marac=False)
    with pytest.raises(UserError) as refused:
        edit.revert(store)
    assert str(refused.value) == ("the MAPPA level, MARAC changed again since this edit (now MAPPA level none, "
                                  "MARAC no); it was not undone")
    oid = cohort.add_order(store, person, "bail conditions", "2026-03-01", conditions="Curfew")
    change = edits.ChangeOrder(person, oid, conditions="Curfew 8pm")
    change.apply(store)
    cohort.update_order(store, oid, conditions="x" * 80)
    with pytest.raises(UserError, match=r"\(it is now x{59}…\); it was not undone"):
        change.revert(store)


def test_a_redo_refused_says_it_was_not_redone(store, person):
    edit = edits.SubjectEdit(person, mappa_level=2)
    edit.apply(store)
    edit.revert(store)
    cohort.set_subject_details(store, person, mappa_level=3)       # elsewhere, after the undo
    with pytest.raises(UserError, match="MAPPA level changed again since") as refused:
        edit.apply(store)
    assert "not redone" in str(refused.value) and "undone" not in str(refused.value)
    assert cohort.subject_details(store, person)["mappa_level"] == 3


def test_an_order_is_added_ended_and_both_undone(store, person):
    add = edits.AddOrder(person, "DVPO", "2026-01-02", protected_person_id="V1", conditions="no contact")
    assert add.text == "add DVPO"
    add.apply(store)
    (o,) = cohort.orders(store, person)
    assert (o["type"], o["end"], o["protected_name"], o["conditions"]) == ("DVPO", None, "Zoë Nowak", "no contact")
    end = edits.ChangeOrder(person, o["id"], end="2026-01-29")
    assert end.text == "end order"
    end.apply(store)
    assert cohort.order(store, o["id"])["end"] == "2026-01-29"
    end.revert(store)
    assert cohort.order(store, o["id"])["end"] is None
    add.revert(store)
    assert cohort.orders(store, person) == []
    add.apply(store)                                                 # redo: the order again, under a new number
    assert [x["type"] for x in cohort.orders(store, person)] == ["DVPO"]
    assert [a for a, _ in _log(store)] == ["order.added", "order.changed", "order.changed", "order.removed",
                                           "order.added"]
    assert _log(store)[3] == ("order.removed", "undo")


def test_an_order_cannot_end_before_it_starts(store, person):
    oid = cohort.add_order(store, person, "bail conditions", "2026-03-01")
    before = _snapshot(store)
    with pytest.raises(UserError, match="cannot end before it starts"):
        edits.ChangeOrder(person, oid, end="2026-02-01").apply(store)
    with pytest.raises(UserError, match="unknown order type"):
        edits.ChangeOrder(person, oid, type="ASBO").apply(store)
    assert _snapshot(store) == before


def test_a_corrected_order_keeps_what_was_not_touched(store, person):
    oid = cohort.add_order(store, person, "restraining order", "2026-03-01", protected_person_id="V1")
    edit = edits.ChangeOrder(person, oid, type="non-molestation order", protected_person_id="V2")
    assert edit.text == "change order"
    edit.apply(store)
    o = cohort.order(store, oid)
    assert (o["type"], o["start"], o["protected_person_id"]) == ("non-molestation order", "2026-03-01", "V2")
    edit.revert(store)
    o = cohort.order(store, oid)
    assert (o["type"], o["protected_person_id"]) == ("restraining order", "V1")


def test_a_clares_law_record_is_added_decided_and_undone(store, person):
    add = edits.AddDisclosure(person, "right to know", "2026-02-01", disclosed_to_id="V1")
    assert add.text == "record Clare's Law right to know"
    add.apply(store)
    (d,) = cohort.disclosures(store, person)
    assert (d["kind"], d["decision"], d["to_name"]) == ("right to know", "pending", "Zoë Nowak")
    decide = edits.ChangeDisclosure(person, d["id"], decision="disclosed")
    assert decide.text == "change Clare's Law decision"
    decide.apply(store)
    assert cohort.disclosure(store, d["id"])["decision"] == "disclosed"
    decide.revert(store)
    assert cohort.disclosure(store, d["id"])["decision"] == "pending"
    add.revert(store)
    assert cohort.disclosures(store, person) == []
    assert [a for a, _ in _log(store)] == ["disclosure.recorded", "clares_law.changed", "clares_law.changed",
                                           "clares_law.removed"]


def test_a_clares_law_record_needs_someone_to_tell(store, person):
    with pytest.raises(UserError, match="say to whom"):
        edits.AddDisclosure(person, "right to ask", "2026-02-01", recipient_name="  ").apply(store)
    assert cohort.disclosures(store, person) == []


def test_an_alias_is_added_searchable_removed_and_restored(store, person):
    add = edits.AddAlias(person, "Leroy", "Smithe", "custody record")
    add.apply(store)
    assert people.search_ids(store, "smithe") == ["P1"]
    (a,) = people.load_profile(store, person).alias_records
    assert (a.name, a.source) == ("Leroy Smithe", "custody record")
    remove = edits.RemoveAlias(person, a.id)
    remove.apply(store)
    assert people.load_profile(store, person).aliases == [] and people.search_ids(store, "smithe") == []
    remove.revert(store)
    assert people.load_profile(store, person).aliases == [("Leroy Smithe", "custody record")]
    remove.apply(store)                          # redo removes the alias restored under its new number
    assert people.load_profile(store, person).aliases == []
    assert [a for a, _ in _log(store)] == ["alias.added", "alias.removed", "alias.added", "alias.removed"]


@pytest.mark.parametrize("forename, surname, message", [
    ("", " ", "needs a forename or a surname"),
    ("Lee", "Smith", "the person's own name"),
    ("x" * 101, "Smith", "at most 100 characters"),
    ("x" * 101, "Smith", r"^an alias's forename is at most 100 characters \(101 given\)$"),
    ("Lee", "y" * 120, r"^an alias's surname is at most 100 characters"),
    ("x" * 101, "y" * 120, r"^an alias's forename and surname are at most 100 characters each \(101 and 120 given\)$"),
])
def test_a_bad_alias_is_refused(store, person, forename, surname, message):
    with pytest.raises(UserError, match=message):
        edits.AddAlias(person, forename, surname).apply(store)
    assert people.load_profile(store, person).aliases == []


def test_the_same_alias_twice_is_refused(store, person):
    edits.AddAlias(person, "Leroy", "Smithe").apply(store)
    with pytest.raises(UserError, match="already an alias"):
        edits.AddAlias(person, "LEROY", "Smithé").apply(store)


def test_a_warning_marked_resolved_is_reopened_by_undo(store, person):
    (w,) = people.load_profile(store, person).open_warnings
    edit = edits.ResolveWarning(person, w.id)
    edit.apply(store)
    assert people.load_profile(store, person).open_warnings == []
    edit.revert(store)
    assert [x.id for x in people.load_profile(store, person).open_warnings] == [w.id]
    with pytest.raises(UserError, match="open already"):
        people.reopen_warning(store, w.id)
    assert _log(store) == [("data_quality.resolved", None), ("data_quality.reopened", "undo")]


def test_a_warning_is_resolved_once_and_a_missing_one_is_named(store, person):
    (w,) = people.load_profile(store, person).open_warnings
    people.resolve_warning(store, w.id)
    with pytest.raises(UserError, match=f"warning {w.id} was already resolved on 20"):
        people.resolve_warning(store, w.id)
    for fn in (people.resolve_warning, people.reopen_warning):
        with pytest.raises(UserError, match="no data-quality warning number 999"):
            fn(store, 999)
    assert _log(store) == [("data_quality.resolved", None)]


def test_audit_entries_of_edits_hold_no_names(store, person):
    edits.AddAlias(person, "Leroy", "Smithe").apply(store)
    edits.AddOrder(person, "DVPO", "2026-01-02", protected_person_id="V1").apply(store)
    dump = repr(store.conn.execute("SELECT * FROM audit_log").fetchall())
    for secret in ("Leroy", "Smithe", "Nowak", "P1", "V1"):
        assert secret not in dump
    assert pseudonym(store.conn, "P1") in dump


def test_an_edit_on_a_read_only_store_changes_nothing(store, person, tmp_path):
    from matac_desk.storage.store import StoreError
    ro = type(store).open(store.path, "test passphrase 123", read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            edits.SubjectEdit(person, mappa_level=2).apply(ro)
    finally:
        ro.close()
    assert cohort.subject_details(store, person)["mappa_level"] is None

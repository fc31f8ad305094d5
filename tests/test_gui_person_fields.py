"""Names wherever a person is asked for: the link form, the merge dialog and the referral dialog take a name, an
alias, a date of birth or an id; a name several persons have keeps the form open with "could be …" under the field,
and nothing is written until one is chosen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from matac_desk.analysis import nominations
from matac_desk.domain import name_key
from matac_desk.storage import backups
from matac_desk.ui import dialogs
from matac_desk.ui.personfield import PersonField

from gui_support import (_demo_template, _meeting_template, demo_store, isolated_qsettings,  # noqa: F401
                         make_window, meeting_store)

pytestmark = pytest.mark.gui

UNIQUE = "NM9100001"                 # Ottoline Vasquez-Pike: a name only she has
TWINS = ["NM9100002", "NM9100003"]   # two men called Zebedee Quartermaine
OTHER = "NM9100004"                  # Ottoline Vasquez Pike: her second record, merged into the first
PERSONS = [(UNIQUE, "Ottoline", "Vasquez-Pike", "1991-03-14"), (TWINS[0], "Zebedee", "Quartermaine", "1980-01-01"),
           (TWINS[1], "Zebedee", "Quartermaine", "1984-06-30"), (OTHER, "Ottoline", "Vasquez Pyke", "1991-03-14")]
ACCEPTED = dialogs.QDialog.DialogCode.Accepted


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch):
    """A refusal is told in the form or the page, never in a message box (one would wait for an answer)."""
    shown = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **_k: shown.append(a[1:]))
    yield shown
    assert not shown, f"a message box was shown: {shown}"


def _add_persons(store) -> None:
    with store.transaction():
        for pid, fn, sn, dob in PERSONS:
            store.conn.execute("INSERT INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
                               " VALUES (?,?,?,?,?, 'now', 'now')", [pid, fn, sn, dob, name_key(fn, sn)])


def _real_dialog(qtbot, monkeypatch, fill):
    """Answer the page's next ``dialogs.ask`` with the real form, filled and OK'd by ``fill(dialog)``; ``fill``
    returns True to take the values (the form must have closed), False to cancel.

    It runs inside the page's button slot, where a failed assertion would reach the window's exception hook (a
    message box nobody answers offscreen): what goes wrong is kept and raised by :func:`_check` after the click.
    """
    seen = {}

    def ask(parent, title, fields, **kw):
        dlg = dialogs.FormDialog(title, fields, intro=kw.get("intro", ""), ok=kw.get("ok", "OK"), parent=parent,
                                 check=kw.get("check"), ctx=kw.get("ctx"))
        qtbot.addWidget(dlg)
        seen["dialog"] = dlg
        try:
            if not fill(dlg):
                return None
            if dlg.result() != ACCEPTED:
                raise AssertionError(f"the form stayed open: {dlg.error.text()}")
        except Exception as e:        # noqa: BLE001 - raised again by _check, outside the slot
            seen["error"] = e
            return None
        return dlg.values()

    monkeypatch.setattr(dialogs, "ask", ask)
    return seen


def _check(seen) -> None:
    assert "dialog" in seen, "no form was asked for"
    if "error" in seen:
        raise seen["error"]


def _type(field: PersonField, text: str) -> None:
    field.clear()
    field.setText(text)


def _count(store, table: str) -> int:
    return store.scalar(f"SELECT count(*) FROM {table}")


# ------------------------------------------------------------ the referral dialog

@pytest.fixture
def nominations_page(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, _seeded = meeting_store
    _add_persons(store)
    return make_window(qtbot, store).show_page("nominations"), store


def _fill_referral(dlg, person: str | None) -> None:
    if person is not None:
        _type(dlg.widgets["person"], person)
    dlg.widgets["agency"].setCurrentText("Housing")
    dlg.widgets["reason"].setPlainText("ASB reports from the neighbours")


def test_refer_a_person_chosen_by_name(nominations_page, qtbot, monkeypatch):
    p, store = nominations_page
    row = p.nom_model.rows()[0]
    p.select_person(row.person_id)

    def fill(dlg):
        field = dlg.widgets["person"]
        assert field.person_id() == row.person_id and row.name in field.text()   # the person selected, offered
        _fill_referral(dlg, "ottoline")           # typed, then picked from the suggestions
        field.look_up()
        assert field.suggestions() == [f"Ottoline Vasquez-Pike ({UNIQUE}) · born 1991-03-14",
                                       f"Ottoline Vasquez Pyke ({OTHER}) · born 1991-03-14"]
        field.pick(0)
        dlg._accept()
        return True

    seen = _real_dialog(qtbot, monkeypatch, fill)
    p.refer_button.click()
    _check(seen)
    [ref] = nominations.referrals(store, person_id=UNIQUE)
    assert (ref.agency, ref.reason) == ("Housing", "ASB reports from the neighbours")
    assert p.message.text() == f"Referral of {UNIQUE} by Housing recorded."


def test_refer_a_name_only_one_person_has_without_picking(nominations_page, qtbot, monkeypatch):
    p, store = nominations_page
    seen = _real_dialog(qtbot, monkeypatch, lambda dlg: _fill_referral(dlg, "Ottoline Vasquez-Pike")
                        or dlg._accept() or True)
    p.refer_button.click()
    _check(seen)
    assert [r.person_id for r in nominations.referrals(store, person_id=UNIQUE)] == [UNIQUE]


def test_an_ambiguous_name_keeps_the_referral_dialog_open_with_the_candidates(nominations_page, qtbot, monkeypatch):
    p, store = nominations_page
    before = _count(store, "referrals")
    states = []

    def fill(dlg):
        field = dlg.widgets["person"]
        _fill_referral(dlg, "Zebedee Quartermaine")
        dlg._accept()
        states.append((dlg.result(), field.text(), field.note.text(), dlg.error.text(), field.suggestions()))
        assert _count(store, "referrals") == before        # nothing written while it is open
        field.pick(1)                                       # the one born in 1984
        dlg._accept()
        return True

    seen = _real_dialog(qtbot, monkeypatch, fill)
    p.refer_button.click()
    _check(seen)
    [(result, text, note, error, offered)] = states
    assert result != ACCEPTED and text == "Zebedee Quartermaine"                 # still open, with its text
    assert note == (f"Could be {TWINS[0]} Zebedee Quartermaine (born 1980-01-01), {TWINS[1]} Zebedee Quartermaine "
                    "(born 1984-06-30): pick one from the list, or type the id.")
    assert "Person" in error and "Nothing was done" in error
    assert offered == [f"Zebedee Quartermaine ({pid}) · born {dob}" for pid, dob in zip(TWINS, ("1980-01-01",
                                                                                                 "1984-06-30"))]
    assert [r.person_id for r in nominations.referrals(store, status=None)][-1] == TWINS[1]
    assert _count(store, "referrals") == before + 1


def test_a_name_nobody_has_is_told_under_the_field(nominations_page, qtbot, monkeypatch):
    p, store = nominations_page
    before = _count(store, "referrals")

    def fill(dlg):
        _fill_referral(dlg, "Nobody Byname")
        dlg._accept()
        assert dlg.result() != ACCEPTED
        assert dlg.widgets["person"].note.text() == "No person matches 'Nobody Byname' (by name, alias or id)."
        return False                                          # the user cancels

    seen = _real_dialog(qtbot, monkeypatch, fill)
    p.refer_button.click()
    _check(seen)
    assert _count(store, "referrals") == before


# ------------------------------------------------------------ the merge dialog

@pytest.fixture
def records_page(qtbot, demo_store, isolated_qsettings):  # noqa: F811
    _add_persons(demo_store)
    page = make_window(qtbot, demo_store).show_page("records")
    page.tabs.setCurrentIndex(1)       # Merges
    return page, demo_store


def test_merge_two_records_chosen_by_name(records_page, qtbot, monkeypatch):
    page, store = records_page

    def fill(dlg):
        _type(dlg.widgets["keep"], "Ottoline Vasquez-Pike")        # a name only she has
        _type(dlg.widgets["other"], OTHER.lower())                 # an id
        dlg.widgets["reason"].setPlainText("same date of birth, surname misspelt")
        dlg._accept()
        return True

    seen = _real_dialog(qtbot, monkeypatch, fill)
    assert page.merge_named_button.isEnabled()
    page.merge_named_button.click()
    _check(seen)
    assert store.scalar("SELECT merged_into FROM persons WHERE id = ?", [OTHER]) == UNIQUE
    assert page.merge_message.text().startswith(f"Merged {OTHER} into {UNIQUE} (merge ")
    assert [(m.merge.keep_id, m.merge.merged_id) for m in page.merge_model.rows()] == [(UNIQUE, OTHER)]


def test_an_ambiguous_name_keeps_the_merge_dialog_open_and_makes_no_backup(records_page, qtbot, monkeypatch):
    page, store = records_page
    backups_before = len(backups.list_backups(store.path))
    states = []

    def fill(dlg):
        _type(dlg.widgets["keep"], "zebedee quartermaine")
        _type(dlg.widgets["other"], UNIQUE)
        dlg.widgets["reason"].setPlainText("same man")
        dlg._accept()
        keep = dlg.widgets["keep"]
        states.append((dlg.result(), keep.text(), keep.note.text(), dlg.widgets["reason"].toPlainText()))
        return False

    seen = _real_dialog(qtbot, monkeypatch, fill)
    page.merge_named_button.click()
    _check(seen)
    [(result, text, note, reason)] = states
    assert result != ACCEPTED and (text, reason) == ("zebedee quartermaine", "same man")
    assert note.startswith(f"Could be {TWINS[0]} Zebedee Quartermaine (born 1980-01-01), {TWINS[1]} ")
    assert store.scalar("SELECT count(*) FROM persons WHERE merged_into IS NOT NULL AND id LIKE 'NM91%'") == 0
    assert len(backups.list_backups(store.path)) == backups_before


# ------------------------------------------------------------ the link form

LINK = {"relationship": "partner", "first_seen": "2026-10-01", "source": "custody record"}


def _fill_link(page, **values) -> None:
    for column, value in {**LINK, **values}.items():
        w = page.link_edits[column]
        w.setCurrentText(value) if hasattr(w, "setCurrentText") else w.setText(value)


def test_a_link_between_persons_chosen_by_name(records_page):
    page, store = records_page
    page.tabs.setCurrentIndex(2)
    assert isinstance(page.a_id, PersonField) and isinstance(page.b_id, PersonField)
    _fill_link(page, person_b_id="Ottoline Vasquez-Pike")     # typed: a name only she has
    page.a_id.setText("zebedee")
    page.a_id.look_up()
    page.a_id.pick(1)                                          # the Zebedee born in 1984, picked
    page.look_up_persons()
    assert page.a_name.text() == f"Zebedee Quartermaine ({TWINS[1]}), born 1984-06-30"
    assert page.b_name.text() == f"Ottoline Vasquez-Pike ({UNIQUE}), born 1991-03-14"
    page.add_button.click()
    link_id = store.scalar("SELECT id FROM links WHERE person_a_id = ? AND person_b_id = ?", [TWINS[1], UNIQUE])
    assert link_id is not None
    assert page.link_message.text() == f"Link {link_id} recorded: {UNIQUE} is {TWINS[1]}'s partner from 2026-10-01."


def test_an_ambiguous_name_in_the_link_form_writes_nothing_and_lists_the_candidates(records_page):
    page, store = records_page
    page.tabs.setCurrentIndex(2)
    counts = _count(store, "links"), _count(store, "audit_log")
    _fill_link(page, person_a_id="Zebedee Quartermaine", person_b_id=UNIQUE)
    page.look_up_persons()
    assert page.a_name.text().startswith(f"Could be {TWINS[0]} Zebedee Quartermaine (born 1980-01-01), ")
    page.add_button.click()
    assert (_count(store, "links"), _count(store, "audit_log")) == counts
    assert page.link_message.text().startswith("The link cannot be added: person A could be any of several persons")
    assert page.a_name.text().startswith(f"Could be {TWINS[0]} ")
    assert page.a_id.text() == "Zebedee Quartermaine" and page.a_id.suggestions()[1].endswith("born 1984-06-30")
    assert page.window().focusWidget() is page.a_id


# ------------------------------------------------------------ the Packs page's profile

def test_a_profile_for_an_ambiguous_name_lists_the_candidates_and_writes_nothing(qtbot, meeting_store,  # noqa: F811
                                                                                 isolated_qsettings, tmp_path):
    from matac_desk.storage import audit
    store, _seeded = meeting_store
    _add_persons(store)
    page = make_window(qtbot, store).show_page("packs")
    page.kind_profile.setChecked(True)
    page.person.setText("Zebedee Quartermaine")
    page.recipient.setCurrentText("Probation")
    before = len(audit.entries(store.conn, action="disclosure.profile"))
    out = tmp_path / "profile.pdf"
    page.export(path=str(out))
    qtbot.waitUntil(lambda: page.person.note.text() != "")
    assert page.person.note.text().startswith(f"Could be {TWINS[0]} Zebedee Quartermaine (born 1980-01-01), {TWINS[1]} ")
    assert page.person.note.isVisibleTo(page)
    assert not out.exists() and len(audit.entries(store.conn, action="disclosure.profile")) == before

"""The profile PDF from the person page: the recipient asked for and logged; no recipient, no file; Ctrl+P prints."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from matac_desk.storage import audit
from matac_desk.ui import dialogs, pdfexport

from gui_support import _meeting_template, isolated_qsettings, meeting_store, open_cohort_person  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def shown(open_cohort_person):  # noqa: F811
    w, person, store, _seeded, pid = open_cohort_person(0)
    return w, person, store, pid


def _recipient(monkeypatch, recipient="DC Omar Farouk, HHPU", version="Full (for the MATAC table)", reason=""):
    asked = []

    def ask(_parent, title, fields, **_kw):
        asked.append((title, [f.key for f in fields], next(f for f in fields if f.key == "recipient").required))
        return {"recipient": recipient, "reason": reason, "version": version}

    monkeypatch.setattr(dialogs, "ask", ask)
    return asked


def _profiles(store, pid):
    return audit.entries(store.conn, person_id=pid, action="disclosure.profile")


def test_export_the_profile_with_a_recipient_records_the_disclosure(shown, tmp_path, monkeypatch):
    w, person, store, pid = shown
    asked = _recipient(monkeypatch, reason="Tasking for the next MATAC")
    out = tmp_path / "chosen.pdf"
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: str(out))
    task = person.export_profile()
    assert task.error is None, task.error
    assert asked == [("Export the profile", ["recipient", "reason", "version"], True)]
    assert out.read_bytes().startswith(b"%PDF")
    (entry,) = _profiles(store, pid)
    assert entry["recipient"] == "DC Omar Farouk, HHPU" and entry["reason"] == "Tasking for the next MATAC"
    assert '"redacted": false' in entry["detail"]
    assert " pages, reference" in person.export_message.text() and "audit log" in person.export_message.text()
    assert not person.export_progress.isVisible() and person.export_open.isVisible()
    # the Audit tab shows it once the page reloads
    assert any(e["action"] == "disclosure.profile" for e in person.audit_model.rows())


def test_the_redacted_version(shown, tmp_path, monkeypatch):
    _w, person, store, pid = shown
    _recipient(monkeypatch, recipient="Northshire Housing", version=pdfexport.VERSIONS[1][0])
    assert person.export_profile(path=str(tmp_path / "r.pdf")).error is None
    assert '"redacted": true' in _profiles(store, pid)[-1]["detail"]


# A blank recipient answered here reaches the page's own check, which only an answer that bypasses the form can
# reach (the form refuses it first: test_the_recipient_form_itself_refuses_a_blank_recipient).
@pytest.mark.parametrize("answer", [None, {"recipient": "   ", "reason": "", "version": ""}])
def test_no_recipient_writes_nothing(shown, tmp_path, monkeypatch, answer):
    _w, person, store, pid = shown
    monkeypatch.setattr(dialogs, "ask", lambda *_a, **_k: answer)
    chosen = []
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: chosen.append(1) or str(tmp_path / "p.pdf"))
    assert person.export_profile() is None
    assert not chosen and not list(tmp_path.glob("*.pdf")) and not _profiles(store, pid)
    if answer is not None:
        assert "recipient" in person.export_error.text()


def test_the_recipient_form_itself_refuses_a_blank_recipient(shown, tmp_path, monkeypatch):
    """Through the real form (only its exec() answered): OK with a blank recipient keeps it open; then Cancel."""
    _w, person, store, pid = shown
    seen = []

    def user(dlg):
        dlg.widgets["recipient"].setText("   ")
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        seen.append((dlg.windowTitle(), dlg.result(), dlg.error.text()))
        dlg.reject()
        return dlg.result()

    monkeypatch.setattr(dialogs.FormDialog, "exec", user)
    chosen = []
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: chosen.append(1) or str(tmp_path / "p.pdf"))
    assert person.export_profile() is None
    assert seen == [("Export the profile", 0, "Fill in: Recipient.")]          # refused, the form stayed open
    assert not chosen and not list(tmp_path.glob("*.pdf")) and not _profiles(store, pid)
    assert not person.export_error.isVisible()      # cancelled: the page has nothing to say


def test_cancelling_the_file_dialog_writes_nothing(shown, tmp_path, monkeypatch):
    _w, person, store, pid = shown
    _recipient(monkeypatch)
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: None)
    assert person.export_profile() is None
    assert not _profiles(store, pid)


def test_a_cancelled_render_leaves_nothing(shown, tmp_path, monkeypatch):
    _w, person, store, pid = shown
    _recipient(monkeypatch)
    real = person.ctx.background.call

    def cancelled_at_once(fn, *a, **kw):
        kw["cancelled"] = lambda: True
        return real(fn, *a, **kw)

    monkeypatch.setattr(person.ctx.background, "call", cancelled_at_once)
    out = tmp_path / "p.pdf"
    person.export_profile(path=str(out))
    assert "Cancelled" in person.export_message.text()
    assert not out.exists() and not _profiles(store, pid)


def test_ctrl_p_on_the_person_page_asks_and_prints(qtbot, shown, tmp_path, monkeypatch):
    w, person, store, pid = shown
    asked = _recipient(monkeypatch, recipient="Probation")
    monkeypatch.setattr(pdfexport, "choose_printer", lambda _p: "office-printer")
    out = tmp_path / "print.pdf"
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: str(out))
    sent = []
    monkeypatch.setattr(pdfexport.shutil, "which", lambda _name: "/usr/bin/lp")
    monkeypatch.setattr(pdfexport.subprocess, "run",
                        lambda args, **_k: sent.append(args) or type("Done", (), {"returncode": 0})())
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.pages["people"] and person.isVisible()      # stays on the person page
    assert asked and asked[0][0] == "Print the profile"
    assert sent == [["/usr/bin/lp", "-d", "office-printer", str(out)]]
    assert _profiles(store, pid)[-1]["recipient"] == "Probation"
    assert person.export_message.text().startswith("Sent to office-printer.")


def test_print_without_a_printer_writes_nothing(shown, monkeypatch, tmp_path):
    w, person, store, pid = shown
    _recipient(monkeypatch)
    monkeypatch.setattr(pdfexport, "choose_printer", lambda _p: None)
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: str(tmp_path / "x.pdf"))
    w.print_action.trigger()
    assert not list(tmp_path.glob("*.pdf")) and not _profiles(store, pid)


def test_ctrl_p_elsewhere_opens_the_packs_page(shown):
    w, _person, _store, _pid = shown
    w.show_page("dashboard")
    w.print_action.trigger()
    assert w.current_page() is w.pages["packs"]


def test_a_render_that_fails_says_so_in_a_box_titled_for_the_profile(shown, tmp_path, monkeypatch):
    _w, person, store, pid = shown
    _recipient(monkeypatch)
    boxes = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.critical", lambda _p, title, text: boxes.append(title))

    def failing(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(person.ctx.background, "call", failing)
    out = tmp_path / "p.pdf"
    person.export_profile(path=str(out))
    assert boxes == ["Export the profile"]
    assert not person.export_message.isVisible() and not person.export_error.isVisible()
    assert not out.exists() and not _profiles(store, pid)

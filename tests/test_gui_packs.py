"""The Packs page: export a meeting pack (full, redacted, per agency) or a profile, recipient required and logged."""

from __future__ import annotations

import pytest

from matac_desk.storage import audit
from matac_desk.domain import UserError

from gui_support import TODAY, _meeting_template, isolated_qsettings, make_window, meeting_store  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, meeting_store, isolated_qsettings):  # noqa: F811
    store, seeded = meeting_store
    w = make_window(qtbot, store)
    return w.show_page("packs"), store, seeded, w


@pytest.mark.parametrize("version, agency, redacted", [("full", "", False), ("redacted", "", True),
                                                       ("agency", "Housing", True)])
def test_export_a_meeting_pack_records_the_disclosure(page, tmp_path, version, agency, redacted):
    p, store, seeded, _w = page
    assert p.meeting.currentData() == seeded.next_meeting
    p.version.setCurrentIndex(p.version.findData(version))
    p.agency.setCurrentText(agency)
    p.recipient.setCurrentText("Northshire Housing")
    out = tmp_path / "pack.pdf"
    before = len(audit.entries(store.conn, action="disclosure.pack"))
    task = p.export(path=str(out))
    assert task.error is None, task.error
    assert out.read_bytes().startswith(b"%PDF")
    entries = audit.entries(store.conn, action="disclosure.pack")
    assert len(entries) == before + 1 and entries[-1]["recipient"] == "Northshire Housing"
    assert f'"redacted": {str(redacted).lower()}' in entries[-1]["detail"]
    assert " pages, reference" in p.message.text() and p.open_button.isEnabled()
    assert not p.progress.isVisible()


def test_no_recipient_no_export(page, tmp_path):
    p, store, _seeded, _w = page
    out = tmp_path / "pack.pdf"
    assert p.export(path=str(out)) is None
    assert "recipient" in p.error.text()
    assert not out.exists() and not audit.entries(store.conn, action="disclosure.pack")


def test_a_cancelled_export_leaves_nothing(page, tmp_path):
    p, store, _seeded, _w = page
    p.recipient.setCurrentText("MATAC table")
    out = tmp_path / "pack.pdf"
    real = p.ctx.background.call

    def cancelled_at_once(fn, *a, **kw):
        kw["cancelled"] = lambda: True
        return real(fn, *a, **kw)

    p.ctx.background.call = cancelled_at_once
    p.export(path=str(out))
    assert "Cancelled" in p.message.text()
    assert not out.exists() and not audit.entries(store.conn, action="disclosure.pack")


def test_ctrl_p_on_the_packs_page_prints_what_is_chosen(page, tmp_path, monkeypatch):
    from matac_desk.ui import pdfexport
    p, store, seeded, w = page
    p.set_person(seeded.cohort[0])
    p.recipient.setCurrentText("Probation")
    out = tmp_path / "profile.pdf"
    monkeypatch.setattr(pdfexport, "choose_printer", lambda _parent: "")      # no printer name: opened to print
    monkeypatch.setattr(pdfexport, "save_path", lambda *_a: str(out))
    opened = []
    monkeypatch.setattr(pdfexport.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    w.print_action.trigger()
    assert w.current_page() is p
    assert out.read_bytes().startswith(b"%PDF") and opened == [str(out)]
    assert audit.entries(store.conn, action="disclosure.profile")[-1]["recipient"] == "Probation"
    assert "print from there" in p.message.text()


@pytest.mark.parametrize("error, message_box, shown", [
    (RuntimeError("disk on fire"), True, ""),                   # unexpected: its type in a box, nothing written
    (UserError("no such meeting"), False, "no such meeting"),
])
def test_a_failed_export_is_reported(page, tmp_path, monkeypatch, error, message_box, shown):
    p, store, _seeded, _w = page
    p.recipient.setCurrentText("MATAC table")
    boxes = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.critical", lambda _p, title, text: boxes.append(title))

    def failing(*_a, **_k):
        raise error

    monkeypatch.setattr(p.ctx.background, "call", failing)
    p.export(path=str(tmp_path / "pack.pdf"))
    assert boxes == (["Export"] if message_box else [])
    assert p.message.text() == "" and p.error.text() == shown
    assert not p.progress.isVisible() and p.export_button.isEnabled()


def test_the_page_lists_what_the_redacted_version_withholds_before_printing(page, monkeypatch):
    from matac_desk.meeting import actions, cohort
    p, store, seeded, _w = page
    subject = sorted(c.person_id for c in cohort.cohort(store))[0]
    actions.add_action(store, subject, "Housing", "Target-harden ZZ9 4QX", due=TODAY)
    p.version.setCurrentIndex(p.version.findData("redacted"))
    p.recipient.setCurrentText("Northshire Housing")
    assert p.withheld_button.isEnabled()
    task = p.check_withheld()
    assert task.error is None, task.error
    import re
    assert re.search(r"Actions: [1-9]\d* withheld", p.message.text())    # in the profile and the tracker
    asked, printed = [], []
    monkeypatch.setattr("matac_desk.ui.packs.confirm", lambda _w, _t, text, **k: asked.append(text) or False)
    monkeypatch.setattr(p.exporter, "print_", lambda *a, **k: printed.append(a))
    p.print_pdf()
    assert asked and re.search(r"Actions: [1-9]\d* withheld", asked[0])
    assert printed == []            # declined: nothing printed, nothing recorded
    p.version.setCurrentIndex(p.version.findData("full"))
    assert not p.withheld_button.isEnabled()

"""The Data protection page: the audit log, backups and restore, the store check, the passphrase, retention and erasure."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pytest

from matac_desk.storage import audit, backups, retention
from matac_desk.storage.store import Store, check_new_passphrase
from matac_desk.ui import dialogs
from matac_desk.ui.protection import AUDIT_COLUMNS, AuditModel

from gui_support import PASSPHRASE, _demo_template, demo_store, isolated_qsettings, make_window  # noqa: F401
from security_support import damage_store, mentions

pytestmark = pytest.mark.gui

NEW = "violet harbour lantern"


@pytest.fixture
def errors(monkeypatch):
    """Message boxes the pages would show (a failure must be a line in the page instead)."""
    shown = []
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.warning", lambda *a: shown.append(a[1:]))
    monkeypatch.setattr("matac_desk.ui.context.QMessageBox.critical", lambda *a: shown.append(a[1:]))
    return shown


@pytest.fixture
def window(qtbot, demo_store, isolated_qsettings, errors):  # noqa: F811
    return make_window(qtbot, demo_store)


@pytest.fixture
def page(window):
    return window.show_page("protection")


def _shown_ids(model) -> list[int]:
    return [model.row(i)["id"] for i in range(model.rowCount())]


def _answer(monkeypatch, **values):
    asked = []

    def ask(_parent, title, fields, *, intro="", ok="OK"):
        asked.append({"title": title, "intro": intro, "fields": [f.key for f in fields], "ok": ok})
        return dict(values)

    monkeypatch.setattr(dialogs, "ask", ask)
    return asked


def _attack(store: Store, sql: str) -> None:
    """What someone with the passphrase and a SQLite shell could do: drop the append-only triggers and write."""
    store.conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    store.conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    store.conn.execute(sql)


# ---------------------------------------------------------------- audit log

def test_the_log_is_shown_newest_first_and_viewing_it_is_not_audited(page, demo_store):  # noqa: F811
    total = demo_store.scalar("SELECT count(*) FROM audit_log")
    model = page.audit.model
    ids = _shown_ids(model)
    assert ids == sorted(ids, reverse=True) and ids[0] == demo_store.scalar("SELECT max(id) FROM audit_log")
    assert f"{total:,} entries match" in page.audit.summary.text()
    page.audit.reload()
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == total   # as `matac-desk audit`: not a consultation


def test_filter_by_action_family_and_by_person(page, demo_store):  # noqa: F811
    section = page.audit
    section.action.setCurrentText("disclosure.*")
    section.show_button.click()
    actions = {section.model.row(i)["action"] for i in range(section.model.rowCount())}
    assert actions and all(a.startswith("disclosure.") for a in actions)
    assert section.model.rowCount() == len(audit.entries(demo_store.conn, action="disclosure.*"))

    section.action.setCurrentText("")
    pid = demo_store.scalar("SELECT perpetrator_id FROM involvements GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    section.person.setText(pid)
    section.show_button.click()
    expected = [e["id"] for e in reversed(audit.entries(demo_store.conn, person_id=pid))]
    assert expected and _shown_ids(section.model) == expected
    assert "about this person" in section.summary.text()
    shown = " ".join(str(section.model.data(section.model.index(r, c))) for r in range(section.model.rowCount())
                     for c in range(len(AUDIT_COLUMNS)))
    assert pid not in shown            # the log holds the pseudonym only
    section.person.setText("NM9999999")
    section.show_button.click()
    assert section.model.rowCount() == 0 and section.summary.text() == "No audit entries about this person match."


def test_filter_by_day(page, demo_store):  # noqa: F811
    section = page.audit
    written = demo_store.scalar("SELECT substr(max(at), 1, 10) FROM audit_log")
    day = dt.date.fromisoformat(written)
    section.dated.setChecked(True)
    section.since.setDate(day - dt.timedelta(days=3))
    section.until.setDate(day - dt.timedelta(days=1))
    assert section.model.rowCount() == 0
    section.until.setDate(day)
    assert section.model.rowCount() == min(section.page_size, demo_store.scalar(
        "SELECT count(*) FROM audit_log WHERE substr(at, 1, 10) BETWEEN ? AND ?",
        [str(day - dt.timedelta(days=3)), written]))
    assert section.model.rowCount() > 0


def test_a_large_log_is_fetched_a_page_at_a_time(page, demo_store):  # noqa: F811
    section = page.audit
    section.page_size = 50
    section.reload()
    total = demo_store.scalar("SELECT count(*) FROM audit_log")
    assert section.model.rowCount() == 50 and section.model.canFetchMore()
    assert "the newest 50 are shown" in section.summary.text()
    while section.model.canFetchMore():
        section.model.fetchMore()
    ids = _shown_ids(section.model)
    assert ids == [r[0] for r in demo_store.conn.execute("SELECT id FROM audit_log ORDER BY id DESC")]
    assert len(ids) == total and section.summary.text() == f"{total:,} entries match, newest first."


def test_audit_model_passes_the_model_tester(qtmodeltester):
    model = AuditModel()
    rows = [{"id": i, "at": "2026-11-01T09:00:00+00:00", "actor": "coordinator", "action": "person.viewed",
             "entity": "person", "entity_id": "p-" + "a" * 32, "batch_id": None, "detail": '{"view": "profile"}',
             "reason": None, "recipient": None} for i in range(5, 0, -1)]
    model.set_rows(rows[:3], more=True)
    qtmodeltester.check(model)
    model = AuditModel()                  # the tester stays attached and fetches more itself: a fresh one
    model.set_rows(rows[:3], more=True)
    wanted = []
    model.moreWanted.connect(lambda: wanted.append(True))
    model.fetchMore()
    model.fetchMore()                 # asked once until the page answers
    assert wanted == [True] and not model.canFetchMore()
    model.append_rows(rows[3:], more=False)
    assert model.rowCount() == 5 and model.last_id() == 1 and not model.canFetchMore()
    assert model.data(model.index(0, AuditModel.ABOUT)) == "person p-aaaaaaaaaa…"
    qtmodeltester.check(model)


def test_verify_says_intact_then_names_the_tampered_entry(page, demo_store):  # noqa: F811
    section = page.audit
    section.verify_button.click()
    n = demo_store.scalar("SELECT count(*) FROM audit_log")
    first = section.verdict.text().splitlines()[0]
    assert first.startswith(f"The audit log is intact: {n:,} entries, each chained to the one before; ")
    # a copy of the demo store, new to this computer: nothing outside it to compare with yet, and it says so
    assert "no anchor kept outside the store was found" in first
    assert "No anchor file for this store on this computer yet" in section.verdict.text()
    assert f"Chain head: latest entry {n:,}, hash " in section.verdict.text()
    head = audit.head(demo_store.conn)
    section.anchor.setText(f"{head[0] + 5}:{head[1][:8]}")     # a head off a printed cover, beyond the end
    section.verify_button.click()
    assert f"anchor {head[0] + 5}:{head[1][:8]} given names entry {head[0] + 5:,}, but the log ends at entry " \
           f"{head[0]:,}: entries were cut off the end" in section.verdict.text()
    section.anchor.setText("not an anchor")
    section.verify_button.click()
    assert section.verdict.text().startswith("not an anchor (ID:HASH")
    section.anchor.clear()
    _attack(demo_store, "UPDATE audit_log SET reason = 'nothing to see' WHERE id = 5")
    _attack(demo_store, "DELETE FROM audit_log WHERE id = 9")
    section.verify_button.click()
    text = section.verdict.text()
    assert text.startswith("The audit log has been tampered with: ")
    assert "entry 5: its content was changed after it was written" in text
    assert "entry 10: entries 9..9 are missing" in text and "entry 10: does not follow the entry before it" in text


def test_export_is_a_recorded_disclosure_and_formula_safe(page, demo_store, tmp_path, monkeypatch):  # noqa: F811
    with demo_store.transaction():
        demo_store.audit("test.entry", entity="thing", reason="=HYPERLINK(\"http://x\")")
    asked = _answer(monkeypatch, recipient="Professional Standards", reason="annual audit of access")
    target = tmp_path / "log.csv"
    before = demo_store.scalar("SELECT count(*) FROM audit_log")
    page.audit.export(path=str(target))
    assert asked[0]["fields"] == ["recipient", "reason"]
    with open(target, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == audit.ENTRY_COLUMNS and len(rows) == before + 1
    assert rows[-1][audit.ENTRY_COLUMNS.index("reason")] == "'=HYPERLINK(\"http://x\")"
    last = audit.entries(demo_store.conn, limit=1)[0]
    assert (last["action"], last["recipient"], last["reason"]) == \
        ("disclosure.audit-log", "Professional Standards", "annual audit of access")
    assert "Saved" in page.audit.message.text() and "recorded in the audit log" in page.audit.message.text()
    assert page.audit.model.row(0)["id"] == last["id"]   # the page shows its own entry


def test_exporting_a_persons_entries_refuses_a_reason_that_names_him(page, demo_store, tmp_path, monkeypatch):  # noqa: F811
    pid, fn, sn = demo_store.conn.execute("SELECT id, forename, surname FROM persons WHERE forename IS NOT NULL"
                                          " AND surname IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    page.audit.person.setText(pid)
    _answer(monkeypatch, recipient="Professional Standards", reason=f"complaint by {fn} {sn}")
    before = demo_store.scalar("SELECT count(*) FROM audit_log")
    page.audit.export(path=str(tmp_path / "his.csv"))
    assert "must not hold a person's name" in page.audit.message.text()
    assert not (tmp_path / "his.csv").exists() and not list(tmp_path.glob(".*partial"))
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == before


# ---------------------------------------------------------------- backups

def test_back_up_now_adds_a_backup(page, demo_store):  # noqa: F811
    section = page.backups
    before = len(backups.list_backups(demo_store.path))
    assert section.model.rowCount() == before
    section.backup_button.click()
    made = backups.list_backups(demo_store.path)
    assert len(made) == before + 1 and made[0].label == "manual"
    assert section.model.rowCount() == before + 1 and section.model.row(0).path == made[0].path
    assert section.message.text().startswith(f"Backed up to {made[0].path.name}")
    assert audit.entries(demo_store.conn, limit=1)[0]["action"] == "backup.made"
    assert backups.backup_opens(made[0].path, PASSPHRASE)


def test_check_store_says_it_is_sound_in_words(page, demo_store):  # noqa: F811
    page.backups.check_button.click()
    n = demo_store.scalar("SELECT count(*) FROM audit_log")
    assert page.backups.verdict.text() == ("The store is sound: integrity ok, every page decrypts and authenticates, "
                                           f"foreign keys hold, and the audit log's {n:,} entries are intact; no "
                                           "anchor kept outside the store was found to compare them with.")
    _attack(demo_store, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3")
    page.backups.check_button.click()
    assert page.backups.verdict.text().startswith("Something is wrong with the store:")
    assert "audit log: entry 3: its content was changed" in page.backups.verdict.text()


def test_a_failed_check_names_the_latest_sound_backup_not_the_newest(page, demo_store):  # noqa: F811
    page.backups.backup_button.click()
    sound = backups.list_backups(demo_store.path)[0]
    damaged = sound.path.with_name("daily-29991231-235959.mdesk")   # a newer backup: a copy of a damaged store
    shutil.copyfile(sound.path, damaged)
    damage_store(damaged, "middle")
    page.backups.reload()
    assert page.backups.model.row(0).path == damaged
    _attack(demo_store, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3")
    page.backups.check_button.click()
    text = page.backups.verdict.text()
    assert text.startswith("Something is wrong with the store:")
    assert f"Its latest sound backup is {sound.path.name} ({sound.taken_at:%Y-%m-%d %H:%M})" in text
    assert "the 1 newer one(s) do not open or fail the check" in text and damaged.name not in text


def test_restore_closes_restores_and_reopens_through_the_lock_screen(qtbot, window, page, demo_store,  # noqa: F811
                                                                    monkeypatch):
    section = page.backups
    section.backup_button.click()
    saved = backups.list_backups(demo_store.path)[0]
    demo_store.set_setting("probe", "made after the backup")
    section.view.selectRow(0)
    assert section.restore_button.isEnabled()

    monkeypatch.setattr(page, "confirm", lambda *a: False)
    section.restore_selected()
    assert not window.locked and demo_store.get_setting("probe") == "made after the backup"

    asked = []
    monkeypatch.setattr(page, "confirm", lambda title, text, ok: asked.append(text) or True)
    section.restore_selected()
    assert saved.path.name in asked[0] and "passphrase" in asked[0]
    assert window.locked
    screen = window.lock_screen
    note = screen.findChild(type(screen.error), "restoreNote")
    assert note.text().startswith(f"Restored from {saved.path.name}. What it replaced is kept as replaced-")
    assert screen.isEnabled()
    screen.passphrase.setText(PASSPHRASE)
    screen.try_unlock()
    assert not window.locked
    assert demo_store.get_setting("probe") is None           # the same Store object, on the restored file
    assert audit.entries(demo_store.conn, limit=1)[0]["action"] == "store.restored"
    qtbot.waitUntil(lambda: section.model.rowCount() > 0)   # the page is shown again a moment after the unlock
    kinds = [section.model.row(i).label for i in range(section.model.rowCount())]
    assert "replaced" in kinds
    replaced = next(b for b in backups.list_backups(demo_store.path) if b.label == "replaced")
    old = Store.open(replaced.path, PASSPHRASE, migrate=False)
    try:
        assert old.get_setting("probe") == "made after the backup"
    finally:
        old.close()
    window.show_page("people")
    assert window.pages["people"].model.rowCount() == demo_store.scalar("SELECT count(*) FROM persons")


def test_restore_refuses_while_another_connection_has_the_store(window, page, demo_store, monkeypatch):  # noqa: F811
    page.backups.backup_button.click()
    demo_store.set_setting("probe", "kept")
    other = demo_store.reopen()           # e.g. an import still running on its own connection
    try:
        page.backups.view.selectRow(0)
        monkeypatch.setattr(page, "confirm", lambda *a: True)
        page.backups.restore_selected()
        note = window.lock_screen.findChild(type(window.lock_screen.error), "restoreNote")
        assert note.text().startswith("Nothing was restored:") and "still open in this program" in note.text()
    finally:
        other.close()
    window.lock_screen.passphrase.setText(PASSPHRASE)
    window.lock_screen.try_unlock()
    assert not window.locked and demo_store.get_setting("probe") == "kept"


# ---------------------------------------------------------------- passphrase

@pytest.mark.parametrize("current, new, repeat, message", [
    ("", NEW, NEW, "enter the current passphrase"),
    (PASSPHRASE, NEW, NEW + "x", "the two new passphrases differ; nothing was changed"),
    (PASSPHRASE, "password password", "password password", None),   # the rule of a new store, its words
    ("not the passphrase", NEW, NEW, "the current passphrase is not right; nothing was changed"),
])
def test_passphrase_change_refusals(page, demo_store, current, new, repeat, message):  # noqa: F811
    if message is None:
        with pytest.raises(Exception) as e:
            check_new_passphrase(new)
        message = str(e.value)
    p = page.passphrase
    p.current.setText(current)
    p.new.setText(new)
    p.repeat.setText(repeat)
    p.change_button.click()
    assert p.message.text() == message
    assert p.current.text() == p.new.text() == p.repeat.text() == ""
    assert backups.backup_opens(demo_store.path, PASSPHRASE)      # unchanged
    assert "rekeyed" not in " ".join(e["action"] for e in audit.entries(demo_store.conn, limit=3))


def test_passphrase_change_then_the_lock_screen_takes_the_new_one_only(window, page, demo_store, errors):  # noqa: F811
    page.backups.backup_button.click()
    p = page.passphrase
    p.current.setText(PASSPHRASE)
    p.new.setText(NEW)
    p.repeat.setText(NEW)
    p.change_button.click()
    assert p.message.text().startswith("Changed the passphrase of the store and of 1 backup(s).")
    assert window.idle.timer.isActive()
    made = backups.list_backups(demo_store.path)[0].path
    assert backups.backup_opens(made, NEW) and not backups.backup_opens(made, PASSPHRASE)
    persons = demo_store.scalar("SELECT count(*) FROM persons")
    people = window.show_page("people")           # read on the background connection: opened with the new key
    people.run_search()
    assert people.model.rowCount() == persons and errors == []

    window.lock()
    screen = window.lock_screen
    screen.passphrase.setText(PASSPHRASE)
    screen.try_unlock()
    assert window.locked and "wrong passphrase" in screen.error.text()
    screen.passphrase.setText(NEW)
    screen.try_unlock()
    assert not window.locked
    window.show_page("people")
    people.run_search()
    assert people.model.rowCount() == persons and errors == []
    assert [e["action"] for e in audit.entries(demo_store.conn) if e["action"].endswith(".rekeyed")] == \
        ["store.rekeyed", "backups.rekeyed"]


# ---------------------------------------------------------------- retention

FAR = dt.date(2045, 1, 1)


def test_retention_lists_who_is_due_and_why(window, page, demo_store):  # noqa: F811
    section = page.retention
    window.pages["protection"].tabs.setCurrentWidget(section)
    section.as_of.setDate(FAR)
    before = demo_store.scalar("SELECT count(*) FROM audit_log")
    section.list_button.click()
    due = {pid for pid, info in retention.review_dates(demo_store).items() if info["review_date"] <= FAR.isoformat()}
    rows = section.model.rows()
    assert {r["person_id"] for r in rows} == due and len(rows) > 0
    assert [r["review_date"] for r in rows] == sorted(r["review_date"] for r in rows)
    assert audit.entries(demo_store.conn, limit=1)[0]["action"] == "retention.reviewed"   # a consultation
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == before + 1
    cohort = next(r for r in rows if r["cohort"])
    plain = next(r for r in rows if not r["cohort"])
    assert cohort["why"] == "MATAC cohort subject: 10 years after the latest record"
    assert plain["why"] == "6 years after the latest record"
    assert f"{len(rows):,} person(s) due for review on 2045-01-01" in section.message.text()
    section.as_of.setDate(dt.date(2000, 1, 1))
    section.list_button.click()
    assert section.model.rowCount() == 0 and section.message.text() == "Nobody is due for review on 2000-01-01."


def _select_person(section, pid: str) -> None:
    for i in range(section.model.rowCount()):
        if section.model.row(i)["person_id"] == pid:
            section.view.selectRow(i)
            return
    raise AssertionError(f"{pid} not listed")


def test_open_a_person_from_the_review(window, page, demo_store):  # noqa: F811
    section = page.retention
    section.as_of.setDate(FAR)
    section.list_button.click()
    pid = section.model.row(0)["person_id"]
    section.view.selectRow(0)
    section.open_button.click()
    assert window.current_page() is window.pages["people"]
    assert window.pages["people"].person.profile.id == pid


def test_erase_removes_the_person_everywhere(window, page, demo_store, monkeypatch, errors):  # noqa: F811
    pid, fn, sn = demo_store.conn.execute(
        "SELECT p.id, p.forename, p.surname FROM persons p JOIN involvements v ON v.perpetrator_id = p.id"
        " WHERE p.forename IS NOT NULL AND p.surname IS NOT NULL AND p.merged_into IS NULL"
        " GROUP BY p.id ORDER BY count(*) DESC LIMIT 1").fetchone()
    window.open_person(pid)                         # the person page holds him
    window.show_page("protection")
    section = page.retention
    section.as_of.setDate(FAR)
    section.list_button.click()
    _select_person(section, pid)

    _answer(monkeypatch, reason=f"{fn} {sn} has moved away")
    section.erase_button.click()
    assert "must not hold a person's name" in section.message.text()
    assert demo_store.scalar("SELECT 1 FROM persons WHERE id = ?", [pid]) == 1

    asked = _answer(monkeypatch, reason="retention review: no policing purpose")
    reviewed = []
    monkeypatch.setattr(section, "review_mentions", lambda found: reviewed.append(found) or {})
    expected = retention.find_mentions(demo_store, pid)
    emitted = []
    window.ctx.changed.connect(lambda kinds: emitted.append(kinds))
    section.erase_button.click()
    assert {"persons", "links", "cohort", "actions", "imports", "data_quality"} <= set().union(*emitted)
    intro = asked[0]["intro"]
    assert pid in intro and "incident involvement(s)" in intro and "cannot be undone" in intro
    assert asked[0]["ok"] == "Erase permanently"
    assert section.message.text().startswith("Erased: 1 person record(s)")
    assert demo_store.scalar("SELECT count(*) FROM persons WHERE id = ?", [pid]) == 0
    assert pid not in [r["person_id"] for r in section.model.rows()]
    assert [len(r) for r in reviewed] == ([len(expected)] if expected else [])
    entry = audit.entries(demo_store.conn, limit=1)[0]
    assert entry["action"] == "person.erased" and entry["entity_id"].startswith("p-")
    assert entry["entity_id"] != audit.pseudonym(demo_store.conn, pid)  # his salt is gone: it cannot be recomputed
    assert mentions(demo_store, pid) == [] and not [m for m in mentions(demo_store, f"{fn} {sn}")]

    people = window.show_page("people")
    assert people.inner.currentWidget() is people.results and people.person.profile is None
    people.search.setText(pid)
    people.run_search()
    assert people.model.rowCount() == 0 and people.status.text() == "No one matches"
    for key in ("dashboard", "graph", "nominations", "actions", "meetings"):
        window.show_page(key)
    assert errors == []


# ---------------------------------------------------------------- read-only, lock, accessibility

def test_a_read_only_store_turns_the_changing_actions_off(qtbot, demo_store, isolated_qsettings, errors):  # noqa: F811
    ro = Store.open(demo_store.path, PASSPHRASE, read_only=True)
    try:
        w = make_window(qtbot, ro)
        page = w.show_page("protection")
        assert page.read_only_note.isVisible() and "Read-only" in page.read_only_note.text()
        backups.backup(demo_store, "manual")
        page.backups.reload()
        page.backups.view.selectRow(0)
        for b in (page.backups.backup_button, page.backups.restore_button, page.passphrase.change_button,
                  page.retention.erase_button):
            assert not b.isEnabled()
        page.audit.verify_button.click()
        assert page.audit.verdict.text().startswith("The audit log is intact")
        page.backups.check_button.click()
        assert page.backups.verdict.text().startswith("The store is sound")
        page.retention.as_of.setDate(FAR)
        page.retention.list_button.click()
        assert page.retention.model.rowCount() > 0
        page.retention.view.selectRow(0)
        assert page.retention.open_button.isEnabled() and not page.retention.erase_button.isEnabled()
        assert errors == []
    finally:
        ro.close()


@pytest.mark.parametrize("kind", ["toolkit", "persons", "audit", "a kind added later"])
def test_every_change_kind_makes_the_page_stale(window, page, kind):
    window.show_page("people")
    page.stale = False
    window.ctx.notify(kind)           # every change writes an audit entry
    assert page.stale


def test_the_page_drops_its_data_when_the_window_locks(window, page):
    page.retention.as_of.setDate(FAR)
    page.retention.list_button.click()
    page.audit.person.setText("NM0000001")
    window.lock()
    assert page.audit.model.rowCount() == page.backups.model.rowCount() == page.retention.model.rowCount() == 0
    assert page.audit.person.text() == "" and page.audit.summary.text() == ""


def test_accessible_names_on_every_tab(window, page):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QHeaderView, QLineEdit
    for n in range(page.tabs.count()):
        page.tabs.setCurrentIndex(n)
        missing = [w.objectName() or type(w).__name__
                   for cls in (QAbstractButton, QLineEdit, QAbstractItemView) for w in page.findChildren(cls)
                   if not w.accessibleName() and not (isinstance(w, QAbstractButton) and w.text())
                   and not isinstance(w, QHeaderView) and w.isVisibleTo(window)]
        assert missing == [], page.tabs.tabText(n)
        sheets = [w.styleSheet() for w in page.findChildren(QAbstractButton) + [page]]
        assert all("background" not in s for s in sheets)


def test_mention_review_keeps_with_a_reason_or_replaces(qtbot):
    from matac_desk.ui.protection import MentionReview
    found = [retention.Mention("minutes", "text", 1, 11, "Zxqwerplank", "surname", "Partner of [Zxqwerplank]"),
             retention.Mention("actions", "description", 2, 0, "QX9 7ZZ", "postcode", "[QX9 7ZZ] visit")]
    dlg = MentionReview(found)
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 2 and dlg.table.item(0, 0).text() == "minutes #1 · text"
    assert dlg.decisions() == {found[0].key: None, found[1].key: None}
    dlg.keep(1, "")
    dlg.accept()
    assert dlg.result() != dlg.DialogCode.Accepted and "Give a reason for each mention kept (row 2)" in dlg.error.text()
    dlg.keep(1, "the address of the police station")
    assert dlg.decisions() == {found[0].key: None, found[1].key: "the address of the police station"}
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted

"""The services under the Data protection page: paged audit reads, the audit export, restoring an open store,
the passphrase change's checks, the erasure preview."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pytest

from matac_desk.storage import audit, backups, retention
from matac_desk.domain import UserError
from matac_desk.storage.store import Store, StoreError, StoreLocked
from conftest import PASSPHRASE
from gui_support import _demo_template, demo_store  # noqa: F401  (fixtures)


def _entries(store: Store, days: list[str]) -> list[int]:
    ids = []
    for n, day in enumerate(days):
        with store.transaction():
            ids.append(store.audit(f"test.{'even' if n % 2 == 0 else 'odd'}", entity="thing", entity_id=str(n),
                                   at=f"{day}T12:00:00+00:00"))
    return ids


def test_pages_run_newest_first_and_meet_without_gaps(store):
    _entries(store, ["2026-01-0%d" % (1 + n % 9) for n in range(23)])
    everything = [e["id"] for e in reversed(audit.entries(store.conn))]
    seen, before = [], None
    while True:
        page = audit.entries_page(store.conn, before_id=before, limit=7)
        if not page:
            break
        assert len(page) <= 7
        seen += [e["id"] for e in page]
        before = page[-1]["id"]
    assert seen == everything
    assert audit.count_entries(store.conn) == len(everything)


@pytest.mark.parametrize("filters, expected", [
    ({"action": "test.*"}, 6),
    ({"action": "test.even"}, 3),
    ({"action": "test_even"}, 0),                       # '_' is not a wildcard
    ({"since": "2026-03-02"}, 4),
    ({"until": dt.date(2026, 3, 1)}, 2),
    ({"since": "2026-03-02", "until": "2026-03-03"}, 2),
    ({"action": "test.odd", "since": "2026-03-02", "until": "2026-03-05"}, 2),
])
def test_filters_count_and_page_alike(store, filters, expected):
    _entries(store, ["2026-03-01", "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-05"])
    filters = {"action": "test.*"} | filters    # not the store's own entries, written today
    assert audit.count_entries(store.conn, **filters) == expected
    assert len(audit.entries_page(store.conn, limit=100, **filters)) == expected
    assert len(audit.entries(store.conn, **filters)) == expected


def test_a_person_filter_finds_entries_by_pseudonym(demo_store):  # noqa: F811
    pid = demo_store.scalar("SELECT perpetrator_id FROM involvements LIMIT 1")
    audit.audit_view(demo_store, pid)
    page = audit.entries_page(demo_store.conn, person_id=pid)
    assert page[0]["action"] == "person.viewed"
    assert page[0]["entity_id"] == audit.pseudonym(demo_store.conn, pid)
    assert audit.count_entries(demo_store.conn, person_id=pid) == len(audit.entries(demo_store.conn, person_id=pid))


def test_the_export_is_formula_safe_and_recorded(store, tmp_path):
    with store.transaction():
        store.audit("test.entry", entity="thing", reason="+cmd|' /C calc'!A0", recipient="@SUM(1)")
    n = audit.export_csv(store, tmp_path / "log.csv", recipient="Information Commissioner", reason="inspection")
    with open(tmp_path / "log.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n == store.scalar("SELECT count(*) FROM audit_log") - 1
    assert rows[-1]["reason"] == "'+cmd|' /C calc'!A0" and rows[-1]["recipient"] == "'@SUM(1)"
    last = audit.entries(store.conn, limit=1)[0]
    assert last["action"] == "disclosure.audit-log" and last["recipient"] == "Information Commissioner"
    assert '"entries": %d' % n in last["detail"] and '"file": "log.csv"' in last["detail"]


@pytest.mark.parametrize("recipient, reason, message", [
    ("", "inspection", "say who receives it"),
    ("Professional Standards", "", "give the reason"),
])
def test_an_export_without_recipient_or_reason_leaves_nothing(store, tmp_path, recipient, reason, message):
    before = store.scalar("SELECT count(*) FROM audit_log")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError, match=message):
        audit.export_csv(store, out / "log.csv", recipient=recipient, reason=reason)
    assert list(out.iterdir()) == []
    assert store.scalar("SELECT count(*) FROM audit_log") == before


def test_a_read_only_store_can_export_and_records_it(demo_store, tmp_path):  # noqa: F811
    ro = Store.open(demo_store.path, PASSPHRASE, read_only=True)
    try:
        audit.export_csv(ro, tmp_path / "log.csv", recipient="Professional Standards", reason="complaint review",
                         action="disclosure.*")
    finally:
        ro.close()
    assert audit.entries(demo_store.conn, limit=1)[0]["action"] == "disclosure.audit-log"


def test_chain_report_in_words(store):
    report = audit.check_chain(store.conn)
    assert report.ok and report.lines()[0] == f"The audit log is intact: {report.entries} entries, each chained to " \
                                              "the one before."
    store.conn.execute("DROP TRIGGER audit_log_no_update")
    store.conn.execute("UPDATE audit_log SET actor = 'x' WHERE id = 1")
    report = audit.check_chain(store.conn)
    assert not report.ok and report.lines()[1] == "  entry 1: its content was changed after it was written"


# ---------------------------------------------------------------- restore and passphrase

def test_restore_refuses_while_another_connection_of_this_program_has_the_store(store):
    saved = backups.backup(store, "manual")
    with pytest.raises(StoreLocked, match="still open in this program"):
        backups.restore(store.path, saved, PASSPHRASE)     # the store is open right here
    assert store.scalar("SELECT count(*) FROM audit_log") > 0


def test_restore_open_store_reconnects_the_same_object(store):
    saved = backups.backup(store, "manual")
    store.set_setting("probe", 1)
    replaced = backups.restore_open_store(store, saved)
    assert replaced is not None and replaced.name.startswith("replaced-")
    assert store.get_setting("probe") is None
    with store.transaction():                              # and it writes: it holds the writer's lock again
        store.audit("test.after", entity="thing")
    with pytest.raises(StoreLocked):
        backups.restore(store.path, saved, PASSPHRASE)


def test_a_failed_restore_leaves_the_store_open_as_it_was(store, tmp_path):
    other = Store.create(tmp_path / "other.mdesk", "another passphrase 456")
    foreign = backups.backup(other, "manual")
    other.close()
    store.set_setting("probe", 2)
    with pytest.raises(StoreError, match="does not open with the passphrase"):
        backups.restore_open_store(store, foreign)
    assert store.get_setting("probe") == 2


def test_a_failed_restore_is_told_even_when_the_store_does_not_open_again(store, tmp_path, monkeypatch):
    other = Store.create(tmp_path / "other.mdesk", "another passphrase 456")
    foreign = backups.backup(other, "manual")
    other.close()

    def reconnect(_self):
        raise StoreError("the store did not open again")

    monkeypatch.setattr(Store, "reconnect", reconnect)
    with pytest.raises(StoreError, match="does not open with the passphrase") as e:
        backups.restore_open_store(store, foreign)   # the restore's own error, not the reopen's
    assert any("the store did not open again" in note for note in e.value.__notes__)


def test_restore_advice_names_the_latest_sound_backup(store, tmp_path):
    assert backups.restore_advice(store) == "No backup of the store was found."
    sound = backups.backup(store, "manual")
    other = Store.create(tmp_path / "other.mdesk", "another passphrase 456")
    foreign = backups.backup(other, "manual")
    other.close()
    newer = sound.with_name("daily-29991231-235959.mdesk")
    shutil.copyfile(foreign, newer)       # newer, and it does not open with the store's key: passed over
    advice = backups.restore_advice(store)
    assert advice.startswith(f"Its latest sound backup is {sound.name} (")
    assert "the 1 newer one(s) do not open" in advice
    sound.unlink()
    assert backups.restore_advice(store).startswith("None of its 1 backup(s) opens")


@pytest.mark.parametrize("current, new, message", [
    ("not it at all", "violet harbour lantern", "current passphrase is not right"),
    (PASSPHRASE, PASSPHRASE, "same as the old one"),
])
def test_the_passphrase_change_checks_the_current_one(store, current, new, message):
    with pytest.raises(UserError, match=message):
        backups.change_passphrase(store, new, current=current)
    assert backups.backup_opens(store.path, PASSPHRASE)


# ---------------------------------------------------------------- erasure preview

def test_the_preview_counts_what_the_erasure_removes(demo_store):  # noqa: F811
    pid = demo_store.scalar("SELECT person_id FROM cohort_events WHERE event = 'adopted' LIMIT 1")
    preview = retention.erasure_preview(demo_store, pid)
    counted = dict(preview.counts)
    summary = retention.erase_person(demo_store, pid, "retention review: no policing purpose")
    assert preview.records == summary.records
    assert counted["incident involvement(s)"] == summary.removed["involvements"]
    assert counted["incident(s) with no one else in them (with their addresses)"] == summary.removed["incidents"]
    for table, words in (("cohort_events", "cohort event(s)"), ("actions", "partnership action(s)"),
                         ("links", "intelligence link(s)"), ("subjects", "MATAC subject record(s)")):
        assert counted.get(words, 0) == summary.removed.get(table, 0), table
    with pytest.raises(UserError, match="no person with that id"):
        retention.erasure_preview(demo_store, pid)

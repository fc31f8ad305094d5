"""Encrypted online backups: made, listed, rotated, restored; one before every import and migration."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from matac_desk.storage import backups
from matac_desk.storage.backups import BackupPolicy, backup, backup_opens, list_backups, maybe_daily_backup, restore, rotate
from matac_desk.cli import main as cli_main
from matac_desk.domain import UserError
from matac_desk.intake.importer import import_extract
from matac_desk.storage.store import Store, StoreError, StoreLock, backups_folder
from conftest import PASSPHRASE, TODAY
from security_support import damage_store, extract

ROW = ["INC1", "2026-01-05", "Common assault", "P1", "Dean", "Hall", "", "V1", "Amy", "Ross", "", "wife", "", ""]


def test_backup_is_encrypted_with_the_same_passphrase_and_complete(store):
    with store.transaction():
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('probe', '\"x\"')")
    path = backup(store, "manual")
    assert path.parent == backups_folder(store.path) and path.name.startswith("manual-")
    head = path.read_bytes()[:16]
    assert head != b"SQLite format 3\x00"
    assert not backup_opens(path, "some other passphrase")
    copy = Store.open(path, PASSPHRASE, migrate=False)
    try:
        assert copy.get_setting("probe") == "x"
    finally:
        copy.close()
    assert store.conn.execute("SELECT entity_id FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == path.name


def test_import_backs_up_first_only_when_there_is_data(store, tmp_path):
    f = extract(tmp_path / "a.csv", [ROW])
    import_extract(store, f, today=TODAY)
    assert list_backups(store.path) == []
    import_extract(store, extract(tmp_path / "b.csv", [ROW[:0] + ["INC2"] + ROW[1:]]), today=TODAY)
    found = list_backups(store.path)
    assert [b.label for b in found] == ["pre-import"]
    copy = Store.open(found[0].path, PASSPHRASE, migrate=False)
    try:
        assert copy.scalar("SELECT count(*) FROM involvements") == 1  # the state before the second import
    finally:
        copy.close()


def _fake(folder: Path, label: str, when: dt.datetime) -> Path:
    folder.mkdir(exist_ok=True)
    p = folder / f"{label}-{when:%Y%m%d-%H%M%S}.mdesk"
    p.write_bytes(b"x" * 32)
    return p


# Backups at 12:00 on each of these days (newest is 2026-11-01); which survive the policy.
@pytest.mark.parametrize("policy, days_ago, kept", [
    # keep_last 2: #0 and #1; daily 3: the newest of day 0 (#0), day 1 (#3), day 2 (#4).
    (BackupPolicy(keep_last=2, daily=3, weekly=0, monthly=0), [0, 0, 0, 1, 2, 3, 10], {0, 1, 3, 4}),
    # 2026-11-01 is a Sunday: days 0 and 1 are ISO week 44, days 7 and 8 week 43, day 14 week 42.
    # keep_last 1: #0; weekly 2: the newest of week 44 (#0) and of week 43 (#2).
    (BackupPolicy(keep_last=1, daily=0, weekly=2, monthly=0), [0, 1, 7, 8, 14], {0, 2}),
    # monthly 2: Nov 1 (newest of November) and the newest in October (1 day ago)
    (BackupPolicy(keep_last=1, daily=0, weekly=0, monthly=2), [0, 1, 20, 40, 70], {0, 1}),
    (BackupPolicy(keep_last=10, daily=0, weekly=0, monthly=0), [0, 1, 2], {0, 1, 2}),
])
def test_rotation(tmp_path, policy, days_ago, kept):
    store_path = tmp_path / "s.mdesk"
    newest = dt.datetime(2026, 11, 1, 12, 0, 0)
    made = []
    for i, d in enumerate(days_ago):
        made.append(_fake(backups_folder(store_path), "daily", newest - dt.timedelta(days=d, seconds=i)))
    removed = rotate(store_path, policy)
    survivors = {i for i, p in enumerate(made) if p.exists()}
    assert survivors == kept
    assert len(removed) == len(made) - len(kept)


def test_rotation_removes_stale_partial_files_only(tmp_path):
    folder = backups_folder(tmp_path / "s.mdesk")
    folder.mkdir()
    old, new = folder / "a.mdesk.partial", folder / "b.mdesk.partial"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (1_000_000, 1_000_000))
    rotate(tmp_path / "s.mdesk")
    assert not old.exists() and new.exists()
    assert list_backups(tmp_path / "s.mdesk") == []


def test_daily_backup_once_a_day(store):
    first = maybe_daily_backup(store)
    assert first is not None and first.name.startswith("daily-")
    assert maybe_daily_backup(store) is None
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    assert maybe_daily_backup(store, now=tomorrow) is not None


def test_policy_setting_is_validated(store):
    backups.set_policy(store, BackupPolicy(keep_last=2, daily=1, weekly=1, monthly=1))
    assert backups.get_policy(store) == BackupPolicy(2, 1, 1, 1)
    with pytest.raises(UserError, match="keep_last"):
        BackupPolicy(keep_last=0)
    with pytest.raises(UserError, match="daily"):
        BackupPolicy(daily=-1)


def test_restore_keeps_a_copy_of_what_it_replaces(tmp_path, store):
    f = extract(tmp_path / "a.csv", [ROW])
    import_extract(store, f, today=TODAY)
    saved = backup(store, "manual")
    with store.transaction():
        store.conn.execute("DELETE FROM involvements")
        store.conn.execute("DELETE FROM incidents")
    path = store.path
    store.close()
    replaced = restore(path, saved, PASSPHRASE)
    s = Store.open(path, PASSPHRASE)
    try:
        assert s.scalar("SELECT count(*) FROM involvements") == 1
        assert s.conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "store.restored"
    finally:
        s.close()
    old = Store.open(replaced, PASSPHRASE, migrate=False)
    try:
        assert old.scalar("SELECT count(*) FROM involvements") == 0
    finally:
        old.close()


def test_restore_refuses_while_the_store_is_open_elsewhere(tmp_path, store):
    saved = backup(store, "manual")
    path = store.path
    store.close()
    import subprocess, sys, time
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time; from matac_desk.storage.store import StoreLock\n"
                               f"l = StoreLock({str(path)!r}).acquire(); print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="another copy of MATAC Desk"):
            restore(path, saved, PASSPHRASE)
    finally:
        holder.kill()
        holder.wait()
    assert restore(path, saved, PASSPHRASE) is not None


@pytest.mark.parametrize("which, message", [
    ("wrong-pass", "does not open with the passphrase"),
    ("missing", "no such backup"),
])
def test_restore_refuses_a_bad_backup(tmp_path, store, which, message):
    if which == "wrong-pass":
        other = Store.create(tmp_path / "other.mdesk", "another passphrase 456")
        src = backup(other, "manual")
        other.close()
    else:
        src = tmp_path / "nothing.mdesk"
    before = store.path.read_bytes()
    with pytest.raises(UserError, match=message):
        restore(store.path, src, PASSPHRASE)
    assert store.path.read_bytes() == before


def test_cli_backup_backups_restore(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()
    assert cli_main(["backup", str(path)]) == 0
    assert "Backed up to" in capsys.readouterr().out
    assert cli_main(["backups", str(path), "--format", "json"]) == 0
    import json
    listed = json.loads(capsys.readouterr().out)
    assert [b["label"] for b in listed] == ["manual"]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli_main(["restore", str(path), listed[0]["backup"]]) == 1
    assert "add --yes" in capsys.readouterr().err
    assert cli_main(["restore", str(path), listed[0]["backup"], "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out and "replaced-" in out


def _older(path: Path, when: dt.datetime) -> Path:
    """Give a backup an older time stamp (its name), so that what is made next is surely newer."""
    older = path.with_name(f"{backups._NAME_RE.match(path.name)['label']}-{when:%Y%m%d-%H%M%S}.mdesk")
    path.rename(older)
    return older


def test_a_damaged_replaced_copy_does_not_read_as_a_wrong_passphrase(store):
    saved = _older(backup(store, "manual"), dt.datetime(2026, 1, 1, 9, 0, 0))
    path = store.path
    store.close()
    damage_store(path, "header")
    restore(path, saved, PASSPHRASE)      # keeps the damaged file as the newest backup, a replaced copy
    damage_store(path, "header")          # and the store is damaged again
    found = list_backups(path)
    assert [b.label for b in found] == ["replaced", "manual"] and not backup_opens(found[0].path, PASSPHRASE)
    sound = backups.latest_sound_backup(path, PASSPHRASE)
    assert sound is not None and (sound.backup.path, sound.passed_over) == (saved, 1)
    hint = backups.restore_hint(path, PASSPHRASE, "wrong passphrase, or the file is damaged")
    assert f"matac-desk restore {path} {saved}" in hint
    assert backups.latest_sound_backup(path, "not the passphrase at all") is None   # still told apart


def test_a_sound_replaced_copy_is_a_candidate(store):
    saved = _older(backup(store, "manual"), dt.datetime(2026, 1, 1, 9, 0, 0))
    path = store.path
    store.close()
    replaced = restore(path, saved, PASSPHRASE)    # over a healthy store: the copy kept is sound
    assert backups.latest_sound_backup(path, PASSPHRASE) == backups.SoundBackup(list_backups(path)[0], 0)
    assert list_backups(path)[0].path == replaced


def test_check_names_the_latest_sound_backup_not_a_newer_damaged_copy(store, capsys, monkeypatch):
    """`matac-desk check` on a damaged store: the backup to restore is the latest sound one."""
    import_extract(store, extract(store.path.parent / "x.csv", [
        ["R1", "2026-01-02", "Common assault", "P1", "Ann", "Lee", "", "V1", "Bo", "Ray", ""]]), today=TODAY)
    saved = _older(backup(store, "manual"), dt.datetime(2026, 1, 1, 9, 0, 0))
    path = store.path
    store.close()
    damage_store(path, "header")
    restore(path, saved, PASSPHRASE)      # the damaged file is kept as the newest backup, a replaced copy
    damage_store(path, "middle")          # the store opens, but a page fails its check
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Restore it with: matac-desk restore {path} {saved}" in out
    assert list_backups(path)[0].label == "replaced" and str(list_backups(path)[0].path) not in out

"""Passphrase strength on creation, and changing it (store and backups) without losing data."""

from __future__ import annotations

import pytest

from matac_desk.storage.backups import backup, backup_opens, change_passphrase, list_backups
from matac_desk.cli import main as cli_main
from matac_desk.storage.store import Store, StoreError, check_new_passphrase
from conftest import PASSPHRASE

NEW = "violet harbour lantern"


@pytest.mark.parametrize("phrase, message", [
    ("short", "at least 10 characters"),
    ("Password123!", "common password"),
    ("pass word 2024", "common password"),
    ("correct horse battery staple", "common password"),
    ("aaaaaaaaaaaa", "repeats"),
    ("abcabcabcabc", "repeats"),
    ("1234567890", "run of neighbouring"),
    ("0987654321", "run of neighbouring"),
    ("qwertyuiopas", "run of neighbouring"),
    ("1111122222", "fewer than five different"),
])
def test_weak_passphrases_are_refused_with_the_reason(phrase, message):
    with pytest.raises(StoreError, match=message):
        check_new_passphrase(phrase)


@pytest.mark.parametrize("phrase", [PASSPHRASE, NEW, "Tr0ub4dor&3x", "benchmark passphrase", "stóirín bán 42"])
def test_reasonable_passphrases_pass(phrase):
    check_new_passphrase(phrase)


def test_create_refuses_a_weak_passphrase(tmp_path):
    with pytest.raises(StoreError, match="too easy to guess"):
        Store.create(tmp_path / "s.mdesk", "password password")
    assert not (tmp_path / "s.mdesk").exists()


def test_change_keeps_data_and_rekeys_backups(store):
    with store.transaction():
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('probe', '42')")
    backup(store, "manual")
    backup(store, "daily")
    rekeyed, failed = change_passphrase(store, NEW)
    assert (len(rekeyed), failed) == (2, [])
    path = store.path
    store.close()
    with pytest.raises(StoreError, match="wrong passphrase"):
        Store.open(path, PASSPHRASE)
    s = Store.open(path, NEW)
    try:
        assert s.get_setting("probe") == 42
        assert s.conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 2").fetchall() == \
            [("backups.rekeyed",), ("store.rekeyed",)]
    finally:
        s.close()
    for b in list_backups(path):
        assert backup_opens(b.path, NEW) and not backup_opens(b.path, PASSPHRASE)


def test_change_refuses_a_weak_new_passphrase(store):
    with pytest.raises(StoreError, match="too easy"):
        change_passphrase(store, "qwertyuiop")
    path = store.path
    store.close()
    Store.open(path, PASSPHRASE).close()


def test_cli_passphrase(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.mdesk"
    Store.create(path, PASSPHRASE).close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("MATAC_DESK_NEW_PASSPHRASE", "abcdefghijk")
    assert cli_main(["passphrase", str(path)]) == 1
    assert "too easy to guess" in capsys.readouterr().err
    monkeypatch.setenv("MATAC_DESK_NEW_PASSPHRASE", NEW)
    assert cli_main(["passphrase", str(path)]) == 0
    assert "Changed the passphrase" in capsys.readouterr().out
    Store.open(path, NEW).close()

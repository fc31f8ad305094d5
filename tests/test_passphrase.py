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
    ("Password123!", "similar to a commonly used password"),
    ("pass word 2024", "commonly used password"),       # spaces do not make it stronger
    ("correct horse battery staple", "strength 0 of 4"),  # the famous example
    ("aaaaaaaaaaaa", "repeats like"),
    ("abcabcabcabc", "repeats like"),
    ("1234567890", "common password"),
    ("qwertyuiopas", "commonly used password"),
    ("1111122222", "very common password"),
    # the ones the audit found accepted (issue 16)
    ("Northshire2026", "strength 1 of 4"),                # the force's name and the year
    ("P@ssw0rd2026", "commonly used password"),
    ("Liverpool1!", "commonly used password"),
    ("Zaq12wsxcde3", "strength 2 of 4"),                  # a keyboard walk
])
def test_weak_passphrases_are_refused_with_zxcvbn_feedback(phrase, message):
    with pytest.raises(StoreError, match=message) as e:
        check_new_passphrase(phrase, ["Northshire", "Tynedale", "coordinator"])
    assert "random words" in str(e.value) and "\n" not in str(e.value)


def test_the_force_division_and_login_are_context_words(tmp_path, monkeypatch):
    """A phrase made of the force's own words is weak only for that force (zxcvbn's user inputs)."""
    phrase = "Tynedale Northshire"
    check_new_passphrase(phrase, ["unrelated"])
    with pytest.raises(StoreError, match="too easy to guess"):
        check_new_passphrase(phrase, ["Northshire", "Tynedale"])
    s = Store.create(tmp_path / "s.mdesk", PASSPHRASE)
    try:
        with s.transaction():
            s.conn.execute("INSERT INTO settings (key, value) VALUES ('force.name', '\"Northshire Police\"'),"
                           " ('force.divisions', '[\"Tynedale\", \"Wansbeck\"]')")
        from matac_desk.storage.store import passphrase_context
        words = passphrase_context(s.conn)
        assert {"Northshire", "Tynedale", "Wansbeck"} <= set(words)
        with pytest.raises(StoreError, match="too easy to guess"):
            s.rekey(phrase)
    finally:
        s.close()
    monkeypatch.setattr("matac_desk.storage.audit.current_actor", lambda: "jbloggs")
    with pytest.raises(StoreError, match="too easy to guess"):
        check_new_passphrase("jbloggs2026!")


@pytest.mark.parametrize("phrase", [PASSPHRASE, NEW, "Tr0ub4dor&3x", "benchmark passphrase", "stóirín bán 42"])
def test_reasonable_passphrases_pass(phrase):
    check_new_passphrase(phrase)


def test_create_refuses_a_weak_passphrase(tmp_path):
    with pytest.raises(StoreError, match="too easy to guess"):
        Store.create(tmp_path / "s.mdesk", "password password")
    with pytest.raises(StoreError, match="too easy to guess"):
        Store.create(tmp_path / "s.mdesk", "P@ssw0rd2026")
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

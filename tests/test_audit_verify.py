"""``audit --verify`` finds every edited or deleted audit entry, even with the append-only triggers dropped."""

from __future__ import annotations

import pytest

from matac_desk.storage import audit
from matac_desk.cli import main as cli_main
from matac_desk.storage.store import Store
from conftest import PASSPHRASE


def _filled(store: Store, n: int = 6) -> None:
    for i in range(n):
        with store.transaction():
            store.audit("test.entry", entity="thing", entity_id=str(i), detail={"i": i})


def _attack(store: Store, sql: str, params=()) -> None:
    """What someone with the passphrase and a SQLite shell could do: drop the triggers and write."""
    c = store.conn
    c.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    c.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    c.execute(sql, params)


def test_triggers_refuse_update_and_delete(store):
    _filled(store, 2)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log WHERE id = 2"):
        with pytest.raises(Exception, match="append-only"):
            store.conn.execute(sql)
    assert audit.verify(store.conn) == []


@pytest.mark.parametrize("sql, params, entry, words", [
    ("UPDATE audit_log SET actor = 'someone-else' WHERE id = 4", (), 4, "changed"),
    ("UPDATE audit_log SET reason = 'later excuse' WHERE id = 2", (), 2, "changed"),
    ("UPDATE audit_log SET detail = '{\"i\": 99}' WHERE id = 7", (), 7, "changed"),
    ("UPDATE audit_log SET at = '2020-01-01T00:00:00+00:00' WHERE id = 3", (), 3, "changed"),
    ("UPDATE audit_log SET entity_id = 'p-0' WHERE id = 5", (), 5, "changed"),
    ("UPDATE audit_log SET recipient = 'a friend' WHERE id = 6", (), 6, "changed"),
    ("UPDATE audit_log SET action = 'person.viewed' WHERE id = 2", (), 2, "changed"),
    # a row's hash replaced by another's: its content no longer gives it, and the next no longer follows
    ("UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 2) WHERE id = 4", (), 4, "changed"),
    ("DELETE FROM audit_log WHERE id = 5", (), 6, "missing"),
    ("DELETE FROM audit_log WHERE id = 3", (), 4, "missing"),
    ("DELETE FROM audit_log WHERE id BETWEEN 2 AND 5", (), 6, "missing"),
    ("DELETE FROM audit_log WHERE id = 1", (), 2, "does not follow"),
    ("UPDATE audit_log SET id = 100 WHERE id = 3", (), 4, "missing"),  # moved to the end
])
def test_verify_names_the_tampered_entry(store, sql, params, entry, words):
    _filled(store)
    assert audit.verify(store.conn) == []
    _attack(store, sql, params)
    problems = audit.verify(store.conn)
    assert problems, "tampering went unnoticed"
    assert problems[0].entry_id == entry
    assert words in problems[0].problem


def test_deleting_the_last_entry_is_not_caught_by_the_chain_alone(store):
    """A known limit of any hash chain kept in the same file: the tail can be cut. Documented, not hidden."""
    _filled(store)
    _attack(store, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert audit.verify(store.conn) == []


def test_a_chain_rewritten_after_an_edit_passes_but_its_head_changes(store):
    """The other known limit: someone with the passphrase can recompute every hash after the entry they edit
    (the chain has no key only they lack). --verify passes then; the chain head it prints does not match
    the one noted earlier. Documented, not hidden."""
    _filled(store)
    head = store.scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
    _attack(store, "UPDATE audit_log SET reason = 'later excuse' WHERE id = 3")
    c = store.conn
    prev = c.execute("SELECT hash FROM audit_log WHERE id = 2").fetchone()[0]
    for rec in c.execute(f"SELECT id, {', '.join(audit._FIELDS)} FROM audit_log WHERE id >= 3 ORDER BY id").fetchall():
        h = audit._digest(prev, dict(zip(audit._FIELDS, rec[1:])))
        c.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", [prev, h, rec[0]])
        prev = h
    assert audit.verify(c) == []
    assert store.scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") != head


def test_cli_verify_exit_status_and_names(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.mdesk"
    s = Store.create(path, PASSPHRASE)
    _filled(s)
    s.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["audit", str(path), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "intact: 8 entries" in out
    assert "latest entry 8, hash " in out
    s = Store.open(path, PASSPHRASE)
    _attack(s, "UPDATE audit_log SET action = 'innocent' WHERE id = 3")
    _attack(s, "DELETE FROM audit_log WHERE id = 6")
    s.close()
    assert cli_main(["audit", str(path), "--verify"]) == 1
    out = capsys.readouterr().out
    assert "tampered with" in out
    assert "entry 3: its content was changed" in out
    assert "entry 7: entries 6..6 are missing" in out

"""The audit log cannot be rewritten unnoticed: anchors kept outside the store catch what the chain alone cannot.

Each tampering is done as an insider holding the passphrase would do it: a raw SQLCipher connection (not
MATAC Desk), the append-only triggers dropped, rows changed and the SHA-256 chain computed again. Then
``audit --verify`` and ``check`` must fail and say what is wrong; an untouched store still verifies.
"""

from __future__ import annotations

import json
import shutil

import pytest
import sqlcipher3

from matac_desk.cli import main as cli_main
from matac_desk.storage import anchors, audit
from matac_desk.storage.backups import backup, check
from matac_desk.storage.store import Store
from conftest import PASSPHRASE

_FIELDS = ("at", "actor", "action", "entity", "entity_id", "batch_id", "detail", "reason", "recipient")


def _fill(store: Store, n: int = 12) -> None:
    for i in range(n):
        with store.transaction():
            if i % 3 == 0:
                store.audit("disclosure.pack", entity="disclosure", recipient="Probation (North)",
                            reason="MATAC meeting", detail={"i": i})
            else:
                store.audit("test.entry", entity="thing", entity_id=str(i), detail={"i": i})


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "s.mdesk"
    s = Store.create(p, PASSPHRASE)
    _fill(s)
    backup(s, "manual")
    _fill(s, 6)
    s.close()
    return p


def _raw(path):
    """What an insider opens: SQLCipher with the passphrase, no MATAC Desk code in between."""
    c = sqlcipher3.connect(str(path), isolation_level=None)
    c.execute(f"PRAGMA key = '{PASSPHRASE}'")
    return c


def _drop_triggers(c) -> None:
    c.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    c.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _put_triggers_back(c) -> None:
    c.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
              "        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    c.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
              "        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def _rechain(c) -> None:
    """Compute every hash again from the first entry: the chain is whole again."""
    prev = audit.GENESIS
    for rec in c.execute(f"SELECT id, {', '.join(_FIELDS)} FROM audit_log ORDER BY id").fetchall():
        h = audit._digest(prev, dict(zip(_FIELDS, rec[1:])))
        c.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", [prev, h, rec[0]])
        prev = h


def _edit(c):
    _drop_triggers(c)
    c.execute("UPDATE audit_log SET actor = 'someone-else' WHERE id = 5")
    _put_triggers_back(c)


def _middle_deletion(c):
    _drop_triggers(c)
    c.execute("DELETE FROM audit_log WHERE id = 6")
    _put_triggers_back(c)


def _tail_cut(c):
    _drop_triggers(c)
    c.execute("DELETE FROM audit_log WHERE id > (SELECT max(id) - 5 FROM audit_log)")
    _put_triggers_back(c)


def _half_cut(c):
    _drop_triggers(c)
    c.execute("DELETE FROM audit_log WHERE id > (SELECT max(id) / 2 FROM audit_log)")
    _put_triggers_back(c)


def _wipe(c):
    _drop_triggers(c)
    c.execute("DELETE FROM audit_log")
    _put_triggers_back(c)


def _rechain_after_edit(c):
    _drop_triggers(c)
    c.execute("UPDATE audit_log SET recipient = 'a friend' WHERE action LIKE 'disclosure.%'")
    _rechain(c)
    _put_triggers_back(c)


def _renumber(c):
    _drop_triggers(c)
    c.execute("DELETE FROM audit_log WHERE id IN (4, 5)")
    for (rid,) in c.execute("SELECT id FROM audit_log WHERE id > 5 ORDER BY id").fetchall():
        c.execute("UPDATE audit_log SET id = ? WHERE id = ?", [rid - 2, rid])
    _rechain(c)
    _put_triggers_back(c)


def _forged_append(c):
    last = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    row = {"at": "2026-11-01T09:00:00+00:00", "actor": "coordinator", "action": "disclosure.pack",
           "entity": "disclosure", "entity_id": None, "batch_id": None, "detail": '{"count": 0}',
           "reason": "MATAC meeting", "recipient": "Probation (North)"}
    c.execute(f"INSERT INTO audit_log ({', '.join(_FIELDS)}, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
              [row[f] for f in _FIELDS] + [last, audit._digest(last, row)])


def _triggers_dropped(c):
    _drop_triggers(c)


def _trigger_altered(c):
    c.execute("DROP TRIGGER audit_log_no_delete")
    c.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN old.action <> 'disclosure.pack'"
              " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


# (tampering, words the report must hold)
TAMPERINGS = [
    (_edit, "entry 5: its content was changed"),
    (_middle_deletion, "entries 6..6 are missing"),
    (_tail_cut, "entries were cut off the end"),
    (_half_cut, "entries were cut off the end"),
    (_wipe, "the audit log is empty"),
    (_rechain_after_edit, "the log was rewritten"),
    (_renumber, "the log was rewritten"),
    (_forged_append, "not anchored: appended outside MATAC Desk"),
    (_triggers_dropped, "trigger audit_log_no_update is missing"),
    (_trigger_altered, "trigger audit_log_no_delete was altered"),
]


def _verify(path, *paper) -> anchors.LogReport:
    s = Store.open(path, PASSPHRASE, read_only=True)
    try:
        return anchors.verify_log(s, paper=[anchors.parse_anchor(p) for p in paper])
    finally:
        s.close()


def test_an_untouched_store_verifies_with_its_anchors(path):
    report = _verify(path)
    assert report.ok, report.lines()
    assert report.anchors_checked >= 3   # this computer's anchors and the backup's
    assert "1 backup(s)" in report.anchor_sources
    assert report.lines()[0].startswith("The audit log is intact")
    s = Store.open(path, PASSPHRASE, read_only=True)
    try:
        assert check(s).ok
    finally:
        s.close()


@pytest.mark.parametrize("tamper, words", TAMPERINGS, ids=[t.__name__.strip("_") for t, _w in TAMPERINGS])
def test_each_tampering_is_caught_by_verify_and_check_with_a_clear_message(path, tamper, words, monkeypatch, capsys):
    c = _raw(path)
    tamper(c)
    c.close()
    report = _verify(path)
    assert not report.ok
    text = "\n".join(report.lines())
    assert words in text, text
    assert text.startswith("The audit log has been tampered with")
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert cli_main(["audit", str(path), "--verify"]) == 1
    out = capsys.readouterr().out
    assert words in out
    assert cli_main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "audit log: " in out and words in out


def test_the_chain_alone_misses_what_the_anchors_catch(path):
    """Without anchors (the issue's finding): a rewrite, a cut and a forged append all walk as an intact chain."""
    for tamper in (_rechain_after_edit, _tail_cut, _forged_append):
        shutil.copy(path, path.with_name("copy.mdesk"))
        c = _raw(path.with_name("copy.mdesk"))
        tamper(c)
        assert audit.verify(c) == []
        c.close()
        path.with_name("copy.mdesk").unlink()


def test_a_rewrite_after_deleting_every_sidecar_is_caught_by_a_printed_anchor(path, tmp_path):
    s = Store.open(path, PASSPHRASE, read_only=True)
    printed = audit.head_display(s.conn)          # "Audit head 19 · 3fa9c2e1", as on a cover
    s.close()
    number, digits = printed.removeprefix("Audit head ").split(" · ")
    c = _raw(path)
    _rechain_after_edit(c)
    c.close()
    shutil.rmtree(anchors.anchor_folder())
    for p in (path.parent / "s.mdesk.backups").glob("*.anchor"):
        p.unlink()
    assert _verify(path).ok  # nothing left outside the store to compare with: missed (docs/security.md)
    report = _verify(path, f"{number}:{digits}")
    assert not report.ok and "anchor " in report.problems[0] and "the log was rewritten" in report.problems[0]


def test_cli_anchor_option(path, monkeypatch, capsys):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    s = Store.open(path, PASSPHRASE, read_only=True)
    hid, h = audit.head(s.conn)
    s.close()
    assert cli_main(["audit", str(path), "--verify", "--anchor", f"{hid:,}:{h[:8]}"]) == 0
    assert "anchor(s) kept outside the store match it" in capsys.readouterr().out
    assert cli_main(["audit", str(path), "--verify", "--anchor", f"{hid + 3}:{h[:8]}"]) == 1
    assert "cut off the end" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        cli_main(["audit", str(path), "--verify", "--anchor", "twelve:zz"])
    assert e.value.code == 2 and "not an anchor (ID:HASH, e.g. 1204:3fa9c2): 'twelve:zz'" in capsys.readouterr().err


@pytest.mark.parametrize("text, expected", [("1204:3fa9", (1204, "3fa9")), ("1,204:3FA9C2", (1204, "3fa9c2")),
                                            ("1,204 · 3fa9c2e1…", (1204, "3fa9c2e1"))])
def test_parse_anchor(text, expected):
    a = anchors.parse_anchor(text)
    assert (a.id, a.hash) == expected


@pytest.mark.parametrize("text", ["", "1204", "abc:3fa9", "1204:zz", "1204:3f"])
def test_parse_anchor_refuses_with_the_value(text):
    with pytest.raises(ValueError, match="not an anchor"):
        anchors.parse_anchor(text)


def test_sidecar_is_signed_owner_only_and_an_edit_is_caught(path):
    s = Store.open(path, PASSPHRASE, read_only=True)
    sid = anchors.store_id(s.conn)
    s.close()
    side = anchors.sidecar_path(sid)
    assert side.exists() and oct(side.stat().st_mode & 0o777) == "0o600"
    assert oct(side.parent.stat().st_mode & 0o777) == "0o700"
    body = json.loads(side.read_text())
    body["anchors"] = body["anchors"][:1]     # trimmed to hide a cut
    side.write_text(json.dumps(body))
    report = _verify(path)
    assert not report.ok and "signature does not match" in " ".join(report.problems)


def test_forged_append_is_still_caught_after_the_program_writes_again(path):
    """The next change does not launder entries appended outside: the break is kept in the sidecar."""
    c = _raw(path)
    _forged_append(c)
    c.close()
    s = Store.open(path, PASSPHRASE)
    with s.transaction():
        s.audit("test.entry", entity="thing", entity_id="later")
    s.close()
    report = _verify(path)
    assert not report.ok and "appended outside MATAC Desk" in " ".join(report.problems)


def test_changing_the_store_id_does_not_hide_the_backups(path):
    c = _raw(path)
    c.execute("UPDATE settings SET value = '\"0000\"' WHERE key = 'store_id'")
    c.close()
    report = _verify(path)
    assert not report.ok and "names another store id" in " ".join(report.problems)
    assert "the store's id in its settings is not the one its creation entry records" in " ".join(report.problems)


def test_a_restore_sets_the_newer_anchors_aside_and_the_store_verifies(path):
    from matac_desk.storage.backups import list_backups, restore
    older = list_backups(path)[-1].path
    restore(path, older, PASSPHRASE)
    report = _verify(path)
    assert report.ok, report.lines()
    assert report.set_aside >= 1 and "set aside by a restore" in "\n".join(report.lines())


def test_a_rolled_back_change_leaves_no_false_alarm(path):
    s = Store.open(path, PASSPHRASE)
    with pytest.raises(RuntimeError):
        with s.transaction():
            s.audit("test.entry", entity="thing", entity_id="x")
            raise RuntimeError("stop")
    with s.transaction():
        s.audit("test.entry", entity="thing", entity_id="y")
    s.close()
    assert _verify(path).ok


def test_head_display_and_head(store):
    with store.transaction():
        store.audit("test.entry", entity="thing")
    hid, h = audit.head(store.conn)
    assert audit.head_display(store.conn) == f"Audit head {hid:,} · {h[:8]}"


def test_a_store_made_again_at_the_same_path_is_not_taken_for_the_old_one(tmp_path):
    p = tmp_path / "again.mdesk"
    s = Store.create(p, PASSPHRASE)
    _fill(s, 3)
    s.close()
    for extra in ("", "-wal", "-shm", ".lock"):
        (tmp_path / f"again.mdesk{extra}").unlink(missing_ok=True)
    s = Store.create(p, PASSPHRASE)
    _fill(s, 2)
    s.close()
    assert _verify(p).ok

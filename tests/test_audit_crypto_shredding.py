"""No raw id in the audit log, salted pseudonyms that die with the person, and the 0009 migration of old logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest

from matac_desk.cli import main as cli_main
from matac_desk.storage import anchors, audit, schema
from matac_desk.storage.retention import erase_person
from matac_desk.storage.store import Store
from conftest import PASSPHRASE, TODAY
from pack_support import demo_store


def _log_text(store: Store) -> str:
    """The whole audit log, decrypted: every column of every entry."""
    return "\n".join(" ".join("" if v is None else str(v) for v in row)
                     for row in store.conn.execute("SELECT * FROM audit_log"))


def test_the_decrypted_log_holds_no_person_id(tmp_path, monkeypatch, capsys):
    """Views, listings (table and CSV), a profile and a pack (their references too), merges' entries: the log
    is grepped for every person id the store holds."""
    from matac_desk.meeting import meetings
    from matac_desk.pack import export_pack, export_profile
    store = demo_store(tmp_path)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM persons")]
    subject = store.scalar("SELECT perpetrator_id FROM involvements LIMIT 1")
    audit.audit_view(store, subject, "meeting preparation")
    export_profile(store, tmp_path / "profile.pdf", subject, recipient="Probation (North)", today=TODAY)
    m = meetings.next_meeting(store, TODAY)
    export_pack(store, tmp_path / "pack.pdf", m.id, recipient="MATAC members", today=TODAY)
    store.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    for args in (["score"], ["score", "--format", "csv"], ["history", subject],
                 ["explain", subject]):
        assert cli_main([args[0], str(tmp_path / "demo.mdesk"), *args[1:]]) == 0, args
    capsys.readouterr()
    store = Store.open(tmp_path / "demo.mdesk", PASSPHRASE, read_only=True)
    try:
        text = _log_text(store)
        assert "PROFILE-" in text                                     # the reference is there...
        found = sorted({i for i in ids if re.search(rf"(?<![A-Za-z0-9]){re.escape(i)}(?![A-Za-z0-9])", text)})
        assert found == []                                            # ...without the id in it
        profile = [e for e in audit.entries(store.conn, action="disclosure.profile")][-1]
        assert json.loads(profile["detail"])["reference"].startswith("PROFILE-p-")
        assert len(audit.entries(store.conn, person_id=subject)) >= 4
    finally:
        store.close()


def test_an_erased_persons_pseudonym_cannot_be_recomputed(store, tmp_path):
    """The issue's attack: the store's secret is kept, the id space is small (NM + 7 digits); trying every id
    with the secret, unsalted or with any salt left in the store, re-links nothing once the salt is gone."""
    from security_support import extract
    from matac_desk.intake.importer import import_extract
    extract(tmp_path / "x.csv", [
        ["INC1", "2026-01-05", "Common assault", "NM0004217", "Darren", "Okafor", "1985-03-02", "NM0004218", "Amy",
         "Ross", "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"]])
    import_extract(store, tmp_path / "x.csv", today=TODAY)
    for _ in range(5):
        audit.audit_view(store, "NM0004217", "meeting preparation")
    summary = erase_person(store, "NM0004217", "retention review: no policing purpose")
    target = summary.person_pseudonym
    secret = audit._secret(store.conn)
    salts = [r[0] for r in store.conn.execute(f"SELECT {audit.SALT_COLUMN} FROM persons") if r[0]]
    assert store.scalar(f"SELECT count(*) FROM pragma_table_info('persons') WHERE name = '{audit.SALT_COLUMN}'") == 1
    hits = 0
    for n in range(4_000, 5_000):                                    # the neighbourhood of the id, and every salt
        pid = f"NM{n:07d}"
        candidates = {audit.salted_digest(secret, None, pid)} | {audit.salted_digest(secret, s, pid) for s in salts}
        candidates.add("p-" + hmac.new(secret, pid.encode(), hashlib.sha256).hexdigest()[:32])
        hits += target in candidates
    assert hits == 0
    assert len([e for e in audit.entries(store.conn) if e["entity_id"] == target]) == 6  # still grouped
    assert audit.entries(store.conn, person_id="NM0004217") == []
    # the victim, still held, is found as before
    audit.audit_view(store, "NM0004218", "safeguarding")
    assert len(audit.entries(store.conn, person_id="NM0004218")) == 1


def _old_pseudonyms(conn, person_ids, *, create=True, secret=None):
    """How pseudonyms were made before 0009: HMAC(secret, id), no salt."""
    key = secret if secret is not None else audit._secret(conn)
    return {str(p): "p-" + hmac.new(key, str(p).encode(), hashlib.sha256).hexdigest()[:32] for p in person_ids}


def test_migration_0009_maps_old_pseudonyms_and_rechains(tmp_path, monkeypatch):
    from matac_desk.intake.importer import import_extract
    from security_support import extract
    path = tmp_path / "old.mdesk"
    monkeypatch.setattr(schema.migrations, "_migrations",
                        [m for m in schema.migrations._migrations if m.name < "0009"])
    monkeypatch.setattr(audit, "pseudonyms", _old_pseudonyms)
    monkeypatch.setattr(audit, "_inside_pattern", lambda detail, ids: None)  # ids inside references were kept
    with Store.create(path, PASSPHRASE) as s:
        extract(tmp_path / "x.csv", [
            ["INC1", "2026-01-05", "Common assault", "P1", "Darren", "Okafor", "1985-03-02", "V1", "Amy", "Ross",
             "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"],
            ["INC2", "2026-01-06", "Common assault", "P9", "Gone", "Before", "1980-01-01", "V1", "Amy", "Ross",
             "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"]])
        import_extract(s, tmp_path / "x.csv", today=TODAY)
        audit.audit_view(s, "P1", "meeting preparation")
        audit.audit_disclosure(s, "profile", "Probation", "MATAC perpetrator profile", ["P1"],
                               detail={"reference": "PROFILE-P1-20261101-7F3A"})
        audit.audit_view(s, "P9", "meeting preparation")
        old_p9 = _old_pseudonyms(s.conn, ["P9"])["P9"]
        with s.transaction():   # P9 erased before salts existed: the old pseudonym could be recomputed
            s.conn.execute("DELETE FROM involvements WHERE perpetrator_id = 'P9'")
            s.conn.execute("DELETE FROM persons WHERE id = 'P9'")
        assert old_p9 in _log_text(s) and "PROFILE-P1-" in _log_text(s)
        entries_before = s.scalar("SELECT count(*) FROM audit_log")
    monkeypatch.undo()
    with Store.open(path, PASSPHRASE) as s:
        assert s.schema_version() >= "0009_audit_anchors"
        text = _log_text(s)
        assert old_p9 not in text and "PROFILE-P1-" not in text and "PROFILE-[erased]" not in text
        assert [e["action"] for e in audit.entries(s.conn, person_id="P1")] == ["person.viewed", "disclosure.profile"]
        rechained = audit.entries(s.conn, action="audit.rechained")
        assert len(rechained) == 1
        detail = json.loads(rechained[0]["detail"])
        assert detail["migration"] == "0009_audit_anchors" and detail["unlinked_pseudonyms"] == 1
        assert detail["entries_changed"] == 3 and detail["head_before"][0] == entries_before
        report = anchors.verify_log(s)
        assert report.ok, report.lines()
        assert anchors.trigger_problems(s.conn) == []
        assert s.scalar(f"SELECT count(*) FROM persons WHERE {audit.SALT_COLUMN} IS NULL") == 0


def test_a_person_gets_a_salt_when_first_in_the_log_even_read_only(store, tmp_path):
    from matac_desk.intake.importer import import_extract
    from security_support import extract
    extract(tmp_path / "x.csv", [["INC1", "2026-01-05", "Common assault", "P1", "A", "B", "1985-03-02", "V1", "C",
                                  "D", "1990-07-14", "girlfriend", "", ""]])
    import_extract(store, tmp_path / "x.csv", today=TODAY)
    assert store.scalar(f"SELECT {audit.SALT_COLUMN} FROM persons WHERE id = 'V1'") is None
    ro = Store.open(store.path, PASSPHRASE, read_only=True)
    try:
        assert audit.entries(ro.conn, person_id="V1") == []
        audit.audit_view(ro, "V1", "safeguarding")
        salt = ro.scalar(f"SELECT {audit.SALT_COLUMN} FROM persons WHERE id = 'V1'")
        assert salt and len(salt) == 32
        assert [e["action"] for e in audit.entries(ro.conn, person_id="V1")] == ["person.viewed"]
        with pytest.raises(Exception):
            ro.conn.execute("UPDATE persons SET surname = 'x' WHERE id = 'V1'")
    finally:
        ro.close()

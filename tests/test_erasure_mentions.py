"""Erasure finds the rest: every free-text mention of the person in other records, listed for review,
replaced with [erased] or kept with a reason, counted in the audit entry (issue 16)."""

from __future__ import annotations

import json

import pytest

from matac_desk.cli import main as cli_main
from matac_desk.domain import UserError
from matac_desk.intake.importer import import_extract
from matac_desk.storage import audit
from matac_desk.storage.retention import erase_person, find_mentions
from conftest import PASSPHRASE, TODAY
from security_support import extract

NOW = "2026-03-01T00:00:00+00:00"

# (table, column, text written, what must be gone, what must stay)
FREE_TEXT = [
    ("minutes", "text", "Partner of Zxqwerplank; also seen at QX9 7ZZ (dob 17/07/1977)",
     ["Zxqwerplank", "QX9 7ZZ", "17/07/1977"], ["Partner of", "also seen at"]),
    ("actions", "description", "Check on ZXQWERPLANK Mary and her new partner", ["ZXQWERPLANK Mary"], ["Check on"]),
    ("action_updates", "note", "spoke to mary zxqwerplank at 7 Quill Street, Northtown; 7 quill street again",
     ["mary zxqwerplank", "7 Quill Street, Northtown", "7 quill street"], ["spoke to", "again"]),
    ("referrals", "reason", "Known as Molly Zed; born 17 July 1977", ["Molly Zed", "17 July 1977"], ["Known as"]),
    ("meetings", "notes", "Zxqwerplank, Mary: qx97zz; 1977-07-17; V7", ["Zxqwerplank, Mary", "qx97zz",
                                                                         "1977-07-17", "V7"], []),
    ("disclosures", "notes", "told about July 17, 1977 and 17.7.77", ["July 17, 1977", "17.7.77"], ["told about"]),
    ("subject_tactics", "notes", "keep Zxqwerplank away", ["Zxqwerplank"], ["keep", "away"]),
    ("orders", "conditions", "Not to contact Mary Zxqwerplank or enter Quill Street", ["Mary Zxqwerplank"],
     ["Not to contact"]),
    ("decisions", "reason", "risk to zxqwerplank", ["zxqwerplank"], ["risk to"]),
    ("forum_referrals", "notes", "MARAC for Zxqwerplank", ["Zxqwerplank"], ["MARAC for"]),
    ("cohort_events", "reason", "victim Zxqwerplank moved", ["Zxqwerplank"], ["victim", "moved"]),
]


@pytest.fixture
def victim(store, tmp_path):
    """V7, Mary Zxqwerplank (alias Molly Zed), born 1977-07-17, at 7 Quill Street, Northtown, QX9 7ZZ; P5 is the
    subject whose records mention her and stay."""
    extract(tmp_path / "x.csv", [
        ["INC1", "2026-01-05", "Common assault", "P5", "Lee", "Hall", "1980-01-01", "V7", "Mary", "Zxqwerplank",
         "1977-07-17", "girlfriend", "7 Quill Street, Northtown", "QX9 7ZZ"],
        ["INC2", "2026-02-05", "Harassment", "P5", "Lee", "Hall", "1980-01-01", "V8", "Kim", "Other",
         "", "ex-partner", "2 Mill Lane", "NB1 2BB"],
    ])
    import_extract(store, tmp_path / "x.csv", today=TODAY)
    c = store.conn
    with store.transaction():
        c.execute("INSERT INTO aliases (person_id, forename, surname, name_key) VALUES ('V7', 'Molly', 'Zed', 'molly zed')")
        c.execute("INSERT INTO meetings (id, date, notes) VALUES (1, '2026-03-01', 'x')")
        c.execute("INSERT INTO actions (id, person_id, meeting_id, agency, description, created_at) VALUES"
                  " (1, 'P5', 1, 'Police', 'x', ?)", [NOW])
        c.execute("INSERT INTO action_updates (action_id, date, note) VALUES (1, '2026-03-02', 'x')")
        c.execute("INSERT INTO referrals (person_id, agency, date, reason) VALUES ('P5', 'Probation', '2026-01-10', 'x')")
        c.execute("INSERT INTO disclosures (subject_id, kind, date, notes, recorded_at)"
                  " VALUES ('P5', 'right to know', '2026-02-10', 'x', ?)", [NOW])
        c.execute("INSERT INTO cohort_events (person_id, event, date, meeting_id, reason) VALUES"
                  " ('P5', 'adopted', '2026-03-01', 1, 'x')")
        for table, column, text, _gone, _kept in FREE_TEXT:
            n = c.execute(f"UPDATE {table} SET {column} = ?", [text]).rowcount
            if n == 0:
                _insert(c, table, column, text)
    return store


def _insert(c, table, column, text):
    rows = {
        "minutes": "INSERT INTO minutes (meeting_id, person_id, text, chair, recorded_at) VALUES (1, 'P5', ?, 'c', '"
                   + NOW + "')",
        "subject_tactics": "INSERT INTO subject_tactics (person_id, tactic_id, agreed_on, status, notes) VALUES"
                           " ('P5', 1, '2026-03-01', 'agreed', ?)",
        "orders": "INSERT INTO orders (person_id, type, start_date, conditions, recorded_at) VALUES"
                  " ('P5', 'DVPO', '2026-03-01', ?, '" + NOW + "')",
        "decisions": "INSERT INTO decisions (meeting_id, person_id, decision, reason, recorded_at) VALUES"
                     " (1, 'P5', 'adopt', ?, '" + NOW + "')",
        "forum_referrals": "INSERT INTO forum_referrals (forum, person_id, reason, prompted_on, notes) VALUES"
                           " ('MARAC', 'P5', 'repeat', '2026-03-01', ?)",
    }
    c.execute(rows[table], [text])


def _text(store, table, column):
    return store.scalar(f"SELECT {column} FROM {table}")


def test_every_free_text_mention_is_listed_with_its_kind(victim):
    found = find_mentions(victim, "V7")
    tables = {m.table for m in found}
    assert tables == {t for t, *_ in FREE_TEXT}
    kinds = {m.kind for m in found}
    assert kinds == {"surname", "full name", "alias", "date of birth", "postcode", "address", "id"}
    texts = {m.text for m in found}
    for _t, _c, _text_, gone, _kept in FREE_TEXT:
        for g in gone:
            assert g in texts, g
    m = next(m for m in found if m.table == "minutes" and m.kind == "postcode")
    assert m.context == "… of Zxqwerplank; also seen at [QX9 7ZZ] (dob 17/07/1977)"  # 30 characters either side
    # listing changes nothing
    assert _text(victim, "minutes", "text") == FREE_TEXT[0][2]
    assert victim.scalar("SELECT count(*) FROM persons WHERE id = 'V7'") == 1


def test_erasure_replaces_every_mention_and_counts_them(victim):
    n = len(find_mentions(victim, "V7"))
    summary = erase_person(victim, "V7", "retention review: no policing purpose")
    for table, column, _text_, gone, kept in FREE_TEXT:
        value = _text(victim, table, column)
        assert all(g not in value for g in gone), (table, value)
        assert all(k in value for k in kept) and "[erased]" in value
    assert _text(victim, "minutes", "text") == "Partner of [erased]; also seen at [erased] (dob [erased])"
    entry = [e for e in audit.entries(victim.conn) if e["entity_id"] == summary.person_pseudonym][-1]
    mentions = json.loads(entry["detail"])["mentions"]
    assert mentions == {"found": n, "replaced": n, "kept": 0, "kept_reasons": []}
    assert victim.scalar("SELECT count(*) FROM incidents WHERE postcode = 'QX9 7ZZ'") == 0


def test_a_mention_kept_with_a_reason_stays_and_is_counted(victim):
    found = find_mentions(victim, "V7")
    keep = next(m for m in found if m.table == "orders")
    decisions = {keep.key: "the order's wording is evidence for court"}
    erase_person(victim, "V7", "retention review: no policing purpose", decisions=decisions)
    assert _text(victim, "orders", "conditions") == "Not to contact Mary Zxqwerplank or enter Quill Street"
    entry = audit.entries(victim.conn, action="person.erased")[-1]
    mentions = json.loads(entry["detail"])["mentions"]
    assert mentions["kept"] == 1 and mentions["replaced"] == len(found) - 1
    assert mentions["kept_reasons"] == ["the order's wording is evidence for court"]


@pytest.mark.parametrize("reason, message", [("", "needs a reason"), ("Mary Zxqwerplank asked", "must not hold")])
def test_a_kept_mention_needs_a_reason_that_does_not_name_her(victim, reason, message):
    keep = find_mentions(victim, "V7")[0]
    with pytest.raises(UserError, match=message):
        erase_person(victim, "V7", "retention review", decisions={keep.key: reason})
    assert victim.scalar("SELECT count(*) FROM persons WHERE id = 'V7'") == 1


def test_cli_lists_and_refuses_without_scrub_mentions(victim, monkeypatch, capsys):
    path = str(victim.path)
    victim.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    assert cli_main(["erase", path, "V7", "--reason", "retention review", "--yes"]) == 1
    out = capsys.readouterr()
    assert "mention(s) of this person in other records' free text" in out.out
    assert "  minutes #1 · text: surname: Partner of [Zxqwerplank]; also seen" in out.out
    assert "add --scrub-mentions" in out.err and "nothing was changed" in out.err
    assert cli_main(["erase", path, "V7", "--reason", "retention review", "--yes", "--scrub-mentions"]) == 0
    capsys.readouterr()
    from matac_desk.storage.store import Store
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM persons WHERE id = 'V7'") == 0
        assert "Zxqwerplank" not in (s.scalar("SELECT text FROM minutes") or "")
        # the listing shown for review was recorded as a consultation, before the erasure
        actions = [e["action"] for e in audit.entries(s.conn)][-2:]
        assert actions == ["person.viewed", "person.erased"]

"""Erasing a person leaves no trace of their name, id, date of birth or address: store, later backups, exports."""

from __future__ import annotations

import json
import re

import pytest

from matac_desk.storage.audit import audit_view, entries, pseudonym
from matac_desk.storage.backups import backup
from matac_desk.cli import main as cli_main
from matac_desk.domain import Cancelled, UserError
from matac_desk.intake.importer import import_extract
from matac_desk.services.people import search_ids
from matac_desk.storage.retention import erase_person, erasure_preview
from matac_desk.storage.store import Store
from conftest import PASSPHRASE, TODAY
from security_support import extract, store_blobs, store_text

NOW = "2026-03-01T00:00:00+00:00"
# What must vanish: the id (as a whole word: P10 is someone else), names, date of birth, the address only he was in.
TRACES = [r"(?<!\w)P1(?!\w)", r"Okafor", r"Darren", r"1985-03-02", r"02/03/1985", r"Acacia Road", r"NB1 1AA",
          r"(?<!\w)P1b(?!\w)", r"Okafour"]


def traces(texts) -> list:
    return [(t, c, v) for t, c, v in texts for pat in TRACES if re.search(pat, v, re.IGNORECASE)]


def blob_traces(store) -> list:
    """BLOBs holding his names, or the trigrams of his names and ids that nobody left in the store has: the
    people search index keeps every trigram of a name, and a deleted row's stay in its segments."""
    left = " ".join(v.casefold() for _t, _c, v in store_text(store))
    present = {left[i:i + 3] for i in range(len(left) - 2)}
    words = ("darren", "okafor", "okafour", "daz", "p1b", "acacia")
    grams = {w[i:i + 3] for w in words for i in range(len(w) - 2)} - present
    return [(t, c) for t, c, b in store_blobs(store)
            if traces([(t, c, b.decode("latin-1"))]) or any(g.encode() in b.lower() for g in grams)]


@pytest.fixture
def full(store, tmp_path):
    """A store holding P1 (Darren Okafor) in every place a person can be, beside others who must stay."""
    extract(tmp_path / "x.csv", [
        ["INC1", "2026-01-05", "Common assault", "P1", "Darren", "Okafor", "1985-03-02", "V1", "Amy", "Ross",
         "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"],
        ["INC2", "2026-02-05", "Harassment", "P1", "Darren", "Okafor", "1985-03-02", "V2", "Kelly", "Wright",
         "", "ex-partner", "2 Mill Lane", "NB1 2BB"],
        ["INC2", "2026-02-05", "Harassment", "P3", "Lee", "Hall", "", "V2", "Kelly", "Wright", "", "ex-partner",
         "2 Mill Lane", "NB1 2BB"],
        ["INC3", "2026-02-07", "Stalking", "P10", "Connor", "Price", "", "V2", "Kelly", "Wright", "", "",
         "3 Elm Grove", ""],
        ["INC9", "2099-01-01", "Common assault", "P1", "Darren", "Okafor", "", "V9", "", "", "", "", "", ""],
    ])
    import_extract(store, tmp_path / "x.csv", today=TODAY)
    c = store.conn
    with store.transaction():
        c.execute("INSERT INTO persons (id, forename, surname, dob, name_key, merged_into, created_at, updated_at)"
                  " VALUES ('P1b', 'Darren', 'Okafour', '1985-03-02', 'darren okafour', 'P1', ?, ?)", [NOW, NOW])
        c.execute("INSERT INTO aliases (person_id, forename, surname, name_key) VALUES"
                  " ('P1', 'Daz', 'Okafor', 'daz okafor')")
        c.execute("INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen, source)"
                  " VALUES ('P1', 'V1', 'partner', 'partner', '2025-01-01', 'intel'),"
                  " ('P3', 'V2', 'partner', 'partner', '2025-01-01', 'intel')")
        c.execute("INSERT INTO meetings (id, date, notes) VALUES (1, '2026-03-01',"
                  " 'Discussed Darren Okafor (P1) and P10; see OKAFOR, Darren file')")
        c.execute("INSERT INTO referrals (person_id, agency, date, reason) VALUES ('P1', 'Probation', '2026-01-10', 'x')")
        c.execute("INSERT INTO cohort_events (person_id, event, date, meeting_id) VALUES ('P1', 'adopted', '2026-03-01', 1)")
        c.execute("INSERT INTO actions (id, person_id, meeting_id, agency, description, created_at) VALUES"
                  " (1, 'P1', 1, 'Police', 'DVPN for Darren Okafor', ?), (2, 'P3', 1, 'Police', 'Visit P3', ?)",
                  [NOW, NOW])
        c.execute("INSERT INTO action_updates (action_id, date, note) VALUES (1, '2026-03-02', 'served'),"
                  " (2, '2026-03-02', 'visited')")
        c.execute("INSERT INTO disclosures (subject_id, disclosed_to_id, recipient_name, kind, date, notes, recorded_at)"
                  " VALUES ('P1', 'V1', 'Amy Ross', 'right to know', '2026-02-10', 'about Darren', ?),"
                  " ('P3', 'P1', 'Darren Okafor', 'right to ask', '2026-02-11', 'asked by Darren Okafor', ?)",
                  [NOW, NOW])
        c.execute("INSERT INTO data_quality (person_id, kind, detail, detected_at) VALUES"
                  " ('P1', 'duplicate', 'maybe P1b', ?)", [NOW])
        # Tables other modules add later: found through their foreign keys, or by their text.
        c.execute("CREATE TABLE scores (id INTEGER PRIMARY KEY, person_id TEXT REFERENCES persons(id), score REAL)")
        c.execute("CREATE TABLE score_parts (id INTEGER PRIMARY KEY, score_id INTEGER REFERENCES scores(id), part TEXT)")
        c.execute("CREATE TABLE pack_log (id INTEGER PRIMARY KEY, persons TEXT, title TEXT)")
        c.execute("INSERT INTO scores VALUES (1, 'P1', 42.0), (2, 'P3', 7.0)")
        c.execute("INSERT INTO score_parts VALUES (1, 1, 'R'), (2, 2, 'R')")
        c.execute("INSERT INTO pack_log VALUES (1, '[\"P1\", \"P10\", \"P3\"]', 'March pack')")
        c.execute("INSERT INTO settings (key, value) VALUES ('ui.last_person', '\"P1\"')")
    audit_view(store, "P1", "meeting preparation")
    return store


def test_erasure_removes_every_trace(full):
    assert traces(store_text(full)) and blob_traces(full)  # the fixture really holds him
    keep = {t: full.scalar(f"SELECT count(*) FROM {t}") for t in ("persons", "incidents", "involvements")}
    summary = erase_person(full, "P1", "retention review: no policing purpose")
    assert traces(store_text(full)) == []
    assert blob_traces(full) == []
    # and the search still finds the others (the index was rebuilt, not emptied)
    assert search_ids(full, "kelly wright") == ["V2"] and search_ids(full, "okafor") == []
    assert summary.records == 2  # P1 and P1b, merged into him
    assert full.scalar("SELECT count(*) FROM persons") == keep["persons"] - 2
    # INC1 (only him) and INC9's reject go; INC2 stays for P3, its address too; INC3 is P10's.
    assert [r[0] for r in full.conn.execute("SELECT ref FROM incidents ORDER BY ref")] == ["INC2", "INC3"]
    assert full.scalar("SELECT count(*) FROM involvements") == keep["involvements"] - 2
    assert full.scalar("SELECT count(*) FROM rejected_rows") == 0
    assert [r[0] for r in full.conn.execute("SELECT person_id FROM scores")] == ["P3"]
    assert [r[0] for r in full.conn.execute("SELECT score_id FROM score_parts")] == [2]
    assert full.scalar("SELECT persons FROM pack_log") == '["[erased]", "P10", "P3"]'
    assert full.scalar("SELECT notes FROM meetings") == "Discussed [erased] ([erased]) and P10; see [erased] file"
    assert full.conn.execute("SELECT subject_id, disclosed_to_id, recipient_name, notes FROM disclosures").fetchall() \
        == [("P3", None, None, "asked by [erased]")]
    assert [r[0] for r in full.conn.execute("SELECT description FROM actions")] == ["Visit P3"]
    assert full.scalar("SELECT count(*) FROM action_updates") == 1
    assert full.scalar("SELECT value FROM settings WHERE key = 'ui.last_person'") == '"[erased]"'
    # The audit log: his entries remain, by pseudonym only, with the erasure as the last; his salt went with his
    # row, so the pseudonym cannot be computed from his id any more (crypto-shredding).
    mine = [e for e in entries(full.conn) if e["entity_id"] == summary.person_pseudonym]
    assert [e["action"] for e in mine] == ["person.viewed", "person.erased"]
    assert entries(full.conn, person_id="P1") == []
    assert pseudonym(full.conn, "P1") != summary.person_pseudonym
    detail = json.loads(mine[-1]["detail"])
    assert detail["removed"]["involvements"] == 2
    assert detail["mentions"]["found"] == detail["mentions"]["replaced"] >= 4 and detail["mentions"]["kept"] == 0
    assert full.scalar("PRAGMA foreign_key_check") is None
    assert full.scalar("PRAGMA integrity_check") == "ok"


def _exports(path, folder, capsys) -> list[tuple[str, str, str]]:
    """What leaves the program about everyone: every listing as CSV (JSON for the audit log too), the action
    list, a relationship picture, a profile and the meeting's pack (their text, metadata and bookmarks)."""
    from pack_support import outline, page_texts
    import pypdf
    folder.mkdir()
    listings = [["score", "--as-of", "2026-03-01"], ["partners", "--as-of", "2026-03-01", "--since", "2025-01-01",
                                                    "--scope", "all"],
                ["duplicates"], ["merges", "--all"], ["shared-victims"], ["networks"], ["cohort"],
                ["actions"], ["outcomes"], ["prompts"], ["workload"], ["nominations"], ["audit"],
                ["retention", "--as-of", "2099-01-01"], ["backups"], ["info"],
                ["explain", "P3"], ["history", "P3"], ["partner-history", "P3"]]
    texts = []
    for args in listings:
        for fmt in {"audit": ("csv", "json"), "info": ("json",), "explain": ("json",)}.get(args[0], ("csv",)):
            code = cli_main([args[0], str(path), *args[1:], "--format", fmt])
            cap = capsys.readouterr()
            assert code == 0, (args, cap.err)
            texts.append((" ".join(args), fmt, cap.out + cap.err))
    files = [["actions", "-o", "actions.csv", "--recipient", "Housing"], ["graph", "P3", "-o", "graph.svg"],
             ["profile", "P3", "-o", "profile.pdf", "--recipient", "Probation", "--as-of", "2026-03-01"],
             ["pack", "--meeting", "2026-03-01", "-o", "pack.pdf", "--recipient", "Probation"],
             ["rejects", "-o", "rejects.csv"]]
    for command, *args in files:
        out = folder / args[args.index("-o") + 1]
        args[args.index("-o") + 1] = str(out)
        code = cli_main([command, str(path), *args])
        cap = capsys.readouterr()
        assert code == 0, (command, cap.err)
        texts.append((command, "output", cap.out + cap.err))
        if out.suffix == ".pdf":
            meta = pypdf.PdfReader(str(out)).metadata or {}
            texts += [(out.name, f"page {i}", t) for i, t in enumerate(page_texts(out), 1)]
            texts += [(out.name, "metadata", " ".join(str(v) for v in meta.values()))]
            texts += [(out.name, "outline", " ".join(title for _l, title, _p in outline(out)))]
        elif out.exists():
            texts.append((out.name, "file", out.read_bytes().decode("utf-8", "replace")))
    return texts


def test_backup_after_erasure_and_exports_hold_no_trace(full, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    before = backup(full, "manual")
    path = full.path
    full.close()
    held = {where for where, _how, _text in traces(_exports(path, tmp_path / "before", capsys))}
    # the exports held him: the ranking, partners, shared victims, networks, cohort, actions, rejects, PDFs...
    assert {"score --as-of 2026-03-01", "partners --as-of 2026-03-01 --since 2025-01-01 --scope all",
            "shared-victims", "networks", "cohort", "actions.csv", "rejects.csv", "profile.pdf", "pack.pdf"} <= held
    s = Store.open(path, PASSPHRASE)
    erase_person(s, "P1", "subject access: erasure upheld")
    after = backup(s, "manual")
    s.close()
    for b, holds in ((before, True), (after, False)):
        s = Store.open(b, PASSPHRASE, migrate=False)
        try:
            assert bool(traces(store_text(s))) is holds
            assert bool(blob_traces(s)) is holds
        finally:
            s.close()
    assert traces(_exports(path, tmp_path / "after", capsys)) == []


@pytest.mark.parametrize("pid, reason, message", [
    ("NOPE", "review", "no person with that id"),
    ("P1", "  ", "give the reason"),
    ("P1", "Darren Okafor asked", "must not hold a person's name"),
])
def test_erasure_refusals_change_nothing(full, pid, reason, message):
    before = store_text(full)
    with pytest.raises(UserError, match=message):
        erase_person(full, pid, reason)
    assert store_text(full) == before


def test_an_unknown_id_is_named_in_the_refusal(full):
    with pytest.raises(UserError, match="^no person with that id is held in the store: NM4040404$"):
        erase_person(full, "NM4040404", "review")
    with pytest.raises(UserError, match="^no person with that id is held in the store: NM4040404$"):
        erasure_preview(full, "NM4040404")


def test_cancelled_erasure_changes_nothing(full):
    before = store_text(full)
    with pytest.raises(Cancelled):
        erase_person(full, "P1", "review", cancelled=lambda: True)
    assert store_text(full) == before


def test_cli_erase_asks_first(full, monkeypatch, capsys):
    path = full.path
    full.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli_main(["erase", str(path), "P1", "--reason", "review", "--scrub-mentions"]) == 1
    assert "add --yes" in capsys.readouterr().err
    assert cli_main(["erase", str(path), "P1", "--reason", "review", "--yes", "--scrub-mentions"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("mention(s) of this person in other records' free text:")  # listed for review first
    assert "Erased: 2 person record(s)" in out[-1] and "P1" not in out[-1].replace("p-", "")

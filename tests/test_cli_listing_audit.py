"""Every command-line listing that shows persons is audited before it prints: on the terminal a consultation
(``view.listing``), as CSV or JSON (or with --recipient) a disclosure (``disclosure.listing``), with the persons
shown as pseudonyms; listings that show no person are not."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from matac_desk.storage import audit
from matac_desk.meeting import cohort, meetings
from matac_desk.analysis import duplicates
from matac_desk.cli import main
from matac_desk.cli.common import NOT_STATED_REASON, NOT_STATED_RECIPIENT, record_listing
from matac_desk.services.demo import DemoSpec, fill_store
from matac_desk.intake.importer import import_extract
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, TODAY, write_csv

AS_OF = ["--as-of", TODAY.isoformat()]
ID = re.compile(r"\bNM\d{7}\b")

# (command line after the store, formats, whether the output itself shows person ids).
# {who} etc. are filled from the demo store (see ``ids``).
LISTINGS = [
    ("score --top 8 {as_of}", ("table", "csv", "json"), True),
    ("explain {scored} {as_of}", ("text", "json"), True),
    ("history {member}", ("table", "csv", "json"), True),
    ("nominations {as_of}", ("table", "csv", "json"), True),
    ("duplicates", ("table", "csv", "json"), True),
    ("merges --all", ("table", "csv", "json"), True),
    ("shared-victims", ("table", "csv", "json"), True),
    ("networks", ("table", "csv", "json"), True),
    ("partners --since 2025-01-01 {as_of} --scope all", ("table", "csv", "json"), True),
    ("partner-history {member} {as_of}", ("table", "csv", "json"), True),
    ("cohort {as_of}", ("table", "csv", "json"), True),
    ("actions {as_of}", ("table", "csv", "json"), True),
    ("outcomes {as_of}", ("table", "csv", "json"), True),
    ("prompts {as_of}", ("table", "csv", "json"), True),
    ("workload {as_of}", ("table",), True),             # the MOSOVO flags name subjects
    ("workload {as_of}", ("csv", "json"), False),       # offender managers only
    ("order {protector}", ("table",), True),
    ("tactic {member}", ("table",), True),
    ("subject {member}", ("table",), True),
    ("retention --as-of 2099-01-01", ("table", "csv", "json"), True),
    ("rejects", ("table",), False),                     # row, column, reason: the ids are in the rows kept
    ("meeting agenda --meeting {meeting}", ("table", "json"), True),
]
CASES = [pytest.param(line, fmt, shows, id=f"{line.split()[0]}{'-agenda' if 'agenda' in line else ''}-{fmt}")
         for line, fmts, shows in LISTINGS for fmt in fmts]

# Listings that show no person: left unaudited.
UNAUDITED = ["toolkit", "gravity list", "gravity unmapped", "backups", "meeting list", "scoring-config history",
             "scoring-config show", "snapshot --list", "audit", "audit --format csv", "info", "om list",
             "import-profile list"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small demo store with a year of meetings, a merge undone, and one import batch with a rejected row."""
    folder = tmp_path_factory.mktemp("listing-audit")
    store = Store.create(folder / "demo.mdesk", PASSPHRASE)
    fill_store(store, DemoSpec(seed=3, incidents=200, as_of=TODAY))
    pair = duplicates.find_duplicates(store)[0]
    duplicates.merge(store, pair.a_id, pair.b_id, "same man")
    duplicates.unmerge(store, pair.b_id, "different after all")
    member = cohort.cohort(store, TODAY)[0].person_id
    bad = write_csv(folder / "bad.csv", ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id"],
                    [["X-1", "2026-10-01", "Common assault", member, member]])
    import_extract(store, bad, today=TODAY)
    ids = {
        "as_of": " ".join(AS_OF),
        "member": member,
        "scored": store.scalar("SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id "
                               "ORDER BY count(*) DESC, perpetrator_id LIMIT 1"),
        "protector": store.scalar("SELECT person_id FROM orders WHERE protected_person_id IS NOT NULL "
                                  "ORDER BY id LIMIT 1"),
        "meeting": meetings.meetings(store)[-1].date,
        "actioned": store.scalar("SELECT person_id FROM actions WHERE status NOT IN ('done', 'cancelled') "
                                 "ORDER BY id LIMIT 1"),
        "rejected": member,
    }
    # A MAPPA level 2 subject with no offender manager, so the workload table's MOSOVO flags name someone
    # whatever the demo's draws (its data changed as the demo grew).
    with store.transaction():
        store.conn.execute("UPDATE subjects SET mappa_category = 3, mappa_level = 2, om_id = NULL WHERE person_id = ?",
                           [member])
    # What the test expects of the demo data: fail here, plainly, if it changes.
    assert store.scalar("SELECT count(*) FROM subjects WHERE person_id = ? AND mappa_level = 2", [member])
    assert store.scalar("SELECT count(*) FROM subject_tactics WHERE person_id = ?", [member])
    assert ids["scored"] and ids["protector"] and ids["actioned"]
    store.close()
    return folder / "demo.mdesk", ids


@pytest.fixture
def demo(template, tmp_path, monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    path, ids = template
    copy = tmp_path / "demo.mdesk"
    shutil.copyfile(path, copy)
    return copy, ids


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def argv(line: str, path, ids) -> list[str]:
    """``COMMAND STORE ARGS...`` (``meeting STORE agenda ...`` too)."""
    words = line.format(**ids).split()
    return words[:1] + [str(path)] + words[1:]


def log(path) -> list[dict]:
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        return audit.entries(s.conn)


def pseudonyms(path, person_ids) -> set[str]:
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        return {audit.pseudonym(s.conn, p) for p in person_ids}


def fmt_args(fmt: str) -> list[str]:
    return [] if fmt in ("table", "text") else ["--format", fmt]


@pytest.mark.parametrize("line, fmt, shows", CASES)
def test_listing_writes_one_entry_of_the_right_kind(demo, capsys, line, fmt, shows):
    path, ids = demo
    before = len(log(path))
    code, out, err = run(capsys, *argv(line, path, ids), *fmt_args(fmt))
    assert code == 0, err
    new = log(path)[before:]
    assert len(new) == 1, [e["action"] for e in new]
    entry = new[0]
    detail = json.loads(entry["detail"])
    assert detail["listing"] == ("agenda" if line.startswith("meeting") else line.split()[0])
    assert detail["format"] == fmt
    shown = set(ID.findall(out)) | set(ID.findall(line.format(**ids)))   # shown, or asked about
    if shows:
        assert shown, "the listing should show persons for this test to mean anything"
    else:
        shown = {ids["rejected"]} if line == "rejects" else set()
    assert pseudonyms(path, shown) <= set(detail.get("persons", [])), "every person shown is itemised"
    assert detail["persons_shown"] >= len(shown) and "persons_capped" not in detail
    assert not ID.search(entry["detail"] or ""), "ids are kept only as pseudonyms"
    if fmt in ("csv", "json"):
        assert (entry["action"], entry["entity"]) == ("disclosure.listing", "disclosure")
        assert (entry["recipient"], entry["reason"]) == (NOT_STATED_RECIPIENT, NOT_STATED_REASON)
        assert err.count("\n") == 1 and "--recipient" in err and "recorded in the audit log" in err
        # stdout is the export alone: it still parses
        if fmt == "json":
            json.loads(out)
        else:
            assert next(csv.reader(io.StringIO(out)))
    else:
        assert (entry["action"], entry["entity"], entry["entity_id"]) == ("view.listing", "listing", detail["listing"])
        assert entry["recipient"] is None and entry["reason"] is None
        assert err == ""
    for pid in sorted(shown)[:2]:
        code, found, _ = run(capsys, "audit", path, "--person", pid, "--format", "json")
        assert entry["id"] in [e["id"] for e in json.loads(found)], pid


@pytest.mark.parametrize("line", UNAUDITED)
def test_listings_that_show_no_person_are_not_audited(demo, capsys, line):
    path, _ids = demo
    before = len(log(path))
    code, out, err = run(capsys, *argv(line, path, {}))
    assert code == 0, err
    assert len(log(path)) == before
    assert not ID.search(out)


def test_filters_and_a_person_filter_are_recorded_as_pseudonyms(demo, capsys):
    path, ids = demo
    who = ids["actioned"]
    code, out, _ = run(capsys, "actions", path, *AS_OF, "--person", who, "--open")
    assert code == 0 and who in out
    entry = log(path)[-1]
    detail = json.loads(entry["detail"])
    (p,) = pseudonyms(path, [who])
    assert detail["filters"] == {"as_of": TODAY.isoformat(), "person_id": p, "open_only": True}
    assert detail["persons"] == [p] and detail["rows"] == out.count(who)
    # an id asked about but shown nowhere is still only a pseudonym, and the entry is found by it
    code, _out, _ = run(capsys, "actions", path, *AS_OF, "--person", "NM9999999", "--format", "json")
    entry = log(path)[-1]
    assert code == 0 and "NM9999999" not in entry["detail"]
    assert [e["id"] for e in audit_entries(path, "NM9999999")] == [entry["id"]]


def audit_entries(path, person_id):
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        return audit.entries(s.conn, person_id=person_id)


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_recipient_and_reason_are_recorded(demo, capsys, fmt):
    path, _ids = demo
    code, out, err = run(capsys, "score", path, "--top", "3", *AS_OF, "--format", fmt,
                         "--recipient", "  Probation,   North ", "--reason", "monthly tasking")
    assert code == 0 and err == ""
    entry = log(path)[-1]
    # a table given --recipient is shown to someone: a disclosure too
    assert entry["action"] == "disclosure.listing"
    assert (entry["recipient"], entry["reason"]) == ("Probation, North", "monthly tasking")
    assert json.loads(entry["detail"])["count"] == 3


def test_recipient_without_reason_says_so_on_stderr(demo, capsys):
    path, _ids = demo
    code, out, err = run(capsys, "cohort", path, *AS_OF, "--format", "csv", "--recipient", "Housing")
    entry = log(path)[-1]
    assert code == 0 and (entry["recipient"], entry["reason"]) == ("Housing", NOT_STATED_REASON)
    assert err.count("\n") == 1 and "'Housing'" in err and "--reason" in err
    assert out.startswith("person_id,name,")


def test_reason_on_the_terminal_is_kept_with_the_consultation(demo, capsys):
    path, _ids = demo
    assert run(capsys, "nominations", path, *AS_OF, "--reason", "preparing the November meeting")[0] == 0
    entry = log(path)[-1]
    assert (entry["action"], entry["reason"], entry["recipient"]) == ("view.listing", "preparing the November "
                                                                                      "meeting", None)


@pytest.mark.parametrize("fmt, field, words", [
    ("csv", "reason", "{name} asked for it"),
    ("table", "reason", "looking at {id}"),
    ("json", "recipient", "{name}'s solicitor"),
])
def test_free_text_naming_a_person_shown_is_refused_and_nothing_printed(demo, capsys, fmt, field, words):
    path, _ids = demo
    top = json.loads(run(capsys, "score", path, "--top", "1", *AS_OF, "--format", "json")[1])[0]
    before = len(log(path))
    text = words.format(name=top["name"], id=top["perpetrator_id"])
    code, out, err = run(capsys, "score", path, "--top", "1", *AS_OF, "--format", fmt, f"--{field}", text,
                         *(["--recipient", "Probation"] if field == "reason" and fmt != "table" else []))
    assert code == 1 and out == ""
    assert err.strip() == (f"matac-desk: error: the {field} must not hold a person's name, date of birth or id "
                           "(the audit log already records who it is about); reword it")
    assert len(log(path)) == before


def test_persons_itemised_are_capped(demo, capsys, monkeypatch):
    path, _ids = demo
    monkeypatch.setattr(audit, "LISTED_PERSONS_CAP", 3)
    code, out, _ = run(capsys, "score", path, "--top", "7", *AS_OF, "--format", "csv")
    shown = [r["perpetrator_id"] for r in csv.DictReader(io.StringIO(out))]
    detail = json.loads(log(path)[-1]["detail"])
    assert code == 0 and len(shown) == 7
    assert (detail["rows"], detail["persons_shown"], detail["persons_capped"], detail["count"]) == (7, 7, 3, 3)
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        assert detail["persons"] == [audit.pseudonym(s.conn, p) for p in shown[:3]]   # the first, in order shown


def test_itemised_keeps_order_drops_repeats_and_blanks():
    ids, detail = audit.itemised(["B", "A", None, "B", "", "C"], {"rows": 4})
    assert ids == ["B", "A", "C"] and detail == {"rows": 4, "persons_shown": 3}
    many, detail = audit.itemised([f"P{i}" for i in range(audit.LISTED_PERSONS_CAP + 10)])
    assert len(many) == audit.LISTED_PERSONS_CAP and many[0] == "P0"
    assert detail == {"persons_shown": audit.LISTED_PERSONS_CAP + 10, "persons_capped": audit.LISTED_PERSONS_CAP}


class _Args:
    recipient = None
    reason = None
    as_of = TODAY


@pytest.mark.parametrize("fmt, action", [("table", "view.listing"), ("csv", "disclosure.listing")])
def test_a_store_opened_read_only_still_records(demo, capsys, fmt, action):
    path, ids = demo
    with Store.open(path, PASSPHRASE, read_only=True) as s:
        entry_id = record_listing(s, "cohort", [{"person_id": ids["member"]}], fmt, _Args(),
                                  person_keys=("person_id",), filters=("as_of",))
        with pytest.raises(Exception):
            with s.transaction():
                pass   # anything else stays refused
    capsys.readouterr()
    (entry,) = [e for e in audit_entries(path, ids["member"]) if e["id"] == entry_id]
    assert entry["action"] == action and json.loads(entry["detail"])["filters"] == {"as_of": TODAY.isoformat()}

"""The graph commands: links, partners, duplicates, merge, unmerge, shared-victims, networks, graph."""

from __future__ import annotations

import csv
import io
import json

import pytest

from matac_desk.storage import audit
from matac_desk.storage.audit import pseudonym
from matac_desk.cli import main

from conftest import PASSPHRASE, write_csv
from graphdata import incident, link


@pytest.fixture
def filled(store, monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    with store.transaction():
        incident(store, "R-1", "2020-01-01", "P", "OLD", "girlfriend")
        incident(store, "R-2", "2026-10-20", "P", "NEW", "girlfriend")
        incident(store, "R-3", "2026-10-21", "P", "OLD", "ex-girlfriend")
        incident(store, "R-4", "2019-01-01", "X", "NEW", "wife")
        link(store, "NEW", "KID", "son", "2020-01-01")
        store.conn.execute("UPDATE persons SET dob = '1990-01-01' WHERE id IN ('OLD', 'NEW')")
        store.conn.execute("UPDATE persons SET forename = 'FNEW', surname = 'SNEW', name_key = 'fnew snew' WHERE id = 'OLD'")
    return store


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_partners_csv_columns_in_order(filled, capsys):
    code, out, _ = run(capsys, "partners", str(filled.path), "--as-of", "2026-10-29", "--scope", "all",
                       "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:5] == ["perpetrator_id", "partner_id", "partner_name", "first_linked", "source"]
    assert [r[:5] for r in rows[1:]] == [["P", "NEW", "FNEW SNEW", "2026-10-20", "incident R-2"]]
    row = dict(zip(rows[0], rows[1]))
    assert (row["other_perpetrators"], row["possible_duplicates"]) == ("X", "OLD")


def test_partners_json_and_table(filled, capsys):
    code, out, _ = run(capsys, "partners", str(filled.path), "--as-of", "2026-10-29", "--since", "2026-10-01",
                       "--scope", "all", "--format", "json")
    assert code == 0 and [r["partner_id"] for r in json.loads(out)] == ["NEW"]
    code, out, _ = run(capsys, "partners", str(filled.path), "--as-of", "2026-10-29", "--scope", "serial")
    assert code == 0 and "scope serial: 1" in out


def test_duplicates_merge_unmerge(filled, capsys):
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--format", "json")
    assert code == 0 and [(r["person_a_id"], r["person_b_id"]) for r in json.loads(out)] == [("NEW", "OLD")]
    assert run(capsys, "merge", str(filled.path), "OLD", "NEW", "--reason", "same woman")[0] == 0
    code, out, _ = run(capsys, "partners", str(filled.path), "--as-of", "2026-10-29", "--scope", "all",
                       "--format", "json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "merges", str(filled.path), "--format", "json")
    assert [(r["keep_id"], r["merged_id"]) for r in json.loads(out)] == [("OLD", "NEW")]
    assert run(capsys, "unmerge", str(filled.path), "NEW")[0] == 0
    code, _, err = run(capsys, "unmerge", str(filled.path), "NEW")
    assert code == 1 and err.strip() == "matac-desk: error: NEW is not merged into another record"


def test_links_command(filled, capsys, tmp_path):
    f = write_csv(tmp_path / "l.csv", ["person_a_id", "person_b_id", "relationship", "first_seen", "source"],
                  [["P", "OLD", "partner", "2020-01-01", "custody"], ["P", "ZZ", "partner", "2020-01-01", "custody"]])
    code, out, _ = run(capsys, "links", str(filled.path), str(f), "--rejects", str(tmp_path / "r.csv"))
    assert code == 0 and "rejected                  1" in out and (tmp_path / "r.csv").exists()


def test_shared_victims_and_networks(filled, capsys):
    code, out, _ = run(capsys, "shared-victims", str(filled.path), "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("NEW,FNEW SNEW,2,P; X")
    code, out, _ = run(capsys, "networks", str(filled.path), "--format", "json")
    assert code == 0 and json.loads(out)[0]["perpetrator_ids"] == "P; X"


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_graph_picture(filled, capsys, tmp_path, suffix):
    target = tmp_path / f"p{suffix}"
    code, out, _ = run(capsys, "graph", str(filled.path), "P", "--radius", "2", "--as-of", "2026-10-29", "-o",
                       str(target))
    assert code == 0 and target.stat().st_size > 1000
    head = target.read_bytes()[:5]
    assert head == (b"%PDF-" if suffix == ".pdf" else b"<?xml")
    [entry] = [e for e in audit.entries(filled.conn, action="disclosure.picture")]
    assert pseudonym(filled.conn, "P") in entry["detail"] and entry["recipient"] == "not stated (command-line output)"


@pytest.mark.parametrize("argv, message", [
    (["graph", "{store}", "P", "-o", "x.png"], "x.png: the picture is written as .svg or .pdf"),
    (["graph", "{store}", "NOPE", "-o", "{tmp}/x.svg"], "no person 'NOPE' in the store"),
    (["merge", "{store}", "P", "P", "--reason", "x"], "P and P are already one person"),
    (["partners", "{store}", "--since", "2026-11-01", "--as-of", "2026-10-01"], "the period is empty"),
])
def test_user_errors(filled, capsys, tmp_path, argv, message):
    argv = [a.format(store=filled.path, tmp=tmp_path) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 1 and message in err and "Traceback" not in err


def test_partner_history(filled, capsys):
    code, out, _ = run(capsys, "partner-history", str(filled.path), "P", "--as-of", "2026-10-29", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "year,partners,new,total"
    assert lines[1] == "2020,1,1,1" and lines[-1] == "2026,2,1,2"

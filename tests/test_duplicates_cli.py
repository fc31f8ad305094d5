"""``matac-desk duplicates``: the listing with explanations, --explain A B, decisions and their undo, --batch."""

from __future__ import annotations

import csv
import io
import json

import pytest

from matac_desk.cli import main

from conftest import PASSPHRASE
from graphdata import incident, person


@pytest.fixture
def filled(store, monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    with store.transaction():
        person(store, "A", "William", "Nowak", "1990-03-05")
        person(store, "B", "Bill", "Nowak", "1990-05-03")
        person(store, "C", "Emma", "Nowak", "1990-03-05")
        person(store, "D", "Lucy", "Nowak", "1990-03-05")        # C's twin
        for i in range(30):
            person(store, f"X{i}", f"F{i}", f"S{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")
        incident(store, "R-1", "2026-01-01", "P", "A")
        incident(store, "R-2", "2026-02-01", "P", "B")
    return store


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_listing_carries_the_explanation(filled, capsys):
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--format", "json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["person_a_id"], row["person_b_id"]) == ("A", "B") and row["score"] > 0.9
    assert "forename: William ~ Bill (nickname or other spelling), +" in row["explanation"]
    assert "shares a perpetrator: P" in row["explanation"]
    code, out, _ = run(capsys, "duplicates", str(filled.path))
    assert code == 0 and "1 probable duplicate pair(s)" in out and "--explain" in out


def test_explain_a_pair_field_by_field(filled, capsys):
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--explain", "C", "D")
    assert code == 0
    assert "C Emma Nowak (born 1990-03-05) and D Lucy Nowak (born 1990-03-05)" in out
    assert "forename: Emma ≠ Lucy" in out and "surname: Nowak = Nowak" in out
    assert "not listed at the threshold 0.50" in out
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--explain", "A", "B", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["field"] for r in rows] == ["surname", "forename", "dob", "associates", "prior"]
    code, _, err = run(capsys, "duplicates", str(filled.path), "--explain", "A", "NOPE")
    assert code == 1 and "no person 'NOPE'" in err


def test_not_same_then_undo(filled, capsys):
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--not-same", "B", "A", "--reason", "different mothers")
    assert code == 0 and "(decision 1)" in out
    code, out, _ = run(capsys, "duplicates", str(filled.path))
    assert "No probable duplicates" in out
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--undo-decision", "1", "--reason", "wrong pair")
    assert code == 0 and "1 pair(s) may be listed again" in out
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--format", "json")
    assert [(r["person_a_id"], r["person_b_id"]) for r in json.loads(out)] == [("A", "B")]
    code, _, err = run(capsys, "duplicates", str(filled.path), "--undo-decision", "1")
    assert code == 1 and "already undone" in err


def test_threshold_and_batch(filled, capsys):
    code, out, _ = run(capsys, "duplicates", str(filled.path), "--threshold", "0.999999", "--format", "json")
    assert code == 0 and json.loads(out) == []
    with pytest.raises(SystemExit):
        main(["duplicates", str(filled.path), "--threshold", "2"])
    assert "not a probability between 0 and 1: '2'" in capsys.readouterr().err
    code, _, err = run(capsys, "duplicates", str(filled.path), "--batch", "99")
    assert code == 1 and "no import 99" in err

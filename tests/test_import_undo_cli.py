"""matac-desk import-undo: the preview, the confirmation, exit codes and one-line refusals."""

from __future__ import annotations

import builtins
import json
import sys

import pytest

from matac_desk.app import main
from matac_desk.storage.backups import list_backups
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, write_csv

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename", "victim_id"]


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_path(env, tmp_path, capsys):
    path = tmp_path / "s.mdesk"
    run(capsys, "init", path)
    run(capsys, "import", path, write_csv(tmp_path / "a.csv", HEADER, [["R1", "2026-01-01", "Harassment", "P1",
                                                                        "Darren", "V1"]]))
    run(capsys, "import", path, write_csv(tmp_path / "b.csv", HEADER, [["R1", "2026-01-01", "Harassment", "P1",
                                                                        "Daniel", "V1"],
                                                                       ["R2", "2026-01-02", "Stalking", "P2", "Ian",
                                                                        "V1"]]), "--accept-person-changes")
    return path


def state(path):
    with Store.open(path, PASSPHRASE) as s:
        return (s.scalar("SELECT group_concat(id || ':' || coalesce(forename, ''), ',' ORDER BY id) FROM persons"),
                s.scalar("SELECT count(*) FROM involvements"),
                s.scalar("SELECT undone_at IS NOT NULL FROM import_batches WHERE id = 2"),
                len(list_backups(path)))


def test_undo_with_yes_previews_the_counts_and_undoes(store_path, capsys):
    before = state(store_path)
    assert before[:3] == ("P1:Daniel,P2:Ian,V1:", 2, 0)
    code, out, err = run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "wrong period", "--yes")
    assert code == 0 and err == ""
    assert "Undoing import 2 (b.csv):" in out
    assert "1 person(s) it added will be deleted" in out and "1 person(s) it changed will be put back" in out
    assert "Undid import 2 (b.csv); the store was backed up first to pre-undo-import-" in out
    assert state(store_path) == ("P1:Darren,V1:", 1, 1, before[3] + 1)
    code, out, _err = run(capsys, "info", store_path, "--format", "json")
    assert json.loads(out)["last_import"]["batch"] == 1      # the last import not undone
    code, out, _err = run(capsys, "import-changes", store_path)
    assert code == 0 and "Import 1 changed no name or date of birth" in out


def test_undo_asks_at_a_terminal_and_stops_without_one(store_path, capsys, monkeypatch):
    before = state(store_path)
    code, out, err = run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "wrong period")
    assert code == 1 and "Not confirmed: add --yes to confirm without a terminal" in err
    assert "Undoing import 2 (b.csv):" in out
    assert state(store_path) == before

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    asked = []
    monkeypatch.setattr(builtins, "input", lambda q: asked.append(q) or "no")
    code, _out, err = run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "wrong period")
    assert code == 1 and "not confirmed; nothing was changed" in err and asked
    assert state(store_path) == before
    monkeypatch.setattr(builtins, "input", lambda q: "yes")
    code, _out, _err = run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "wrong period")
    assert code == 0 and state(store_path)[2] == 1


@pytest.mark.parametrize("argv, message", [
    (["--batch", "1", "--reason", "x", "--yes"],
     "import 1 (a.csv) cannot be undone while later imports build on it: import 2 (b.csv) changed or used records "
     "it added or changed; undo that first."),
    (["--batch", "9", "--reason", "x", "--yes"], "there is no import 9"),
    (["--batch", "2", "--reason", " ", "--yes"], "undoing an import needs a reason"),
    (["--batch", "2", "--reason", "P2 was imported twice", "--yes"], "must not hold a person's name"),
])
def test_a_refused_undo_exits_1_with_its_reason_and_changes_nothing(store_path, capsys, argv, message):
    before = state(store_path)
    code, out, err = run(capsys, "import-undo", store_path, *argv)
    assert code == 1 and out == ""
    assert err.startswith("matac-desk: error: ") and message in err and err.count("\n") == 1
    assert state(store_path) == before


def test_an_undone_import_cannot_be_undone_again(store_path, capsys):
    assert run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "wrong period", "--yes")[0] == 0
    code, _out, err = run(capsys, "import-undo", store_path, "--batch", 2, "--reason", "again", "--yes")
    assert code == 1 and "import 2 (b.csv) was undone already" in err


def test_batch_and_reason_are_required(store_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["import-undo", str(store_path), "--batch", "2"])
    assert e.value.code == 2
    assert "--reason" in capsys.readouterr().err

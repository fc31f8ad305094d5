"""The store commands: exit codes, one-line errors, output."""

import json
import os
import subprocess
import sys

import pytest

from matac_desk.app import main

from conftest import PASSPHRASE, write_csv

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id"]


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_import_info(env, tmp_path, capsys):
    store = tmp_path / "s.mdesk"
    assert run(capsys, "init", str(store))[0] == 0
    f = write_csv(tmp_path / "a.csv", HEADER, [["R1", "2026-01-01", "Harassment", "P1", "V1"],
                                               ["R2", "2026-01-01", "Harassment", "P1", "P1"]])
    rejects = tmp_path / "rejects.csv"
    code, out, err = run(capsys, "import", str(store), str(f), "--rejects", str(rejects))
    assert code == 0 and err == ""
    assert "rows read                 2" in out and "perpetrator and victim are the same person" in out
    assert rejects.exists()
    code, out, _ = run(capsys, "info", str(store), "--format", "json")
    info = json.loads(out)
    assert info["counts"]["involvements"] == 1 and info["last_import"]["rejected"] == 1
    code, out, _ = run(capsys, "rejects", str(store))
    assert code == 0 and "perpetrator and victim are the same person" in out


@pytest.mark.parametrize("argv, message", [
    (["info", "{tmp}/missing.mdesk"], "no such store (create one with: matac-desk init"),
    (["init", "{tmp}/nofolder/s.mdesk"], "no such folder"),
    (["import", "{store}", "{tmp}/missing.csv"], "missing.csv: no such file"),
    (["import", "{store}", "{tmp}/a.csv", "--profile", "niche"], "no import profile called 'niche'"),
    (["import-profile", "{store}", "save", "x", "--map", "Occ=nonsense"], "unknown column(s) nonsense"),
    (["import-profile", "{store}", "save"], "give the profile's NAME"),
    (["demo"], "give a STORE to create, or --csv FILE"),
])
def test_user_errors_are_one_line_and_exit_1(env, tmp_path, capsys, argv, message):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", str(store))
    write_csv(tmp_path / "a.csv", HEADER, [["R1", "2026-01-01", "x", "P1", "V1"]])
    argv = [a.format(tmp=tmp_path, store=store) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("matac-desk: error: ") and err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_wrong_passphrase(env, tmp_path, capsys, monkeypatch):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", str(store))
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", "something else entirely")
    code, out, err = run(capsys, "info", str(store))
    assert code == 1
    assert err.startswith(f"matac-desk: error: {store}: wrong passphrase") and err.count("\n") == 1


def test_no_passphrase_and_no_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATAC_DESK_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    code, out, err = run(capsys, "init", str(tmp_path / "s.mdesk"))
    assert code == 1 and "no passphrase: set MATAC_DESK_PASSPHRASE" in err


@pytest.mark.parametrize("argv", [["import"], ["demo", "--incidents", "zero"], ["init", "a", "b"],
                                  ["score-everything", "x"], ["--no-such-flag"]])
def test_bad_usage_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2


def test_demo_store_and_csv(env, tmp_path, capsys):
    code, out, _ = run(capsys, "demo", str(tmp_path / "d.mdesk"), "--incidents", "300", "--seed", "4")
    assert code == 0 and "all fictitious" in out
    code, out, _ = run(capsys, "demo", "--csv", str(tmp_path / "d.csv"), "--incidents", "300", "--rows", "50")
    assert code == 0 and "Wrote 50 rows" in out
    assert len((tmp_path / "d.csv").read_text(encoding="utf-8").splitlines()) == 51


def test_profile_commands(env, tmp_path, capsys):
    store = tmp_path / "s.mdesk"
    run(capsys, "init", str(store))
    code, out, _ = run(capsys, "import-profile", str(store), "save", "niche", "--map", "Occurrence No=incident_ref")
    assert code == 0
    code, out, _ = run(capsys, "import-profile", str(store), "list")
    assert "niche" in out and "Occurrence No -> incident_ref" in out
    assert run(capsys, "import-profile", str(store), "delete", "niche")[0] == 0


@pytest.mark.slow
def test_console_script_and_module_entry(tmp_path):
    env = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE)
    r = subprocess.run([sys.executable, "-m", "matac_desk", "info", str(tmp_path / "none.mdesk")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "no such store" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "matac_desk", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("matac-desk ")

"""The scoring commands: score, explain, history, snapshot, refer, nominations, gravity, scoring-config."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import PASSPHRASE
from scoring_support import load, row

from matac_desk.cli import main

ROWS = [
    row("A1", 1, "Rape", "S1", "V1"), row("A2", 2, "Harassment", "S1", "V2"),
    row("B1", 3, "Common assault", "S2", "V3", division="South"),
    row("B2", 4, "=HYPERLINK(1)", "S2", "V4", division="South"),
    row("D1", 5, "Harassment", "N1", "V7"),
]


@pytest.fixture
def cli(store, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    load(store, tmp_path, ROWS)

    def run(*args):
        code = main([args[0], str(store.path), *args[1:]])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_score_csv_columns_and_values(cli):
    code, out, err = cli("score", "--as-of", "2026-11-01", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:12] == ["rank", "perpetrator_id", "name", "score", "r", "f", "g", "v", "incidents",
                                  "victims", "latest_incident", "serial"]
    # S1: R5 F2 G5 V3 = 15; S2: R5 F2 G3 (the odd offence is unmapped: 1) V3 = 13; N1: R5 F1 G2 V1 = 9
    assert [(r["rank"], r["perpetrator_id"], r["score"], r["serial"]) for r in rows] == \
        [("1", "S1", "15", "true"), ("2", "S2", "13", "true"), ("3", "N1", "9", "false")]
    assert rows[0]["latest_incident"] == "2026-10-31" and rows[0]["config_version"] == "1"


@pytest.mark.parametrize("args, expected", [
    (["--serial-only"], ["S1", "S2"]),
    (["--top", "1"], ["S1"]),
    (["--division", "south"], ["S2"]),
    (["--serial-only", "--division", "North"], ["S1"]),
])
def test_score_filters(cli, args, expected):
    code, out, _ = cli("score", "--as-of", "2026-11-01", "--format", "json", *args)
    assert code == 0
    assert [r["perpetrator_id"] for r in json.loads(out)] == expected


def test_score_table(cli):
    code, out, _ = cli("score", "--as-of", "2026-11-01")
    assert code == 0
    assert out.splitlines()[0].split()[:4] == ["rank", "perpetrator_id", "name", "score"]


@pytest.mark.parametrize("args, message", [
    (["explain", "NOBODY"], "no person with id 'NOBODY' in this store"),
    (["history", "NOBODY"], "no person with id 'NOBODY'"),
    (["refer", "NOBODY", "--agency", "Probation", "--reason", "x"], "no person with id 'NOBODY'"),
    (["score", "--snapshot", "7"], "no score snapshot with id 7"),
    (["gravity", "set", "Theft"], "usage: gravity STORE set OFFENCE POINTS"),
    (["gravity", "set", "Theft", "lots"], "points must be a whole number"),
    (["gravity", "profile", "cps"], "no gravity profile called 'cps'"),
    (["scoring-config", "set", "window_days", "-3"], "window_days: must be a whole number"),
    (["snapshot", "--meeting", "5"], "no meeting with id 5"),
])
def test_user_errors_are_one_line(cli, args, message):
    code, out, err = cli(*args)
    assert code == 1
    assert err.startswith("matac-desk: error: ") and message in err and err.count("\n") == 1


def test_explain(cli):
    code, out, _ = cli("explain", "S2", "--as-of", "2026-11-01")
    assert code == 0
    assert "score 13 = R 5 + F 2 + G 3 + V 3, rank 2" in out
    assert "unmapped offences (scored 1): =HYPERLINK(1)" in out
    code, out, _ = cli("explain", "S2", "--as-of", "2026-11-01", "--format", "json")
    data = json.loads(out)
    assert (data["person_id"], data["score"]["score"], data["unmapped"]) == ("S2", 13, ["=HYPERLINK(1)"])


def test_snapshot_history_and_old_snapshot(cli):
    assert cli("snapshot", "--as-of", "2026-11-01", "--label", "Nov")[0] == 0
    assert cli("scoring-config", "set", "weight_g", "0")[0] == 0
    code, out, _ = cli("score", "--snapshot", "1", "--format", "json")
    assert [(r["perpetrator_id"], r["score"]) for r in json.loads(out)] == [("S1", 15), ("S2", 13), ("N1", 9)]
    code, out, _ = cli("score", "--as-of", "2026-11-01", "--format", "json")
    assert [(r["perpetrator_id"], r["score"]) for r in json.loads(out)] == [("S1", 10), ("S2", 10), ("N1", 7)]
    code, out, _ = cli("history", "S1")
    assert code == 0 and "Nov" in out and "trend since the previous snapshot: new" in out
    code, out, _ = cli("snapshot", "--list")
    assert "Nov" in out


def test_refer_and_nominations(cli):
    code, out, _ = cli("refer", "N1", "--agency", "Probation", "--reason", "new partner", "--date", "2026-10-30")
    assert code == 0 and "Recorded referral 1 of N1 by Probation" in out
    code, out, _ = cli("nominations", "--as-of", "2026-11-01", "--top", "1", "--format", "json")
    assert [(r["perpetrator_id"], r["reasons"]) for r in json.loads(out)] == [("S1", "score"), ("N1", "referral")]


def test_gravity_commands(cli):
    code, out, _ = cli("gravity", "unmapped", "--format", "csv")
    assert out.splitlines() == ["offence,code,incidents,latest", "'=HYPERLINK(1),,1,2026-10-28"]
    code, out, _ = cli("gravity", "set", "=HYPERLINK(1)", "4", "--reason", "test")
    assert code == 0 and "now configuration version 2" in out
    code, out, _ = cli("gravity", "unmapped")
    assert "Every offence in the store is in the gravity table." in out
    code, out, _ = cli("gravity", "profile", "chi")
    assert code == 0 and "version 3" in out
    code, out, _ = cli("gravity", "list", "--format", "csv")
    assert "Murder,5,5475" in out
    code, out, _ = cli("scoring-config", "history")
    assert code == 0 and "gravity profile chi" in out
    code, out, _ = cli("scoring-config", "show")
    assert "recency_bands          0-30=5, 31-90=4, 91-180=3, 181-365=2, 366-729=1" in out


def test_gravity_code_maps_a_code_in_one_step(cli, store, tmp_path):
    from scoring_support import load, row
    load(store, tmp_path, [row("C1", 3, "ASSLT OCC ABH S47", "Q1", "QV", code="8x")], name="coded.csv")
    code, out, _ = cli("gravity", "unmapped")
    assert code == 0 and "ASSLT OCC ABH S47" in out and "8x" in out and "gravity STORE code CODE OFFENCE" in out
    code, out, _ = cli("gravity", "code", "8X", "assault occasioning actual bodily harm", "--reason", "force code")
    assert code == 0 and "code 8X = assault occasioning actual bodily harm: now configuration version" in out
    code, out, _ = cli("gravity", "unmapped", "--format", "csv")
    assert "ASSLT" not in out
    code, out, _ = cli("gravity", "list", "--format", "csv")
    assert "Assault occasioning actual bodily harm,4,,8N;8G;8X" in out
    code, out, _ = cli("explain", "Q1", "--as-of", "2026-11-01")
    assert "ASSLT OCC ABH S47 [code 8x]: matched by code 8X (Assault occasioning actual bodily harm), 4" in out
    assert "rules: R, F, V and G over 730 days; serial over 1,095 days" in out
    code, out, err = cli("gravity", "code", "8X")
    assert code != 0 and "usage: gravity STORE code CODE OFFENCE [POINTS]" in err
    code, out, err = cli("gravity", "code", "9Q", "Nothing like it")
    assert code != 0 and "'Nothing like it' is not in the gravity table: give its points" in err


def test_scoring_config_new_settings(cli):
    code, out, _ = cli("scoring-config", "set", "gravity_mode", "sum", "--reason", "harm-based")
    assert code == 0
    code, out, _ = cli("scoring-config", "set", "serial_unconnected_victims", "on")
    code, out, _ = cli("scoring-config", "show")
    assert "gravity_mode           sum" in out and "serial_unconnected_victims on" in out
    assert "Rules: R, F, V and G over 730 days" in out and "unconnected victims" in out
    code, out, err = cli("scoring-config", "set", "gravity_mode", "average")
    assert code != 0 and "gravity_mode: 'average' is not a mode; modes: max, sum" in err

"""What the command line prints when things go wrong holds no names, dates of birth, addresses or ids
of the persons in the store or in the file being imported (beyond what the user typed)."""

from __future__ import annotations

import re

import pytest

from matac_desk.cli import main as cli_main
from matac_desk.intake.importer import import_extract
from conftest import PASSPHRASE, TODAY
from security_support import extract

SECRET_BITS = ["P7734", "V8821", "Okafor", "Darren", "Siobhán", "O'Neill", "1985-03-02", "1990-07-14",
               "Acacia Road", "NB1 1AA"]
ROW = ["INC1", "2026-01-05", "Common assault", "P7734", "Darren", "Okafor", "1985-03-02", "V8821", "Siobhán",
       "O'Neill", "1990-07-14", "girlfriend", "1 Acacia Road", "NB1 1AA"]


def _leaks(text: str) -> list[str]:
    return [b for b in SECRET_BITS if re.search(re.escape(b), text, re.IGNORECASE)]


@pytest.fixture
def env(store, tmp_path, monkeypatch):
    import_extract(store, extract(tmp_path / "good.csv", [ROW]), today=TODAY)
    import_extract(store, _bad_rows(tmp_path), today=TODAY)  # rejected rows kept for review
    path = store.path
    store.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    return path, tmp_path


def _headerless(tmp_path):
    p = tmp_path / "headerless.csv"
    p.write_text(",".join(ROW) + "\n" + ",".join(ROW) + "\n", encoding="utf-8")
    return p


def _bad_rows(tmp_path):
    rows = [ROW[:1] + ["2099-01-01"] + ROW[2:], ROW[:6] + ["31/02/1985"] + ROW[7:], ROW[:7] + ["P7734"] + ROW[8:]]
    return extract(tmp_path / "bad.csv", rows)


CASES = {
    "headerless extract": lambda p, t: ["import", str(p), str(_headerless(t))],
    "bad rows": lambda p, t: ["import", str(p), str(_bad_rows(t))],
    "erase unknown id": lambda p, t: ["erase", str(p), "X0000", "--reason", "r", "--yes"],
    "erase with a name in the reason": lambda p, t: ["erase", str(p), "P7734", "--reason", "Darren Okafor", "--yes"],
    "erase unconfirmed": lambda p, t: ["erase", str(p), "P7734", "--reason", "review"],
    "restore missing backup": lambda p, t: ["restore", str(p), "nothing.mdesk", "--yes"],
    "rejects to a missing folder": lambda p, t: ["rejects", str(p), "-o", str(t / "no" / "such" / "r.csv")],
}


@pytest.mark.parametrize("case", CASES)
def test_errors_hold_no_personal_data(env, capsys, case):
    path, tmp = env
    code = cli_main(CASES[case](path, tmp))
    cap = capsys.readouterr()
    said = cap.out + cap.err
    assert "Traceback" not in said
    typed = {"P7734"} if "P7734" in CASES[case](path, tmp) else set()
    assert [b for b in _leaks(said) if b not in typed] == [], said
    if case != "bad rows":
        assert code == 1 and cap.err.count("\n") == 1, said


def test_unexpected_error_shows_no_details(env, capsys, monkeypatch):
    path, _tmp = env

    def boom(*a, **k):
        raise KeyError("P7734 Darren Okafor 1 Acacia Road")

    monkeypatch.setattr("matac_desk.cli.security.due_for_review", boom)
    assert cli_main(["retention", str(path)]) == 1
    cap = capsys.readouterr()
    assert _leaks(cap.out + cap.err) == []
    assert "unexpected KeyError" in cap.err and "MATAC_DESK_DEBUG" in cap.err
    monkeypatch.setenv("MATAC_DESK_DEBUG", "1")
    with pytest.raises(KeyError):
        cli_main(["retention", str(path)])

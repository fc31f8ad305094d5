"""``matac-desk demo STORE`` that fails half-way: the real cause on one line, and no half-made store left.

The resources folder missing (as it was from a wheel before the resources went into the package) is the
failure a user met: the message must name the missing gravity table, not the cleanup's own error.
"""

import pytest

import matac_desk.paths as paths
from matac_desk.analysis import scoring
from matac_desk.app import main
from matac_desk.cli import core

from conftest import PASSPHRASE


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("MATAC_DESK_DEBUG", raising=False)


def _left_behind(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_missing_resources_names_the_file_and_removes_the_store(env, tmp_path, monkeypatch, capsys):
    nowhere = tmp_path / "no-resources"
    monkeypatch.setattr(paths, "resources_root", lambda: nowhere)
    monkeypatch.setattr(scoring, "_PROFILE_CACHE", {})  # the shipped table is read afresh
    store = tmp_path / "x.mdesk"
    code = main(["demo", str(store), "--incidents", "50"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("matac-desk: error: ")
    assert f"{nowhere / 'gravity' / 'default.csv'}: no such file" in err
    assert "NameError" not in err and "unexpected" not in err
    assert _left_behind(tmp_path) == []  # the store, its WAL, lock and backups are all gone


def test_unexpected_failure_says_its_type_and_removes_the_store(env, tmp_path, monkeypatch, capsys):
    def broken(store, spec, progress=None):
        raise RuntimeError("boom with a name in it: Siobhán")

    monkeypatch.setattr(core, "fill_store", broken)
    store = tmp_path / "x.mdesk"
    code = main(["demo", str(store), "--incidents", "50"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "an unexpected RuntimeError stopped the command" in err
    assert "Siobhán" not in err and "NameError" not in err
    assert _left_behind(tmp_path) == []

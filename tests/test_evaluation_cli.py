"""``outcomes --comparison`` and ``tactics-effect``: one row per group per measure, no person named."""

from __future__ import annotations

import csv
import io

from matac_desk.cli import main
from matac_desk.meeting import cohort, evaluation

from conftest import PASSPHRASE
from test_evaluation import AS_OF, A, build


def run(capsys, monkeypatch, *argv):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_comparison_csv_has_a_row_per_group_per_measure_and_names_no_one(store, tmp_path, capsys, monkeypatch):
    adopted = build(store, tmp_path, effect=0.5)
    ev = evaluation.evaluate(store, AS_OF)
    audit_before = store.scalar("SELECT count(*) FROM audit_log")
    path = str(store.path)
    store.close()
    code, out, err = run(capsys, monkeypatch, "outcomes", path, "--comparison", "--as-of", AS_OF.isoformat(),
                         "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["window_days", "measure", "group", "n", "before", "after", "change", "low", "high"]
    assert len(rows) == 3 * len(evaluation.MEASURES)
    diff = next(r for r in rows if r["measure"] == "incidents" and r["group"] == "difference")
    e = ev.estimates["incidents"]
    assert (float(diff["change"]), float(diff["low"]), float(diff["high"])) == (e.difference, e.low, e.high)
    adopted_row = next(r for r in rows if r["measure"] == "incidents" and r["group"] == "adopted")
    assert (int(adopted_row["before"]), int(adopted_row["after"]), int(adopted_row["n"])) == (
        e.adopted_before, e.adopted_after, e.n_pairs)
    assert not any(pid in out for pid in adopted)
    from matac_desk.storage.store import Store
    with Store.open(path, PASSPHRASE) as s:
        assert s.scalar("SELECT count(*) FROM audit_log") == audit_before   # nothing named, nothing disclosed

    code, out, err = run(capsys, monkeypatch, "outcomes", path, "--comparison", "--as-of", AS_OF.isoformat(),
                         "--window", "6m")
    assert code == 0 and "Over 6 months" in out and "95% interval" in out


def test_tactics_effect_csv(store, tmp_path, capsys, monkeypatch):
    adopted = sorted(build(store, tmp_path, effect=0.4))
    tactic = cohort.toolkit(store)[0]
    for pid in adopted[:12]:
        cohort.agree_tactic(store, pid, tactic["id"], on=A)
    path = str(store.path)
    store.close()
    code, out, err = run(capsys, monkeypatch, "tactics-effect", path, "--as-of", AS_OF.isoformat(), "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    one = next(r for r in rows if r["tactic"] == tactic["name"])
    assert int(one["n"]) >= 10 and one["low"] and one["high"]
    assert float(one["low"]) <= float(one["mean_harm_difference"]) <= float(one["high"])


def test_a_bad_window_is_one_line(store, capsys, monkeypatch):
    path = str(store.path)
    store.close()
    try:
        code = main(["outcomes", path, "--comparison", "--window", "twelve"])
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and "12m" in err and "Traceback" not in err

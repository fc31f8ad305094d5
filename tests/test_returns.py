"""The quarterly return: quarters, the counts, suppression (no cell of 1–4, no total that reveals one), the files."""

import datetime as dt
import random

import pytest

from matac_desk.domain import UserError
from matac_desk.meeting import cohort, returns
from matac_desk.meeting.returns import SMALL, TOTAL, Return, equations, suppress

from casefile_support import seed


@pytest.mark.parametrize("text, got", [
    ("2026Q3", ("2026Q3", "2026-07-01", "2026-09-30")), ("2026-q4", ("2026Q4", "2026-10-01", "2026-12-31")),
    ("Q1 2025", ("2025Q1", "2025-01-01", "2025-03-31")), ("2024Q1", ("2024Q1", "2024-01-01", "2024-03-31")),
])
def test_quarters(text, got):
    assert returns.parse_quarter(text) == got


@pytest.mark.parametrize("text", ["2026Q5", "2026", "Q3", "last quarter", ""])
def test_bad_quarter(text):
    with pytest.raises(UserError, match="not a quarter"):
        returns.parse_quarter(text)


def _safe(ret: Return) -> None:
    """No visible count from 1 to 4, and no equation with exactly one hidden cell (it could be worked out)."""
    hidden = suppress(ret)
    cells = ret.cells()
    for i, row in enumerate(cells):
        for j, v in enumerate(row):
            assert (i, j) in hidden or not 1 <= v <= 4
    for total, parts in equations(ret):
        assert sum(1 for c in parts + [total] if c in hidden) != 1


def _table(rows, groups=()):
    ncol = len(rows[0])
    cols = [f"D{j}" for j in range(ncol)] + [TOTAL]
    ret = Return("2026Q3", "2026-07-01", "2026-09-30", cols)
    for i, r in enumerate(rows):
        ret.rows.append(("S", f"m{i}", {c: v for c, v in zip(cols, r + [sum(r)])}))
    ret.groups = list(groups)
    return ret


def test_secondary_suppression_in_a_row():
    ret = _table([[3, 20, 30]])               # 3 alone hidden: 53 - 20 - 30 would give it back
    assert ret.shown() == [[SMALL, SMALL, "30", "53"]]
    _safe(ret)


def test_secondary_suppression_through_a_breakdown():
    # row 0 is the whole; rows 1 and 2 its parts
    ret = _table([[10, 12], [2, 12], [8, 0]], groups=[(0, [1, 2])])
    shown = ret.shown()
    assert shown[1][0] == SMALL and shown[2][0] == SMALL      # 10 - 2 = 8 would give the 2 back
    _safe(ret)


def test_small_total_hides_its_parts():
    ret = _table([[1, 2, 0]])
    assert ret.shown() == [[SMALL, SMALL, "0", SMALL]]
    _safe(ret)


@pytest.mark.parametrize("seed_", range(40))
def test_random_tables_are_safe(seed_):
    rnd = random.Random(seed_)
    ncol = rnd.randint(1, 5)
    parts = [[rnd.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 30]) for _ in range(ncol)] for _ in range(rnd.randint(1, 5))]
    whole = [sum(col) for col in zip(*parts)]
    other = [[rnd.choice([0, 1, 3, 6, 9, 40]) for _ in range(ncol)] for _ in range(rnd.randint(0, 3))]
    ret = _table([whole] + parts + other, groups=[(0, list(range(1, len(parts) + 1)))])
    _safe(ret)


def test_built_return_counts_and_is_safe(store):
    seed(store)
    cohort.record_event(store, "P1", "exited", dt.date.today().isoformat(), reason="custody")
    q = dt.date.today() - dt.timedelta(days=100)
    quarter = f"{q.year}Q{(q.month - 1) // 3 + 1}"
    name, first, last = returns.parse_quarter(quarter)
    if last >= dt.date.today().isoformat():        # the quarter 100 days ago may not have ended: take the one before
        q = dt.date.fromisoformat(first) - dt.timedelta(days=1)
        quarter = f"{q.year}Q{(q.month - 1) // 3 + 1}"
    ret = returns.build_return(store, quarter)
    assert ret.columns[-1] == TOTAL
    labels = [m for _, m, _ in ret.rows]
    assert "Subjects in the cohort at the end of the quarter" in labels and "Exited in the quarter: custody" in labels
    _safe(ret)
    for row in ret.shown():
        assert all(c == SMALL or c == "0" or int(c) >= 5 for c in row)


def test_unfinished_quarter_refused(store):
    t = dt.date.today()
    with pytest.raises(UserError, match="has not ended yet"):
        returns.build_return(store, f"{t.year}Q{(t.month - 1) // 3 + 1}")


def test_cli_return_csv_and_pdf(store, tmp_path, monkeypatch, capsys):
    from conftest import PASSPHRASE
    from matac_desk.app import main
    seed(store)
    path = str(store.path)
    store.close()
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)
    out_csv, out_pdf = tmp_path / "r.csv", tmp_path / "r.pdf"
    assert main(["return", path, "--quarter", "2025Q4", "-o", str(out_csv), "--recipient", "PCC office"]) == 0
    text = out_csv.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "OFFICIAL" and text[-1] == "OFFICIAL" and "Lee" not in "".join(text)
    assert main(["return", path, "--quarter", "2025Q4", "-o", str(out_pdf), "--recipient", "PCC office"]) == 0
    assert out_pdf.read_bytes()[:5] == b"%PDF-"
    from matac_desk.storage.store import Store
    with Store.open(path, PASSPHRASE) as s:
        rows = s.conn.execute("SELECT action, recipient FROM audit_log WHERE action LIKE 'disclosure.return%'").fetchall()
    assert rows == [("disclosure.return", "PCC office")] * 2
    assert main(["return", path, "--quarter", "2025Q9", "-o", str(out_csv), "--recipient", "x"]) == 1
    assert "not a quarter" in capsys.readouterr().err


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_counts = st.integers(min_value=0, max_value=12)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda ncol: st.tuples(st.lists(st.lists(_counts, min_size=ncol, max_size=ncol), min_size=1, max_size=5),
                           st.lists(st.lists(_counts, min_size=ncol, max_size=ncol), min_size=0, max_size=3))))
def test_suppression_is_safe_for_any_table(parts_and_others):
    """For any table with a breakdown (rows 1..n add up to row 0) and other rows: nothing 1-4 visible, no sum with
    exactly one hidden cell."""
    parts, others = parts_and_others
    whole = [sum(col) for col in zip(*parts)]
    _safe(_table([whole] + parts + others, groups=[(0, list(range(1, len(parts) + 1)))]))


@given(st.text(max_size=12))
def test_parse_quarter_never_raises_anything_but_a_user_error(text):
    try:
        q, first, last = returns.parse_quarter(text)
    except UserError as e:
        assert "\n" not in str(e)
    else:
        assert first < last and q[4] == "Q"

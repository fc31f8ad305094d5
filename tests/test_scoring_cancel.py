"""Long scoring work reports progress and stops cleanly when cancelled, even inside SQLite."""

from __future__ import annotations

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import Cancelled


@pytest.fixture
def busy(store, tmp_path):
    load(store, tmp_path, [row(f"I{k}", k % 700, "Harassment", f"P{k % 300}", f"V{k % 7}") for k in range(3000)])
    return store


def test_progress_reaches_the_end(busy):
    seen = []
    ranked = scoring.score_all(busy, A, progress=lambda done, total, msg: seen.append((done, total)))
    assert len(ranked) == 300
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


@pytest.mark.parametrize("after", [0, 1, 3])
def test_cancel_before_or_during_the_query(busy, after):
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > after

    with pytest.raises(Cancelled):
        scoring.score_all(busy, A, cancelled=cancelled)
    # The connection is fine afterwards and nothing is left behind.
    assert busy.scalar("SELECT count(*) FROM temp.scoring_special") == 0
    assert len(scoring.score_all(busy, A)) == 300

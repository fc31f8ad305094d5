"""The duplicate finder on a labelled set of 860 fictitious persons: precision, recall and F1 per variation.

The set (tests/duplicates_labelled.py) holds 220 known duplicate pairs, 20 of
each kind of variation, and 60 look-alike pairs that are different people
(twins, fathers and sons, sisters). The test prints the table and fails if F1
falls below 0.92 or look-alikes are listed in more than 1 case in 10.
"""

from __future__ import annotations

from collections import Counter

import pytest

from matac_desk.analysis.duplicates import find_duplicates

import duplicates_labelled as labelled


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE

    st = Store.create(tmp_path_factory.mktemp("labelled") / "labelled.mdesk", PASSPHRASE)
    data = labelled.generate()
    labelled.load(st, data)
    try:
        found = {(p.a_id, p.b_id): p for p in find_duplicates(st)}
    finally:
        st.close()
    return data, found


def test_the_set_is_what_it_says(result):
    data, _ = result
    assert len(data.persons) == 860 and len({p.id for p in data.persons}) == 860
    assert Counter(data.duplicates.values()) == {v: 20 for v in labelled.VARIATIONS}
    assert Counter(data.look_alikes.values()) == {k: 20 for k in labelled.LOOK_ALIKES}


def test_precision_recall_f1_per_variation(result, capsys):
    data, found = result
    tp = {k for k in found if k in data.duplicates}
    precision = len(tp) / len(found) if found else 0.0
    recall = len(tp) / len(data.duplicates)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    by_kind = Counter(data.duplicates[k] for k in tp)
    look_alikes = Counter(data.look_alikes[k] for k in found if k in data.look_alikes)
    lines = [f"{'variation':<34} found", *(f"{v:<34} {by_kind[v]}/20" for v in labelled.VARIATIONS),
             f"{'look-alikes listed':<34} {sum(look_alikes.values())}/60 {dict(look_alikes)}",
             f"listed {len(found)}, true {len(tp)}: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}"]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert f1 >= 0.92, "\n".join(lines)
    assert sum(look_alikes.values()) <= 6, "\n".join(lines)
    # every suggestion carries its explanation
    assert all(p.evidence and p.explanation for p in found.values())

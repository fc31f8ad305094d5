"""The fictitious demo data: deterministic, realistic enough to exercise every feature."""

import datetime as dt
from collections import Counter, defaultdict

from matac_desk.services.demo import DemoData, DemoSpec, fill_store, generate
from matac_desk.intake.importer import CANONICAL_COLUMNS

AS_OF = dt.date(2026, 11, 1)
C = {c: i for i, c in enumerate(CANONICAL_COLUMNS)}


def test_same_seed_same_data_other_seed_other_data():
    a = list(generate(DemoSpec(seed=5, incidents=500, as_of=AS_OF)))
    b = list(generate(DemoSpec(seed=5, incidents=500, as_of=AS_OF)))
    c = list(generate(DemoSpec(seed=6, incidents=500, as_of=AS_OF)))
    assert a == b and a != c


def test_the_shape_of_the_data():
    data = DemoData()
    rows = list(generate(DemoSpec(seed=7, incidents=3000, as_of=AS_OF), data))
    assert 3000 <= len({r[C["incident_ref"]] for r in rows}) < 3400  # plus counter-allegations
    names = {r[C["victim_forename"]] for r in rows} | {r[C["perpetrator_forename"]] for r in rows}
    assert {"Siobhán", "Zoë", "Łukasz"} & names
    assert any("\u0600" <= ch <= "\u06ff" for n in names for ch in n)  # Arabic script
    assert {r[C["division"]] for r in rows} == {"North", "Central", "South"}
    victims = defaultdict(set)
    for r in rows:
        victims[r[C["perpetrator_id"]]].add(r[C["victim_id"]])
    serial = [p for p, v in victims.items() if len(v) >= 2]
    one_off = [p for p, v in victims.items() if len(v) == 1]
    assert len(serial) >= 50 and len(one_off) > len(serial)
    assert data.duplicates and data.links
    assert all(r[C["incident_date"]][:10] <= AS_OF.isoformat() for r in rows)
    assert Counter(r[C["offence"]] for r in rows).most_common(1)[0][0] == "Common assault"


def test_fill_store_imports_everything(store):
    summary, data = fill_store(store, DemoSpec(seed=3, incidents=400, as_of=AS_OF))
    assert summary.rejected == 0 and summary.new > 400
    assert store.scalar("SELECT count(*) FROM links") == len(set((a, b, r, f, s) for a, b, r, f, s in data.links))
    assert store.scalar("PRAGMA foreign_key_check") is None

"""Hypothesis: the importer agrees with a plain reference model of the rules, row by row."""

import datetime as dt

from hypothesis import HealthCheck, given, settings, strategies as st

from matac_desk.intake.importer import import_extract
from matac_desk.storage.store import Store

from conftest import PASSPHRASE, write_csv

TODAY = dt.date(2026, 11, 1)
HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id", "victim_dob"]

ids = st.sampled_from(["", "P1", "P2", "V1", "V2", " V1 "])
refs = st.sampled_from(["", "R1", "R2", "R3"])
offences = st.sampled_from(["", "Common assault", "common  ASSAULT", "Harassment", "Stalking"])
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 1, 1))
date_text = st.one_of(
    days.map(lambda d: d.isoformat()),
    days.map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["31/02/2025", "2025-02-30", "", "soon", "13/13/2013"]),
)
dob_text = st.one_of(st.just(""), days.map(lambda d: d.strftime("%d/%m/%Y")))
rows = st.lists(st.tuples(refs, date_text, offences, ids, ids, dob_text), min_size=1, max_size=25)


def _parse(text):
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def expected_outcome(row):
    ref, date, off, pid, vid, dob = (v.strip() for v in row)
    if not ref or not pid or not vid or not off:
        return "reject"
    d = _parse(date)
    if d is None or d > TODAY or pid == vid:
        return "reject"
    if dob and _parse(dob) > d:
        return "reject"
    return (ref, pid, vid, " ".join(off.split()).casefold())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows)
def test_importer_matches_the_reference_model(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("prop")
    store = Store.create(folder / "s.mdesk", PASSPHRASE)
    try:
        path = write_csv(folder / "x.csv", HEADER, [list(r) for r in data])
        outcomes = [expected_outcome(r) for r in data]
        s = import_extract(store, path, today=TODAY, max_rejects=None, max_reject_share=None)
        assert s.reconciled and s.lines_read == len(data) + 1
        assert s.rejected == outcomes.count("reject")
        keys = {o for o in outcomes if o != "reject"}
        assert s.new == len(keys)
        held = set(store.conn.execute(
            "SELECT incident_ref, perpetrator_id, victim_id, offence_key FROM involvements").fetchall())
        assert held == keys
        again = import_extract(store, path, today=TODAY, max_rejects=None, max_reject_share=None)
        assert (again.new, again.updated) == (0, 0)
        # the same file again keeps no second copy of its rejects
        assert (again.rejects_kept, again.rejects_already_kept) == (0, s.rejected)
        assert store.scalar("SELECT count(*) FROM rejected_rows") == s.rejected
    finally:
        store.close()

"""The dashboard's summary: counts, last import, open warnings, rejects awaiting review."""

from __future__ import annotations

from matac_desk.services import dashboard
from matac_desk.meeting import force
from matac_desk.meeting.force import ForceSettings
from matac_desk.intake.importer import import_extract

from conftest import TODAY, write_csv

HEADER = ["incident_ref", "incident_date", "offence", "perpetrator_id", "victim_id", "perpetrator_dob"]


def test_empty_store(store):
    d = dashboard.summary(store)
    assert d.counts["persons"] == 0 and d.last_import is None
    assert (d.open_warnings, d.rejects_awaiting, d.batches_awaiting, d.warnings) == (0, 0, 0, [])


def test_after_two_imports(store, tmp_path):
    force.save(store, ForceSettings("Northshire Police", ()))
    first = write_csv(tmp_path / "a.csv", HEADER, [["R1", "2026-01-01", "Assault", "P1", "V1", "1980-01-01"],
                                                   ["R2", "", "Assault", "P1", "V1", ""]])
    second = write_csv(tmp_path / "b.csv", HEADER, [["R3", "2026-02-01", "Assault", "P1", "V2", "1981-01-01"],
                                                    ["R4", "2026-02-01", "Assault", "P2", "P2", ""],
                                                    ["R5", "2026-02-01", "", "P2", "V2", ""]])
    import_extract(store, first, today=TODAY)
    import_extract(store, second, today=TODAY)
    d = dashboard.summary(store)
    assert d.force_name == "Northshire Police"
    assert (d.counts["persons"], d.counts["incidents"]) == (3, 2)
    assert d.last_import["file"] == "b.csv" and d.last_import["rejected"] == 2
    assert (d.rejects_awaiting, d.batches_awaiting) == (3, 2)
    assert d.open_warnings == 1
    [w] = d.warnings
    assert (w.person_id, w.person_name, w.kind_label, w.old_value, w.new_value) == (
        "P1", "(name not recorded)", "Date of birth changed", "1980-01-01", "1981-01-01")

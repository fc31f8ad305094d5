"""Small hand-made stores for the relationship-graph tests (persons, incidents, links by SQL)."""

from __future__ import annotations

from matac_desk.domain import name_key, normalise_offence, normalise_relationship

NOW = "2026-11-01T00:00:00+00:00"


def person(store, pid: str, forename: str | None = None, surname: str | None = None, dob: str | None = None) -> str:
    forename = forename if forename is not None else f"F{pid}"
    surname = surname if surname is not None else f"S{pid}"
    store.conn.execute(
        "INSERT OR IGNORE INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?)", [pid, forename, surname, dob, name_key(forename, surname), NOW, NOW])
    return pid


def incident(store, ref: str, date: str, perp: str, victim: str, relationship: str = "girlfriend",
             offence: str = "Common assault") -> None:
    person(store, perp)
    person(store, victim)
    store.conn.execute("INSERT OR IGNORE INTO incidents (ref, date) VALUES (?, ?)", [ref, date])
    store.conn.execute(
        "INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key, relationship,"
        " relationship_kind) VALUES (?,?,?,?,?,?,?)",
        [ref, perp, victim, offence, normalise_offence(offence), relationship, normalise_relationship(relationship)])


def link(store, a: str, b: str, relationship: str, date: str, source: str = "intelligence report") -> None:
    person(store, a)
    person(store, b)
    store.conn.execute(
        "INSERT INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen, source)"
        " VALUES (?,?,?,?,?,?)", [a, b, relationship, normalise_relationship(relationship), date, source])

"""A small store for the case file's tests: a subject in the cohort, his victims, a second subject."""

from __future__ import annotations

import datetime as dt

from matac_desk.meeting import cohort

TODAY = dt.date.today()


def days(n: int) -> str:
    """The day ``n`` days from today (negative: before), as ISO text."""
    return (TODAY + dt.timedelta(days=n)).isoformat()


def seed(store) -> None:
    now = "2026-01-01T00:00:00+00:00"
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO persons (id, forename, surname, dob, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            [("P1", "Lee", "Smith", "1985-03-02", now, now), ("V1", "Zoë", "Nowak", "1990-06-01", now, now),
             ("V2", "Amira", "Haddad", "1999-01-01", now, now), ("P2", "Dan", "Cole", "2001-05-05", now, now),
             ("V3", "Kim", "Ray", None, now, now)])
        store.conn.execute("INSERT INTO incidents (ref, date, division) VALUES ('R1', ?, 'North')", [days(-200)])
        store.conn.execute("INSERT INTO incidents (ref, date, division) VALUES ('R2', ?, 'North')", [days(-100)])
        store.conn.execute("INSERT INTO incidents (ref, date, division) VALUES ('R3', ?, 'South')", [days(-50)])
        store.conn.executemany(
            "INSERT INTO involvements (incident_ref, perpetrator_id, victim_id, offence, offence_key, relationship,"
            " relationship_kind) VALUES (?,?,?,?,?,?,?)",
            [("R1", "P1", "V1", "Assault", "assault", "partner", "partner"),
             ("R2", "P1", "V2", "Harassment", "harassment", "girlfriend", "partner"),
             ("R3", "P2", "V3", "Assault", "assault", "partner", "partner")])
    cohort.record_event(store, "P1", "adopted", days(-90), score=20)
    cohort.record_event(store, "P2", "adopted", days(-40), score=12)

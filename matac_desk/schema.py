"""The store's schema, owned by sqlite-utils migrations.

One module-level ``Migrations("matac_desk")``; each step is small and named
``NNNN_what``. Steps run at open (``store.open_store``) and in the test
fixtures. Later features add steps at the end; never edit an applied one.

Dates are ISO text (``YYYY-MM-DD``); ids are the force's own person and
incident ids, kept as text.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["migrations", "SCHEMA_NAME"]

SCHEMA_NAME = "matac_desk"
migrations = Migrations(SCHEMA_NAME)


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE import_batches (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'incidents',
            started_at TEXT NOT NULL,
            finished_at TEXT,
            actor TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            encoding TEXT,
            profile TEXT,
            rows_read INTEGER NOT NULL DEFAULT 0,
            rows_new INTEGER NOT NULL DEFAULT 0,
            rows_updated INTEGER NOT NULL DEFAULT 0,
            rows_unchanged INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0,
            persons_new INTEGER NOT NULL DEFAULT 0,
            persons_updated INTEGER NOT NULL DEFAULT 0,
            incidents_new INTEGER NOT NULL DEFAULT 0,
            incidents_updated INTEGER NOT NULL DEFAULT 0,
            summary TEXT
        );

        CREATE TABLE rejected_rows (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES import_batches(id),
            row_number INTEGER NOT NULL,
            column_name TEXT,
            value TEXT,
            reason TEXT NOT NULL,
            raw TEXT NOT NULL,
            reviewed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX rejected_rows_batch ON rejected_rows(batch_id);

        CREATE TABLE import_profiles (
            name TEXT PRIMARY KEY,
            mapping TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE persons (
            id TEXT PRIMARY KEY,
            forename TEXT,
            surname TEXT,
            dob TEXT,
            name_key TEXT NOT NULL DEFAULT '',
            merged_into TEXT,
            first_batch_id INTEGER REFERENCES import_batches(id),
            last_batch_id INTEGER REFERENCES import_batches(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE aliases (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            forename TEXT,
            surname TEXT,
            name_key TEXT NOT NULL DEFAULT '',
            source TEXT,
            UNIQUE (person_id, name_key)
        );
        CREATE INDEX aliases_name_key ON aliases(name_key);

        CREATE TABLE incidents (
            ref TEXT PRIMARY KEY,
            date TEXT NOT NULL,
            time TEXT,
            address TEXT,
            postcode TEXT,
            division TEXT,
            children_present INTEGER,
            first_batch_id INTEGER REFERENCES import_batches(id),
            last_batch_id INTEGER REFERENCES import_batches(id)
        ) WITHOUT ROWID;

        CREATE TABLE involvements (
            id INTEGER PRIMARY KEY,
            incident_ref TEXT NOT NULL REFERENCES incidents(ref),
            perpetrator_id TEXT NOT NULL REFERENCES persons(id),
            victim_id TEXT NOT NULL REFERENCES persons(id),
            offence TEXT NOT NULL,
            offence_key TEXT NOT NULL,
            offence_code TEXT,
            relationship TEXT,
            relationship_kind TEXT NOT NULL DEFAULT 'other'
                CHECK (relationship_kind IN ('partner', 'ex-partner', 'family', 'other')),
            dash_risk TEXT CHECK (dash_risk IN ('standard', 'medium', 'high')),
            first_batch_id INTEGER REFERENCES import_batches(id),
            last_batch_id INTEGER REFERENCES import_batches(id),
            UNIQUE (incident_ref, perpetrator_id, victim_id, offence_key)
        );
        CREATE INDEX involvements_perpetrator ON involvements(perpetrator_id);
        CREATE INDEX involvements_victim ON involvements(victim_id);

        CREATE TABLE data_quality (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER REFERENCES import_batches(id),
            person_id TEXT REFERENCES persons(id),
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            detected_at TEXT NOT NULL,
            resolved_at TEXT
        );
        CREATE INDEX data_quality_person ON data_quality(person_id);

        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            person_a_id TEXT NOT NULL REFERENCES persons(id),
            person_b_id TEXT NOT NULL REFERENCES persons(id),
            relationship TEXT,
            relationship_kind TEXT NOT NULL
                CHECK (relationship_kind IN ('partner', 'ex-partner', 'family', 'other')),
            first_seen TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            entered_by TEXT,
            batch_id INTEGER REFERENCES import_batches(id),
            UNIQUE (person_a_id, person_b_id, relationship_kind, first_seen, source)
        );
        CREATE INDEX links_a ON links(person_a_id);
        CREATE INDEX links_b ON links(person_b_id);

        CREATE TABLE meetings (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,
            area TEXT NOT NULL DEFAULT '',
            chair TEXT,
            status TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'held', 'cancelled')),
            notes TEXT,
            UNIQUE (date, area)
        );

        CREATE TABLE meeting_attendees (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            name TEXT NOT NULL,
            agency TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'apology'))
        );

        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            agency TEXT NOT NULL,
            referrer TEXT,
            date TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'adopted', 'not adopted', 'withdrawn')),
            decided_meeting_id INTEGER REFERENCES meetings(id)
        );
        CREATE INDEX referrals_person ON referrals(person_id);

        CREATE TABLE cohort_events (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            event TEXT NOT NULL CHECK (event IN ('nominated', 'adopted', 'not adopted', 'exited')),
            date TEXT NOT NULL,
            meeting_id INTEGER REFERENCES meetings(id),
            score REAL,
            reason TEXT
        );
        CREATE INDEX cohort_events_person ON cohort_events(person_id);

        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            meeting_id INTEGER REFERENCES meetings(id),
            agency TEXT NOT NULL,
            owner TEXT,
            description TEXT NOT NULL,
            due_date TEXT,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in progress', 'done', 'cancelled')),
            created_at TEXT NOT NULL
        );
        CREATE INDEX actions_person ON actions(person_id);

        CREATE TABLE action_updates (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES actions(id),
            date TEXT NOT NULL,
            status TEXT,
            note TEXT
        );

        CREATE TABLE disclosures (
            id INTEGER PRIMARY KEY,
            subject_id TEXT NOT NULL REFERENCES persons(id),
            disclosed_to_id TEXT REFERENCES persons(id),
            recipient_name TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('right to ask', 'right to know')),
            date TEXT NOT NULL,
            decision TEXT NOT NULL DEFAULT 'pending'
                CHECK (decision IN ('pending', 'disclosed', 'not disclosed')),
            notes TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX disclosures_subject ON disclosures(subject_id);
        CREATE INDEX disclosures_to ON disclosures(disclosed_to_id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT,
            entity_id TEXT,
            batch_id INTEGER,
            detail TEXT,
            reason TEXT,
            recipient TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_entity ON audit_log(entity, entity_id);

        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )


@migrations(name="0002_scoring")
def _scoring(db: Database) -> None:
    """Versioned scoring configurations and saved score snapshots (issue 3).

    A configuration row is never changed after it is written, except its
    ``active`` flag; at most one row is active. Each snapshot names the
    configuration version that produced its scores.
    """
    db.executescript(
        """
        CREATE TABLE scoring_configs (
            version INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            reason TEXT,
            config TEXT NOT NULL,
            gravity TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
        );
        CREATE UNIQUE INDEX scoring_configs_one_active ON scoring_configs(active) WHERE active = 1;

        CREATE TABLE score_snapshots (
            id INTEGER PRIMARY KEY,
            config_version INTEGER NOT NULL REFERENCES scoring_configs(version),
            as_of TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            taken_by TEXT NOT NULL,
            label TEXT,
            meeting_id INTEGER REFERENCES meetings(id),
            persons INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX score_snapshots_meeting ON score_snapshots(meeting_id);

        CREATE TABLE snapshot_scores (
            snapshot_id INTEGER NOT NULL REFERENCES score_snapshots(id),
            person_id TEXT NOT NULL REFERENCES persons(id),
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            r INTEGER NOT NULL,
            f INTEGER NOT NULL,
            g INTEGER NOT NULL,
            v INTEGER NOT NULL,
            incidents INTEGER NOT NULL,
            victims INTEGER NOT NULL,
            latest_incident TEXT NOT NULL,
            serial INTEGER NOT NULL,
            division TEXT,
            PRIMARY KEY (snapshot_id, person_id)
        ) WITHOUT ROWID;
        CREATE INDEX snapshot_scores_person ON snapshot_scores(person_id);

        -- Merged records are few: a partial index finds them without reading every person.
        CREATE INDEX IF NOT EXISTS persons_merged_into ON persons(merged_into) WHERE merged_into IS NOT NULL;
        -- The age rule needs the people young enough to have been under 16 in the window: a range
        -- of this index instead of a read of every person (about 3% more import time).
        CREATE INDEX IF NOT EXISTS persons_dob ON persons(dob, id);
        """
    )

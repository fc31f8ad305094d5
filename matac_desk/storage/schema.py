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


@migrations(name="0003_graph")
def _graph(db: Database) -> None:
    # Merges never rewrite involvements or links: persons.merged_into points
    # at the root record and every reader resolves through it, so a merge can
    # be undone exactly. ``previous`` is JSON {person id: merged_into before}.
    db.executescript(
        """
        CREATE TABLE person_merges (
            id INTEGER PRIMARY KEY,
            keep_id TEXT NOT NULL REFERENCES persons(id),
            merged_id TEXT NOT NULL REFERENCES persons(id),
            reason TEXT NOT NULL,
            merged_by TEXT NOT NULL,
            merged_at TEXT NOT NULL,
            previous TEXT NOT NULL,
            undone_at TEXT,
            undone_by TEXT
        );
        CREATE INDEX person_merges_merged ON person_merges(merged_id);
        CREATE INDEX person_merges_keep ON person_merges(keep_id);

        -- Pairs a coordinator has checked and found to be different people.
        CREATE TABLE not_duplicates (
            person_a_id TEXT NOT NULL REFERENCES persons(id),
            person_b_id TEXT NOT NULL REFERENCES persons(id),
            reason TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (person_a_id, person_b_id),
            CHECK (person_a_id < person_b_id)
        ) WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS persons_dob ON persons(dob, id);
        CREATE INDEX IF NOT EXISTS persons_merged_into ON persons(merged_into) WHERE merged_into IS NOT NULL;
        """
    )
@migrations(name="0004_security")
def _security(db: Database) -> None:
    """The secret behind the audit log's person pseudonyms (HMAC key), made once per store."""
    import json
    import secrets

    db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('audit_secret', ?)",
               [json.dumps(secrets.token_hex(32))])


@migrations(name="0005_people_search")
def _people_search(db: Database) -> None:
    """Search as you type over persons: a trigram FTS5 index kept in step by triggers.

    One row per person, its rowid the person's rowid: the id, the folded name
    (``name_key``) and the folded names of its aliases, indexed; and, not
    indexed, the name in sorting order (surname, then forename), so that a
    search sorted by name never reads the (much larger) persons table. The
    trigram tokenizer matches any 3-character run, so "obha" finds "siobhan"
    and "0012" finds "NM0001234". ``VACUUM`` may renumber the persons' rowids:
    rebuild the index afterwards with ``people.rebuild_search_index``.

    Plus the indexes the People table sorts by (they hold the id so that
    listing every person in order reads the index alone: a table lookup per
    row took seconds on 300,000 encrypted rows) and one for the records
    merged into a person.
    """
    db.executescript(
        """
        CREATE VIRTUAL TABLE people_search USING fts5(
            id, name_key, aliases, sort_name UNINDEXED, tokenize = 'trigram');

        INSERT INTO people_search (rowid, id, name_key, aliases, sort_name)
        SELECT p.rowid, p.id, p.name_key,
               coalesce((SELECT group_concat(a.name_key, ' / ') FROM aliases a WHERE a.person_id = p.id), ''),
               coalesce(p.surname, '') || char(31) || coalesce(p.forename, '')
        FROM persons p;

        CREATE TRIGGER people_search_person_added AFTER INSERT ON persons BEGIN
            INSERT INTO people_search (rowid, id, name_key, aliases, sort_name)
            VALUES (new.rowid, new.id, new.name_key, '',
                    coalesce(new.surname, '') || char(31) || coalesce(new.forename, ''));
        END;
        CREATE TRIGGER people_search_person_changed AFTER UPDATE OF id, name_key, surname, forename ON persons
        WHEN old.id IS NOT new.id OR old.name_key IS NOT new.name_key
          OR old.surname IS NOT new.surname OR old.forename IS NOT new.forename BEGIN
            UPDATE people_search SET id = new.id, name_key = new.name_key,
                   sort_name = coalesce(new.surname, '') || char(31) || coalesce(new.forename, '')
            WHERE rowid = new.rowid;
        END;
        CREATE TRIGGER people_search_person_deleted AFTER DELETE ON persons BEGIN
            DELETE FROM people_search WHERE rowid = old.rowid;
        END;

        CREATE TRIGGER people_search_alias_added AFTER INSERT ON aliases BEGIN
            UPDATE people_search
            SET aliases = coalesce((SELECT group_concat(name_key, ' / ') FROM aliases
                                    WHERE person_id = new.person_id), '')
            WHERE rowid = (SELECT rowid FROM persons WHERE id = new.person_id);
        END;
        CREATE TRIGGER people_search_alias_changed AFTER UPDATE OF person_id, name_key ON aliases BEGIN
            UPDATE people_search
            SET aliases = coalesce((SELECT group_concat(name_key, ' / ') FROM aliases
                                    WHERE person_id = persons.id), '')
            FROM persons
            WHERE persons.id IN (old.person_id, new.person_id) AND people_search.rowid = persons.rowid;
        END;
        CREATE TRIGGER people_search_alias_deleted AFTER DELETE ON aliases BEGIN
            UPDATE people_search
            SET aliases = coalesce((SELECT group_concat(name_key, ' / ') FROM aliases
                                    WHERE person_id = old.person_id), '')
            WHERE rowid = (SELECT rowid FROM persons WHERE id = old.person_id);
        END;

        CREATE INDEX persons_name_key ON persons(name_key);
        CREATE INDEX persons_surname ON persons(surname COLLATE NOCASE, forename COLLATE NOCASE, id);
        """
    )


@migrations(name="0006_meetings")
def _meetings(db: Database) -> None:
    """The four-weekly meeting, the cohort's details, actions' owners, workload and forum referrals."""
    db.executescript(
        """
        CREATE TABLE offender_managers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            division TEXT NOT NULL DEFAULT '',
            mosovo_completed_on TEXT,
            mosovo_waiting INTEGER NOT NULL DEFAULT 0,
            other_cases INTEGER NOT NULL DEFAULT 0,
            other_high_risk INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (name, division)
        );

        CREATE TABLE subjects (
            person_id TEXT PRIMARY KEY REFERENCES persons(id),
            om_id INTEGER REFERENCES offender_managers(id),
            division TEXT,
            mappa_category INTEGER CHECK (mappa_category IN (1, 2, 3, 4)),
            mappa_level INTEGER CHECK (mappa_level IN (1, 2, 3)),
            marac INTEGER NOT NULL DEFAULT 0,
            iom INTEGER NOT NULL DEFAULT 0,
            risk_level TEXT CHECK (risk_level IN ('standard', 'medium', 'high')),
            risk_weapons INTEGER NOT NULL DEFAULT 0,
            risk_substance_misuse INTEGER NOT NULL DEFAULT 0,
            risk_mental_health INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            type TEXT NOT NULL CHECK (type IN ('DVPN', 'DVPO', 'DAPN', 'DAPO', 'restraining order',
                'non-molestation order', 'SPO', 'bail conditions')),
            start_date TEXT NOT NULL,
            end_date TEXT,
            protected_person_id TEXT REFERENCES persons(id),
            conditions TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX orders_person ON orders(person_id);

        CREATE TABLE toolkit (
            id INTEGER PRIMARY KEY,
            category TEXT NOT NULL CHECK (category IN ('support and diversion', 'disruption', 'enforcement',
                'safeguarding')),
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1
        );

        CREATE TABLE subject_tactics (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            tactic_id INTEGER NOT NULL REFERENCES toolkit(id),
            meeting_id INTEGER REFERENCES meetings(id),
            agreed_on TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'agreed'
                CHECK (status IN ('agreed', 'in progress', 'completed', 'stopped')),
            notes TEXT
        );
        CREATE INDEX subject_tactics_person ON subject_tactics(person_id);

        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            person_id TEXT NOT NULL REFERENCES persons(id),
            decision TEXT NOT NULL CHECK (decision IN ('adopt', 'do not adopt', 'continue', 'exit')),
            reason TEXT,
            score REAL,
            recorded_at TEXT NOT NULL,
            UNIQUE (meeting_id, person_id)
        );

        CREATE TABLE minutes (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            person_id TEXT REFERENCES persons(id),
            text TEXT NOT NULL,
            chair TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX minutes_person ON minutes(person_id);

        CREATE TABLE forum_referrals (
            id INTEGER PRIMARY KEY,
            forum TEXT NOT NULL CHECK (forum IN ('MAPPA', 'MARAC')),
            person_id TEXT NOT NULL REFERENCES persons(id),
            related_person_id TEXT REFERENCES persons(id),
            reason TEXT NOT NULL,
            prompted_on TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'referred', 'not referred')),
            outcome_on TEXT,
            notes TEXT
        );
        CREATE INDEX forum_referrals_person ON forum_referrals(person_id);

        CREATE INDEX cohort_events_meeting ON cohort_events(meeting_id);
        CREATE INDEX actions_meeting ON actions(meeting_id);
        CREATE INDEX action_updates_action ON action_updates(action_id);
        """
    )
    toolkit = [
        ("support and diversion", "Drive programme", "Behaviour-change intervention for high-harm perpetrators"),
        ("support and diversion", "Healthy relationships programme", "Group or one-to-one course"),
        ("support and diversion", "Pathway: accommodation", "Seven pathways of offender management"),
        ("support and diversion", "Pathway: education, training and employment", ""),
        ("support and diversion", "Pathway: health", ""),
        ("support and diversion", "Pathway: drugs and alcohol", ""),
        ("support and diversion", "Pathway: finance, benefit and debt", ""),
        ("support and diversion", "Pathway: children and families", ""),
        ("support and diversion", "Pathway: attitudes, thinking and behaviour", ""),
        ("disruption", "Clare's Law right-to-know disclosure", "DVDS disclosure to a partner at risk"),
        ("disruption", "Housing and tenancy action", "Tenancy enforcement, management transfer"),
        ("disruption", "Financial enquiries", "Benefits, assets, proceeds of crime"),
        ("disruption", "Vehicle enquiries", "Insurance, licensing, ANPR markers"),
        ("enforcement", "Arrest", "Proactive arrest for outstanding offences"),
        ("enforcement", "Charge", "Evidence-led or victimless prosecution"),
        ("enforcement", "Bail conditions", "Conditions protecting victims"),
        ("enforcement", "DVPN / DVPO", "Domestic Violence Protection Notice and Order"),
        ("enforcement", "DAPN / DAPO", "Domestic Abuse Protection Notice and Order (DA Act 2021)"),
        ("enforcement", "Restraining order", ""),
        ("enforcement", "Stalking Protection Order", ""),
        ("enforcement", "Breach enforcement", "Act on breaches of orders and conditions"),
        ("safeguarding", "MARAC referral", "For a victim or new partner at high risk"),
        ("safeguarding", "Children's social care referral", ""),
        ("safeguarding", "Target hardening", "Alarms, locks, sanctuary scheme for the victim"),
    ]
    for category, name, description in toolkit:
        db.execute("INSERT INTO toolkit (category, name, description) VALUES (?, ?, ?)", [category, name, description])


@migrations(name="0007_people_search_columnsize")
def _people_search_columnsize(db: Database) -> None:
    """The people search index without its per-row column sizes.

    FTS5 keeps each row's token counts for ranking by bm25; nothing here ranks
    (results are ordered by name or id), and writing them was about a seventh of
    the index's cost on every import (measured: 2.9 s against 2.5 s for 913,000
    persons). The index is made again from persons and aliases; the triggers of
    0005 name the table and go on working.
    """
    db.executescript(
        """
        DROP TABLE people_search;
        CREATE VIRTUAL TABLE people_search USING fts5(
            id, name_key, aliases, sort_name UNINDEXED, tokenize = 'trigram', columnsize = 0);
        INSERT INTO people_search (rowid, id, name_key, aliases, sort_name)
        SELECT p.rowid, p.id, p.name_key,
               coalesce((SELECT group_concat(a.name_key, ' / ') FROM aliases a WHERE a.person_id = p.id), ''),
               coalesce(p.surname, '') || char(31) || coalesce(p.forename, '')
        FROM persons p;
        """
    )


@migrations(name="0008_import_integrity")
def _import_integrity(db: Database) -> None:
    """What an import needs to keep every change of a known person reversible, and its rejects once.

    ``data_quality.put_back``: for an entry an import wrote (a name that
    replaced the one held), the values it replaced as a JSON object, so
    they can be put back from the entry. ``import_batches_sha256``: a file
    imported again keeps no second copy of its rejected lines (key: the
    file's SHA-256 and the line), looked up by the file's hash.
    """
    db.executescript(
        """
        ALTER TABLE data_quality ADD COLUMN put_back TEXT;
        CREATE INDEX import_batches_sha256 ON import_batches(file_sha256);
        """
    )


@migrations(name="0009_audit_anchors")
def _audit_anchors(db: Database) -> None:
    """Salted pseudonyms (crypto-shredding), the store's id and the key that signs its anchors.

    Each person gets a random salt (``persons.audit_salt``); a pseudonym
    becomes HMAC(secret, salt ‖ id), and erasure deletes the salt with the
    row. The log's existing pseudonyms, HMAC(secret, id), are mapped to the
    new ones in this one transaction; those of persons no longer held
    (erased before) are replaced by random stand-ins, the same for each, so
    that nobody can re-link them by trying ids. ``PROFILE-<id>-…`` references
    lose the id the same way. The chain is computed again from the first
    entry changed, with the append-only triggers put back exactly as 0001
    made them, and an ``audit.rechained`` entry records the migration: how
    many entries changed and the heads before and after.
    """
    import hashlib
    import hmac as _hmac
    import json
    import re
    import secrets

    from . import anchors, audit

    db.execute(f"ALTER TABLE persons ADD COLUMN {audit.SALT_COLUMN} TEXT")
    for key, value in anchors.new_store_secrets().items():
        db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", [key, json.dumps(value)])
    conn = db.conn
    if conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0:
        return
    db.execute(f"UPDATE persons SET {audit.SALT_COLUMN} = lower(hex(randomblob(16)))")
    secret = audit._secret(conn)
    old_to_new: dict[str, str] = {}
    new_of_id: dict[str, str] = {}
    for pid, salt in conn.execute(f"SELECT id, {audit.SALT_COLUMN} FROM persons"):
        old = "p-" + _hmac.new(secret, str(pid).encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        new = audit.salted_digest(secret, salt, pid)
        old_to_new[old] = new
        new_of_id[pid] = new
    unlinked: dict[str, str] = {}

    def swap(m: re.Match) -> str:
        old = m.group(0)
        if old in old_to_new:
            return old_to_new[old]
        if old not in unlinked:
            unlinked[old] = "p-" + secrets.token_hex(16)
        return unlinked[old]

    pseud = re.compile(r"(?<![0-9a-z-])p-[0-9a-f]{32}(?![0-9a-f])")
    profile_ref = re.compile(r"PROFILE-(.+?)-(\d{8}-[0-9A-F]{4})\b")

    def ref(m: re.Match) -> str:
        return f"PROFILE-{new_of_id.get(m.group(1), '[erased]')}-{m.group(2)}"

    changed: dict[int, tuple[str | None, str | None]] = {}
    for rid, entity_id, detail in conn.execute("SELECT id, entity_id, detail FROM audit_log ORDER BY id").fetchall():
        e2 = pseud.sub(swap, entity_id) if entity_id else entity_id
        d2 = profile_ref.sub(ref, pseud.sub(swap, detail)) if detail else detail
        if (e2, d2) != (entity_id, detail):
            changed[rid] = (e2, d2)
    if not changed:
        return
    before = audit.head(conn)
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("DROP TRIGGER audit_log_no_delete")
    first = min(changed)
    prev = conn.execute("SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1", [first]).fetchone()
    prev_hash = prev[0] if prev else audit.GENESIS
    cols = ("at", "actor", "action", "entity", "entity_id", "batch_id", "detail", "reason", "recipient")
    rows = conn.execute(f"SELECT id, {', '.join(cols)} FROM audit_log WHERE id >= ? ORDER BY id", [first]).fetchall()
    for rec in rows:
        row = dict(zip(cols, rec[1:]))
        if rec[0] in changed:
            row["entity_id"], row["detail"] = changed[rec[0]]
        h = audit._digest(prev_hash, row)
        conn.execute("UPDATE audit_log SET entity_id = ?, detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     [row["entity_id"], row["detail"], prev_hash, h, rec[0]])
        prev_hash = h
    # the same triggers as 0001 (the check compares their SQL); not executescript, which would commit
    conn.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
                 "        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    conn.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
                 "        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    audit.append(conn, "audit.rechained", entity="store",
                 detail={"migration": "0009_audit_anchors", "why": "salted pseudonyms; ids taken out of references",
                         "entries_changed": len(changed), "rechained_from": first,
                         "unlinked_pseudonyms": len(unlinked),
                         "head_before": list(before) if before else None, "head_after": list(audit.head(conn))})


@migrations(name="0010_scoring_codes")
def _scoring_codes(db: Database) -> None:
    """Scoring that follows the DA Act's ages and the force's offence codes (issue 18).

    The gravity table lives in ``scoring_configs.gravity`` as JSON: a row
    with Home Office codes gains a fourth element (its codes), and the
    three-element rows of the versions saved before stay readable as rows
    without codes, so no configuration row is rewritten. Settings added to
    the configuration (``gravity_mode``, ``gravity_sum_bands``,
    ``serial_unconnected_victims``) read as their defaults from older
    versions, which is what those versions meant.

    Each snapshot already names the configuration version that made it;
    ``rules`` now also names the edition of the scoring rules: 1 for the
    snapshots taken before this step (victims of any age counted, offences
    matched on their wording only), 2 from here on (the column's default,
    so every snapshot written from now on is marked without its writer
    naming it). Their scores are kept as they were saved.
    """
    db.executescript(
        """
        ALTER TABLE score_snapshots ADD COLUMN rules INTEGER NOT NULL DEFAULT 2;
        UPDATE score_snapshots SET rules = 1;
        """
    )


@migrations(name="0011_duplicate_decisions")
def _duplicate_decisions(db: Database) -> None:
    """The coordinator's "not the same person" decisions on probable duplicates, each undoable (issue 19).

    One row per decision (a bulk decision covers many pairs); ``not_duplicates``
    rows name the decision that made them, so undoing it removes exactly those.
    Pairs marked before this step have no decision and stay as they are.
    """
    db.executescript(
        """
        CREATE TABLE duplicate_decisions (
            id INTEGER PRIMARY KEY,
            decision TEXT NOT NULL CHECK (decision IN ('not the same')),
            reason TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            pairs INTEGER NOT NULL,
            undone_at TEXT,
            undone_by TEXT
        );
        ALTER TABLE not_duplicates ADD COLUMN decision_id INTEGER REFERENCES duplicate_decisions(id);
        CREATE INDEX not_duplicates_decision ON not_duplicates(decision_id);
        """
    )


@migrations(name="0012_case_file")
def _case_file(db: Database) -> None:
    """The case file a MATAC coordinator keeps (issue 20).

    Risk management plans (one row per version, never changed: the latest
    version is the plan), Clare's Law (DVDS) applications with their steps,
    order requirements and breaches, victim support (a history per victim:
    the latest row is the status), equality fields on persons and the 3×5×2
    intelligence grading on links.
    """
    db.executescript(
        """
        CREATE TABLE risk_plans (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons(id),
            version INTEGER NOT NULL,
            supervision TEXT, supervision_owner TEXT,
            monitoring TEXT, monitoring_owner TEXT,
            interventions TEXT, interventions_owner TEXT,
            victim_safety TEXT, victim_safety_owner TEXT,
            rosh_who TEXT, rosh_nature TEXT, rosh_imminence TEXT,
            next_review TEXT,
            reviewed_on TEXT,
            change TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL,
            UNIQUE (person_id, version)
        );

        CREATE TABLE dvds_applications (
            id INTEGER PRIMARY KEY,
            subject_id TEXT NOT NULL REFERENCES persons(id),
            route TEXT NOT NULL CHECK (route IN ('right to ask', 'right to know')),
            applicant_relation TEXT NOT NULL,
            at_risk_id TEXT REFERENCES persons(id),
            at_risk_name TEXT,
            received_on TEXT NOT NULL,
            deadline_days INTEGER NOT NULL,
            outcome TEXT CHECK (outcome IN ('disclosed', 'not disclosed', 'withdrawn')),
            closed_on TEXT,
            disclosure_id INTEGER REFERENCES disclosures(id),
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX dvds_applications_subject ON dvds_applications(subject_id);

        CREATE TABLE dvds_steps (
            id INTEGER PRIMARY KEY,
            application_id INTEGER NOT NULL REFERENCES dvds_applications(id),
            step TEXT NOT NULL,
            date TEXT NOT NULL,
            by_whom TEXT NOT NULL,
            note TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX dvds_steps_application ON dvds_steps(application_id);

        CREATE TABLE order_requirements (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            kind TEXT NOT NULL CHECK (kind IN ('positive', 'negative', 'notification')),
            type TEXT NOT NULL,
            text TEXT NOT NULL,
            until TEXT
        );
        CREATE INDEX order_requirements_order ON order_requirements(order_id);

        CREATE TABLE order_breaches (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            date TEXT NOT NULL,
            note TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX order_breaches_order ON order_breaches(order_id);

        CREATE TABLE victim_support (
            id INTEGER PRIMARY KEY,
            victim_id TEXT NOT NULL REFERENCES persons(id),
            service TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('offered', 'contacted', 'engaged', 'declined', 'unreachable',
                                                   'closed')),
            date TEXT NOT NULL,
            note TEXT,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX victim_support_victim ON victim_support(victim_id);

        ALTER TABLE persons ADD COLUMN sex TEXT;
        ALTER TABLE persons ADD COLUMN ethnicity TEXT;
        ALTER TABLE persons ADD COLUMN disability TEXT;
        ALTER TABLE links ADD COLUMN grading TEXT;
        """
    )


@migrations(name="0013_meeting_safety")
def _meeting_safety(db: Database) -> None:
    """'escalate' among a meeting's decisions; a held meeting reopened keeps its snapshot, marked superseded.

    ``decisions`` is made again (SQLite cannot change a CHECK constraint) with
    its rows; ``score_snapshots.superseded_at`` is set when the meeting the
    snapshot was taken for is reopened (it then no longer counts in trends).
    """
    db.executescript(
        """
        CREATE TABLE decisions_new (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            person_id TEXT NOT NULL REFERENCES persons(id),
            decision TEXT NOT NULL CHECK (decision IN ('adopt', 'do not adopt', 'continue', 'escalate', 'exit')),
            reason TEXT,
            score REAL,
            recorded_at TEXT NOT NULL,
            UNIQUE (meeting_id, person_id)
        );
        INSERT INTO decisions_new (id, meeting_id, person_id, decision, reason, score, recorded_at)
            SELECT id, meeting_id, person_id, decision, reason, score, recorded_at FROM decisions;
        DROP TABLE decisions;
        ALTER TABLE decisions_new RENAME TO decisions;
        ALTER TABLE score_snapshots ADD COLUMN superseded_at TEXT;
        """
    )


@migrations(name="0014_import_undo")
def _import_undo(db: Database) -> None:
    """What undoing an import needs: the values it replaced, and the batch marked undone.

    ``import_undo`` holds, for each row an import *changed* (a person, an
    incident, an involvement or a link that was held before it), the row's
    values before the import (``before``) and as the import left them
    (``after``), both JSON objects of the columns an import writes; rows an
    import *added* are known by ``first_batch_id`` (a link by ``batch_id``).
    Exactly one of the four keys is set; each refers to its row, so an
    erasure takes the kept values with the row. ``import_batches.undo_kept``
    is 1 for the imports made from this step on (those made before kept no
    values to put back); ``undone_at``, ``undone_by`` and ``undo_reason``
    mark an import undone (the batch row stays, so the history shows it).
    """
    db.executescript(
        """
        ALTER TABLE import_batches ADD COLUMN undo_kept INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE import_batches ADD COLUMN undone_at TEXT;
        ALTER TABLE import_batches ADD COLUMN undone_by TEXT;
        ALTER TABLE import_batches ADD COLUMN undo_reason TEXT;

        CREATE TABLE import_undo (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES import_batches(id),
            person_id TEXT REFERENCES persons(id),
            incident_ref TEXT REFERENCES incidents(ref),
            involvement_id INTEGER REFERENCES involvements(id),
            link_id INTEGER REFERENCES links(id),
            before TEXT NOT NULL,
            after TEXT,
            CHECK ((person_id IS NOT NULL) + (incident_ref IS NOT NULL) + (involvement_id IS NOT NULL)
                   + (link_id IS NOT NULL) = 1)
        );
        CREATE INDEX import_undo_batch ON import_undo(batch_id);
        -- one row per changed row and import (the first change wins); also the look-ups by row
        CREATE UNIQUE INDEX import_undo_person ON import_undo(person_id, batch_id);
        CREATE UNIQUE INDEX import_undo_incident ON import_undo(incident_ref, batch_id);
        CREATE UNIQUE INDEX import_undo_involvement ON import_undo(involvement_id, batch_id);
        CREATE UNIQUE INDEX import_undo_link ON import_undo(link_id, batch_id);
        """
    )

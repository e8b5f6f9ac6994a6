"""Versioned schema. Each migration runs once, recorded by sqlite-utils Migrations."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from commander_app.store.rows import BOARD_EVENTS_SQL, CADENCE_EVENTS_SQL, STATE_EVENTS_SQL
from commander_app.store.versions import KNOWN_MIGRATIONS, SCHEMA_VERSION

__all__ = ["KNOWN_MIGRATIONS", "SCHEMA_VERSION", "migrations"]

migrations = Migrations("commander")

_APPEND_ONLY = "the incident log is append-only: events cannot be changed or deleted"


@migrations(name="m001_event_log")
def m001_event_log(db: Database) -> None:
    """The append-only events, the incidents projection, and the indexes that read them."""
    _run_statements(
        db,
        f"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL CHECK (json_valid(body)),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            device_id TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            supersedes TEXT
        );
        CREATE INDEX events_story ON events (incident_id, occurred_at, id);
        CREATE INDEX events_corrections ON events (supersedes) WHERE supersedes IS NOT NULL;
        CREATE INDEX events_state ON events (incident_id) WHERE {STATE_EVENTS_SQL};
        CREATE INDEX events_board ON events (incident_id) WHERE {BOARD_EVENTS_SQL};
        CREATE INDEX events_cadence ON events (incident_id, occurred_at, id)
            WHERE {CADENCE_EVENTS_SQL};
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END;
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            is_drill INTEGER NOT NULL,
            commander TEXT,
            communicator TEXT,
            roles TEXT NOT NULL,
            pending_handoff_to TEXT,
            opened_at TEXT,
            impact_started_at TEXT,
            detected_at TEXT,
            mitigated_at TEXT,
            resolved_at TEXT,
            last_event_at TEXT,
            event_count INTEGER NOT NULL,
            last_key TEXT NOT NULL
        );
        CREATE INDEX incidents_activity ON incidents (status, last_event_at);
        """,
    )


@migrations(name="m002_full_text_search")
def m002_full_text_search(db: Database) -> None:
    """Full-text search over event text and incident titles, kept in sync by triggers."""
    tokenizer = "porter unicode61 remove_diacritics 2"
    _run_statements(
        db,
        f"""
        CREATE VIRTUAL TABLE events_fts USING fts5(
            text, content='events', content_rowid='seq', tokenize='{tokenizer}'
        );
        CREATE TRIGGER events_fts_insert AFTER INSERT ON events
            BEGIN INSERT INTO events_fts (rowid, text) VALUES (new.seq, new.text); END;
        INSERT INTO events_fts (events_fts) VALUES ('rebuild');
        CREATE VIRTUAL TABLE incidents_fts USING fts5(
            incident_id UNINDEXED, title, tokenize='{tokenizer}'
        );
        CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents
            BEGIN INSERT INTO incidents_fts (incident_id, title) VALUES (new.id, new.title); END;
        CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title ON incidents
            WHEN old.title IS NOT new.title
            BEGIN UPDATE incidents_fts SET title = new.title WHERE incident_id = old.id; END;
        CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents
            BEGIN DELETE FROM incidents_fts WHERE incident_id = old.id; END;
        INSERT INTO incidents_fts (incident_id, title) SELECT id, title FROM incidents;
        """,
    )


@migrations(name="m003_templates")
def m003_templates(db: Database) -> None:
    """The user's own update templates; a name shared with a shipped one overrides it."""
    _run_statements(
        db,
        """
        CREATE TABLE templates (
            name TEXT PRIMARY KEY,
            audience TEXT NOT NULL,
            phase TEXT,
            body TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        """,
    )


@migrations(name="m004_outbox")
def m004_outbox(db: Database) -> None:
    """Publishing: configured channels (no secrets), the outbox, and remote incidents.

    Unlike `events`, these rows change: an outbox row is a piece of work moving
    from queued to sent. What happened to it is also told in the log as comms events.
    """
    _run_statements(
        db,
        """
        CREATE TABLE channels (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            settings TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            audience TEXT NOT NULL,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            incident_title TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '[]',
            message_id TEXT NOT NULL,
            next_update_at TEXT,
            author TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            in_doubt INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            attempt_started_at TEXT,
            remote_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_by_incident ON outbox (incident_id, seq);
        CREATE TABLE remote_incidents (
            channel TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (channel, incident_id)
        );
        """,
    )


def _run_statements(db: Database, script: str) -> None:
    """Run a script statement by statement, inside the migration's transaction.

    (`executescript` would commit first and break the migration's atomicity.)
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending!r}")

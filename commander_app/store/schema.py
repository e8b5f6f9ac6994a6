"""Versioned schema. Each migration runs once, recorded by sqlite-utils Migrations.

The steps are plain functions of anything with `execute(sql)`, so a brand-new log
can be created without importing sqlite-utils (about 45 ms of start-up): see
`create_fresh`, which writes the same tables and the same migration records that
`migrations.apply` would (a test compares the two). Upgrades of existing files
always go through sqlite-utils.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from commander_app.store.rows import (
    BOARD_EVENTS_SQL,
    CADENCE_EVENTS_SQL,
    ROLLBACK_EVENTS_SQL,
    STATE_EVENTS_SQL,
)
from commander_app.store.versions import KNOWN_MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlite_utils.migrations import Migrations

__all__ = [
    "KNOWN_MIGRATIONS",
    "SCHEMA_VERSION",
    "STEPS",
    "create_fresh",
    "shipped_event_triggers",
    "sqlite_utils_migrations",
]

MIGRATION_SET = "commander"


class Database(Protocol):
    """What a step needs: a sqlite3 connection or a sqlite-utils Database."""

    def execute(self, sql: str, /) -> Any: ...


_APPEND_ONLY = "the incident log is append-only: events cannot be changed or deleted"


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


def m005_rollback_index(db: Database) -> None:
    """The rollback panel reads an incident's decisions, ticks and changes on every
    selection: an index over just those keeps it as fast in a 100,000-event incident."""
    _run_statements(
        db, f"CREATE INDEX events_rollback ON events (incident_id) WHERE {ROLLBACK_EVENTS_SQL};"
    )


def m006_event_chain(db: Database) -> None:
    """Tamper evidence (`core.chain`): each event's link to the event before it of the
    same incident and device. Events written before this step keep no link. The index
    finds a chain's newest link when an event is appended, without reading the chain."""
    _run_statements(
        db,
        """
        ALTER TABLE events ADD COLUMN chain_prev TEXT;
        ALTER TABLE events ADD COLUMN chain_hash TEXT;
        CREATE INDEX events_chain ON events (incident_id, device_id, seq)
            WHERE chain_hash IS NOT NULL;
        """,
    )


def m007_follow_ups(db: Database) -> None:
    """Follow-ups and the postmortem: the table every incident's actions are projected
    into (filled from the actions already logged), and an index over the postmortem's
    events so opening a postmortem never reads the timeline."""
    from commander_app.store import follow_ups_projection

    _run_statements(
        db,
        follow_ups_projection.CREATE_SQL
        + "CREATE INDEX events_postmortem ON events (incident_id) WHERE kind = 'postmortem';",
    )
    # Filled by m008, which adds the projection's last column: a refold here would write
    # columns this step has not created yet.


def m008_tracker_pushes(db: Database) -> None:
    """Follow-ups pushed to an issue tracker: each push a row that moves from queued to
    sent like an outbox row (exactly once, checked on the tracker after a lost answer),
    and the follow-ups table's issues per item. The table is refilled from the actions
    already logged (for a file upgraded from before m007, its first fill)."""
    from commander_app.store import follow_ups_projection

    _run_statements(
        db,
        """
        ALTER TABLE follow_ups ADD COLUMN trackers TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE tracker_pushes (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            action_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            request TEXT NOT NULL,
            author TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            in_doubt INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            attempt_started_at TEXT,
            remote_key TEXT,
            remote_url TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE UNIQUE INDEX tracker_pushes_once ON tracker_pushes (action_id, channel)
            WHERE state != 'cancelled';
        CREATE INDEX tracker_pushes_by_state ON tracker_pushes (state, next_attempt_at);
        """,
    )
    follow_ups_projection.rebuild(db)  # type: ignore[arg-type]  # either takes parameters


def m009_import_stage(db: Database) -> None:
    """A large import in bounded transactions (`store.import_stage`): its events are
    staged first, then moved into `events` a batch at a time, so no other writer waits
    long. `pending_imports` says how far each import got: one that was staging when it
    stopped is thrown away, one that was publishing is finished by the next open."""
    _run_statements(
        db,
        """
        CREATE TABLE pending_imports (
            id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL,
            events INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('staging', 'publishing')),
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            touched_at TEXT NOT NULL
        );
        CREATE TABLE import_stage (
            import_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            author TEXT NOT NULL,
            device_id TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            supersedes TEXT,
            text TEXT NOT NULL,
            chain_prev TEXT,
            chain_hash TEXT,
            PRIMARY KEY (import_id, position)
        ) WITHOUT ROWID;
        """,
    )


def m010_incident_figures(db: Database) -> None:
    """Each incident's figures (`store.incident_figures`), kept in step with its events so
    the trends over thousands of incidents read one row each; filled from the events
    already logged."""
    from commander_app.store import incident_figures

    _run_statements(db, incident_figures.CREATE_SQL)
    incident_figures.rebuild(db)  # type: ignore[arg-type]  # either takes parameters


def m011_runbooks(db: Database) -> None:
    """The runbook index (`store.runbooks`): one row per Markdown file of the runbook
    folder, with what was read from it, and full-text search over it. A cache of the
    files, never the source of truth: a refresh compares size and mtime, then the hash."""
    _run_statements(
        db,
        """
        CREATE TABLE runbooks (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            parsed TEXT CHECK (parsed IS NULL OR json_valid(parsed)),
            problems TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems)),
            indexed_at TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE runbooks_fts USING fts5(
            name, title, service, answers, body, path UNINDEXED,
            tokenize='porter unicode61 remove_diacritics 2'
        );
        """,
    )


ALERTS_SQL = """
    CREATE TABLE alerts (
        incident_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        group_key TEXT NOT NULL,
        group_id TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        state TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_event TEXT NOT NULL,
        fires INTEGER NOT NULL,
        PRIMARY KEY (incident_id, fingerprint)
    ) WITHOUT ROWID;
    CREATE INDEX alerts_by_group ON alerts (incident_id, group_id);
    CREATE TABLE alert_triage (
        incident_id TEXT NOT NULL,
        group_key TEXT NOT NULL,
        triage TEXT NOT NULL,
        hypothesis TEXT,
        triaged_at TEXT NOT NULL,
        event_id TEXT NOT NULL,
        PRIMARY KEY (incident_id, group_key)
    ) WITHOUT ROWID;
    CREATE TABLE alert_inbox (
        seq INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        alert TEXT NOT NULL CHECK (json_valid(alert))
    );
"""


def m012_alerts(db: Database) -> None:
    """Alerts from monitoring (`store.alert_projection`): each incident's alerts by
    fingerprint, the triage of their groups, and an inbox for alerts that arrive while no
    incident is open; filled from the events (a new log has none, and does not load the
    projection's module at start-up)."""
    _run_statements(db, ALERTS_SQL)
    if db.execute("SELECT 1 FROM events WHERE kind = 'alert' LIMIT 1").fetchone():
        from commander_app.store import alert_projection

        alert_projection.rebuild(db)  # type: ignore[arg-type]  # either takes parameters


def m013_runbook_steps(db: Database) -> None:
    """The runbook steps followed in incidents (`store.runbook_steps`): a partial index,
    so the trust report's reads of what was used and flagged touch only those events."""
    _run_statements(
        db,
        "CREATE INDEX events_runbook ON events "
        "(json_extract(body, '$.runbook'), occurred_at) WHERE kind = 'runbook';",
    )


def m014_alert_groups_index(db: Database) -> None:
    """The Alerts pane reads an incident's groups on every refresh, and the latest alert
    of the selected one: an index holding what those reads need, in group order, spares
    a sort of 10,000 group keys and a walk through every alert of the incident."""
    db.execute(
        "CREATE INDEX alerts_by_key ON alerts "
        "(incident_id, group_key, group_id, name, state, fires, first_seen, last_seen, last_event)"
    )


def m015_drill_outbox(db: Database) -> None:
    """What a drill's updates would have sent (`store.drill_outbox`): rendered per channel
    and audience, kept apart from the outbox, which no drill row ever enters."""
    _run_statements(
        db,
        """
        CREATE TABLE drill_outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            channel_kind TEXT NOT NULL,
            audience TEXT NOT NULL,
            incident_name TEXT NOT NULL,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            outcome TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX drill_outbox_incident ON drill_outbox (incident_id, seq);
        """,
    )


def m017_alerts_one_group_index(db: Database) -> None:
    """Every read of an incident's groups goes through `alerts_by_key`; the older index by
    group id served none, and cost a storm a third of its alert-table writes."""
    db.execute("DROP INDEX IF EXISTS alerts_by_group")


def m018_team_sync(db: Database) -> None:
    """Team sync through a shared PostgreSQL database (`commander_app.team`).

    `team_shares`: the incidents this laptop shares with the team (shared = 1) or keeps
    to itself after having shared them (0). `backfill_after`: events of the incident
    written before it was shared still wait to be pushed, from after this local seq on
    (NULL: none wait); `refetch` = 1: the team's events of an incident shared again still
    wait to be pulled. `team_pulled`: the local rows that came from the team database,
    which the push skips. `team_state`: the team database's settings (no password) and
    both cursors. `team_refused`: events the team database sent that this log would not
    take (altered, unreadable), kept so the window can show them. `team_held`: events
    that arrived before something they need (their incident's opening, the event before
    them in their chain, the entry they correct), kept as they came until it arrives.
    """
    _run_statements(
        db,
        """
        CREATE TABLE team_shares (
            incident_id TEXT PRIMARY KEY,
            shared INTEGER NOT NULL,
            backfill_after INTEGER,
            refetch INTEGER NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE TABLE team_pulled (seq INTEGER PRIMARY KEY);
        CREATE TABLE team_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE team_refused (
            event_id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            refused_at TEXT NOT NULL
        );
        CREATE TABLE team_held (
            event_id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL,
            row TEXT NOT NULL,
            needs TEXT NOT NULL,
            held_at TEXT NOT NULL
        );
        """,
    )


STEPS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("m001_event_log", m001_event_log),
    ("m002_full_text_search", m002_full_text_search),
    ("m003_templates", m003_templates),
    ("m004_outbox", m004_outbox),
    ("m005_rollback_index", m005_rollback_index),
    ("m006_event_chain", m006_event_chain),
    ("m007_follow_ups", m007_follow_ups),
    ("m008_tracker_pushes", m008_tracker_pushes),
    ("m009_import_stage", m009_import_stage),
    ("m010_incident_figures", m010_incident_figures),
    ("m011_runbooks", m011_runbooks),
    ("m012_alerts", m012_alerts),
    ("m013_runbook_steps", m013_runbook_steps),
    ("m014_alert_groups_index", m014_alert_groups_index),
    ("m015_drill_outbox", m015_drill_outbox),
    ("m017_alerts_one_group_index", m017_alerts_one_group_index),
    ("m018_team_sync", m018_team_sync),
)
assert tuple(name for name, _ in STEPS) == KNOWN_MIGRATIONS


def sqlite_utils_migrations() -> Migrations:
    """The steps as a sqlite-utils migration set, for upgrading an existing file."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, step in STEPS:
        migrations(name=name)(step)
    return migrations


# The bookkeeping table exactly as sqlite-utils Migrations creates it.
_MIGRATIONS_TABLE_SQL = """
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
"""


def create_fresh(conn: sqlite3.Connection) -> None:
    """Every step on an empty database, recorded as sqlite-utils records applied ones.

    Runs inside the caller's write transaction.
    """
    _run_statements(conn, _MIGRATIONS_TABLE_SQL)
    for name, step in STEPS:
        step(conn)
        conn.execute(
            'INSERT INTO "_sqlite_migrations" (migration_set, name, applied_at) VALUES (?, ?, ?)',
            [MIGRATION_SET, name, str(datetime.now(UTC))],
        )


def shipped_event_triggers() -> dict[str, str]:
    """The triggers on `events` exactly as this Commander creates them, by name (the SQL
    SQLite keeps in sqlite_master): the steps run on an empty database in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        for _name, step in STEPS:
            step(conn)
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        )
        return dict(rows)
    finally:
        conn.close()


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

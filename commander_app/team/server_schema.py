"""The team database's schema, created and migrated by Commander, versioned like the log's.

Everything lives in the schema `commander`. A laptop checks the version on every
connection: an older schema is migrated when the role may (the schema's owner), else the
laptop is told who must run `commander team setup --create-schema`; a newer one is
refused, so an old Commander never writes rows a newer one would misread.

Privileges (README "Team sync"): the owner role creates the schema; each laptop's role
needs USAGE on the schema, SELECT and INSERT on `events` (INSERT of the event's own
columns only: the transaction id and position are the server's), SELECT on
`schema_version`, and SELECT, INSERT, UPDATE on `devices` (who is in the incident).
Nobody but the owner may delete anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from commander_app.core.errors import CommanderError

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "EVENT_INSERT_COLUMNS",
    "SCHEMA",
    "SERVER_VERSION",
    "TeamSchemaError",
    "grants",
    "migrate",
    "version",
]

SCHEMA = "commander"
NOTIFY_CHANNEL = "commander_events"
# The columns a laptop may write; the rest (tx, pos, received_at) the server fills in.
EVENT_INSERT_COLUMNS = (
    "id", "incident_id", "kind", "body", "author", "device_id", "occurred_at",
    "recorded_at", "supersedes", "chain_prev", "chain_hash", "pushed_by",
)  # fmt: skip

_V1 = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE {SCHEMA}.schema_version (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL
);
CREATE TABLE {SCHEMA}.events (
    id text PRIMARY KEY,
    incident_id text NOT NULL,
    kind text NOT NULL,
    body text NOT NULL,
    author text NOT NULL,
    device_id text NOT NULL,
    occurred_at text NOT NULL,
    recorded_at text NOT NULL,
    supersedes text,
    chain_prev text,
    chain_hash text,
    pushed_by text NOT NULL,
    tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
    pos bigint GENERATED ALWAYS AS IDENTITY,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_cursor ON {SCHEMA}.events (tx, pos);
CREATE INDEX events_by_incident ON {SCHEMA}.events (incident_id, tx, pos);
CREATE TABLE {SCHEMA}.devices (
    device_id text PRIMARY KEY,
    person text NOT NULL,
    incidents text[] NOT NULL,
    app_version text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC;
"""

# Each version's statements, applied in order; a new version is a new entry, never an edit.
STEPS: dict[int, str] = {1: _V1}
SERVER_VERSION = max(STEPS)


class TeamSchemaError(CommanderError):
    """The team database's schema cannot be used by this Commander."""


def version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The schema version of the team database: 0 when Commander never set it up."""
    found = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.schema_version"]
    ).fetchone()
    if not found or not found[0]:
        return 0
    row = conn.execute(f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_version").fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def check(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The version, refused clearly when this Commander cannot use it."""
    found = version(conn)
    if found > SERVER_VERSION:
        raise TeamSchemaError(
            f"The team database was set up by a newer Commander (team schema {found}; this "
            f"Commander knows up to {SERVER_VERSION}). Update Commander on this laptop; "
            "nothing was sent or received."
        )
    if found < SERVER_VERSION:
        action = (
            "set up" if found == 0 else f"upgraded (it is at {found}, {SERVER_VERSION} is needed)"
        )
        raise TeamSchemaError(
            f"The team database is not {action} for Commander yet. Whoever owns the database "
            "runs `commander team setup ... --create-schema` once (see the README, 'Team "
            "sync'); until then this laptop keeps working alone."
        )
    return found


def migrate(
    conn: psycopg.Connection[tuple[object, ...]], applied_by: str, grant_to: Sequence[str] = ()
) -> tuple[int, int]:
    """Bring the schema to SERVER_VERSION (the owner's role): (version before, after).

    One transaction under an advisory lock, so two laptops setting up at once do it once."""
    from psycopg import sql

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('commander schema', 0))")
        before = version(conn)
        if before > SERVER_VERSION:
            check(conn)
        for number in range(before + 1, SERVER_VERSION + 1):
            for statement in _statements(STEPS[number]):
                conn.execute(statement.encode())
            conn.execute(
                f"INSERT INTO {SCHEMA}.schema_version (version, applied_by) VALUES (%s, %s)",
                [number, applied_by],
            )
        for role in grant_to:
            for statement in grants(role):
                conn.execute(sql.SQL(statement).format(role=sql.Identifier(role)))
    return before, SERVER_VERSION


def grants(role: str) -> list[str]:
    """The privileges a laptop's role needs (`{role}` filled in as an identifier)."""
    columns = ", ".join(EVENT_INSERT_COLUMNS)
    return [
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {{role}}",
        f"GRANT SELECT ON {SCHEMA}.schema_version TO {{role}}",
        f"GRANT SELECT, INSERT ({columns}) ON {SCHEMA}.events TO {{role}}",
        f"GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.devices TO {{role}}",
    ]


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

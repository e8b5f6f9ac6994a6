"""The local SQLite incident log: schema, append-only events, projections, backups."""

from commander_app.store.incident_log import IncidentLog


def count(log: IncidentLog) -> int:
    """How many events the log holds: refusals must leave it unchanged."""
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])

"""What SQLite does for the reads a call makes: a long incident's panels must read their
few events through their partial index, never walk the whole story."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def read_plans(conn: sqlite3.Connection, call: Callable[[], object]) -> list[str]:
    """The query plan of each SELECT `call` runs on `conn`, one string per statement."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    return [" ".join(str(row) for row in conn.execute(f"EXPLAIN QUERY PLAN {s}")) for s in reads]

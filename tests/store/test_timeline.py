from datetime import timedelta

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind
from commander_app.store.database import connect
from commander_app.store.incident_log import IncidentLog
from commander_app.store.timeline import data_version, latest_seq, rows_after, timeline_page


def test_pages_follow_the_story_and_filter_by_kind(log: IncidentLog, clock: FixedClock) -> None:
    incident = log.open_incident("x", author="a")
    for n in range(30):
        clock.advance(timedelta(seconds=1))
        kind = Kind.DECISION if n % 10 == 0 else Kind.NOTE
        log.log(incident.id, f"entry {n}", kind=kind, author="a")
    first = timeline_page(log.conn, incident.id, limit=10)
    second = timeline_page(log.conn, incident.id, first[-1].position, limit=10)
    assert [r.event.body.get("text") for r in first][1:3] == ["entry 0", "entry 1"]
    assert second[0].event.body["text"] == "entry 9"
    decisions = timeline_page(log.conn, incident.id, kinds=[Kind.DECISION])
    assert [r.event.body["text"] for r in decisions] == ["entry 0", "entry 10", "entry 20"]


def test_rows_carry_their_newest_correction(log: IncidentLog, clock: FixedClock) -> None:
    incident = log.open_incident("x", author="a")
    wrong = log.log(incident.id, "db-7 down", author="a")
    clock.advance(timedelta(seconds=1))
    log.log(incident.id, "db-3 down", author="a", supersedes=wrong.id)
    clock.advance(timedelta(seconds=1))
    log.log(incident.id, "db-3 and db-4 down", author="a", supersedes=wrong.id)
    rows = {r.event.id: r for r in timeline_page(log.conn, incident.id)}
    assert rows[wrong.id].corrected_to == "db-3 and db-4 down"
    assert sum(r.corrected_to is not None for r in rows.values()) == 1


def test_another_connection_sees_what_was_written_since(log: IncidentLog) -> None:
    watcher = connect(log.path)
    seen_version = data_version(watcher)
    seen_seq = latest_seq(watcher)
    assert data_version(watcher) == seen_version  # nothing new: the poll stays quiet
    incident = log.open_incident("x", author="a")
    log.log(incident.id, "from the terminal", author="a")
    assert data_version(watcher) != seen_version
    fresh = rows_after(watcher, seen_seq)
    assert [r.event.kind for r in fresh] == [Kind.INCIDENT, Kind.NOTE]
    assert latest_seq(watcher) == fresh[-1].seq
    watcher.close()

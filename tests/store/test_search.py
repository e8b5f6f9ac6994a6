from commander_app.core.model import Kind
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search


def test_search_titles_and_entries_across_incidents(log: IncidentLog) -> None:
    checkout = log.open_incident("Checkout latency", author="a")
    search_down = log.open_incident("Search cluster red", author="a")
    log.log(
        checkout.id, "Connection pool exhausted on checkout-db", kind=Kind.HYPOTHESIS, author="a"
    )
    log.log(search_down.id, "Shard allocation failed; pool of nodes too small", author="a")
    hits = search(log.conn, "pool")
    assert {h.incident_id for h in hits} == {checkout.id, search_down.id}
    assert all("[pool]" in h.snippet for h in hits)
    only = search(log.conn, "pool", incident_id=checkout.id)
    assert [h.kind for h in only] == ["hypothesis"]
    titles = search(log.conn, "latency")
    assert titles[0].event_id is None
    assert titles[0].snippet == "Checkout [latency]"


def test_search_stems_and_ignores_accents_and_case(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    log.log(incident.id, "Requests TIMED OUT at the Zürich edge", author="a")
    assert len(search(log.conn, "timeouts zurich", incident.id)) == 0
    assert len(search(log.conn, "timed zurich", incident.id)) == 1
    assert len(search(log.conn, "request", incident.id)) == 1


def test_search_marks_corrected_entries(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    wrong = log.log(incident.id, "restart worker-9", author="a")
    log.log(incident.id, "restart worker-3", author="a", supersedes=wrong.id)
    hits = {h.event_id: h for h in search(log.conn, "restart", incident.id)}
    assert hits[wrong.id].corrected is True
    assert sum(h.corrected for h in hits.values()) == 1


def test_renamed_titles_are_found_under_the_new_name(log: IncidentLog) -> None:
    incident = log.open_incident("Unknown errors", author="a")
    log.append(incident.id, Kind.INCIDENT, {"action": "renamed", "title": "DNS outage"}, author="a")
    title_hits = [h for h in search(log.conn, "dns") if h.event_id is None]
    assert [h.incident_id for h in title_hits] == [incident.id]
    assert [h for h in search(log.conn, "unknown") if h.event_id is None] == []

"""Another tool's history in the log: real events at the times they happened, figures
that come out of them, and a second import that changes nothing."""

from __future__ import annotations

from datetime import UTC

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.events import validate_body
from commander_app.core.history_csv import parse_history
from commander_app.core.markdown_export import render_markdown
from commander_app.core.model import Kind, Status
from commander_app.store import history, incident_figures
from commander_app.store.history import import_history, imported_ids
from commander_app.store.incident_log import IncidentLog
from commander_app.store.services import incident_services, known_services

CSV = (
    "id,title,severity,started,detected,mitigated,resolved,service,deploy\n"
    "INC-1,Checkout 500s,P1,2024-03-01 14:00,2024-03-01 14:12,2024-03-01 14:40,"
    '2024-03-01 15:30,"checkout, payments",yes\n'
    "INC-2,Search slow,3,2024-04-02 09:00,,,2024-04-02 10:00,search,no\n"
)


def _import(log: IncidentLog, text: str = CSV) -> tuple[int, int]:
    history = parse_history(text, now=log.clock.now())
    result = import_history(log, history, author="ada")
    return result.added, result.already_present


def _count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_importing_twice_changes_nothing(log: IncidentLog) -> None:
    assert _import(log) == (2, 0)
    events = _count(log)
    listed = [i.to_dict() for i in log.incidents(include_resolved=True)]
    assert _import(log) == (0, 2)
    assert _count(log) == events
    assert [i.to_dict() for i in log.incidents(include_resolved=True)] == listed
    more = CSV + "INC-3,DNS,2,2024-05-01 08:00,,,2024-05-01 08:30,,\n"
    assert _import(log, more) == (1, 2)


def test_a_long_file_is_written_in_batches_of_whole_incidents(
    log: IncidentLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BATCH", 1)
    assert _import(log) == (2, 0)
    assert _import(log) == (0, 2)
    assert sorted(i.event_count for i in log.incidents(include_resolved=True)) == [4, 6]


def test_an_imported_incident_is_resolved_with_its_milestones_and_figures(
    log: IncidentLog,
) -> None:
    _import(log)
    assert log.incidents() == []  # nothing open, nothing for the cadence to remind
    (checkout,) = [i for i in log.incidents(include_resolved=True) if i.title == "Checkout 500s"]
    assert checkout.status is Status.RESOLVED
    assert checkout.opened_at == checkout.impact_started_at == "2024-03-01T14:00:00.000000Z"
    assert checkout.resolved_at == "2024-03-01T15:30:00.000000Z"
    incident_figures.fill_missing(log)
    figures = incident_figures.stored(log.conn, checkout.id)
    assert figures is not None
    assert figures["time_to_detect"]["value"] == 12 * 60
    assert figures["time_to_mitigate"]["value"] == 40 * 60
    assert figures["time_to_resolve"]["value"] == 90 * 60
    assert figures["time_to_detect"]["note"] is None
    assert incident_figures.out_of_step(log.conn, [checkout.id]) == []
    opened = log.events(checkout.id)[0]
    assert opened.kind is Kind.INCIDENT
    assert opened.body["imported"] is True
    assert opened.body["deploy_caused"] is True
    assert opened.body["external_id"] == "INC-1"
    markdown = render_markdown(checkout, log.events(checkout.id), UTC)
    assert "- **Imported** from another tool's history (id INC-1)" in markdown
    assert log.rebuild_projection() == 2
    assert incident_figures.stored(log.conn, checkout.id) == figures


def test_imported_incidents_are_marked_and_others_are_not(log: IncidentLog) -> None:
    own = log.open_incident("Our own", author="ada").id
    _import(log)
    imported = imported_ids(log)
    assert len(imported) == 2
    assert own not in imported
    assert imported_ids(log, [own]) == set()


def test_the_services_of_an_imported_incident_are_found(log: IncidentLog) -> None:
    _import(log)
    (checkout,) = [i for i in log.incidents(include_resolved=True) if i.title == "Checkout 500s"]
    assert incident_services(log, checkout.id) == ["checkout", "payments"]
    assert known_services(log) == ["checkout", "payments", "search"]


def test_a_file_with_a_problem_writes_nothing(log: IncidentLog) -> None:
    bad = CSV + "INC-3,,2,2024-05-01 08:00,,,2024-05-01 08:30,,\n"
    with pytest.raises(ValidationError, match="line 4: no title"):
        _import(log, bad)
    assert _count(log) == 0


def test_the_imported_fields_are_checked_like_any_body() -> None:
    opened = {"action": "opened", "title": "A", "severity": "SEV2", "drill": False}
    with pytest.raises(ValidationError, match="imported mark"):
        validate_body(Kind.INCIDENT, {**opened, "imported": "yes"})
    with pytest.raises(ValidationError, match="deploy flag"):
        validate_body(Kind.INCIDENT, {**opened, "deploy_caused": 1})
    with pytest.raises(ValidationError, match="services"):
        validate_body(Kind.INCIDENT, {**opened, "services": "api"})

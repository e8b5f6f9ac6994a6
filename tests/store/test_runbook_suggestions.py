"""Runbooks suggested for an incident: linked from an alert first, then those answering
an alert by name, for its services, and matching its title."""

from __future__ import annotations

from pathlib import Path

from commander_app.core.alert_payloads import IncomingAlert
from commander_app.store import runbooks
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_suggestions import suggest_runbooks


def _names(log: IncidentLog, incident_id: str) -> list[str]:
    return [s.runbook.name for s in suggest_runbooks(log, incident_id)]


def test_the_title_alone_finds_the_matching_runbook(tmp_path: Path) -> None:
    with IncidentLog(tmp_path / "log.db", device_id="d") as log:
        runbooks.refresh_index(log.conn, runbooks.shipped_folder(), log.clock.now())
        incident = log.open_incident("Certificate expired on the API gateway", author="ann")
        names = _names(log, incident.id)
        assert names[0] == "certificate-expiry"
        (first,) = suggest_runbooks(log, incident.id, limit=1)
        assert first.why == "matches the title or alerts"
        blank = log.open_incident("??", author="ann")
        assert _names(log, blank.id) == []


def test_an_alerts_runbook_url_and_name_come_before_the_title(tmp_path: Path) -> None:
    from commander_app.store.alerts import ingest

    with IncidentLog(tmp_path / "log.db", device_id="d") as log:
        runbooks.refresh_index(log.conn, runbooks.shipped_folder(), log.clock.now())
        incident = log.open_incident("Certificate trouble", author="ann")
        linked = IncomingAlert(
            "alertmanager", "fp1", "firing", "SomethingOdd", {"alertname": "SomethingOdd"},
            {"runbook_url": "https://git.example/runbooks/blob/main/disk-full.md"},
            None, None,
        )  # fmt: skip
        named = IncomingAlert(
            "alertmanager", "fp2", "firing", "CheckoutErrorRateHigh",
            {"alertname": "CheckoutErrorRateHigh"}, {}, None, None,
        )  # fmt: skip
        ingest(log, incident.id, [linked, named], author="am")
        found = suggest_runbooks(log, incident.id)
        assert [s.runbook.name for s in found[:3]] == [
            "disk-full",
            "bad-deploy-rollback",
            "certificate-expiry",
        ]
        assert found[0].why == "alert SomethingOdd links to it"
        assert "answers alert CheckoutErrorRateHigh" in found[1].why

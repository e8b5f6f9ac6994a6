"""The Alerts pane on a real window and a real log: groups shown, triaged with one key in
the list (linked to a hypothesis), refreshed when a terminal's alerts arrive, the
untriaged count in the incident panel, and the detected time offered, never set."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from commander_app.core.alert_payloads import IncomingAlert, parse_payload
from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind
from commander_app.store.alerts import groups, ingest
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.alerts.alert_groups_model import ALERT, HYPOTHESIS, STATE, TRIAGE
from commander_app.ui.alerts.alerts_pane import AlertsPane
from commander_app.ui.main_window import MainWindow
from tests.core.test_alert_payloads import alert, webhook
from tests.ui.conftest import from_a_terminal


def incoming(*alerts: dict[str, Any]) -> list[IncomingAlert]:
    parsed = parse_payload(webhook(*alerts))
    assert parsed.problems == []
    return parsed.alerts


def storm(log: IncidentLog, incident_id: str) -> None:
    """40 payments pods (one group) and one db alert without a runbook (another)."""
    db = {**alert(99, service="db"), "annotations": {"summary": "db pool at 100%"}}
    db["labels"] = {**db["labels"], "alertname": "DbPoolExhausted"}
    ingest(log, incident_id, incoming(*(alert(n) for n in range(40)), db), author="am")


def open_pane(window: MainWindow, qtbot: QtBot) -> AlertsPane:
    qtbot.keyClick(
        window.capture.line,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    pane = window.findChild(AlertsPane)
    assert pane is not None
    qtbot.waitExposed(pane)
    return pane


def cell(pane: AlertsPane, row: int, column: int) -> str:
    return str(pane.model.index(row, column).data())


def test_ctrl_alt_a_shows_the_groups_and_a_key_triages_the_selected_one(
    window: MainWindow, log: IncidentLog, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    storm(log, incident.id)
    window.live.poll(force=True)
    assert window.panel.alert_counts.text() == "2 of 2 groups untriaged"
    pane = open_pane(window, qtbot)
    assert pane.model.rowCount() == 2
    assert "2 groups of 41 alerts, 2 untriaged" in pane.heading.text()
    names = {cell(pane, n, ALERT) for n in range(2)}
    assert names == {"HighErrorRate", "DbPoolExhausted"}
    payments = pane.model.row_of('HighErrorRate{service="payments"}')
    pane.table.setCurrentIndex(pane.model.index(payments, 0))
    assert "5xx above 2%" in pane.detail.toPlainText()
    assert "https://wiki/rb/5xx" in pane.detail.toHtml()
    assert "40 alerts (40 firing), 40 firings." in pane.detail.toPlainText()
    qtbot.keyClick(pane.table, Qt.Key.Key_S)
    assert cell(pane, pane.model.row_of('HighErrorRate{service="payments"}'), TRIAGE) == "symptom"
    # The next untriaged group is selected, so the storm is sorted by keys alone.
    current = pane.selected_group()
    assert current is not None
    assert current.name == "DbPoolExhausted"
    assert "No runbook_url" in pane.detail.toPlainText()
    qtbot.keyClick(pane.table, Qt.Key.Key_C)
    triaged = {g.name: g.triage for g in groups(log, incident.id)}
    assert triaged == {"HighErrorRate": "symptom", "DbPoolExhausted": "cause"}
    assert window.panel.alert_counts.text() == "2 groups, all triaged"
    timeline = window.timeline
    rows = [timeline.timeline_row(n) for n in range(timeline.rowCount())]
    texts = [r.event.body.get("text") for r in rows if r.event.kind is Kind.ALERT]
    assert "Alerts DbPoolExhausted triaged: cause" in texts


def test_a_letter_typed_outside_the_list_is_text_not_a_triage(
    window: MainWindow, log: IncidentLog, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    storm(log, incident.id)
    pane = open_pane(window, qtbot)
    field = QLineEdit(pane)
    field.show()
    field.setFocus()
    qtbot.keyClicks(field, "SNC")
    assert field.text() == "SNC"
    assert all(g.triage is None for g in groups(log, incident.id))


def test_the_triage_links_the_hypothesis_chosen_above_the_list(
    window: MainWindow, log: IncidentLog, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    hypothesis = log.log(incident.id, "DB pool exhausted", kind=Kind.HYPOTHESIS, author="bo")
    storm(log, incident.id)
    pane = open_pane(window, qtbot)
    pane.hypothesis.setCurrentIndex(pane.hypothesis.findData(hypothesis.id))
    assert pane.hypothesis.currentText().startswith("H1 DB pool")
    row = pane.model.row_of('HighErrorRate{service="payments"}')
    pane.table.setCurrentIndex(pane.model.index(row, 0))
    qtbot.keyClick(pane.table, Qt.Key.Key_S)
    (linked,) = [g for g in groups(log, incident.id) if g.name == "HighErrorRate"]
    assert (linked.triage, linked.hypothesis) == ("symptom", hypothesis.id)
    assert cell(pane, pane.model.row_of(linked.key), HYPOTHESIS) == "H1"


def test_alerts_from_a_terminal_appear_in_the_open_pane(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    pane = open_pane(window, qtbot)
    assert pane.model.rowCount() == 0
    assert "No alerts" in pane.heading.text()
    with from_a_terminal(log, clock) as other:
        storm(other, incident.id)
    with qtbot.waitSignal(pane.model.rowsInserted, timeout=2000):
        window.live.poll()
    assert pane.model.rowCount() == 2
    assert window.panel.alert_counts.text() == "2 of 2 groups untriaged"
    row = pane.model.row_of('HighErrorRate{service="payments"}')
    assert cell(pane, row, STATE) == "firing"
    with from_a_terminal(log, clock) as other:
        ingest(
            other, incident.id, incoming(*(alert(n, "resolved") for n in range(40))), author="am"
        )
    window.live.poll()
    assert cell(pane, pane.model.row_of('HighErrorRate{service="payments"}'), STATE) == "resolved"


def test_the_first_alerts_time_is_offered_as_detected_and_set_only_when_taken(
    window: MainWindow, log: IncidentLog, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    storm(log, incident.id)  # the alerts started 13:58:00 UTC, 14:58 in Berlin
    pane = open_pane(window, qtbot)
    assert not pane.offer.isHidden()
    assert pane.detected_button.text() == "Set detected to the first alert's time 14:58"
    assert log.incident(incident.id).detected_at is None  # offered, not set
    qtbot.mouseClick(pane.detected_button, Qt.MouseButton.LeftButton)
    assert log.incident(incident.id).detected_at == "2026-11-28T13:58:00.123456Z"
    assert pane.offer.isHidden()
    assert window.panel.milestone_labels

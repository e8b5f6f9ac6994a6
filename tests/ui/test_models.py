"""Every item model passes pytest-qt's model tester, and the timeline pages."""

from pytestqt.modeltest import ModelTester

from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search
from commander_app.store.timeline import PAGE_SIZE
from commander_app.ui.incident_list_model import IncidentListModel
from commander_app.ui.search_results_model import SearchResultsModel
from commander_app.ui.timeline_model import TimelineModel
from tests.ui.conftest import BERLIN


def test_timeline_model_pages(log: IncidentLog, qtmodeltester: ModelTester) -> None:
    incident = log.open_incident("big", author="a")
    now = log.clock.now()
    events = [
        Event(new_ulid(now), incident.id, Kind.NOTE, {"text": f"entry {n}"}, "a", "d",
              to_iso(now), to_iso(now))
        for n in range(PAGE_SIZE * 2 + 5)
    ]  # fmt: skip
    with write_transaction(log.conn):
        log.insert_events(events)
        log.refold(incident.id)
    model = TimelineModel(log.conn, BERLIN)
    model.show_incident(incident.id)
    assert model.rowCount() == PAGE_SIZE
    qtmodeltester.check(model)
    root = model.index(0, 0).parent()
    while model.canFetchMore(root):
        model.fetchMore(root)
    assert model.rowCount() == PAGE_SIZE * 2 + 6
    assert "UTC" in model.index(0, 0).data(3)  # ToolTipRole


def test_incident_list_model(log: IncidentLog, qtmodeltester: ModelTester) -> None:
    log.open_incident("one", author="a")
    log.open_incident("two", drill=True, author="a")
    model = IncidentListModel(log)
    model.reload()
    assert model.rowCount() == 2
    qtmodeltester.check(model)


def test_search_results_model(log: IncidentLog, qtmodeltester: ModelTester) -> None:
    incident = log.open_incident("Kafka lag", author="a")
    log.log(incident.id, "kafka partition stuck", author="a")
    model = SearchResultsModel(BERLIN)
    model.set_hits(search(log.conn, "kafka"))
    assert model.rowCount() == 3  # the title, the opening event, the entry
    assert model.index(0).data().startswith("Incident title:")
    qtmodeltester.check(model)

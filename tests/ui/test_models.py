"""Every item model passes pytest-qt's model tester, and the timeline pages. The
incident list changes its rows in place, so a view's selection follows its incident."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QModelIndex
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.history_csv import parse_history
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind, Severity, Status
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.follow_ups import IncidentChoice
from commander_app.store.history import import_history
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search
from commander_app.store.timeline import PAGE_SIZE, latest_seq, rows_after
from commander_app.ui.follow_ups.follow_ups_model import ALL_INCIDENTS, IncidentChoices
from commander_app.ui.incident.incident_list_model import IncidentIdRole, IncidentListModel
from commander_app.ui.incident.search_results_model import SearchResultsModel
from commander_app.ui.incident.timeline_model import ENTRY, TimelineModel
from tests.ui.conftest import BERLIN

MINUTE = timedelta(minutes=1)


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


def test_the_incident_list_marks_imported_incidents(
    log: IncidentLog, qtmodeltester: ModelTester
) -> None:
    log.open_incident("Our own", author="a")
    text = "title,sev,start,end\nOld outage,2,2024-03-01 14:05,2024-03-01 15:00\n"
    import_history(log, parse_history(text, now=log.clock.now()), author="a")
    model = IncidentListModel(log)
    model.reload()
    shown = [model.index(row).data() for row in range(model.rowCount())]
    assert shown == ["SEV3 · investigating\nOur own", "SEV2 · resolved  [IMPORTED]\nOld outage"]
    qtmodeltester.check(model)


def test_search_results_model(log: IncidentLog, qtmodeltester: ModelTester) -> None:
    incident = log.open_incident("Kafka lag", author="a")
    log.log(incident.id, "kafka partition stuck", author="a")
    model = SearchResultsModel(BERLIN)
    model.set_hits(search(log.conn, "kafka"))
    assert model.rowCount() == 3  # the title, the opening event, the entry
    assert model.index(0).data().startswith("Incident title:")
    qtmodeltester.check(model)


def test_timeline_model_takes_live_inserts(
    log: IncidentLog, clock: FixedClock, qtmodeltester: ModelTester
) -> None:
    incident = log.open_incident("Checkout 500s", author="a")
    model = TimelineModel(log.conn, BERLIN)
    model.show_incident(incident.id)
    qtmodeltester.check(model)  # and goes on checking every change below
    seen = latest_seq(log.conn)
    clock.advance(10 * MINUTE)
    later = log.log(incident.id, "later", author="a")
    log.log(incident.id, "earlier", author="a", at=clock.now() - 5 * MINUTE)
    log.log(incident.id, "later, put right", author="a", supersedes=later.id)
    clock.advance(timedelta(days=1))
    log.log(incident.id, "the next day", author="a")  # the times now show their dates
    model.add_rows(rows_after(log.conn, seen))
    texts = [model.index(row, ENTRY).data() for row in range(model.rowCount())]
    assert texts[1:] == ["earlier", "later", "Correction: later, put right", "the next day"]
    assert model.index(2, ENTRY).data(3) == "Corrected to: later, put right"  # ToolTipRole
    qtmodeltester.check(model)


def test_incident_choices_model(qtmodeltester: ModelTester) -> None:
    model = IncidentChoices()
    qtmodeltester.check(model)
    model.show([IncidentChoice("01B", "Search slow", False), IncidentChoice("01A", "Fire", True)])
    assert [model.index(row).data() for row in range(model.rowCount())] == [
        ALL_INCIDENTS,
        "Search slow",
        "[DRILL] Fire",
    ]
    model.show([IncidentChoice("01A", "Fire", True)])
    qtmodeltester.check(model)


def incident_ids(model: IncidentListModel) -> list[str]:
    return [model.index(row).data(IncidentIdRole) for row in range(model.rowCount())]


def heard(model: QAbstractItemModel) -> list[tuple[str, int]]:
    """What a view hears from the model: each change and the row it is at."""
    changes: list[tuple[str, int]] = []
    model.modelReset.connect(lambda: changes.append(("reset", -1)))
    model.rowsInserted.connect(lambda _p, first, _l: changes.append(("inserted", first)))
    model.rowsRemoved.connect(lambda _p, first, _l: changes.append(("removed", first)))
    model.rowsMoved.connect(lambda _p, first, _l, _d, _r: changes.append(("moved", first)))
    model.dataChanged.connect(lambda top, _bottom, _roles: changes.append(("changed", top.row())))
    return changes


def test_the_incident_list_changes_rows_in_place(
    log: IncidentLog, clock: FixedClock, qtmodeltester: ModelTester
) -> None:
    checkout = log.open_incident("Checkout 500s", severity=Severity.SEV2, author="a")
    clock.advance(MINUTE)
    search_slow = log.open_incident("Search slow", severity=Severity.SEV2, author="a")
    model = IncidentListModel(log)
    model.reload()
    qtmodeltester.check(model)  # and goes on checking every change below
    assert incident_ids(model) == [search_slow.id, checkout.id]
    changes = heard(model)

    clock.advance(MINUTE)
    drill = log.open_incident("Failover practice", drill=True, author="a")
    model.reload()
    assert incident_ids(model) == [search_slow.id, checkout.id, drill.id]
    assert changes == [("inserted", 2)]

    changes.clear()
    clock.advance(MINUTE)
    log.log(search_slow.id, "reindex paused", author="a")  # still the most recently active
    model.reload()
    assert changes == [("changed", 0)]

    changes.clear()
    clock.advance(MINUTE)
    log.set_severity(checkout.id, Severity.SEV1, author="a")
    model.reload()
    assert incident_ids(model) == [checkout.id, search_slow.id, drill.id]
    assert [kind for kind, _row in changes] == ["moved", "changed"]
    assert ("changed", 0) in changes
    assert model.index(0).data().startswith("SEV1")

    changes.clear()
    clock.advance(MINUTE)
    log.set_status(checkout.id, Status.RESOLVED, author="a")  # resolved ones go last
    model.reload()
    assert incident_ids(model) == [search_slow.id, drill.id, checkout.id]
    assert [kind for kind, _row in changes] == ["moved", "changed"]
    assert ("changed", 2) in changes

    changes.clear()
    with write_transaction(log.conn):  # as a projection rebuilt without it would be
        log.conn.execute("DELETE FROM incidents WHERE id = ?", [drill.id])
    model.reload()
    assert incident_ids(model) == [search_slow.id, checkout.id]
    assert changes == [("removed", 1)]

    changes.clear()
    model.reload()
    assert changes == []
    qtmodeltester.check(model)


def test_the_selection_follows_its_incident_as_the_list_reorders(
    log: IncidentLog, clock: FixedClock
) -> None:
    opened = []
    for title in ("Checkout 500s", "Search slow", "Login errors"):
        opened.append(log.open_incident(title, severity=Severity.SEV2, author="a"))
        clock.advance(MINUTE)
    checkout, search_slow, login = (incident.id for incident in opened)
    model = IncidentListModel(log)
    model.reload()
    assert incident_ids(model) == [login, search_slow, checkout]
    selection = QItemSelectionModel(model)
    selection.setCurrentIndex(model.index(1), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    told: list[str] = []
    selection.currentChanged.connect(lambda *_: told.append("current"))
    selection.selectionChanged.connect(lambda *_: told.append("selection"))

    def selected() -> tuple[str, list[str]]:
        rows = [index.data(IncidentIdRole) for index in selection.selectedIndexes()]
        return selection.currentIndex().data(IncidentIdRole), rows

    log.set_severity(search_slow, Severity.SEV1, author="a")  # it moves up
    model.reload()
    assert incident_ids(model)[0] == search_slow
    assert selected() == (search_slow, [search_slow])
    clock.advance(MINUTE)
    log.log(checkout, "pool drained", author="a")  # another moves past it
    model.reload()
    assert incident_ids(model) == [search_slow, checkout, login]
    clock.advance(MINUTE)
    log.set_status(search_slow, Status.RESOLVED, author="a")  # it moves down
    model.reload()
    assert incident_ids(model) == [checkout, login, search_slow]
    assert selected() == (search_slow, [search_slow])
    assert told == []  # same incident: nothing for the window to show afresh
    assert selection.currentIndex() == model.index(2, 0, QModelIndex())


def test_incident_choices_change_in_place_and_keep_the_current_choice(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    from PySide6.QtWidgets import QComboBox

    model = IncidentChoices()
    fire, slow, disk = (
        IncidentChoice("01A", "Fire", True),
        IncidentChoice("01B", "Search slow", False),
        IncidentChoice("01C", "Disk full", False),
    )
    model.show([slow, fire])
    box = QComboBox()
    qtbot.addWidget(box)
    box.setModel(model)
    box.setCurrentIndex(model.row_of("01A"))
    changes = heard(model)
    model.show([disk, IncidentChoice("01A", "Fire (renamed)", True)])
    qtmodeltester.check(model)
    assert ("reset", -1) not in changes
    assert box.currentText() == "[DRILL] Fire (renamed)"
    assert [model.index(row).data() for row in range(model.rowCount())] == [
        ALL_INCIDENTS,
        "Disk full",
        "[DRILL] Fire (renamed)",
    ]

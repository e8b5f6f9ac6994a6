"""Two laptops with updates queued for one status page: one status-page incident, and one
update on it per queued update, through a local server enforcing the Statuspage contract."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience
from commander_app.core.outbox import OutboxState
from commander_app.core.sync_conflicts import ConflictKind
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import Attempt, deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels, conflicts, team_state
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from commander_app.team.config import TeamSecrets
from commander_app.team.send_lease import lease_for
from commander_app.team.sync import run_round
from tests.conftest import START
from tests.support import pg_cluster
from tests.support.status_pages import FakeStatuspage
from tests.sync.conftest import TeamDatabase

KEY = "sp-key-7f3a9c0d1e2b"


def _laptop(tmp_path: Path, name: str, team_db: TeamDatabase, base_url: str) -> IncidentLog:
    log = IncidentLog(tmp_path / f"{name}.db", device_id=name, clock=FixedClock(START))
    config = team_db.config()
    team_state.save_config(log, config.to_dict())
    TeamSecrets().set(config.key, pg_cluster.MEMBER_PASSWORD)
    channels.save_channel(
        log, "status", "statuspage",
        {"page_id": "pg1", "base_url": base_url, "components": {"checkout": "cmpA"}},
    )  # fmt: skip
    SecretStore().set("status", KEY)
    return log


def _queue(log: IncidentLog, incident_id: str, text: str) -> None:
    store.enqueue(
        log, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", text,
        author=log.device_id, facts=UpdateFacts(services=("checkout",)),
    )  # fmt: skip


@pytest.fixture
def statuspage(httpserver: HTTPServer) -> FakeStatuspage:
    fake = FakeStatuspage("pg1", KEY, {"cmpA"}, now=START)

    def slowly(request: Request) -> Response:
        time.sleep(0.3)  # a slow status page: both laptops would be mid-send together
        return fake.handle(request)

    httpserver.expect_request(re.compile("^/")).respond_with_handler(slowly)
    return fake


def _send_at_once(paths: list[Path], names: list[str], lease: bool) -> list[list[Attempt]]:
    """Each laptop drains its outbox on a thread of its own, both starting together."""
    start = threading.Barrier(len(paths))
    results: list[list[Attempt]] = [[] for _ in paths]

    def drain(index: int) -> None:
        with IncidentLog(paths[index], device_id=names[index]) as log:
            found = lease_for(log) if lease else None
            start.wait()
            try:
                results[index] = deliver_due(
                    log, SecretStore(), around=found.around if found else None
                )
            finally:
                if found is not None:
                    found.close()

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _two_laptops_with_updates(
    tmp_path: Path, team_db: TeamDatabase, base_url: str
) -> tuple[IncidentLog, IncidentLog, str]:
    a = _laptop(tmp_path, "laptop-a", team_db, base_url)
    b = _laptop(tmp_path, "laptop-b", team_db, base_url)
    opened = a.open_incident("Checkout 500s", author="alice")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        run_round(b, team_b)
    for log in (a, b):
        log.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    _queue(a, opened.id, "We are investigating failed checkouts.")
    _queue(b, opened.id, "A workaround: pay by invoice.")
    return a, b, opened.id


def test_two_laptops_make_one_status_page_incident_with_both_updates(
    tmp_path: Path, team_db: TeamDatabase, httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    a, b, incident_id = _two_laptops_with_updates(tmp_path, team_db, httpserver.url_for("/v1"))
    results = _send_at_once([a.path, b.path], ["laptop-a", "laptop-b"], lease=True)
    assert [[x.outcome for x in r] for r in results] == [[OutboxState.SENT]] * 2
    assert len(statuspage.incidents) == 1
    ((remote_id, remote),) = statuspage.incidents.items()
    bodies = sorted(u["body"] for u in remote["incident_updates"])
    assert len(bodies) == 2
    assert "investigating" in bodies[1] or "investigating" in bodies[0]
    assert any("invoice" in body for body in bodies)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        run_round(b, team_b)
    for log in (a, b):
        assert store.remote_incident(log, "status", incident_id) == remote_id


def test_without_the_lease_both_laptops_would_open_one(
    tmp_path: Path, team_db: TeamDatabase, httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    """The control: the same race with each laptop on its own (as offline) makes two
    incidents; once the laptops sync, both show it as a conflict to settle."""
    a, b, incident_id = _two_laptops_with_updates(tmp_path, team_db, httpserver.url_for("/v1"))
    _send_at_once([a.path, b.path], ["laptop-a", "laptop-b"], lease=False)
    assert len(statuspage.incidents) == 2
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        run_round(b, team_b)
        run_round(a, team_a)
    for log in (a, b):
        found = conflicts.conflicts(log, incident_id)
        assert [c.kind for c in found] == [ConflictKind.STATUS_PAGE]

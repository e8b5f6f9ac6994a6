"""`commander alerts pull URL`: Alertmanager's alerts brought in by asking its API (a
local server enforcing the API v2 contract), bounded, with secrets kept out of every
message, and resolves seen when a followed alert drops out of the list."""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from pytest_httpserver import HTTPServer

from commander_app.cli.alert_pull_commands import follow
from commander_app.publish.alert_pull import pull_address
from commander_app.store.alerts import groups, inbox_count
from commander_app.store.incident_log import IncidentLog
from tests.conftest import ok, run_cli
from tests.support.alertmanager_api import FakeAlertmanager, gettable


def serve(httpserver: HTTPServer, fake: FakeAlertmanager) -> str:
    httpserver.expect_request("/api/v2/alerts").respond_with_handler(fake.handle)
    return httpserver.url_for("/")


def test_a_pull_writes_the_alerts_grouped_and_a_second_one_repeats(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    fake = FakeAlertmanager([*(gettable(n) for n in range(40)), gettable(1, service="ledger")])
    url = serve(httpserver, fake)
    said = ok("alerts", "pull", url, db=db).strip()
    assert said.startswith("41 alerts in Alertmanager: 41 new alert events in incident ")
    assert ok("alerts", "pull", url, db=db).strip().endswith("0 new alert events in incident "
        + said.split("incident ")[1].split(",")[0] + ", 41 repeats")  # fmt: skip
    listed = json.loads(ok("alerts", "list", "--json", db=db))
    assert sorted((g["key"], g["alerts"]) for g in listed["groups"]) == [
        ('HighErrorRate{service="ledger"}', 1),
        ('HighErrorRate{service="payments"}', 40),
    ]
    assert fake.queries[0] == {
        "active": ["true"], "silenced": ["true"], "inhibited": ["true"], "unprocessed": ["true"]
    }  # fmt: skip


def test_filters_and_receiver_reach_alertmanager_as_its_api_names_them(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    fake = FakeAlertmanager(
        [gettable(1), gettable(2, service="ledger"), gettable(3, receiver="team-db"),
         gettable(4, state="suppressed")]
    )  # fmt: skip
    url = serve(httpserver, fake)
    said = ok("alerts", "pull", url, "--filter", 'service="payments"', "--receiver",
              "commander|team-.*", "--active-only", db=db)  # fmt: skip
    assert said.startswith("2 alerts in Alertmanager")  # the ledger one and the silenced one not
    assert fake.queries[-1] == {
        "active": ["true"], "silenced": ["false"], "inhibited": ["false"],
        "unprocessed": ["true"], "filter": ['service="payments"'],
        "receiver": ["commander|team-.*"],
    }  # fmt: skip


def test_with_no_incident_open_the_pull_waits_in_the_inbox(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    IncidentLog(db, device_id="t").close()
    url = serve(httpserver, FakeAlertmanager([gettable(n) for n in range(3)]))
    assert "3 new alert events in the inbox" in ok("alerts", "pull", url, db=db)
    with IncidentLog(db, device_id="t") as log:
        assert inbox_count(log) == 3


def test_an_answer_off_the_contract_writes_nothing_and_names_the_alert(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    broken = {k: v for k, v in gettable(2).items() if k != "fingerprint"}
    url = serve(httpserver, FakeAlertmanager([gettable(1), broken]))
    result = run_cli("alerts", "pull", url, db=db)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "commander: Alert 2: it lacks fingerprint.",
        "commander: nothing was written from this pull.",
    ]
    assert json.loads(ok("alerts", "list", "--json", db=db))["groups"] == []


def test_what_is_not_json_or_too_big_is_refused_plainly(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    fake = FakeAlertmanager(raw=b"<html>login</html>")
    url = serve(httpserver, fake)
    result = run_cli("alerts", "pull", url, db=db)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert "is not JSON: is this Alertmanager's address?" in result.stderr
    fake.raw = b"[" + b'"x",' * (6 * 1024 * 1024) + b'"x"]'  # 24 MB
    result = run_cli("alerts", "pull", url, db=db)
    assert "answered more than 20 MB; nothing was written" in result.stderr


def test_credentials_are_sent_and_never_printed(httpserver: HTTPServer, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    token = tmp_path / "token"
    token.write_text("am-t0ken-secret\n")
    fake = FakeAlertmanager([gettable(1)], credentials="Bearer am-t0ken-secret")
    url = serve(httpserver, fake)
    refused = run_cli("alerts", "pull", url, db=db)
    assert "refused the pull (401): it wants credentials" in refused.stderr
    assert ok("alerts", "pull", url, "--token-file", str(token), db=db).startswith("1 alerts")
    fake.credentials = "Basic b3BzOnMzY3JldC1wdw=="  # ops:s3cret-pw
    with_password = url.replace("http://", "http://ops:s3cret-pw@")
    assert ok("alerts", "pull", with_password, db=db).startswith("1 alerts")
    fake.credentials = "Basic d3Jvbmc="
    wrong = run_cli("alerts", "pull", with_password, db=db)
    assert wrong.returncode == 1
    assert "s3cret-pw" not in wrong.stderr + wrong.stdout
    assert "ops:" not in wrong.stderr


def test_a_refused_query_and_an_unreachable_alertmanager_are_told(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    url = serve(httpserver, FakeAlertmanager([gettable(1)]))
    bad = run_cli("alerts", "pull", url, "--filter", "nolabel", db=db)
    assert bad.stderr.startswith("commander: The filter 'nolabel' is not an Alertmanager matcher")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    gone = run_cli("alerts", "pull", nowhere, db=db)
    assert gone.returncode == 1
    assert "Cannot reach Alertmanager at" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_following_resolves_what_dropped_out_and_survives_a_failed_pull(
    httpserver: HTTPServer, log: IncidentLog, incident_id: str
) -> None:
    fake = FakeAlertmanager([gettable(n) for n in range(3)])
    url = serve(httpserver, fake)
    args = argparse.Namespace(incident=None, timeout=5.0, every=5, author="alice")
    script = [
        lambda: fake.alerts.pop(0),  # one resolves
        lambda: setattr(fake, "credentials", "Bearer nobody-has-this"),  # a failed pull
        lambda: setattr(fake, "credentials", None),  # back: nothing new vanished
    ]
    follow(log, pull_address(url), None, args, lambda _: script.pop(0)(), rounds=4)
    (group,) = groups(log, incident_id)
    assert (group.alerts, group.firing) == (3, 2)
    states = dict(log.conn.execute("SELECT fingerprint, state FROM alerts").fetchall())
    assert states == {
        "payments000000000000": "resolved",
        "payments000000000001": "firing",
        "payments000000000002": "firing",
    }

"""Follow-ups pushed to GitHub Issues and Jira Cloud through their own outbox, exactly once.

Against fakes that enforce each API's contract (tests/support/trackers.py): a push makes
one issue; a 5xx after the tracker took it, a dropped answer or a killed Commander is in
doubt and the issue is found by the follow-up's id, never made twice; refusals stop with
the user's way out; a rate limit waits as asked (bounded); the state read back is logged.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.errors import ValidationError
from commander_app.core.follow_ups import FollowUpRequest, follow_up_dict
from commander_app.core.model import FollowUpState
from commander_app.core.outbox import IN_DOUBT_SETTLE, LONGEST_REMOTE_WAIT, OutboxState
from commander_app.core.times import from_iso
from commander_app.publish.secrets import SecretStore
from commander_app.publish.sending import channel_config
from commander_app.publish.tracker_worker import pull_states, push_due
from commander_app.publish.trackers import PushContext, tracker_for
from commander_app.store import board as board_store
from commander_app.store import channels
from commander_app.store import follow_ups as follow_up_store
from commander_app.store import tracker_pushes as store
from commander_app.store.incident_log import IncidentLog
from tests.support.broken_servers import closed_port_url, dropping_server
from tests.support.trackers import GH_TOKEN, FakeGitHub, FakeJira, Trouble, serve_github

JIRA_TOKEN = "ATATT3xJiraCanary9d2e"
JIRA_EMAIL = "ops@example.com"


def github(log: IncidentLog, clock: FixedClock, server: HTTPServer, **settings: Any) -> FakeGitHub:
    return serve_github(log, clock, server, **settings)  # the channel "gh"


def jira(log: IncidentLog, server: HTTPServer, **settings: Any) -> FakeJira:
    fake = FakeJira("OPS", JIRA_EMAIL, JIRA_TOKEN)
    server.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    channels.save_channel(
        log, "jira", "jira",
        {"base_url": server.url_for("").rstrip("/"), "email": JIRA_EMAIL, "project": "OPS",
         "issue_type": "Task", "labels": ["postmortem"], **settings},
    )  # fmt: skip
    SecretStore().set("jira", JIRA_TOKEN)
    return fake


def tracker_of_kind(
    kind: str, log: IncidentLog, clock: FixedClock, server: HTTPServer
) -> tuple[FakeGitHub | FakeJira, str]:
    """The fake tracker of this kind, and the name of the channel that pushes to it."""
    if kind == "github":
        return github(log, clock, server), "gh"
    return jira(log, server), "jira"


def follow_up(log: IncidentLog, incident_id: str, text: str = "Add a canary stage") -> str:
    request = FollowUpRequest(text + " — done when every deploy passes it first", owner="Kim")
    return follow_up_store.add_follow_up(log, incident_id, request, author="ada").id


def push(log: IncidentLog, incident_id: str, item: str, channel: str) -> store.TrackerPush:
    store.enqueue(log, incident_id, item, channel, author="ada")
    [attempt] = push_due(log, SecretStore(), timeout=5.0)
    return attempt.push


def trackers_of(log: IncidentLog, action_id: str) -> dict[str, Any]:
    rows = follow_up_store.follow_ups(
        log, log.clock.now(), follow_up_store.FollowUpFilter(include_closed=True)
    )
    [row] = [r for r in rows if r.id == action_id]
    return follow_up_dict(row, log.clock.now())["trackers"]


# -- one push, one issue ------------------------------------------------------------


def test_a_push_to_github_makes_one_issue_and_keeps_its_number(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver, labels=["follow-up"], assignees={"Kim": "kimgh"})
    action = follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.SENT
    assert (row.remote_key, row.remote_url) == (
        "acme/ops#1",
        "https://github.com/acme/ops/issues/1",
    )
    [issue] = fake.issues.values()
    assert issue["title"] == "Add a canary stage — done when every deploy passes it first"
    assert f"<!-- commander-follow-up: {action} -->" in issue["body"]
    assert "Owner: Kim" in issue["body"]
    assert [a["login"] for a in issue["assignees"]] == ["kimgh"]
    assert [x["name"] for x in issue["labels"]] == ["follow-up"]
    [listed] = trackers_of(log, action)
    assert listed["key"] == "acme/ops#1"
    assert listed["url"] == "https://github.com/acme/ops/issues/1"
    # Pushed once: asking again is refused here, with the issue's address.
    with pytest.raises(ValidationError, match="already in GitHub as acme/ops#1"):
        store.enqueue(log, incident_id, "A1", "gh", author="ada")
    with pytest.raises(ValidationError, match="This push is sent; there is nothing to retry"):
        store.retry(log, row.id)
    with pytest.raises(ValidationError, match="This push is sent; it cannot be cancelled"):
        store.cancel(log, row.id)
    assert fake.posts() == 1


def test_a_push_to_jira_sends_adf_a_due_date_and_a_label_that_finds_it(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer
) -> None:
    fake = jira(log, httpserver)
    action = follow_up(log, incident_id, "Rewrite " + "the failover runbook " * 20)
    row = push(log, incident_id, "A1", "jira")
    assert row.state is OutboxState.SENT, row.last_error
    assert row.remote_key == "OPS-1"
    assert row.remote_url.endswith("/browse/OPS-1")
    fields = fake.issues["OPS-1"]["fields"]
    assert len(fields["summary"]) <= 255
    assert fields["labels"] == ["postmortem", f"commander-{action.lower()}"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", fields["duedate"])
    assert fields["description"]["type"] == "doc"
    assert trackers_of(log, action)[0]["key"] == "OPS-1"


# -- in doubt: found, never made twice ------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("kind", ["github", "jira"])
def test_a_server_error_after_the_tracker_took_it_is_found_not_duplicated(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer,
    status: int, kind: str,
) -> None:  # fmt: skip
    fake, channel = tracker_of_kind(kind, log, clock, httpserver)
    fake.trouble = Trouble(status=status, after_taking=True)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", channel)
    assert row.state is OutboxState.SENT, row.last_error
    assert len(fake.issues) == 1
    assert fake.posts() == 1


def test_a_dropped_answer_is_in_doubt_and_checked_before_sending_again(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver)
    follow_up(log, incident_id)
    settings = channels.channel(log, "gh").settings
    with dropping_server() as dropping:
        channels.save_channel(log, "gh", "github", {**settings, "base_url": dropping}, replace=True)
        row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.RETRYING
    assert row.in_doubt
    assert "may have taken" in (row.last_error or "")
    channels.save_channel(log, "gh", "github", settings, replace=True)
    clock.advance(IN_DOUBT_SETTLE + timedelta(minutes=1))
    [again] = push_due(log, SecretStore(), timeout=5.0)
    assert again.push.state is OutboxState.SENT
    # It looked first (a GET listing), found nothing, and only then created the issue.
    assert [s.method for s in fake.sent] == ["GET", "POST"]
    assert len(fake.issues) == 1


@pytest.mark.parametrize("kind", ["github", "jira"])
def test_killed_after_the_request_left_adopts_the_issue_it_made(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, kind: str
) -> None:
    fake, channel = tracker_of_kind(kind, log, clock, httpserver)
    follow_up(log, incident_id)
    store.enqueue(log, incident_id, "A1", channel, author="ada")
    # A Commander on another process claims it, marks it, sends it, and dies unanswered.
    row = store.claim_next(log, worker="laptop:999999")
    assert row is not None
    tracker = tracker_for(channel_config(channels.channel(log, channel)))
    context = PushContext(
        secret=GH_TOKEN if kind == "github" else JIRA_TOKEN,
        attempt_started_at=from_iso(row.attempt_started_at or ""),
        about_to_commit=lambda: store.mark_in_doubt(log, row.id),
    )
    tracker.create(row.request, context)  # the answer is never recorded: killed here
    assert len(fake.issues) == 1
    store.recover_interrupted(log, is_alive=lambda worker: False)
    assert push_due(log, SecretStore(), timeout=5.0) == []  # not before the settle time
    clock.advance(IN_DOUBT_SETTLE)
    [attempt] = push_due(log, SecretStore(), timeout=5.0)
    assert attempt.push.state is OutboxState.SENT
    assert len(fake.issues) == 1
    assert fake.posts() == 1


def _killed_after_github_made_it(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> FakeGitHub:
    """A push whose issue GitHub made, its answer lost to a kill; the row left in doubt."""
    fake = github(log, clock, httpserver)
    follow_up(log, incident_id)
    store.enqueue(log, incident_id, "A1", "gh", author="ada")
    row = store.claim_next(log, worker="laptop:999999")
    assert row is not None
    context = PushContext(
        secret=GH_TOKEN,
        attempt_started_at=from_iso(row.attempt_started_at or ""),
        about_to_commit=lambda: store.mark_in_doubt(log, row.id),
    )
    tracker_for(channel_config(channels.channel(log, "gh"))).create(row.request, context)
    store.recover_interrupted(log, is_alive=lambda worker: False)
    clock.advance(IN_DOUBT_SETTLE)
    return fake


def test_in_a_busy_repository_the_lost_issue_is_found_past_the_first_page(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = _killed_after_github_made_it(log, incident_id, clock, httpserver)
    # 250 old issues a colleague commented on since: all listed as updated since the push.
    fake.add_old(250, created=clock.now() - timedelta(days=90))
    [attempt] = push_due(log, SecretStore(), timeout=5.0)
    assert attempt.push.state is OutboxState.SENT, attempt.push.last_error
    assert attempt.push.remote_key == "acme/ops#1"
    assert fake.posts() == 1
    listings = [s.query for s in fake.sent if s.method == "GET"]
    assert listings[0]["sort"] == "created"
    assert listings[0]["direction"] == "desc"  # the newest first: it is among them
    assert listings[0]["per_page"] == "100"
    assert len(listings) == 1  # page 1 reached an issue older than the push: no more


def test_a_repository_too_busy_to_search_stops_for_a_person_never_pushes_twice(
    log: IncidentLog,
    incident_id: str,
    clock: FixedClock,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from commander_app.publish import github_issues

    monkeypatch.setattr(github_issues, "FIND_PAGES", 2)
    fake = _killed_after_github_made_it(log, incident_id, clock, httpserver)
    for number in range(250):  # colleagues open 250 issues after it
        fake.handle_create({"title": f"Colleague's issue {number}"})
    [attempt] = push_due(log, SecretStore(), timeout=5.0)
    assert attempt.push.state is OutboxState.FAILED
    assert "Cannot tell whether GitHub made the issue" in (attempt.push.last_error or "")
    assert "more than 200 issues" in (attempt.push.last_error or "")
    assert [s.query.get("page") for s in fake.sent if s.method == "GET"] == ["1", "2"]
    assert fake.posts() == 1  # the killed one only: nothing was made twice
    assert len(fake.issues) == 251


def test_killed_before_the_request_left_sends_it_once(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver)
    follow_up(log, incident_id)
    store.enqueue(log, incident_id, "A1", "gh", author="ada")
    assert store.claim_next(log, worker="laptop:999999") is not None
    store.recover_interrupted(log, is_alive=lambda worker: False)
    [attempt] = push_due(log, SecretStore(), timeout=5.0)
    assert attempt.push.state is OutboxState.SENT
    assert [s.method for s in fake.sent] == ["POST"]


def test_offline_the_push_waits_and_goes_out_once_when_the_tracker_answers(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver)
    follow_up(log, incident_id)
    settings = channels.channel(log, "gh").settings
    channels.save_channel(
        log, "gh", "github", {**settings, "base_url": closed_port_url()}, replace=True
    )
    row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.RETRYING
    assert not row.in_doubt  # refused before anything was sent
    channels.save_channel(log, "gh", "github", settings, replace=True)
    clock.advance(timedelta(minutes=1))
    [again] = push_due(log, SecretStore(), timeout=5.0)
    assert again.push.state is OutboxState.SENT
    assert fake.posts() == 1


# -- refusals in the user's words ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "token was refused (401)"),
        (403, "Issues: write permission"),
        (404, "found no repository acme/ops"),
        (410, "has issues turned off (410)"),
    ],
)
def test_github_refusals_stop_and_say_how_to_fix_them(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer,
    status: int, words: str,
) -> None:  # fmt: skip
    fake = github(log, clock, httpserver)
    if status == 401:
        SecretStore().set("gh", "ghp_wrong_token_000")
    elif status == 410:
        fake.has_issues = False
    else:
        fake.trouble = Trouble(status=status)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.FAILED
    assert words in (row.last_error or "")
    assert "commander channel add github gh --replace" in (row.last_error or "")
    assert not fake.issues


@pytest.mark.parametrize(
    ("trouble", "words"),
    [
        ("auth", "API token was refused (401)"),
        (403, "Create issues permission"),
        (404, "found no project OPS"),
        ("issuetype", "issuetype: Specify an issue type"),
    ],
)
def test_jira_refusals_stop_and_say_how_to_fix_them(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer, trouble: Any, words: str
) -> None:
    fake = jira(log, httpserver, issue_type="Epic" if trouble == "issuetype" else "Task")
    if trouble == "auth":
        SecretStore().set("jira", "wrong-token-0000")
    elif isinstance(trouble, int):
        fake.trouble = Trouble(status=trouble)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "jira")
    assert row.state is OutboxState.FAILED
    assert words in (row.last_error or "")
    assert not fake.issues


@pytest.mark.parametrize(("kind", "status"), [("github", 429), ("github", 403), ("jira", 429)])
@pytest.mark.parametrize(("asked", "waited"), [("120", 120.0), ("999999", None)])
def test_a_rate_limit_waits_as_asked_within_an_hour(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer,
    kind: str, status: int, asked: str, waited: float | None,
) -> None:  # fmt: skip
    fake, channel = tracker_of_kind(kind, log, clock, httpserver)
    fake.trouble = Trouble(status=status, retry_after=asked)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", channel)
    assert row.state is OutboxState.RETRYING
    wait = (from_iso(row.next_attempt_at) - clock.now()).total_seconds()
    expected = waited if waited is not None else LONGEST_REMOTE_WAIT.total_seconds()
    assert wait == pytest.approx(expected)
    clock.advance(timedelta(seconds=wait))
    [again] = push_due(log, SecretStore(), timeout=5.0)
    assert again.push.state is OutboxState.SENT
    assert len(fake.issues) == 1


# -- reading the state back ---------------------------------------------------------------


def test_closed_in_github_as_completed_is_evidence_and_moves_the_item_to_done(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver)
    action = follow_up(log, incident_id)
    push(log, incident_id, "A1", "gh")
    assert pull_states(log, SecretStore(), timeout=5.0).changed == []  # nothing changed yet
    fake.close(1, "completed")
    result = pull_states(log, SecretStore(), timeout=5.0)
    assert result.changed == ["A1 (GitHub): Done (closed in GitHub as completed): Add a canary "
                              "stage — done when every deploy passes it first"]  # fmt: skip
    item = board_store.board(log, incident_id).find_action(action)
    assert item.state is FollowUpState.DONE
    assert item.evidence == "Closed in GitHub as completed: https://github.com/acme/ops/issues/1"
    assert trackers_of(log, action)[0]["state"] == "closed"
    assert pull_states(log, SecretStore(), timeout=5.0).changed == []  # logged once


def test_closed_as_not_planned_is_logged_and_left_to_a_person(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    fake = github(log, clock, httpserver)
    action = follow_up(log, incident_id)
    push(log, incident_id, "A1", "gh")
    fake.close(1, "not_planned")
    [line] = pull_states(log, SecretStore(), timeout=5.0).changed
    assert "closed in GitHub as not planned" in line
    assert "commander action wont" in line
    assert board_store.board(log, incident_id).find_action(action).state is FollowUpState.OPEN


def test_jira_done_moves_the_item_and_problems_are_reported_not_raised(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer
) -> None:
    fake = jira(log, httpserver)
    action = follow_up(log, incident_id)
    push(log, incident_id, "A1", "jira")
    fake.move("OPS-1", "In Progress", "indeterminate")
    [line] = pull_states(log, SecretStore(), timeout=5.0).changed
    assert "in progress in Jira (In Progress)" in line
    fake.move("OPS-1", "Done", "done")
    pull_states(log, SecretStore(), timeout=5.0)
    item = board_store.board(log, incident_id).find_action(action)
    assert item.state is FollowUpState.DONE
    assert item.evidence is not None
    assert item.evidence.endswith("/browse/OPS-1")
    SecretStore().set("jira", "wrong-token-0000")
    result = pull_states(log, SecretStore(), timeout=5.0)
    assert result.changed == []
    assert ["OPS-1: " in p and "(401)" in p for p in result.problems] == [True]


# -- what a tracker answers is bounded and blanked before it is kept ----------------------

HUGE = 10 * 1024 * 1024  # characters: a broken or hostile tracker's answer
NASTY = "\x1b]0;owned\x07\x1b[2J\u202e"


def _answering(server: HTTPServer, fake: FakeGitHub | FakeJira, change: Any) -> None:
    """The fake's own answers, each passed through `change(request, data)` first."""

    def handler(request: Request) -> Response:
        answer = fake.handle(request)
        try:
            data = json.loads(answer.get_data(as_text=True))
        except ValueError:
            return answer
        data = change(request, data)
        return Response(json.dumps(data), status=answer.status_code,
                        content_type="application/json")  # fmt: skip

    server.clear()
    server.expect_request(re.compile("^/")).respond_with_handler(handler)


def _stored(log: IncidentLog) -> str:
    """Everything the log's database holds, as text."""
    return "\n".join(line for line in log.conn.iterdump())


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "https://x/" + "a" * HUGE])
def test_a_github_issue_address_that_is_no_web_address_is_not_kept(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, url: str
) -> None:
    fake = github(log, clock, httpserver)

    def change(request: Request, data: Any) -> Any:
        return {**data, "html_url": url} if isinstance(data, dict) and "number" in data else data

    _answering(httpserver, fake, change)
    action = follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.SENT, row.last_error
    assert row.remote_key == "acme/ops#1"
    assert row.remote_url == f"{httpserver.url_for('').rstrip('/')}/repos/acme/ops/issues/1"
    assert trackers_of(log, action)[0]["url"] == row.remote_url
    assert url[:40] not in _stored(log)
    assert fake.posts() == 1


@pytest.mark.parametrize("key", [f"OPS-1{NASTY}", "OPS-" + "1" * HUGE, "OPS 1", ""])
def test_a_jira_key_that_is_no_key_is_not_kept_and_the_issue_is_found_again(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, key: str
) -> None:
    fake = jira(log, httpserver)
    lying = {"on": True}

    def change(request: Request, data: Any) -> Any:
        if lying["on"] and request.method == "POST" and isinstance(data, dict):
            return {**data, "key": key}
        return data

    _answering(httpserver, fake, change)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "jira")
    assert row.state is OutboxState.RETRYING
    assert row.in_doubt  # the issue was made: it is looked for, never made again
    assert "could not be read" in (row.last_error or "")
    stored = _stored(log)
    assert "\x1b" not in stored
    assert "1" * 1000 not in stored
    lying["on"] = False
    clock.advance(IN_DOUBT_SETTLE + timedelta(minutes=1))
    [again] = push_due(log, SecretStore(), timeout=5.0)
    assert again.push.state is OutboxState.SENT, again.push.last_error
    assert again.push.remote_key == "OPS-1"
    assert fake.posts() == 1


def test_a_jira_state_read_back_is_bounded_and_blanked(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer
) -> None:
    fake = jira(log, httpserver)
    action = follow_up(log, incident_id)
    push(log, incident_id, "A1", "jira")
    name = f"{NASTY}Done by {JIRA_TOKEN} " + "and done " * (HUGE // 9)
    fake.move("OPS-1", name, "done")
    result = pull_states(log, SecretStore(), timeout=5.0)
    assert result.problems == []
    [line] = result.changed
    assert len(line) < 1_000
    [tracker] = trackers_of(log, action)
    assert tracker["state"] == "done"
    reason = tracker["state_reason"]
    assert reason.startswith("\\u001b]0;owned\\u0007")  # shown, never obeyed
    assert "Done by [secret] and done" in reason
    assert len(reason) <= 100
    stored = _stored(log)
    assert JIRA_TOKEN not in stored
    assert "\x1b" not in stored
    assert "and done " * 100 not in stored
    assert board_store.board(log, incident_id).find_action(action).state is FollowUpState.DONE


@pytest.mark.parametrize("category", ["x" * 5_000, "in\nprogress", 12])
def test_a_jira_state_that_is_no_state_is_a_problem_not_a_crash(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer, category: Any
) -> None:
    fake = jira(log, httpserver)
    action = follow_up(log, incident_id)
    push(log, incident_id, "A1", "jira")
    fake.move("OPS-1", "Odd", category)
    result = pull_states(log, SecretStore(), timeout=5.0)
    assert result.changed == []
    [problem] = result.problems
    assert problem.startswith("OPS-1: ")
    assert "could not be read" in problem
    assert len(problem) < 400
    assert trackers_of(log, action)[0]["state"] == "new"


@pytest.mark.parametrize("answer", [{"state": "closed"}, {"number": "1", "state": "closed"}, []])
def test_a_github_state_answer_without_the_issue_is_a_problem_not_a_crash(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, answer: Any
) -> None:
    fake = github(log, clock, httpserver)
    follow_up(log, incident_id)
    push(log, incident_id, "A1", "gh")
    _answering(httpserver, fake, lambda request, data: answer)
    result = pull_states(log, SecretStore(), timeout=5.0)
    assert result.changed == []
    [problem] = result.problems
    assert problem.startswith("acme/ops#1: ")
    assert "could not be read" in problem


def test_a_project_name_from_jira_is_bounded_when_shown(
    log: IncidentLog, httpserver: HTTPServer
) -> None:
    fake = jira(log, httpserver)
    _answering(httpserver, fake, lambda request, data: {**data, "name": "Ops " * (HUGE // 4)})
    tracker = tracker_for(channel_config(channels.channel(log, "jira")))
    said = tracker.send_test(JIRA_TOKEN, timeout=5.0)
    assert said.startswith("Signed in to Jira and found project 'Ops Ops")
    assert len(said) < 300


@pytest.mark.parametrize(
    "answer",
    [json.dumps({"message": f"Validation {NASTY} failed {GH_TOKEN} " * 1_000}), "<" * HUGE],
)
def test_a_refusal_keeps_the_tracker_s_words_bounded_blanked_and_inert(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, answer: str
) -> None:
    github(log, clock, httpserver)
    httpserver.clear()
    httpserver.expect_request(re.compile("^/")).respond_with_data(answer, status=422)
    follow_up(log, incident_id)
    row = push(log, incident_id, "A1", "gh")
    assert row.state is OutboxState.FAILED
    said = row.last_error or ""
    assert said.startswith("GitHub rejected the issue for channel 'gh' (")
    assert said.endswith("fix the channel settings or the follow-up.")
    assert len(said) < 500
    assert "\x1b" not in said
    assert GH_TOKEN not in _stored(log)


class CountingSecrets:
    """The keyring, counting its reads (each can be a slow call to the desktop's vault)."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def get(self, channel: str) -> str | None:
        self.reads.append(channel)
        return SecretStore().get(channel)


def test_a_push_and_a_pull_read_each_channel_s_secret_once(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    github(log, clock, httpserver)
    follow_up(log, incident_id)
    follow_up(log, incident_id, "Page the database owner")
    secrets = CountingSecrets()
    for item in ("A1", "A2"):
        store.enqueue(log, incident_id, item, "gh", author="ada")
    attempts = push_due(log, secrets, timeout=5.0)
    assert [a.outcome for a in attempts] == [OutboxState.SENT, OutboxState.SENT]
    assert secrets.reads == ["gh", "gh"]  # one read a push
    secrets.reads.clear()
    assert pull_states(log, secrets, timeout=5.0).changed == []
    assert secrets.reads == ["gh"]  # one read for the whole pull

"""`commander channel`, `send` and `outbox` as a user runs them, against a real HTTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import run_cli
from tests.support.file_keyring import FileKeyring, file_keyring_env

HOOK = "/services/T000/B000/very-secret-token"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return file_keyring_env(tmp_path / "keyring.json")


@pytest.fixture
def db(tmp_path: Path, env: dict[str, str]) -> Path:
    path = tmp_path / "log.db"
    made = run_cli("new", "Checkout 500s", "--severity", "SEV2", db=path, env=env)
    assert made.returncode == 0, made.stderr
    return path


def cli(db: Path, env: dict[str, str], *args: str, stdin: str | None = None):
    return run_cli(*args, db=db, env=env, stdin=stdin)


def add_chat(db: Path, env: dict[str, str], url: str, name: str = "ops-chat") -> None:
    added = cli(db, env, "channel", "add", "slack", name, "--secret-stdin", stdin=url + "\n")
    assert added.returncode == 0, added.stderr
    assert f"Channel '{name}' (Slack incoming webhook) added; it serves internal." in added.stdout


def test_add_list_and_the_secret_stays_in_the_keyring(
    db: Path, env: dict[str, str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = httpserver.url_for(HOOK)
    add_chat(db, env, url)
    listed = cli(db, env, "channel", "list")
    assert listed.returncode == 0
    assert "ops-chat  Slack incoming webhook  → internal" in listed.stdout
    as_json = json.loads(cli(db, env, "channel", "list", "--json").stdout)
    assert as_json[0]["secret_stored"] is True
    assert FileKeyring.read(tmp_path / "keyring.json")["Commander"]["channel:ops-chat"] == url
    for blob in (db.read_bytes(), listed.stdout.encode(), json.dumps(as_json).encode()):
        assert b"very-secret-token" not in blob


def test_the_secret_is_never_an_argument(db: Path, env: dict[str, str]) -> None:
    refused = cli(db, env, "channel", "add", "slack", "chat", stdin="")
    assert refused.returncode == 1
    assert "pipe it in with --secret-stdin" in refused.stderr
    unknown = cli(db, env, "channel", "add", "slack", "chat", "--secret", "x")
    assert unknown.returncode == 2


def test_send_renders_queues_and_delivers(
    db: Path, env: dict[str, str], httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(db, env, httpserver.url_for(HOOK))
    sent = cli(db, env, "send", "internal", "--impact", "Card payments fail")
    assert sent.returncode == 0, sent.stderr
    assert "update to internal queued for ops-chat" in sent.stdout
    assert "Sent: update to internal via ops-chat." in sent.stdout
    (request, _response) = httpserver.log[0]
    posted = request.get_json()
    assert "Checkout 500s" in posted["text"]
    assert "Card payments fail" in posted["text"]
    timeline = cli(db, env, "show").stdout
    assert "Update to internal queued (ops-chat)" in timeline
    assert "Update to internal sent (ops-chat: posted to Slack)" in timeline
    cadence = cli(db, env, "cadence").stdout
    assert "On time so far: internal 1 of 1" in cadence


def test_channel_down_queues_then_delivers_each_once_in_order(
    db: Path, env: dict[str, str], httpserver: HTTPServer
) -> None:
    received: list[str] = []
    down = {"now": True}

    def hook(request: Request) -> Response:
        if down["now"]:
            return Response("upstream unavailable", status=503)
        received.append(request.get_json()["text"].splitlines()[-1])
        return Response("ok")

    httpserver.expect_request(HOOK, method="POST").respond_with_handler(hook)
    add_chat(db, env, httpserver.url_for(HOOK))
    first = cli(db, env, "send", "internal", "--text-file", "-", stdin="Update number 1")
    assert first.returncode == 0, first.stderr
    assert "Queued — will send when the network is back" in first.stdout
    second = cli(db, env, "send", "internal", "--text-file", "-", stdin="Update number 2")
    assert second.returncode == 0, second.stderr
    assert "Queued — will send after the earlier update through ops-chat" in second.stdout
    waiting = cli(db, env, "outbox").stdout
    assert waiting.count("internal") == 2
    assert "Waiting to retry" in waiting
    down["now"] = False
    first_id = waiting.strip().splitlines()[-2].split()[0]
    retried = cli(db, env, "outbox", "retry", first_id)
    assert retried.returncode == 0, retried.stderr
    assert "Sent: update to internal via ops-chat." in retried.stdout
    # The second, never tried because it waited behind the first, goes out right after it.
    assert retried.stdout.count("Sent: update to internal via ops-chat.") == 2
    assert received == ["Update number 1", "Update number 2"]
    assert cli(db, env, "outbox").stdout.strip() == "Nothing is waiting to go out."
    assert cli(db, env, "outbox", "flush").stdout.startswith("Nothing is due now")


def test_a_refused_webhook_fails_with_a_way_out_and_can_be_cancelled(
    db: Path, env: dict[str, str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("invalid_token", status=403)
    add_chat(db, env, httpserver.url_for(HOOK))
    sent = cli(db, env, "send", "internal", "--text-file", "-", stdin="We are on it.")
    assert sent.returncode == 1
    assert "Not sent: update to internal via ops-chat." in sent.stdout
    assert "very-secret-token" not in sent.stdout + sent.stderr
    listed = cli(db, env, "outbox", "list", "--json").stdout
    (row,) = json.loads(listed)
    assert row["state"] == "failed"
    assert "very-secret-token" not in listed
    cancelled = cli(db, env, "outbox", "cancel", row["id"][:10])
    assert cancelled.returncode == 0, cancelled.stderr
    assert "Update to internal cancelled (ops-chat)" in cli(db, env, "show").stdout
    removed = cli(db, env, "channel", "remove", "ops-chat")
    assert removed.returncode == 0
    assert "removed" in removed.stdout


def test_no_channel_for_the_audience_says_what_to_do(db: Path, env: dict[str, str]) -> None:
    refused = cli(db, env, "send", "executives", "--text-file", "-", stdin="Hello")
    assert refused.returncode == 1
    assert "No channel is set up for executives updates" in refused.stderr
    assert "Queued" not in refused.stdout


def add_email(db: Path, env: dict[str, str], *options: str, stdin: str = "pw\n"):
    base = ("channel", "add", "email", "mail", "--host", "smtp.example.com", "--from",
            "incidents@example.com")  # fmt: skip
    return cli(db, env, *base, *options, stdin=stdin)


def test_email_channel_options_are_checked(db: Path, env: dict[str, str]) -> None:
    bad = add_email(db, env, "--to", "executives", "--secret-stdin")
    assert bad.returncode == 1
    assert "--to takes AUDIENCE=ADDRESS" in bad.stderr
    wrong_kind = cli(db, env, "channel", "add", "slack", "chat", "--host", "x", "--secret-stdin",
                     stdin="https://hooks.slack.com/x\n")  # fmt: skip
    assert wrong_kind.returncode == 1
    assert "--host is not a setting of a slack channel" in wrong_kind.stderr
    good = add_email(db, env, "--to", "executives=cto@example.com,vp@example.com",
                     "--username", "incidents", "--secret-stdin")  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert "it serves executives" in good.stdout
    listed = cli(db, env, "channel", "list").stdout
    assert "smtp.example.com:587 (starttls)" in listed


def test_without_a_keyring_the_user_is_told_plainly(db: Path, env: dict[str, str]) -> None:
    no_keyring = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    added = run_cli(
        "channel", "add", "slack", "chat", "--secret-stdin",
        db=db, env=no_keyring, stdin="https://hooks.slack.com/services/x\n",
    )  # fmt: skip
    # A secret kept "for this run" would die with this command: refused before anything
    # is saved, so no later send fails with "needs you".
    assert added.returncode == 1
    assert "nothing was saved" in added.stderr
    assert "pip install keyrings.alt" in added.stderr
    assert added.stderr.count("\n") == 1
    listed = run_cli("channel", "list", "--json", db=db, env=no_keyring)
    assert json.loads(listed.stdout) == []
    # A channel with no secret (an email relay without a login) needs no keyring.
    relay = run_cli(
        "channel", "add", "email", "relay", "--host", "127.0.0.1", "--security", "plain",
        "--from", "incidents@example.com", "--to", "internal=ops@example.com",
        db=db, env=no_keyring,
    )  # fmt: skip
    assert relay.returncode == 0, relay.stderr


def test_the_next_draft_starts_from_what_the_last_update_said(
    db: Path, env: dict[str, str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(db, env, httpserver.url_for(HOOK))
    sent = cli(db, env, "send", "internal", "--impact", "Card payments fail",
               "--workaround", "Pay by invoice", "--service", "checkout")  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    drafted = cli(db, env, "draft", "customers").stdout
    assert "Card payments fail" in drafted
    assert "Pay by invoice" in drafted
    assert "checkout" in drafted
    cleared = cli(db, env, "draft", "customers", "--workaround", "").stdout
    assert "Pay by invoice" not in cleared


def test_a_draft_saved_to_a_file_is_sent_with_its_subject(
    db: Path, env: dict[str, str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(db, env, httpserver.url_for(HOOK))
    draft = tmp_path / "update.txt"
    draft.write_text("Subject: Checkout: cause found\n\nRolling back deploy 4812.\n")
    sent = cli(db, env, "send", "internal", "--text-file", str(draft))
    assert sent.returncode == 0, sent.stderr
    posted = httpserver.log[0][0].get_json()["text"]
    assert posted == "*Checkout: cause found*\nRolling back deploy 4812."


def test_who_a_channel_serves(db: Path, env: dict[str, str]) -> None:
    email = add_email(db, env, "--to", "executives=cto@example.com", "--audience", "customers")
    assert email.returncode == 1
    assert "An email channel serves the audiences it has recipients for" in email.stderr
    chat = cli(db, env, "channel", "add", "slack", "execs-chat", "--audience", "executives",
               "--secret-stdin", stdin="https://hooks.slack.com/services/x\n")  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert "it serves executives." in chat.stdout
    usual = cli(db, env, "channel", "add", "slack", "ops-chat", "--audience", "internal",
                "--secret-stdin", stdin="https://hooks.slack.com/services/y\n")  # fmt: skip
    assert usual.returncode == 0, usual.stderr
    listed = json.loads(cli(db, env, "channel", "list", "--json").stdout)
    assert {c["name"]: c["audiences"] for c in listed} == {
        "execs-chat": ["executives"],
        "ops-chat": ["internal"],
    }


def test_facts_from_an_earlier_phase_are_not_sent_again_unconfirmed(
    db: Path, env: dict[str, str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(db, env, httpserver.url_for(HOOK))
    first = cli(db, env, "send", "internal", "--impact", "38 % of payments fail",
                "--workaround", "Pay with PayPal")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert cli(db, env, "status", "monitoring").returncode == 0
    drafted = cli(db, env, "draft", "internal")
    assert drafted.returncode == 0
    assert "commander: note: the impact ('38 % of payments fail') is carried over from the " \
        "investigating update to internal at" in drafted.stderr  # fmt: skip
    assert '--workaround "" to clear it' in drafted.stderr
    refused = cli(db, env, "send", "internal")
    assert refused.returncode == 1
    assert refused.stderr.startswith("commander: Not sent: the impact ('38 % of payments fail')")
    assert "Also, the workaround ('Pay with PayPal')" in refused.stderr
    cleared = cli(db, env, "send", "internal", "--impact", "", "--workaround", "")
    assert cleared.returncode == 0, cleared.stderr
    (request, _response) = httpserver.log[-1]
    assert "38 %" not in request.get_json()["text"]
    assert "PayPal" not in request.get_json()["text"]
    assert cli(db, env, "draft", "internal").stderr == ""  # nothing left to carry
    again = cli(db, env, "send", "internal", "--impact", "Some retries are slow")
    assert again.returncode == 0, again.stderr
    assert cli(db, env, "status", "identified").returncode == 0  # it came back
    kept = cli(db, env, "send", "internal", "--keep-carried")
    assert kept.returncode == 0, kept.stderr
    assert "Some retries are slow" in httpserver.log[-1][0].get_json()["text"]

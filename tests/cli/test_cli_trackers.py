"""`commander channel add github|jira`, `commander action push|pull` and `follow-ups --json`
as a user runs them: the issue's key is shown, and the token never reaches the log file,
standard output or standard error, even when the tracker quotes it back."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import START, run_cli
from tests.support.file_keyring import file_keyring_env
from tests.support.trackers import FakeGitHub, FakeJira

TOKEN = "Zq8uVn3kLm5pW2rTx7Yc"  # the canary: the secret part of each credential
EMAIL = "ops@example.com"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return file_keyring_env(tmp_path / "keyring.json")


@pytest.fixture
def db(tmp_path: Path, env: dict[str, str]) -> Path:
    path = tmp_path / "log.db"
    made = run_cli("new", "Checkout 500s", "--severity", "SEV2", db=path, env=env)
    assert made.returncode == 0, made.stderr
    return path


def needles(secret: str) -> list[str]:
    basic = base64.b64encode(f"{EMAIL}:{secret}".encode()).decode()
    return [TOKEN, secret, basic, base64.b64encode(secret.encode()).decode()]


def everything_written(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


@pytest.mark.parametrize("kind", ["github", "jira"])
def test_push_shows_the_key_and_the_token_is_never_written_or_printed(
    db: Path, env: dict[str, str], httpserver: HTTPServer, kind: str
) -> None:
    secret = f"ghp_{TOKEN}" if kind == "github" else f"ATATT{TOKEN}"
    fake: FakeGitHub | FakeJira
    if kind == "github":
        fake = FakeGitHub("acme/ops", secret, now=START)
        options = ["--repo", "acme/ops"]
    else:
        fake = FakeJira("OPS", EMAIL, secret)
        options = ["--email", EMAIL, "--project", "OPS"]
    echo = {"on": True}

    def handler(request: Request) -> Response:
        if echo["on"]:  # a gateway that quotes what it was sent, every shape of it
            said = request.headers.get("Authorization", "")
            return Response(
                json.dumps({"message": f"denied {said} {secret}", "errors": [said]}), status=401
            )
        return fake.handle(request)

    httpserver.expect_request(re.compile("^/")).respond_with_handler(handler)
    base = httpserver.url_for("").rstrip("/")
    outputs: list[str] = []

    def cli(*args: str, stdin: str | None = None, code: int = 0) -> str:
        result = run_cli(*args, db=db, env=env, stdin=stdin)
        outputs.extend([result.stdout, result.stderr])
        assert result.returncode == code, result.stdout + result.stderr
        return result.stdout

    added = cli(
        "channel", "add", kind, "tracker", "--base-url", base, *options, "--secret-stdin",
        stdin=secret + "\n",
    )  # fmt: skip
    assert "serves no audience yet" in added
    cli("action", "add", "Add a canary stage, done when every deploy passes it", "--owner", "Kim")
    refused = cli("action", "push", "A1", code=1)
    assert "Not pushed" in refused
    assert "(401)" in refused
    assert "commander channel add" in refused
    shown = re.search(r"`commander action push --retry (\w+)` \(or --cancel it\)", refused)
    assert shown is not None  # the way out names the push at once
    echo["on"] = False
    again = run_cli("action", "push", "A1", db=db, env=env)  # a failed push is retried,
    outputs.extend([again.stdout, again.stderr])  # never queued a second time
    assert again.returncode == 1
    assert "failed" in again.stderr
    ident = re.search(r"--retry (\w+)", again.stderr)
    assert ident is not None
    assert ident[1] == shown[1]
    pushed = cli("action", "push", "--retry", ident[1])
    key = "acme/ops#1" if kind == "github" else "OPS-1"
    assert "Pushed: A1" in pushed
    assert key in pushed
    [row] = json.loads(cli("follow-ups", "--json"))
    assert row["trackers"][0]["key"] == key
    assert "No pushed follow-up changed" in cli("action", "pull")
    written = everything_written(db)
    for needle in needles(secret):
        assert needle.encode() not in written
        for text in outputs:
            assert needle not in text

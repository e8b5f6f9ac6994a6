"""A remote that quotes the secret in its error answer, in any shape, never gets it into
the append-only log: not the database file (with its WAL), a backup, either export
format, what the user is told, or a log line.

Each example sends one update through the real outbox worker and a real channel to a
local server whose refusal embeds the channel's secret: as sent, JSON-escaped, URL-encoded,
base64 at any offset inside a longer value, the webhook's path or its last segment,
nested anywhere in a JSON body (keys too) or in plain text.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.markdown_export import render_markdown
from commander_app.core.model import Audience
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.bundles import export_bundle
from commander_app.store.incident_log import IncidentLog
from tests.support.memory_keyring import install_memory_keyring

# Slow: property trials (Hypothesis): no form of a secret is kept.
# CI runs them like every test; `-m 'not slow'` leaves them out of a quick run.
pytestmark = pytest.mark.slow

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
TOKEN = "Zq8uVn3kLm5pW2rTx7Yc"  # the secret part of every channel's credential
WEBHOOK_PATH = f"/services/T0CANARY/B0CANARY/{TOKEN}"


def channel_setup(kind: str, base: str) -> tuple[dict[str, Any], str]:
    """The channel's settings and its secret, all pointing at the local server."""
    if kind == "statuspage":
        return {"page_id": "pg1", "base_url": f"{base}/v1"}, f"sp-{TOKEN}"
    if kind == "cachet":
        return {"base_url": base}, f"ct-{TOKEN}"
    return {}, f"{base}{WEBHOOK_PATH}"  # slack, teams: the URL is the secret


def forms_of(secret: str) -> dict[str, str]:
    """Ways a remote echoes a credential, by name; every one must be blanked."""
    is_url = bool(urlsplit(secret).netloc)
    path = urlsplit(secret).path if is_url else secret
    forms = {
        "raw": secret,
        "json-escaped": secret.replace("/", "\\/"),
        "url-encoded": quote(secret, safe=""),
        "url-encoded-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret)),
        "token": TOKEN if is_url else secret,  # a webhook's last segment is its secret
        "path": path,
    }
    for offset in range(3):
        forms[f"base64@{offset}"] = base64.b64encode(b"u" * offset + secret.encode()).decode()
    forms["basic"] = base64.b64encode(f"user:{secret}".encode()).decode()
    return forms


def needles(secret: str) -> list[str]:
    """What must not be found: the token itself, plus its base64 core at every offset."""
    found = [TOKEN, secret]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret.encode()).decode()
        found.append(encoded[-(-8 * offset // 6) : 8 * (offset + len(secret)) // 6])
    return found


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    form = draw(st.sampled_from([*forms_of("x").keys()]))
    status = draw(st.sampled_from([400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504]))
    shape = draw(st.sampled_from(["text", "error", "errors-list", "nested", "key", "detail"]))
    words = draw(st.text(alphabet="abcdefghij klmno", min_size=0, max_size=20))
    return {"form": form, "status": status, "shape": shape, "words": words}


def body_for(answer: dict[str, Any], echoed: str) -> tuple[str, str]:
    words, shape = answer["words"], answer["shape"]
    said = f"{words} bad request for {echoed} {words}"
    if shape == "text":
        return said, "text/plain"
    body: Any = {
        "error": {"error": said},
        "errors-list": {"errors": [{"title": "Invalid", "detail": said}]},
        "nested": {"message": {"request": {"path": echoed, "why": [said]}}},
        "key": {"errors": {echoed: ["is not allowed"]}},
        "detail": {"detail": said, "title": "Bad Gateway"},
    }[shape]
    return json.dumps(body), "application/json"


def everything_stored(log: IncidentLog, incident_id: str, scratch: Path) -> bytes:
    """The log's bytes on disk (main file and WAL), a backup, both exports."""
    backup = log.backup_now(scratch / "backup.db")
    exported = json.dumps(export_bundle(log, incident_id), ensure_ascii=False)
    incident = log.incident(incident_id)
    markdown = render_markdown(incident, log.events(incident_id), UTC)
    parts = [exported.encode(), markdown.encode(), backup.read_bytes()]
    for suffix in ("", "-wal"):
        file = Path(f"{log.path}{suffix}")
        if file.exists():
            parts.append(file.read_bytes())
    return b"\n".join(parts)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.sampled_from(["statuspage", "cachet", "slack", "teams"]), answer=answers())
def test_no_form_of_the_secret_reaches_the_log_or_the_user(
    httpserver: HTTPServer, kind: str, answer: dict[str, Any]
) -> None:
    install_memory_keyring()
    httpserver.clear()
    settings_, secret = channel_setup(kind, httpserver.url_for("").rstrip("/"))
    echoed = forms_of(secret)[answer["form"]]
    body, content_type = body_for(answer, echoed)
    headers = {"Retry-After": "1"} if answer["status"] == 429 else {}

    def refuse(_request: Request) -> Response:
        return Response(body, status=answer["status"], content_type=content_type, headers=headers)

    httpserver.expect_request(re.compile("^/")).respond_with_handler(refuse)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        with tempfile.TemporaryDirectory() as folder:
            scratch = Path(folder)
            with IncidentLog(
                scratch / "incidents.db", device_id="d", clock=FixedClock(START)
            ) as log:
                incident = log.open_incident("Checkout failing", author="alice")
                channels.save_channel(log, "out", kind, settings_)
                SecretStore().set("out", secret)
                store.enqueue(
                    log, incident.id, Audience.CUSTOMERS, ["out"], "Checkout problems",
                    "We are investigating.", author="cara", facts=UpdateFacts(),
                )  # fmt: skip
                attempts = deliver_due(log, SecretStore(), timeout=5.0)
                assert attempts, "the update was tried"
                told = "\n".join(a.describe() for a in attempts).encode()
                stored = everything_stored(log, incident.id, scratch)
    finally:
        logging.getLogger().removeHandler(handler)
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in records if r.name != "werkzeug"
    ).encode()
    for needle in needles(secret):
        for where, seen in (("stored", stored), ("told", told), ("logged", logged)):
            assert needle.encode() not in seen, f"{answer['form']} of the secret {where}"

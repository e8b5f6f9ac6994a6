"""A fake Alertmanager API v2 `GET /api/v2/alerts` for pytest-httpserver that enforces
the OpenAPI document: only the documented query parameters (`active`, `silenced`,
`inhibited`, `unprocessed` as true|false, `filter` repeated as matchers, `receiver` a
regular expression), 400 otherwise; answers `gettableAlert`s with every required field,
filtered the way Alertmanager filters (equality matchers, suppressed alerts)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

FLAGS = ("active", "silenced", "inhibited", "unprocessed")
_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?([^"]*)"?\s*$')


def gettable(
    n: int,
    *,
    name: str = "HighErrorRate",
    service: str = "payments",
    state: str = "active",
    receiver: str = "commander",
    summary: str = "5xx above 2%",
) -> dict[str, Any]:
    """One alert as `GET /api/v2/alerts` answers it."""
    return {
        "labels": {"alertname": name, "service": service, "pod": f"{service}-{n}"},
        "annotations": {"summary": summary, "runbook_url": "https://wiki.example/5xx"},
        "receivers": [{"name": receiver}],
        "fingerprint": f"{service}{n:012x}",
        "startsAt": "2026-12-03T02:47:00.000Z",
        "updatedAt": "2026-12-03T02:48:00.000Z",
        "endsAt": "2026-12-03T02:52:00.000Z",
        "status": {"state": state, "silencedBy": [], "inhibitedBy": []},
        "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
    }


@dataclass
class FakeAlertmanager:
    alerts: list[dict[str, Any]] = field(default_factory=list)
    credentials: str | None = None  # the whole Authorization header it wants
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    raw: bytes | None = None  # answer these bytes instead (a broken Alertmanager)

    def handle(self, request: Request) -> Response:
        if self.credentials is not None and request.headers.get("Authorization") != (
            self.credentials
        ):
            return Response("unauthorized", status=401)
        if request.method != "GET":
            return Response("method not allowed", status=405)
        if "application/json" not in request.headers.get("Accept", ""):
            return Response("this API produces application/json", status=406)
        query = {k: request.args.getlist(k) for k in request.args}
        self.queries.append(query)
        problem = _query_problem(query)
        if problem:
            return Response(json.dumps(problem), status=400, content_type="application/json")
        if self.raw is not None:
            return Response(self.raw, status=200, content_type="application/json")
        return Response(
            json.dumps([a for a in self.alerts if _shown(a, query)]),
            status=200,
            content_type="application/json",
        )


def _query_problem(query: dict[str, list[str]]) -> str | None:
    for name, values in query.items():
        if name in FLAGS:
            if len(values) != 1 or values[0] not in ("true", "false"):
                return f"{name} in query must be of type boolean: {values!r}"
        elif name == "filter":
            if any(not _MATCHER.match(v) for v in values):
                return f"bad matcher format: {values!r}"
        elif name == "receiver":
            try:
                re.compile(values[0])
            except re.error:
                return "failed to parse receiver param"
        else:
            return f"unknown query parameter {name}"
    return None


def _shown(alert: dict[str, Any], query: dict[str, list[str]]) -> bool:
    suppressed = alert["status"]["state"] == "suppressed"
    if suppressed and query.get("silenced", ["true"]) == ["false"]:
        return False
    for matcher in query.get("filter", []):
        found = _MATCHER.match(matcher)
        assert found is not None
        label, op, value = found.groups()
        have = alert["labels"].get(label, "")
        if (op == "=" and have != value) or (op == "!=" and have == value):
            return False
        if (op == "=~" and not re.fullmatch(value, have)) or (
            op == "!~" and re.fullmatch(value, have)
        ):
            return False
    if "receiver" in query:
        names = [r["name"] for r in alert["receivers"]]
        if not any(re.fullmatch(query["receiver"][0], n) for n in names):
            return False
    return True

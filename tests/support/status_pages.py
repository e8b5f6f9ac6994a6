"""Fake Statuspage and Cachet APIs for pytest-httpserver that enforce the real contracts.

Each checks the auth header (401 otherwise), the required fields and enum values (422
otherwise, with the API's own error shape), and keeps incidents so that a create, a
later update and a search after a crash see one consistent remote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from werkzeug import Request, Response

STATUSPAGE_STATUSES = {"investigating", "identified", "monitoring", "resolved"}
STATUSPAGE_IMPACTS = {"none", "maintenance", "minor", "major", "critical"}
# The `incident` fields of POST and PATCH /pages/{page_id}/incidents in the v1 reference.
STATUSPAGE_INCIDENT_FIELDS = {
    "name",
    "status",
    "impact_override",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "auto_transition_to_maintenance_state",
    "auto_transition_to_operational_state",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "auto_transition_deliver_notifications_at_start",
    "auto_transition_deliver_notifications_at_end",
    "metadata",
    "deliver_notifications",
    "auto_tweet_at_beginning",
    "auto_tweet_on_completion",
    "auto_tweet_on_creation",
    "auto_tweet_one_hour_before",
    "backfill_date",
    "backfilled",
    "body",
    "components",
    "component_ids",
    "scheduled_auto_transition",
}
STATUSPAGE_MAX_NAME = 255
STATUSPAGE_MAX_BODY = 25_000
STATUSPAGE_COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


@dataclass
class Sent:
    method: str
    path: str
    body: Any
    query: dict[str, str]


@dataclass
class FakeStatuspage:
    """Statuspage v1 for one page, reached at {url}/v1."""

    page_id: str
    api_key: str
    components: set[str]
    now: datetime
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.sent.append(Sent(request.method, request.path, body, dict(request.args)))
        if request.headers.get("Authorization") != f"OAuth {self.api_key}":
            return _json({"error": "Could not authenticate"}, 401)
        page = f"/v1/pages/{self.page_id}"
        path, method = request.path, request.method
        if path == page and method == "GET":
            return _json({"id": self.page_id, "name": "Acme Status"})
        if path == f"{page}/incidents" and method == "POST":
            return self._create(body)
        if path == f"{page}/incidents/unresolved" and method == "GET":
            open_ = [i for i in self.incidents.values() if i["status"] != "resolved"]
            return _json(open_[::-1])
        if path == f"{page}/incidents" and method == "GET":
            q = request.args.get("q", "")
            return _json([i for i in self.incidents.values() if q in i["name"]][::-1])
        match = re.fullmatch(rf"{page}/incidents/(\w+)", path)
        if match and match[1] in self.incidents:
            if method == "GET":
                return _json(self.incidents[match[1]])
            if method == "PATCH":
                return self._update(self.incidents[match[1]], body)
        return _json({"error": "The requested resource could not be found."}, 404)

    def _problems(self, fields: Any, *, creating: bool) -> list[str]:
        if not isinstance(fields, dict):
            return ["incident is missing"]
        problems = [f"Unknown field: {name}" for name in set(fields) - STATUSPAGE_INCIDENT_FIELDS]
        if creating and not fields.get("name"):
            problems.append("Name can't be blank")
        if len(str(fields.get("name", ""))) > STATUSPAGE_MAX_NAME:
            problems.append(f"Name is too long (maximum is {STATUSPAGE_MAX_NAME} characters)")
        if not isinstance(fields.get("body", ""), str):
            problems.append("Body must be text")
        elif len(fields.get("body", "")) > STATUSPAGE_MAX_BODY:
            problems.append(f"Body is too long (maximum is {STATUSPAGE_MAX_BODY} characters)")
        listed = fields.get("component_ids", [])
        if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
            problems.append("component_ids must be a list of component ids")
        if not isinstance(fields.get("components", {}), dict):
            problems.append("components must map component ids to statuses")
        if fields.get("status") not in STATUSPAGE_STATUSES:
            problems.append(f"Status is not included in the list: {fields.get('status')}")
        if fields.get("impact_override", "none") not in STATUSPAGE_IMPACTS:
            problems.append("Impact override is not included in the list")
        components = fields.get("components") or {}
        if set(components) - self.components or set(fields.get("component_ids") or []) - set(
            self.components
        ):
            problems.append("Components must belong to this page")
        if set(components.values()) - STATUSPAGE_COMPONENT_STATUSES:
            problems.append("Component status is not included in the list")
        if not isinstance(fields.get("deliver_notifications", True), bool):
            problems.append("deliver_notifications must be true or false")
        return problems

    def _create(self, body: Any) -> Response:
        fields = (body or {}).get("incident")
        problems = self._problems(fields, creating=True)
        if problems:
            return _json({"error": problems}, 422)
        number = len(self.incidents) + 1
        incident = {
            "id": f"inc{number}",
            "name": fields["name"],
            "status": fields["status"],
            "impact": fields.get("impact_override", "none"),
            "created_at": self._stamp(),
            "incident_updates": [],
        }
        self.incidents[incident["id"]] = incident
        return self._update(incident, body, status=201)

    def _update(self, incident: dict[str, Any], body: Any, status: int = 200) -> Response:
        fields = (body or {}).get("incident")
        problems = self._problems(fields, creating=False)
        if problems:
            return _json({"error": problems}, 422)
        incident["status"] = fields["status"]
        number = sum(len(i["incident_updates"]) for i in self.incidents.values()) + 1
        entry = {
            "id": f"upd{number}",
            "status": fields["status"],
            "body": fields.get("body", ""),
            "created_at": self._stamp(),
        }
        incident["incident_updates"].insert(0, entry)  # newest first, as Statuspage lists
        return _json(incident, status)

    def _stamp(self) -> str:
        self.now += timedelta(seconds=1)
        return self.now.isoformat().replace("+00:00", "Z")


@dataclass
class FakeCachet:
    """Cachet 3's incident API at {url}/api, JSON:API-style answers under "data"."""

    token: str
    components: set[int]
    now: datetime
    incidents: dict[int, dict[str, Any]] = field(default_factory=dict)
    updates: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    component_status: dict[int, int] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.sent.append(Sent(request.method, request.path, body, dict(request.args)))
        path, method = request.path, request.method
        if method == "GET" and path == "/api/incidents":
            name = request.args.get("filter[name]", "")
            listed = [self._resource(i) for i in self.incidents.values() if name in i["name"]]
            return _json({"data": listed[::-1]})
        match = re.fullmatch(r"/api/incidents/(\d+)/updates", path)
        if method == "GET" and match and int(match[1]) in self.incidents:
            return _json({"data": [self._resource(u) for u in self.updates[int(match[1])][::-1]]})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"message": "Unauthenticated."}, 401)
        accepted = request.headers.get("Accept", "")
        if "application/vnd.api+json" not in accepted or "application/json" not in accepted:
            # Cachet 3 answers JSON:API; a client that does not ask for it gets HTML errors.
            return Response("<html>Not Acceptable</html>", status=406, content_type="text/html")
        if method == "POST" and path == "/api/incidents":
            return self._create(body or {})
        if method == "POST" and match and int(match[1]) in self.incidents:
            return self._update(int(match[1]), body or {})
        component = re.fullmatch(r"/api/components/(\d+)", path)
        if method == "PUT" and component and int(component[1]) in self.components:
            if (body or {}).get("status") not in (1, 2, 3, 4):
                return self._invalid({"status": ["The selected status is invalid."]})
            self.component_status[int(component[1])] = body["status"]
            return _json({"data": {"id": int(component[1]), "attributes": body}})
        return _json({"message": "Not Found"}, 404)

    def _invalid(self, errors: dict[str, list[str]]) -> Response:
        first = next(iter(errors.values()))[0]
        return _json({"message": first, "errors": errors}, 422)

    def _create(self, body: dict[str, Any]) -> Response:
        errors: dict[str, list[str]] = {}
        if not body.get("name"):
            errors["name"] = ["The name field is required."]
        if not body.get("message"):
            errors["message"] = ["The message field is required when template is not present."]
        if body.get("status") not in (1, 2, 3, 4):
            errors["status"] = ["The selected status is invalid."]
        if "component_id" in body and body["component_id"] not in self.components:
            errors["component_id"] = ["The selected component id is invalid."]
        if "component_id" in body and body.get("component_status") not in (1, 2, 3, 4):
            errors["component_status"] = ["The selected component status is invalid."]
        listed = body.get("components", [])
        if not isinstance(listed, list):
            errors["components"] = ["The components field must be an array."]
            listed = []
        for n, item in enumerate(listed):  # components.*.id and .status: required ints
            item = item if isinstance(item, dict) else {}
            if type(item.get("id")) is not int or item["id"] not in self.components:
                errors[f"components.{n}.id"] = ["The selected components.id is invalid."]
            if type(item.get("status")) is not int or item["status"] not in (1, 2, 3, 4):
                errors[f"components.{n}.status"] = ["The selected components.status is invalid."]
        for flag in ("visible", "notifications"):
            if not isinstance(body.get(flag, False), bool):
                errors[flag] = [f"The {flag} field must be true or false."]
        if errors:
            return self._invalid(errors)
        number = len(self.incidents) + 1
        self.incidents[number] = {
            "id": number,
            "name": body["name"],
            "message": body["message"],
            "status": body["status"],
            "created": self._stamp(),
        }
        self.updates[number] = []
        if "component_id" in body:
            self.component_status[body["component_id"]] = body["component_status"]
        for item in listed:
            self.component_status[item["id"]] = item["status"]
        return _json({"data": self._resource(self.incidents[number])}, 201)

    def _update(self, incident: int, body: dict[str, Any]) -> Response:
        errors: dict[str, list[str]] = {}
        if body.get("status") not in (1, 2, 3, 4):
            errors["status"] = ["The selected status is invalid."]
        if not body.get("message"):
            errors["message"] = ["The message field is required."]
        if errors:
            return self._invalid(errors)
        number = sum(len(u) for u in self.updates.values()) + 1
        entry = {"id": number, "message": body["message"], "status": body["status"]}
        self.updates[incident].append({**entry, "created": self._stamp()})
        self.incidents[incident]["status"] = body["status"]
        return _json({"data": self._resource(self.updates[incident][-1])}, 201)

    def _resource(self, item: dict[str, Any]) -> dict[str, Any]:
        attributes = {k: v for k, v in item.items() if k != "created"}
        attributes["created"] = {"human": "just now", "string": item["created"]}
        return {"id": str(item["id"]), "type": "incidents", "attributes": attributes}

    def _stamp(self) -> str:
        self.now += timedelta(seconds=1)
        return self.now.strftime("%Y-%m-%d %H:%M:%S")

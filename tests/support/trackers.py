"""Fake GitHub Issues and Jira Cloud APIs for pytest-httpserver that enforce the contracts.

Each checks the auth header (401 otherwise), the required fields and their types (GitHub:
422 `{"message", "errors"}`; Jira: 400 `{"errorMessages", "errors"}`), keeps its issues
so a create, a search after a lost answer and a state read-back see one remote, and can
be told to answer 403, 404, 410, 429 with Retry-After or a 5xx after taking the issue.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import Clock
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store.incident_log import IncidentLog
from tests.support.status_pages import Sent

GH_TOKEN = "ghp_Canary7f3a9c0d1e2bQx"
GITHUB_CREATE_FIELDS = {"title", "body", "assignee", "milestone", "labels", "assignees", "type"}
JIRA_MAX_SUMMARY = 255


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, content_type="application/json", headers=headers
    )


@dataclass
class Trouble:
    """What the fake does to the next matching request, instead of or after answering."""

    status: int = 0  # answer this instead (0: answer normally)
    after_taking: bool = False  # create the issue first, then answer `status`
    retry_after: str | None = None
    times: int = 1


@dataclass
class FakeGitHub:
    """GitHub's REST issues API for one repository, at the server's root."""

    repository: str  # owner/repo
    token: str
    now: datetime
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    trouble: Trouble | None = None
    has_issues: bool = True

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.sent.append(Sent(request.method, request.path, body, dict(request.args)))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"message": "Bad credentials", "status": "401"}, 401)
        if request.headers.get("Accept") != "application/vnd.github+json":
            return _json({"message": "Unsupported Accept header"}, 415)
        if request.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            return _json({"message": "Unsupported API version"}, 400)
        repo = f"/repos/{self.repository}"
        path, method = request.path, request.method
        trouble = self.trouble
        if trouble and trouble.times > 0 and not trouble.after_taking and trouble.status:
            trouble.times -= 1
            headers = {"Retry-After": trouble.retry_after} if trouble.retry_after else None
            return _json({"message": f"Trouble {trouble.status}"}, trouble.status, headers)
        if path == repo and method == "GET":
            return _json({"full_name": self.repository, "has_issues": self.has_issues})
        if path == f"{repo}/issues" and method == "POST":
            if not self.has_issues:
                return _json({"message": "Issues are disabled for this repo"}, 410)
            return self._create(body)
        if path == f"{repo}/issues" and method == "GET":
            return self._list(request.args)
        match = re.fullmatch(rf"{repo}/issues/(\d+)", path)
        if match and method == "GET" and int(match[1]) in self.issues:
            return _json(self.issues[int(match[1])])
        return _json({"message": "Not Found"}, 404)

    def _create(self, body: Any) -> Response:
        errors = []
        if not isinstance(body, dict):
            return _json({"message": "Problems parsing JSON"}, 400)
        for name in set(body) - GITHUB_CREATE_FIELDS:
            errors.append({"resource": "Issue", "field": name, "code": "invalid"})
        if not isinstance(body.get("title"), str | int) or not str(body.get("title")).strip():
            errors.append({"resource": "Issue", "field": "title", "code": "missing_field"})
        if not isinstance(body.get("body", ""), str) or len(body.get("body", "")) > 65_536:
            errors.append({"resource": "Issue", "field": "body", "code": "invalid"})
        for name in ("labels", "assignees"):
            value = body.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append({"resource": "Issue", "field": name, "code": "invalid"})
        if errors:
            return _json({"message": "Validation Failed", "errors": errors}, 422)
        number = len(self.issues) + 1
        self.now += timedelta(seconds=1)
        stamp = self.now.astimezone(UTC).isoformat().replace("+00:00", "Z")
        issue = {
            "number": number,
            "html_url": f"https://github.com/{self.repository}/issues/{number}",
            "title": str(body["title"]),
            "body": body.get("body"),
            "labels": [{"name": n} for n in body.get("labels", [])],
            "assignees": [{"login": n} for n in body.get("assignees", [])],
            "state": "open",
            "state_reason": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.issues[number] = issue
        trouble = self.trouble
        if trouble and trouble.after_taking and trouble.times > 0:
            trouble.times -= 1
            return Response("upstream failed", status=trouble.status)
        return _json(issue, 201)

    def _list(self, args: Any) -> Response:
        """List repository issues as documented: `since` (updated at or after), `sort`
        created|updated|comments (default created), `direction` (default desc),
        `per_page` 1 to 100 (default 30), `page` from 1, a `Link` header to the next."""
        sort, direction = args.get("sort", "created"), args.get("direction", "desc")
        try:
            per_page, page = int(args.get("per_page", "30")), int(args.get("page", "1"))
        except ValueError:
            return _json({"message": "Invalid request: per_page and page are integers"}, 422)
        if sort not in ("created", "updated", "comments") or direction not in ("asc", "desc"):
            return _json({"message": "Validation Failed"}, 422)
        if not 1 <= per_page <= 100 or page < 1:
            return _json({"message": "Validation Failed: per_page is 1 to 100"}, 422)
        listed = list(self.issues.values())
        since = args.get("since")
        if since:
            when = datetime.fromisoformat(since.replace("Z", "+00:00"))
            listed = [
                i for i in listed
                if datetime.fromisoformat(i["updated_at"].replace("Z", "+00:00")) >= when
            ]  # fmt: skip
        key = "updated_at" if sort == "updated" else "created_at"
        listed.sort(key=lambda i: (i[key], i["number"]), reverse=direction == "desc")
        shown = listed[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(listed):
            headers["Link"] = f'<?page={page + 1}&per_page={per_page}>; rel="next"'
        return _json(shown, headers=headers)

    def handle_create(self, body: dict[str, Any]) -> None:
        """An issue someone else opens, straight into the repository (not a request)."""
        self._create(body)

    def touch(self, number: int) -> None:
        """A colleague comments on an old issue: it is updated now, created long ago."""
        self.now += timedelta(seconds=1)
        self.issues[number]["updated_at"] = self.now.isoformat().replace("+00:00", "Z")

    def add_old(self, count: int, created: datetime) -> None:
        """Issues made long before, each touched since: what a busy repository lists."""
        for _ in range(count):
            number = len(self.issues) + 1
            stamp = created.isoformat().replace("+00:00", "Z")
            self.issues[number] = {
                "number": number,
                "html_url": f"https://github.com/{self.repository}/issues/{number}",
                "title": f"Old issue {number}", "body": "", "labels": [], "assignees": [],
                "state": "open", "state_reason": None,
                "created_at": stamp, "updated_at": stamp,
            }  # fmt: skip
            self.touch(number)

    def close(self, number: int, reason: str = "completed") -> None:
        self.issues[number].update(state="closed", state_reason=reason)

    def posts(self) -> int:
        return sum(1 for s in self.sent if s.method == "POST")


@dataclass
class FakeJira:
    """Jira Cloud REST v3 for one project, at the server's root."""

    project: str
    email: str
    token: str
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    trouble: Trouble | None = None
    issue_types: tuple[str, ...] = ("Task", "Bug")

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.sent.append(Sent(request.method, request.path, body, dict(request.args)))
        expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Response("Client must be authenticated to access this resource.", 401)
        path, method = request.path, request.method
        trouble = self.trouble
        if trouble and trouble.times > 0 and not trouble.after_taking and trouble.status:
            trouble.times -= 1
            headers = {"Retry-After": trouble.retry_after} if trouble.retry_after else None
            return _json(
                {"errorMessages": [f"Trouble {trouble.status}"], "errors": {}},
                trouble.status,
                headers,
            )
        if path == f"/rest/api/3/project/{self.project}" and method == "GET":
            return _json({"key": self.project, "name": "Operations"})
        if path == "/rest/api/3/issue" and method == "POST":
            return self._create(body)
        if path == "/rest/api/3/search/jql" and method == "GET":
            return self._search(request.args.get("jql", ""))
        if path == "/rest/api/3/search" and method == "GET":
            return _json({"errorMessages": ["This endpoint has been removed."]}, 410)
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z][A-Z0-9_]*-\d+)", path)
        if match and method == "GET" and match[1] in self.issues:
            return _json(self._view(self.issues[match[1]]))
        return _json({"errorMessages": ["Issue does not exist or you do not have permission."],
                      "errors": {}}, 404)  # fmt: skip

    def _create(self, body: Any) -> Response:
        fields = (body or {}).get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return _json({"errorMessages": ["fields is required"], "errors": {}}, 400)
        errors: dict[str, str] = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "Specify a valid project ID or key"
        if (fields.get("issuetype") or {}).get("name") not in self.issue_types:
            errors["issuetype"] = "Specify an issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > JIRA_MAX_SUMMARY or "\n" in summary:
            errors["summary"] = "Summary must be less than 255 characters and one line."
        if "description" in fields and not _valid_adf(fields["description"]):
            errors["description"] = "Operation value must be an Atlassian Document."
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or not all(
            isinstance(x, str) and x and " " not in x for x in labels
        ):
            errors["labels"] = "Labels must be a list of texts without spaces."
        due = fields.get("duedate")
        if due is not None and not (isinstance(due, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", due)):
            errors["duedate"] = "Error parsing date string: use yyyy-MM-dd"
        if errors:
            return _json({"errorMessages": [], "errors": errors}, 400)
        number = len(self.issues) + 1
        key = f"{self.project}-{number}"
        self.issues[key] = {
            "id": str(10000 + number),
            "key": key,
            "fields": dict(fields),
            "status": ("To Do", "new"),
        }
        trouble = self.trouble
        if trouble and trouble.after_taking and trouble.times > 0:
            trouble.times -= 1
            return Response("bad gateway", status=trouble.status)
        return _json({"id": str(10000 + number), "key": key, "self": f"/rest/api/3/issue/{key}"},
                     201)  # fmt: skip

    def _search(self, jql: str) -> Response:
        match = re.search(r'labels = "([^"]+)"', jql)
        if not match:
            return _json({"errorMessages": ["Unsupported JQL in this fake"], "errors": {}}, 400)
        found = [self._view(i) for i in self.issues.values()
                 if match[1] in i["fields"].get("labels", [])]  # fmt: skip
        return _json({"issues": found, "isLast": True})

    def _view(self, issue: dict[str, Any]) -> dict[str, Any]:
        name, category = issue["status"]
        return {
            "id": issue["id"],
            "key": issue["key"],
            "fields": {**issue["fields"], "status": {"name": name,
                                                     "statusCategory": {"key": category}}},
        }  # fmt: skip

    def move(self, key: str, name: str, category: str) -> None:
        self.issues[key]["status"] = (name, category)

    def posts(self) -> int:
        return sum(1 for s in self.sent if s.method == "POST")


def _valid_adf(doc: Any) -> bool:
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return False
    content = doc.get("content")
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, dict) or block.get("type") != "paragraph":
            return False
        for node in block.get("content", []):
            if not (isinstance(node, dict) and node.get("type") == "text"):
                return False
            if not isinstance(node.get("text"), str) or not node["text"]:
                return False  # ADF: a text node may not be empty
    return True


def serve_github(
    log: IncidentLog, clock: Clock, server: HTTPServer, name: str = "gh", **settings: Any
) -> FakeGitHub:
    """A fake acme/ops repository behind `server`, and the github channel `name` that
    pushes to it, its token in the (test's in-memory) keyring."""
    fake = FakeGitHub("acme/ops", GH_TOKEN, now=clock.now())
    server.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    channels.save_channel(
        log, name, "github",
        {"repository": "acme/ops", "base_url": server.url_for("").rstrip("/"), "labels": [],
         "assignees": {}, **settings},
    )  # fmt: skip
    SecretStore().set(name, GH_TOKEN)
    return fake

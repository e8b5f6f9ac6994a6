"""Follow-ups as Jira Cloud issues (REST API v3).

What this relies on, from Atlassian's Jira Cloud platform REST API v3 reference
(developer.atlassian.com/cloud/jira/platform/rest/v3: "Issues — Create issue", "Issue
search — Search for issues using JQL enhanced search", "Issues — Get issue") and the
Atlassian Document Format reference (…/apis/document/structure, nodes/paragraph):

- `POST /rest/api/3/issue` with `{"fields": {"project": {"key"}, "issuetype": {"name"},
  "summary", "description", "duedate", "labels"}}` answers 201 `{"id", "key", "self"}`;
  400 `{"errorMessages": [...], "errors": {field: text}}` on a bad field. The summary is
  at most 255 characters; labels hold no spaces; `duedate` is "YYYY-MM-DD".
- In v3 `description` is an ADF document: `{"type": "doc", "version": 1, "content":
  [{"type": "paragraph", "content": [{"type": "text", "text": …}]}]}`; an empty text
  node is invalid, so an empty line becomes an empty paragraph.
- `GET /rest/api/3/search/jql?jql=…&fields=…` (the current search; the older
  `/rest/api/3/search` is retired) answers `{"issues": [{"id", "key", "fields"}],
  "nextPageToken"?}`. The push's label `commander-<follow-up id>` finds it again.
- `GET /rest/api/3/issue/{key}?fields=status`: `fields.status.name` and
  `fields.status.statusCategory.key` new|indeterminate|done.
- Basic auth with the account's email and an API token (id.atlassian.com).
"""

from __future__ import annotations

import base64
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from commander_app.core.tracker import PushRequest, RemoteIssue, issue_text, label
from commander_app.publish.channel_settings import checked_settings, how_to_replace_secret
from commander_app.publish.delivery import (
    ChannelConfig,
    PermanentFailure,
)
from commander_app.publish.http_delivery import HttpTarget, call, remote_words
from commander_app.publish.redaction import secret_fragments
from commander_app.publish.trackers import PushContext, TakesNoUpdates, answer_not_read

MAX_SUMMARY = 255


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document: one paragraph per line."""
    paragraphs: list[dict[str, Any]] = []
    for line in text.splitlines() or [""]:
        content = [{"type": "text", "text": line}] if line else []
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


class JiraIssues(TakesNoUpdates):
    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def issue_fields(self, request: PushRequest) -> dict[str, Any]:
        settings = checked_settings(self.config)
        fields: dict[str, Any] = {
            "project": {"key": settings["project"]},
            "issuetype": {"name": settings["issue_type"]},
            "summary": request.title[:MAX_SUMMARY],
            "description": adf(issue_text(request)),
            "labels": [*settings["labels"], label(request.action_id)],
        }
        if request.due:
            fields["duedate"] = request.due[:10]
        return {"fields": fields}

    def create(self, request: PushRequest, context: PushContext) -> RemoteIssue:
        settings = checked_settings(self.config)
        reply = self._call(
            context.secret,
            "POST",
            f"{settings['base_url']}/rest/api/3/issue",
            timeout=context.timeout,
            json_body=self.issue_fields(request),
            about_to_commit=context.about_to_commit,
        )
        issue = reply.body
        if not isinstance(issue, dict) or not isinstance(issue.get("key"), str):
            raise answer_not_read("jira", self.config.name, "no issue key", created=True)
        return self._issue(issue["key"], settings, "new", None)

    def find_created(self, request: PushRequest, context: PushContext) -> RemoteIssue | None:
        settings = checked_settings(self.config)
        jql = (
            f'project = "{settings["project"]}" AND labels = "{label(request.action_id)}" '
            "ORDER BY created ASC"
        )
        reply = self._call(
            context.secret,
            "GET",
            f"{settings['base_url']}/rest/api/3/search/jql",
            timeout=context.timeout,
            params={"jql": jql, "fields": "status,labels", "maxResults": "10"},
        )
        body = reply.body if isinstance(reply.body, dict) else {}
        listed = body.get("issues")
        for issue in listed if isinstance(listed, list) else []:
            if isinstance(issue, dict) and isinstance(issue.get("key"), str):
                return self._from_fields(issue, settings)
        return None

    def read_state(self, issue: RemoteIssue, secret: str, timeout: float = 20.0) -> RemoteIssue:
        settings = checked_settings(self.config)
        reply = self._call(
            secret,
            "GET",
            f"{settings['base_url']}/rest/api/3/issue/{quote(issue.key)}",
            timeout=timeout,
            params={"fields": "status"},
        )
        if not isinstance(reply.body, dict) or not isinstance(reply.body.get("key"), str):
            raise answer_not_read("jira", self.config.name, "no issue key", created=False)
        return self._from_fields(reply.body, settings)

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        settings = checked_settings(self.config)
        reply = self._call(
            secret,
            "GET",
            f"{settings['base_url']}/rest/api/3/project/{quote(settings['project'])}",
            timeout=timeout,
        )
        name = reply.body.get("name") if isinstance(reply.body, dict) else None
        name = remote_words(name, 100) if isinstance(name, str) else None
        project = f"'{name}' ({settings['project']})" if name else settings["project"]
        return f"Signed in to Jira and found project {project}; nothing was created."

    # -- helpers --------------------------------------------------------------------

    def _from_fields(self, issue: dict[str, Any], settings: dict[str, Any]) -> RemoteIssue:
        status = _member(_member(issue, "fields"), "status")
        category = _member(status, "statusCategory").get("key") or "new"
        name = status.get("name")
        return self._issue(str(issue["key"]), settings, str(category), str(name) if name else None)

    def _issue(
        self, key: str, settings: dict[str, Any], state: str, status: str | None
    ) -> RemoteIssue:
        return RemoteIssue(
            kind="jira",
            channel=self.config.name,
            key=key,
            url=f"{settings['base_url']}/browse/{quote(key)}",
            state=state,
            state_reason=status,
        )

    def _call(self, secret: str, method: str, url: str, **kwargs: Any) -> Any:
        try:
            return call(self._target(secret), method, url, headers=self._headers(secret), **kwargs)
        except PermanentFailure as refusal:
            status = getattr(refusal, "http_status", None)
            if status != 403:
                raise
            project = checked_settings(self.config).get("project")
            replaced = PermanentFailure(
                f"Jira refused the account (403) for channel '{self.config.name}': it may sign "
                f"in but not create issues in project {project}. Ask a Jira admin for the "
                "Create issues permission there, or use another account: "
                + how_to_replace_secret(self.config.name, self.config.kind)
            )
            replaced.http_status = status  # type: ignore[attr-defined]
            raise replaced from None

    def _headers(self, secret: str) -> dict[str, str]:
        if not secret.strip():
            raise PermanentFailure(
                f"No Jira API token is stored for channel '{self.config.name}': "
                + how_to_replace_secret(self.config.name, self.config.kind)
            )
        email = parseaddr(str(checked_settings(self.config)["email"]))[1]
        pair = base64.b64encode(f"{email}:{secret.strip()}".encode()).decode()
        return {"Authorization": f"Basic {pair}", "Accept": "application/json"}

    def _target(self, secret: str) -> HttpTarget:
        name = self.config.name
        project = self.config.settings.get("project", "the project")
        email = parseaddr(str(self.config.settings.get("email", "")))[1]
        basic = base64.b64encode(f"{email}:{secret.strip()}".encode()).decode()
        return HttpTarget(
            channel=name,
            service="Jira",
            secret_label="API token",
            fix_secret=how_to_replace_secret(name, self.config.kind)
            + " (the token is made at id.atlassian.com under Security, API tokens, for the "
            "account whose email the channel names)",
            not_found=(
                f"Jira found no project {project} or issue type for channel '{name}', or the "
                "account may not see it: check the site, project key and issue type "
                f"(`commander channel add jira {name} --replace --keep-secret ...`)"
            ),
            secrets=tuple(
                sorted({*secret_fragments(secret), *secret_fragments(basic)}, key=len)[::-1]
            ),
            sends="issue",
            fix_what_was_sent="the follow-up",
        )


def _member(value: dict[str, Any], name: str) -> dict[str, Any]:
    """An object inside an answer's object, or an empty one where the answer has none."""
    found = value.get(name)
    return found if isinstance(found, dict) else {}

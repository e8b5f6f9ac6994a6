"""Follow-ups as GitHub issues (REST API, version 2022-11-28).

What this relies on, from GitHub's REST reference ("Issues": Create an issue, Get an
issue, List repository issues; as published in github/rest-api-description and the
Octokit route definitions):

- `POST /repos/{owner}/{repo}/issues` takes `title` (required), `body`, `labels` (array
  of names) and `assignees` (array of logins; silently dropped without push access) and
  answers 201 with the issue (`number`, `html_url`, `state`, `state_reason`). 410 Gone
  when the repository has issues turned off; 422 `{"message", "errors"}` on a bad field.
- `GET /repos/{owner}/{repo}/issues/{number}`: `state` open|closed and `state_reason`
  completed|not_planned|reopened (null for older closures).
- `GET /repos/{owner}/{repo}/issues?state=all&since=…` lists issues (and pull requests,
  which carry `pull_request`) updated since a time, `sort` created|updated|comments,
  `direction` asc|desc, `per_page` at most 100, `page` from 1, each with `created_at`.
  After a lost answer the push is found there by the hidden marker in its body, not
  through `/search/issues`, whose index can lag minutes behind a create.
- Headers `Authorization: Bearer <token>`, `Accept: application/vnd.github+json`,
  `X-GitHub-Api-Version: 2022-11-28`. Rate limits answer 403 or 429 with `Retry-After`
  or `x-ratelimit-remaining: 0` (`http_delivery` waits as asked, for GitHub's 403 only
  where this channel's target says so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from commander_app.core.errors import ValidationError
from commander_app.core.times import from_iso, to_iso
from commander_app.core.tracker import PushRequest, RemoteIssue, issue_text, marker
from commander_app.publish.channel_settings import checked_settings, how_to_replace_secret
from commander_app.publish.delivery import (
    ChannelConfig,
    PermanentFailure,
)
from commander_app.publish.http_delivery import CLOCK_SKEW, HttpTarget, as_utc, call
from commander_app.publish.redaction import secret_fragments
from commander_app.publish.trackers import (
    PushContext,
    TakesNoUpdates,
    answer_not_read,
    is_web_address,
)

API_VERSION = "2022-11-28"
PAGE_SIZE = 100  # the most GitHub lists per page
FIND_PAGES = 10  # pages read after a lost answer before a person is asked


class GitHubIssues(TakesNoUpdates):
    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def issue_fields(self, request: PushRequest) -> dict[str, Any]:
        """The create body: the title, the text with the hidden marker, labels, assignees."""
        settings = checked_settings(self.config)
        fields: dict[str, Any] = {
            "title": request.title,
            "body": f"{issue_text(request)}\n\n{marker(request.action_id)}",
        }
        if settings["labels"]:
            fields["labels"] = list(settings["labels"])
        login = settings["assignees"].get(request.owner or "")
        if login:
            fields["assignees"] = [login]
        return fields

    def create(self, request: PushRequest, context: PushContext) -> RemoteIssue:
        settings = checked_settings(self.config)
        reply = self._call(
            context.secret,
            "POST",
            f"{self._repo_url(settings)}/issues",
            timeout=context.timeout,
            json_body=self.issue_fields(request),
            about_to_commit=context.about_to_commit,
        )
        return self._issue(reply.body, settings, created=True)

    def find_created(self, request: PushRequest, context: PushContext) -> RemoteIssue | None:
        """The issue a lost answer made, found by the marker in its body.

        The list holds every issue updated since the attempt began (old ones a colleague
        touched as well), so it is read newest-created first, a page of 100 at a time,
        until an issue created before the attempt: the push's issue cannot be older.
        Of several with the marker, the first one made is the one kept. A repository so
        busy that `FIND_PAGES` pages do not reach back is not guessed at: the push stops
        for a person, never made twice."""
        settings = checked_settings(self.config)
        since = as_utc(context.attempt_started_at) - CLOCK_SKEW
        tag = marker(request.action_id)
        found: dict[str, Any] | None = None
        for page in range(1, FIND_PAGES + 1):
            listed = self._page(context, settings, since, page)
            for issue in listed:
                created = _created_at(issue)
                if created is not None and created < since:
                    return None if found is None else self._issue(found, settings, created=True)
                if (
                    "pull_request" not in issue
                    and _number(issue) is not None
                    and tag in str(issue.get("body") or "")
                ):
                    found = issue  # newest first: the last seen is the first made
            if len(listed) < PAGE_SIZE:
                return None if found is None else self._issue(found, settings, created=True)
        if found is not None:
            return self._issue(found, settings, created=True)
        raise PermanentFailure(
            f"Cannot tell whether GitHub made the issue for this follow-up: more than "
            f"{FIND_PAGES * PAGE_SIZE:,} issues of {settings['repository']} changed since the "
            f"push began. Look there for an issue whose body holds {tag}: if there is "
            "one, cancel this push; if not, retry it."
        )

    def _page(
        self, context: PushContext, settings: dict[str, Any], since: datetime, page: int
    ) -> list[dict[str, Any]]:
        reply = self._call(
            context.secret,
            "GET",
            f"{self._repo_url(settings)}/issues",
            timeout=context.timeout,
            params={
                "state": "all",
                "since": to_iso(since).replace("+00:00", "Z"),
                "sort": "created",
                "direction": "desc",
                "per_page": str(PAGE_SIZE),
                "page": str(page),
            },
        )
        listed = reply.body if isinstance(reply.body, list) else []
        return [issue for issue in listed[:PAGE_SIZE] if isinstance(issue, dict)]

    def read_state(self, issue: RemoteIssue, secret: str, timeout: float = 20.0) -> RemoteIssue:
        settings = checked_settings(self.config)
        number = issue.key.rpartition("#")[2]
        reply = self._call(
            secret, "GET", f"{self._repo_url(settings)}/issues/{quote(number)}", timeout=timeout
        )
        return self._issue(reply.body, settings, created=False)

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        settings = checked_settings(self.config)
        reply = self._call(secret, "GET", self._repo_url(settings), timeout=timeout)
        repo = reply.body if isinstance(reply.body, dict) else {}
        if repo.get("has_issues") is False:
            raise PermanentFailure(
                f"The repository {settings['repository']} has issues turned off: turn them on "
                "in its Settings (General, Features), or choose another repository."
            )
        return (
            f"Signed in to GitHub and found repository {settings['repository']}; "
            "nothing was created."
        )

    # -- helpers --------------------------------------------------------------------

    def _issue(self, issue: Any, settings: dict[str, Any], *, created: bool) -> RemoteIssue:
        """The issue an answer describes; its number is what names it (the key)."""
        number = _number(issue) if isinstance(issue, dict) else None
        if number is None:
            raise answer_not_read("github", self.config.name, "no issue number", created=created)
        address = issue.get("html_url")
        if not is_web_address(address):  # then the API's address of the issue
            address = f"{self._repo_url(settings)}/issues/{number}"
        reason = issue.get("state_reason")
        return RemoteIssue(
            kind="github",
            channel=self.config.name,
            key=f"{settings['repository']}#{number}",
            url=address,
            state=str(issue.get("state") or "open"),
            state_reason=str(reason) if reason else None,
        )

    def _repo_url(self, settings: dict[str, Any]) -> str:
        owner, _, repo = settings["repository"].partition("/")
        return f"{settings['base_url']}/repos/{quote(owner)}/{quote(repo)}"

    def _call(self, secret: str, method: str, url: str, **kwargs: Any) -> Any:
        try:
            return call(self._target(secret), method, url, headers=self._headers(secret), **kwargs)
        except PermanentFailure as refusal:
            raise self._in_users_words(refusal) from None

    def _in_users_words(self, refusal: PermanentFailure) -> PermanentFailure:
        status = getattr(refusal, "http_status", None)
        repo = checked_settings(self.config).get("repository", "the repository")
        name = self.config.name
        if status == 410:
            message = (
                f"The repository {repo} has issues turned off (410) for channel '{name}': turn "
                "them on in its Settings (General, Features), or point the channel at "
                f"another repository (`commander channel add github {name} --replace "
                "--keep-secret --repo OWNER/REPO`)."
            )
        elif status == 403:
            message = (
                f"GitHub refused the token (403) for channel '{name}': it may read {repo} but "
                "not write issues. Give it the Issues: write permission (fine-grained token) "
                "or the repo scope, then " + how_to_replace_secret(name, self.config.kind)
            )
        else:
            return refusal
        replaced = PermanentFailure(message)
        replaced.http_status = status  # type: ignore[attr-defined]
        return replaced

    def _headers(self, secret: str) -> dict[str, str]:
        if not secret.strip():
            raise PermanentFailure(
                f"No GitHub token is stored for channel '{self.config.name}': "
                + how_to_replace_secret(self.config.name, self.config.kind)
            )
        return {
            "Authorization": f"Bearer {secret.strip()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }

    def _target(self, secret: str) -> HttpTarget:
        name = self.config.name
        repo = self.config.settings.get("repository", "the repository")
        return HttpTarget(
            channel=name,
            service="GitHub",
            secret_label="token",
            fix_secret=how_to_replace_secret(name, self.config.kind),
            not_found=(
                f"GitHub found no repository {repo} for channel '{name}', or the token may not "
                "see it: check OWNER/REPO (`commander channel add github "
                f"{name} --replace --keep-secret --repo OWNER/REPO`) and the token's access"
            ),
            secrets=secret_fragments(secret),
            forbidden_may_be_rate_limit=True,
            sends="issue",
            fix_what_was_sent="the follow-up",
        )


def _created_at(issue: dict[str, Any]) -> datetime | None:
    try:
        return as_utc(from_iso(str(issue.get("created_at"))))
    except ValidationError:
        return None  # not one GitHub wrote: read on, never stop the search on it


def _number(issue: dict[str, Any]) -> int | None:
    number = issue.get("number")
    return number if type(number) is int and number > 0 else None

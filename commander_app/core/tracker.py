"""Follow-ups pushed to an issue tracker (GitHub Issues, Jira Cloud): what is sent, how a
pushed issue is recognised again, and what a change on the tracker means for the item.

Pure rules, no I/O. A push is sent once: every issue carries the follow-up's id (a
hidden marker in a GitHub body, a label in Jira), so after a lost answer the tracker can
be asked whether the issue already exists. What the tracker says later is logged as an
event on the action; only "closed as completed" moves the item, to done, with the
tracker's closure as its evidence (see `remote_change_body`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commander_app.core.board import Action, summary
from commander_app.core.bodies import ActionBody, TrackerBody
from commander_app.core.errors import ValidationError
from commander_app.core.model import FollowUpState

TRACKER_NAMES = {"github": "GitHub", "jira": "Jira"}
# GitHub documents no title limit beyond "required"; Jira's summary is at most 255
# characters. One bound for both keeps a title readable in either tracker's lists.
MAX_TITLE = 255
MAX_BODY = 60_000  # under GitHub's 65,536-character body limit, with room for the marker
MARKER_PREFIX = "commander-follow-up:"


def marker(action_id: str) -> str:
    """The hidden line in a GitHub issue body that names the follow-up it was made from."""
    return f"<!-- {MARKER_PREFIX} {action_id} -->"


def label(action_id: str) -> str:
    """The Jira label that names the follow-up (labels cannot hold spaces)."""
    return f"commander-{action_id.lower()}"


def bounded_title(text: str, limit: int = MAX_TITLE) -> str:
    """The first line of the follow-up, cut at a word to fit the tracker's title."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if not line:
        raise ValidationError("A follow-up with no text cannot become an issue.")
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


@dataclass(frozen=True)
class PushRequest:
    """A follow-up as it goes to the tracker, frozen when the push is queued."""

    action_id: str
    incident_id: str
    incident_title: str
    number: str  # A3
    title: str
    text: str  # the follow-up's full text, with its done-criterion
    owner: str | None
    due: str | None  # UTC ISO-8601
    priority: str | None


def push_request(action: Action, number: str, incident_id: str, incident_title: str) -> PushRequest:
    """Refused for an item that is closed: an issue for finished work is noise."""
    if action.closed:
        state = "done" if action.state is FollowUpState.DONE else "dropped (won't do)"
        raise ValidationError(
            f"'{summary(action.text, 60)}' is already {state}; reopen it before pushing it."
        )
    return PushRequest(
        action_id=action.id,
        incident_id=incident_id,
        incident_title=incident_title,
        number=number,
        title=bounded_title(action.text),
        text=action.text.strip(),
        owner=action.owner,
        due=action.due,
        priority=action.priority.value if action.priority else None,
    )


def issue_text(request: PushRequest) -> str:
    """The description: the commitment, who owns it, when it is due, where it came from."""
    lines = [request.text, ""]
    if request.owner:
        lines.append(f"Owner: {request.owner}")
    if request.due:
        lines.append(f"Due: {request.due[:10]}")
    if request.priority:
        lines.append(f"Priority: {request.priority}")
    lines.append(
        f"Follow-up {request.number} of the incident “{request.incident_title}” "
        f"(Commander incident {request.incident_id})."
    )
    text = "\n".join(lines)
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 1] + "…"


@dataclass(frozen=True)
class RemoteIssue:
    """An issue on the tracker as Commander keeps it: its key and address, its state."""

    kind: str  # github | jira
    channel: str
    key: str  # "acme/ops#12" or "OPS-12"
    url: str
    state: str = "open"  # GitHub open|closed; Jira's status category new|indeterminate|done
    state_reason: str | None = None  # GitHub completed|not_planned|reopened; Jira status name

    def as_body(self) -> TrackerBody:
        return {
            "kind": self.kind,
            "channel": self.channel,
            "key": self.key,
            "url": self.url,
            "state": self.state,
            "state_reason": self.state_reason,
        }

    @property
    def closed(self) -> bool:
        return self.state in ("closed", "done")

    @property
    def completed(self) -> bool:
        """Closed as done: GitHub's "completed" (or no reason, as older closures have), or
        Jira's done category (Jira's status name says no more)."""
        if self.kind == "github":
            return self.state == "closed" and self.state_reason in (None, "completed")
        return self.state == "done"

    def describe_state(self) -> str:
        name = TRACKER_NAMES.get(self.kind, self.kind)
        if self.kind == "github":
            if self.state == "closed":
                reason = (self.state_reason or "completed").replace("_", " ")
                return f"closed in {name} as {reason}"
            return f"open in {name}"
        status = f" ({self.state_reason})" if self.state_reason else ""
        word = {"done": "done", "new": "to do", "indeterminate": "in progress"}.get(
            self.state, self.state
        )
        return f"{word} in {name}{status}"


def remote_issue(value: Mapping[str, Any]) -> RemoteIssue:
    return RemoteIssue(
        kind=str(value["kind"]),
        channel=str(value["channel"]),
        key=str(value["key"]),
        url=str(value["url"]),
        state=str(value.get("state") or "open"),
        state_reason=value.get("state_reason"),
    )


def pushed_body(action: Action, issue: RemoteIssue) -> ActionBody:
    """The event that keeps the issue's key on the action."""
    name = TRACKER_NAMES[issue.kind]
    return {
        "ref": action.id,
        "tracker": issue.as_body(),
        "text": f"In {name} as {issue.key}: {summary(action.text)}",
    }


def is_news(before: RemoteIssue, now: RemoteIssue) -> bool:
    """Whether the tracker's state changed since Commander last looked. A reason not yet
    known (Jira's status name after a create) arriving is no news."""
    return not (before.state == now.state and before.state_reason in (None, now.state_reason))


def remote_change_body(action: Action, before: RemoteIssue, now: RemoteIssue) -> ActionBody | None:
    """What the log says when the tracker's state changed since Commander last looked.

    None when nothing changed. A closure as completed moves an open item to done, with
    "closed in GitHub as completed: URL" as its evidence: the owner closed their own
    issue, which is what evidence of done means here. Any other closure (not planned,
    duplicate) or a reopening is logged and left to a person: dropping an item is a
    decision with a reason, and reopening done work needs someone to say why.
    """
    if not is_news(before, now):
        return None
    said = now.describe_state()
    body: ActionBody = {
        "ref": action.id,
        "tracker": now.as_body(),
        "text": f"{now.key} {said}: {summary(action.text)}",
    }
    if now.completed and not action.closed:
        body["state"] = FollowUpState.DONE.value
        body["done"] = True
        body["evidence"] = f"{said[0].upper()}{said[1:]}: {now.url}"
        body["text"] = f"Done ({said}): {summary(action.text)}"
    elif now.closed and not action.closed:
        body["text"] += " — decide: `commander action wont` with the reason, or reopen it there"
    return body

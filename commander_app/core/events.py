"""Building and checking event bodies; the text a person reads for each event."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, cast

from commander_app.core.bodies import (
    CommsBody,
    DecisionBody,
    DivergenceBody,
    IncidentBody,
    MilestoneBody,
    RoleBody,
    SeverityBody,
    StatusBody,
    TextBody,
    TrackerBody,
)
from commander_app.core.errors import ValidationError
from commander_app.core.ids import check_ulid
from commander_app.core.model import (
    BOARD_KINDS,
    CHANGE_KINDS,
    KIND_COMMANDS,
    TEXT_KINDS,
    Ack,
    Afterwards,
    Audience,
    CommsAction,
    DecisionKind,
    DivergenceReview,
    FollowUpState,
    FollowUpType,
    HypothesisState,
    Kind,
    Milestone,
    Outcome,
    Priority,
    Role,
    RoleChange,
    Severity,
    Status,
)
from commander_app.core.times import from_iso, to_iso

MAX_TEXT = 20_000  # about ten pages: far past any log line, short of a pasted dump
MAX_TITLE = 200
MAX_NAME = 100
MAX_FACT = 1_000  # an update's impact or workaround: a few sentences
MAX_SNOOZE_MINUTES = 240  # four hours: longer than that is a different cadence, not a snooze
MAX_EXPECT_MINUTES = 24 * 60  # a decision's effect expected later than a day is not a rollback
MAX_BODY = 64_000  # characters of text in one event body, keys and values together
MAX_BODY_VALUES = 1_000  # keys and list items in one event body, at every level
MAX_BODY_DEPTH = 6  # objects and lists inside each other (a decision's authority is 3)
CHECKLIST_ITEM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")


def clean_text(text: object, what: str = "entry", limit: int = MAX_TEXT) -> str:
    """Trimmed text that SQLite, JSON and every export can hold unchanged."""
    if not isinstance(text, str):
        raise ValidationError(f"The {what} must be text.")
    stripped = text.strip()
    if not stripped:
        raise ValidationError(f"The {what} is empty.")
    if len(stripped) > limit:
        raise ValidationError(
            f"The {what} is {len(stripped):,} characters long; the limit is {limit:,}. "
            "Attach long output as a file and log a short summary."
        )
    if "\x00" in stripped:
        raise ValidationError(f"The {what} contains a NUL character, which cannot be stored.")
    try:
        stripped.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"The {what} contains characters that are not valid Unicode text."
        ) from None
    return stripped


def clean_title(title: object) -> str:
    text = clean_text(title, "incident title", MAX_TITLE)
    if "\n" in text:
        raise ValidationError("The incident title must be a single line.")
    return text


def clean_name(name: object, what: str = "name") -> str:
    text = clean_text(name, what, MAX_NAME)
    if "\n" in text:
        raise ValidationError(f"The {what} must be a single line.")
    return text


def clean_device_id(value: object) -> str:
    """The one rule for a device id, for this laptop's own and for every imported
    event: what a colleague's import accepts is exactly what this laptop may write."""
    return clean_name(value, "device id")


def text_body(kind: Kind, text: str, **extra: object) -> TextBody:
    """The body of an entry a responder typed, refusing kinds that have a command.

    `extra` fields (None ones left out) are the kind's own; their builders type them."""
    if kind not in TEXT_KINDS:
        command = KIND_COMMANDS.get(kind)
        hint = f"; use `{command}`" if command else ""
        raise ValidationError(f"'{kind.value}' entries are not typed as free text{hint}.")
    body: dict[str, object] = {"text": clean_text(text)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return cast(TextBody, body)


def opened_body(title: str, severity: Severity, drill: bool, commander: str | None) -> IncidentBody:
    body: IncidentBody = {
        "action": "opened",
        "title": clean_title(title),
        "severity": severity.value,
        "drill": bool(drill),
    }
    if commander:
        body["commander"] = clean_name(commander, "commander's name")
    return body


def _check_storable(kind: Kind, body: dict[str, object]) -> None:
    """Every value must survive JSON and UTF-8 unchanged: no NaN, no lone surrogates."""
    try:
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ValidationError(
            f"The '{kind.value}' event holds values that cannot be stored "
            "(not-a-number, infinity, or broken Unicode)."
        ) from None


def _check_bounded(kind: Kind, body: Mapping[str, object]) -> None:
    """A body is small whatever it holds: fields a kind does not know (a newer
    Commander's, a hand-edited bundle's) are kept, but only within these bounds,
    so a 100 MB event is refused before anything is written."""
    budget = {"size": 0, "values": 0}

    def refuse(what: str) -> ValidationError:
        return ValidationError(f"The '{kind.value}' event is too large: {what}.")

    def walk(value: object, depth: int) -> None:
        if depth > MAX_BODY_DEPTH:
            raise refuse(f"it nests objects or lists more than {MAX_BODY_DEPTH} deep")
        if isinstance(value, Mapping):
            items: list[object] = []
            for key, item in value.items():
                if not isinstance(key, str) or len(key) > MAX_NAME:
                    raise refuse(f"a field name is not text of at most {MAX_NAME} characters")
                budget["size"] += len(key)
                items.append(item)
            if budget["size"] > MAX_BODY:
                raise refuse(f"it holds more than {MAX_BODY:,} characters in all")
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise refuse(f"a field holds {len(value):,} characters; the limit is {MAX_TEXT:,}")
            budget["size"] += len(value) if isinstance(value, str) else 8
            if budget["size"] > MAX_BODY:
                raise refuse(f"it holds more than {MAX_BODY:,} characters in all")
            return
        budget["values"] += len(items)
        if budget["values"] > MAX_BODY_VALUES:
            raise refuse(f"it holds more than {MAX_BODY_VALUES:,} fields and list items")
        for item in items:
            walk(item, depth + 1)

    walk(body, 1)


def validate_body(kind: Kind, body: object) -> dict[str, Any]:
    """Check a body against its kind, for appends and for imported bundles alike."""
    if not isinstance(body, Mapping):
        raise ValidationError(f"The body of a '{kind.value}' event must be an object.")
    body = dict(body)
    _check_bounded(kind, body)
    _check_storable(kind, body)
    if kind in TEXT_KINDS or kind in (Kind.COMMS, Kind.CHECKLIST, Kind.DIVERGENCE):
        clean_text(body.get("text"), f"{kind.value} text")
        if kind in BOARD_KINDS:
            _check_board_fields(kind, body)
        elif kind is Kind.COMMS:
            _check_comms_fields(body)
            if body.get("remote_incident_id") is not None:
                from commander_app.core.conflict_bodies import check_remote_incident

                check_remote_incident(body)
        elif kind is Kind.CHECKLIST:
            _check_checklist_fields(body)
        elif kind is Kind.DIVERGENCE:
            _check_divergence_fields(body)
        elif kind is Kind.ALERT and len(body) > 1:  # more than a typed alert's text
            from commander_app.core.alerts import check_alert_body  # it builds on this

            check_alert_body(body)
    elif kind is Kind.INCIDENT:
        action = body.get("action")
        if action not in ("opened", "renamed", "playbook"):
            raise ValidationError("An incident event must be 'opened', 'renamed' or 'playbook'.")
        clean_title(body.get("title"))
        _check_playbook_fields(body, needed=action == "playbook")
        if action == "opened":
            Severity.parse(str(body.get("severity")))
            if not isinstance(body.get("drill", False), bool):
                raise ValidationError("An incident's drill flag must be true or false.")
            if body.get("commander") is not None:
                clean_name(body["commander"], "commander's name")
            _check_imported_fields(body)
    elif kind is Kind.POSTMORTEM:
        from commander_app.core.postmortem import check_postmortem_body  # it builds on this

        clean_text(body.get("text"), "postmortem entry")
        check_postmortem_body(body)
    elif kind is Kind.RUNBOOK:
        from commander_app.core.runbook_steps import check_runbook_body  # it builds on this

        check_runbook_body(body)
    elif kind is Kind.DRILL:
        _check_drill_fields(body)
    elif kind is Kind.CONFLICT:
        from commander_app.core.conflict_bodies import check_conflict_body  # it builds on this

        check_conflict_body(body)
    elif kind is Kind.STATUS:
        Status.parse(str(body.get("status")))
    elif kind is Kind.SEVERITY:
        Severity.parse(str(body.get("severity")))
    elif kind is Kind.MILESTONE:
        Milestone.parse(str(body.get("milestone")))
    elif kind is Kind.ROLE:
        if str(body.get("role")) not in {r.value for r in Role}:
            Role.parse(str(body.get("role")))  # names the choices
        clean_name(body.get("person"), "person's name")
        _check_role_change(body)
    if body.get("seen") is not None and kind in (Kind.ROLE, Kind.ACTION, Kind.DECISION):
        from commander_app.core.conflict_bodies import check_seen  # it builds on this

        check_seen(body)
    return body


MAX_PLAYBOOK_NAME = 200
MAX_PLAYBOOK_CHANGES = 40


def _check_playbook_fields(body: dict[str, object], *, needed: bool) -> None:
    """The playbook an incident opened under, or (a "playbook" event) the one that now
    replaces an earlier one, with the parts that changed."""
    for key in ("playbook", "previous"):
        value = body.get(key)
        if value is None and not (needed and key == "playbook"):
            continue
        if not isinstance(value, dict) or set(value) != {"name", "digest", "source"}:
            raise ValidationError(
                f"An incident's {key} must name a playbook, its digest and source."
            )
        if not all(isinstance(v, str) and len(v) <= MAX_PLAYBOOK_NAME for v in value.values()):
            raise ValidationError(f"An incident's {key} must be short texts.")
    changes = body.get("changes")
    if changes is not None and (
        not isinstance(changes, list)
        or len(changes) > MAX_PLAYBOOK_CHANGES
        or not all(isinstance(c, str) and len(c) <= MAX_PLAYBOOK_NAME for c in changes)
    ):
        raise ValidationError("A playbook change lists at most 40 short parts that changed.")


def _check_imported_fields(body: dict[str, object]) -> None:
    """An incident brought in from another tool's history (`core.history_csv`): marked
    imported, perhaps with its services, whether a deploy caused it, and its id there."""
    for name, what in (("imported", "imported mark"), ("deploy_caused", "deploy flag")):
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise ValidationError(f"An incident's {what} must be true or false.")
    if body.get("services") is not None:
        services = body["services"]
        if not isinstance(services, list):
            raise ValidationError("An incident's services must be a list of names.")
        body["services"] = [clean_name(name, "service name") for name in services]
    if body.get("external_id") is not None:
        clean_name(body["external_id"], "incident's id in the other tool")


def _check_board_fields(kind: Kind, body: dict[str, object]) -> None:
    """The structured fields of hypotheses, findings, actions and decisions, when present.

    Ids and times are written back in their one stored form, as imports do for
    `supersedes` and event times, so the board's lookups compare like with like.
    """
    if body.get("ref") is not None:
        body["ref"] = check_ulid(body["ref"], "id of the entry it updates")
    if body.get("owner") is not None and kind in (Kind.HYPOTHESIS, Kind.ACTION):
        clean_name(body["owner"], "owner's name")
    if kind is Kind.HYPOTHESIS and body.get("state") is not None:
        check_choice(body["state"], HypothesisState, "hypothesis state")
        if body.get("ref") is None:
            raise ValidationError("A hypothesis state change must name the hypothesis (ref).")
    elif kind is Kind.ACTION:
        if body.get("due") is not None:
            if not isinstance(body["due"], str):
                raise ValidationError("An action's due time must be an ISO-8601 time.")
            body["due"] = to_iso(from_iso(body["due"]))
        if body.get("done") is not None:
            if not isinstance(body["done"], bool):
                raise ValidationError("An action's done flag must be true or false.")
            if body.get("ref") is None:
                raise ValidationError("Completing an action must name the action (ref).")
        _check_follow_up_fields(body)
    elif kind is Kind.DECISION:
        options = body.get("options")
        if options is not None:
            if not isinstance(options, list):
                raise ValidationError("A decision's options must be a list of texts.")
            for option in options:
                clean_text(option, "decision option", MAX_TITLE)
        if body.get("reversible") is not None and not isinstance(body["reversible"], bool):
            raise ValidationError("A decision's reversible flag must be true or false.")
        _check_decision_record(body)


def _check_follow_up_fields(body: dict[str, object]) -> None:
    """An action written as a follow-up, or an update of one (`core.follow_ups`)."""
    for name, vocabulary, what in (
        ("ack", Ack, "acknowledgement"),
        ("state", FollowUpState, "follow-up state"),
        ("type", FollowUpType, "follow-up type"),
        ("priority", Priority, "priority"),
    ):
        if body.get(name) is not None:
            check_choice(body[name], vocabulary, what)
    if body.get("state") is not None and body.get("ref") is None:
        raise ValidationError("A follow-up's state change must name the item (ref).")
    for name in ("follow_up", "symptom"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise ValidationError(
                f"An action's {name.replace('_', '-')} flag must be true or false."
            )
    for name in ("factor", "twin"):
        if body.get(name) is not None:
            body[name] = check_ulid(body[name], f"id of the {name} it is linked to")
    if body.get("class_owner") is not None:
        clean_name(body["class_owner"], "name of the class owner")
    for name in ("evidence", "reason", "text_override"):
        if body.get(name) is not None:
            clean_text(body[name], name.replace("_", " "), MAX_FACT)
    if body.get("tracker") is not None:
        if body.get("ref") is None:
            raise ValidationError("An issue on a tracker must name the item it tracks (ref).")
        body["tracker"] = _check_tracker(body["tracker"])


TRACKER_KINDS = ("github", "jira")


def _check_tracker(value: object) -> TrackerBody:
    """An action's issue on a tracker (`core.tracker`): kind, channel, key, url, state."""
    if not isinstance(value, Mapping):
        raise ValidationError("An action's tracker must be an object.")
    if value.get("kind") not in TRACKER_KINDS:
        raise ValidationError("An action's tracker kind must be github or jira.")
    for name in ("channel", "key", "url", "state"):
        item = value.get(name)
        if not isinstance(item, str) or not item.strip() or len(item) > 2_000:
            raise ValidationError(f"An action's tracker needs its {name} as a short text.")
    if not str(value["url"]).startswith(("https://", "http://")):
        raise ValidationError("An action's tracker url must be a web address.")
    reason = value.get("state_reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
        raise ValidationError("An action's tracker state reason must be a short text.")
    return {
        "kind": value["kind"],
        "channel": value["channel"],
        "key": value["key"],
        "url": value["url"],
        "state": value["state"],
        "state_reason": reason,
    }


def _check_decision_record(body: dict[str, object]) -> None:
    """The decision record's fields, when present; an update names its decision (ref)."""
    if body.get("decision_kind") is not None:
        check_choice(body["decision_kind"], DecisionKind, "decision kind")
    if body.get("role") is not None:
        check_choice(body["role"], Role, "role")
    objections = body.get("objections")
    if objections is not None:
        if not isinstance(objections, list):
            raise ValidationError("A decision's objections must be a list of texts.")
        for objection in objections:
            clean_text(objection, "objection", 1_000)
    if body.get("expect_minutes") is not None:
        check_expect_minutes(body["expect_minutes"])
    authority = body.get("authority")
    if authority is not None:
        _check_authority(authority)
    if body.get("outcome") is not None:
        check_choice(body["outcome"], Outcome, "outcome")
    if body.get("asked") is not None and body["asked"] is not True:
        raise ValidationError("A decision's 'asked' mark must be true.")
    answers = body.get("outcome") is not None or body.get("asked") is not None
    if answers and body.get("ref") is None:
        raise ValidationError("An outcome must name the decision it answers (ref).")
    if body.get("note") is not None:
        clean_text(body["note"], "note", 1_000)


def _check_authority(authority: object) -> None:
    """What a production change rested on: the matrix row (by severity) and how it passed."""
    if not isinstance(authority, Mapping):
        raise ValidationError("A decision's authority must be an object.")
    Severity.parse(str(authority.get("severity")))
    basis = authority.get("basis")
    if basis not in ("checklist", "override"):
        raise ValidationError("A decision's authority rests on 'checklist' or 'override'.")
    if basis == "override":
        clean_text(authority.get("override_reason"), "reason for the override", 1_000)
    for key in ("may_decide", "inform"):
        names = authority.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValidationError(f"A decision's authority '{key}' must be a list of names.")
    holders = authority.get("holders", {})
    if not isinstance(holders, Mapping) or not all(
        isinstance(v, str | None) for v in holders.values()
    ):
        raise ValidationError("A decision's authority holders must map roles to names.")


def check_expect_minutes(minutes: object) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationError("The expected time to effect is a whole number of minutes.")
    if not 1 <= minutes <= MAX_EXPECT_MINUTES:
        raise ValidationError(
            f"The expected time to effect is 1 to {MAX_EXPECT_MINUTES} minutes, not {minutes}."
        )
    return minutes


def _check_checklist_fields(body: dict[str, object]) -> None:
    """A tick names the checklist item (its id) and says whether it is now ticked."""
    item = body.get("item")
    if item is None:
        return
    if not isinstance(item, str) or not CHECKLIST_ITEM_ID.fullmatch(item):
        raise ValidationError(
            "A checklist item id is 1 to 60 lower-case letters, digits, '-' or '_'."
        )
    if not isinstance(body.get("checked"), bool):
        raise ValidationError("A checklist tick must say whether the item is checked.")


def _check_divergence_fields(body: dict[str, object]) -> None:
    """A change to production (what kind, and what must happen to it afterwards),
    or a review of one (ref, and whether it was reverted or made permanent)."""
    if body.get("ref") is not None:
        body["ref"] = check_ulid(body["ref"], "id of the change it reviews")
        check_choice(body.get("review"), DivergenceReview, "review")
    else:
        change = str(body.get("change"))
        check_choice(change, DecisionKind, "production change")
        if DecisionKind(change) not in CHANGE_KINDS:
            raise ValidationError(
                "A production change is a rollback, flag, config, scaling or failover."
            )
        if body.get("afterwards") is not None:
            check_choice(body["afterwards"], Afterwards, "plan for afterwards")
    if body.get("by") is not None:
        clean_name(body["by"], "name of who made the change")
    if body.get("note") is not None:
        clean_text(body["note"], "note", 1_000)


_DRILL_ACTIONS = ("started", "fired", "skipped", "delayed", "paused", "resumed")


def _check_drill_fields(body: dict[str, object]) -> None:
    """A drill's control: which one, and what the schedule folds from it."""
    action = body.get("action")
    if action not in _DRILL_ACTIONS:
        raise ValidationError(f"A drill event is one of {', '.join(_DRILL_ACTIONS)}.")
    clean_text(body.get("text"), "drill text", MAX_TITLE)
    if action == "started":
        clean_text(body.get("scenario"), "scenario name", MAX_TITLE)
        speed = body.get("speed", 1.0)
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= 60:
            raise ValidationError("A drill's speed is a number above 0 and at most 60.")
    if action in ("fired", "skipped", "delayed"):
        clean_name(body.get("inject"), "inject id")
    if action == "delayed":
        minutes = body.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
            raise ValidationError("An inject is delayed by 1 to 1440 minutes.")


def _check_comms_fields(body: dict[str, object]) -> None:
    """The fields the update cadence reads, when present; a send or a snooze names its audience.

    The promised next update is written back in the one stored form, like an action's due.
    """
    action = body.get("action")
    if action is not None:
        check_choice(action, CommsAction, "comms action")
    if body.get("audience") is not None:
        check_choice(body["audience"], Audience, "audience")
    elif action in (CommsAction.SENT, CommsAction.SNOOZED):
        raise ValidationError(f"A '{action}' update must name its audience.")
    if body.get("channel") is not None:
        clean_name(body["channel"], "channel")
    if not isinstance(body.get("drill", False), bool):
        raise ValidationError("An update's drill flag must be true or false.")
    if body.get("next_update_at") is not None:
        if not isinstance(body["next_update_at"], str):
            raise ValidationError("The next update time must be an ISO-8601 time.")
        promised = from_iso(body["next_update_at"])
        if promised.year > 9000:  # a cadence computed from it would pass datetime's limits
            raise ValidationError("The next update time is too far in the future.")
        body["next_update_at"] = to_iso(promised)
    if action == CommsAction.SNOOZED or body.get("minutes") is not None:
        check_snooze_minutes(body.get("minutes"))
    if action == CommsAction.SNOOZED or body.get("reason") is not None:
        clean_text(body.get("reason"), "reason for the snooze", MAX_TITLE)
    for key, what in (("impact", "impact"), ("workaround", "workaround")):
        if body.get(key) is not None:
            body[key] = clean_text(body[key], what, MAX_FACT)
    if body.get("services") is not None:
        services = body["services"]
        if not isinstance(services, list):
            raise ValidationError("The affected services must be a list of names.")
        body["services"] = [clean_name(name, "service name") for name in services]


def check_snooze_minutes(minutes: object) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationError("A snooze is a whole number of minutes.")
    if not 1 <= minutes <= MAX_SNOOZE_MINUTES:
        raise ValidationError(
            f"A snooze is 1 to {MAX_SNOOZE_MINUTES} minutes, not {minutes}; "
            "for longer, change the cadence policy."
        )
    return minutes


def _check_role_change(body: dict[str, object]) -> None:
    change = body.get("action", RoleChange.ASSIGNED.value)
    check_choice(change, RoleChange, "role action")
    if change != RoleChange.ASSIGNED.value and body.get("role") != Role.COMMANDER.value:
        raise ValidationError("Only the commander role is handed over with an offer.")
    for key, what in (("from", "outgoing commander's name"), ("entered_by", "name")):
        if body.get(key) is not None:
            clean_name(body[key], what)
    if body.get("briefing") is not None:
        clean_text(body["briefing"], "handoff briefing")


def check_choice(value: object, vocabulary: type[StrEnum], what: str) -> None:
    """Stored values are exact; forgiving parsing is for what people type."""
    choices = [choice.value for choice in vocabulary]
    if value not in choices:
        raise ValidationError(f"Unknown {what} '{value}': use one of {', '.join(choices)}.")


def playbook_change_text(body: IncidentBody) -> str:
    now = body.get("playbook") or {"name": "?", "digest": "?", "source": "?"}
    line = f"Playbook changed: now “{now['name']}” ({now['digest']}"
    line += ", its last good version)" if now["source"] == "last good" else ")"
    before = body.get("previous")
    if before:
        line += f", was “{before['name']}” ({before['digest']})"
    changes = body.get("changes")
    return f"{line}: {', '.join(changes)}" if changes else line


def event_text(kind: Kind, body: Mapping[str, object]) -> str:
    """One line (or paragraph) a person reads in the timeline and search finds."""
    if kind is Kind.INCIDENT:
        incident = cast(IncidentBody, body)
        if incident.get("action") == "renamed":
            return f"Incident renamed: {incident['title']}"
        if incident.get("action") == "playbook":
            return playbook_change_text(incident)
        drill = ", drill" if incident.get("drill") else ""
        return f"Incident opened: {incident['title']} ({incident['severity']}{drill})"
    if kind is Kind.STATUS:
        status = cast(StatusBody, body)
        before = status.get("from")
        return f"Status: {before} → {status['status']}" if before else f"Status: {status['status']}"
    if kind is Kind.SEVERITY:
        severity = cast(SeverityBody, body)
        before = severity.get("from")
        change = f"{before} → {severity['severity']}" if before else severity["severity"]
        return f"Severity: {change}"
    if kind is Kind.MILESTONE:
        return f"Milestone: {str(cast(MilestoneBody, body)['milestone']).replace('_', ' ')}"
    if kind is Kind.ROLE:
        return _role_text(cast(RoleBody, body))
    if kind is Kind.COMMS:
        return _comms_text(cast(CommsBody, body))
    if kind is Kind.CONFLICT:
        return str(body.get("text", ""))
    if kind is Kind.RUNBOOK:
        from commander_app.core.runbook_steps import runbook_event_text

        return runbook_event_text(body)
    if kind is Kind.DECISION and body.get("decision_kind") and body.get("ref") is None:
        return _decision_text(cast(DecisionBody, body))
    if kind is Kind.DIVERGENCE and body.get("change") and body.get("ref") is None:
        logged = cast(DivergenceBody, body)
        by = f", by {logged['by']}" if logged.get("by") else ""
        plan = logged.get("afterwards", "undecided")
        after = "" if plan == "undecided" else f"; afterwards: {str(plan).replace('_', ' ')}"
        return f"Production change ({logged['change']}{by}): {logged.get('text', '')}{after}"
    return str(body.get("text", ""))


def _decision_text(body: DecisionBody) -> str:
    """'Roll back to 4811 (rollback; reversible; effect expected in 10 min; override: …)'."""
    kind = str(body["decision_kind"])
    notes = [] if kind == DecisionKind.OTHER else [kind]
    if body.get("reversible") is not None:
        notes.append("reversible" if body["reversible"] else "NOT reversible")
    if body.get("expect_minutes"):
        notes.append(f"effect expected in {body['expect_minutes']} min")
    authority = body.get("authority")
    if isinstance(authority, Mapping) and authority.get("basis") == "override":
        notes.append(f"checklist overridden: {authority.get('override_reason')}")
    return f"{body.get('text', '')} ({'; '.join(notes)})" if notes else str(body.get("text", ""))


def _comms_text(body: CommsBody) -> str:
    """'Update to executives sent (manual): <the text>'; a snooze's text says it all."""
    text = str(body.get("text", ""))
    action, audience = body.get("action"), body.get("audience")
    if audience is None or action is None or action == CommsAction.SNOOZED:
        return text
    channel = f" ({body['channel']})" if body.get("channel") else ""
    if body.get("drill") and action == CommsAction.SENT:
        return f"Drill update to {audience} recorded, not sent{channel}: {text}"
    if action == CommsAction.SENT and body.get("detail") and body.get("channel"):
        channel = f" ({body['channel']}: {body['detail']})"
    if action == CommsAction.FAILED and body.get("error"):
        return f"Update to {audience} could not be sent{channel}: {body['error']}\n{text}"
    return f"Update to {audience} {action}{channel}: {text}"


def _role_text(body: RoleBody) -> str:
    person = body["person"]
    change = body.get("action", RoleChange.ASSIGNED.value)
    if change == RoleChange.HANDOFF_OFFERED:
        outgoing = body.get("from")
        return f"Command offered to {person}" + (f" by {outgoing}" if outgoing else "")
    by = f" (entered by {body['entered_by']})" if body.get("entered_by") else ""
    if change == RoleChange.HANDOFF_ACCEPTED:
        return f"Commander: {person}, handoff accepted{by}"
    if change == RoleChange.HANDOFF_DECLINED:
        return f"{person} declined command{by}"
    if change == RoleChange.HANDOFF_CANCELLED:
        return f"Handoff of command to {person} cancelled"
    return f"{str(body['role']).replace('_', ' ').capitalize()}: {person}"


def status_body(current: Status, new: Status) -> StatusBody:
    """Any move is allowed (a fix that did not hold goes back to investigating),
    but it must be a move; leaving `resolved` is recorded as a reopen."""
    if new is current:
        raise ValidationError(f"The incident is already {new.value}.")
    body: StatusBody = {"status": new.value, "from": current.value}
    if current is Status.RESOLVED:
        body["reopened"] = True
    return body


def severity_body(current: Severity, new: Severity) -> SeverityBody:
    if new is current:
        raise ValidationError(f"The incident is already {new.value}.")
    return {"severity": new.value, "from": current.value}

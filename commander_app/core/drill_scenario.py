"""A drill scenario: the incident it starts from and the injects that push on the playbook.

An inject fires at an offset from the drill's start (T+05:00) or when something happens
in the drill (a hypothesis mentioning a word, a rollback decided, no first update yet by
an offset). Scenario files are read by `core.drill_scenario_parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from commander_app.core.errors import ValidationError
from commander_app.core.model import Severity

MAX_SPEED = 60.0
_OFFSET = re.compile(r"^T\+(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$")


class InjectKind(StrEnum):
    ALERT_STORM = "alert_storm"  # many symptom alerts, one cause
    EXECUTIVE_ASKS = "executive_asks"  # an executive pings for an ETA
    FINDING_REVEALED = "finding_revealed"  # what a responder would have found by now
    STATUS_PAGE_DOWN = "status_page_down"  # the drill outbox reports the status page down
    COMMANDER_CALLED_AWAY = "commander_called_away"  # command must be handed over
    RUNBOOK_DEPRECATED_TOOL = "runbook_deprecated_tool"  # a step names a retired tool
    NOTE = "note"  # anything else the facilitator wants said


class TriggerKind(StrEnum):
    HYPOTHESIS_MENTIONS = "hypothesis_mentions"
    ROLLBACK_DECIDED = "rollback_decided"
    NO_FIRST_UPDATE_BY = "no_first_update_by"


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    words: str = ""  # hypothesis_mentions: matched case-insensitively
    by: timedelta | None = None  # no_first_update_by: drill time

    def describe(self) -> str:
        if self.kind is TriggerKind.HYPOTHESIS_MENTIONS:
            return f"when a hypothesis mentions '{self.words}'"
        if self.kind is TriggerKind.ROLLBACK_DECIDED:
            return "when a rollback is decided"
        return f"if no first update has gone out by {format_offset(self.by or timedelta())}"


@dataclass(frozen=True)
class Inject:
    """One scripted event. The kind says which of the fields it uses."""

    id: str
    kind: InjectKind
    at: timedelta | None = None  # drill time after the start; None: on its trigger
    trigger: Trigger | None = None
    text: str = ""  # the question, finding, reason or note
    who: str = ""  # who asks (executive_asks)
    count: int = 0  # alert_storm: how many symptom alerts
    alertname: str = ""  # alert_storm: the symptoms' alert name
    cause: str = ""  # alert_storm: the one cause alert's name
    service: str = ""  # alert_storm: the service the alerts name (default: the setup's)
    runbook: str = ""  # runbook_deprecated_tool: the runbook and the step
    step: str = ""
    tool: str = ""
    line: int | None = None  # where it is written in the file

    def when(self) -> str:
        if self.at is not None:
            return format_offset(self.at)
        return self.trigger.describe() if self.trigger else ""


@dataclass(frozen=True)
class DrillSetup:
    title: str
    service: str
    severity: Severity
    facts: tuple[str, ...] = ()
    speed: float = 1.0  # drill minutes per real minute: 2 runs a 60-minute drill in 30


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: DrillSetup
    injects: tuple[Inject, ...]
    digest: str
    summary: str = ""

    def inject(self, inject_id: str) -> Inject:
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        known = ", ".join(i.id for i in self.injects)
        raise ValidationError(f"The scenario has no inject '{inject_id}': its injects are {known}.")


def parse_offset(text: str) -> timedelta:
    """'T+05:00' (minutes:seconds) or 'T+1:30:00' (hours:minutes:seconds)."""
    found = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if not found or int(found.group(3)) >= 60 or (found.group(1) and int(found.group(2)) >= 60):
        raise ValidationError(
            f"'{text}' is not a drill time: write T+MM:SS (T+05:00 is five minutes in) "
            "or T+H:MM:SS."
        )
    hours = int(found.group(1) or 0)
    return timedelta(hours=hours, minutes=int(found.group(2)), seconds=int(found.group(3)))


def format_offset(offset: timedelta) -> str:
    total = int(offset.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"T+{hours}:{minutes:02d}:{seconds:02d}"
    return f"T+{minutes:02d}:{seconds:02d}"

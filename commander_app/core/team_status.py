"""What team sync is doing, in the words the status bar and `team status` use."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

__all__ = ["Peer", "SyncState", "SyncStatus", "status_line"]


class SyncState(StrEnum):
    CONNECTING = "connecting"
    ONLINE = "online"
    CATCHING_UP = "catching up"
    OFFLINE = "offline"
    BLOCKED = "blocked"  # a problem a person must fix (schema, password, certificate)
    STOPPED = "stopped"


@dataclass(frozen=True)
class Peer:
    """Another laptop seen by the team database in the last minute."""

    device_id: str
    person: str
    incidents: tuple[str, ...]
    seconds_ago: float


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState = SyncState.CONNECTING
    database: str = ""  # user@host:port/db
    offline_since: datetime | None = None
    behind: int = 0  # the team's events this laptop still has to pull
    waiting: int = 0  # this laptop's events the team database does not have yet
    refused: int = 0  # events from the team database this log would not take
    problem: str | None = None  # why offline or blocked, in plain words
    peers: tuple[Peer, ...] = field(default_factory=tuple)

    def but(self, **changes: object) -> SyncStatus:
        return replace(self, **changes)  # type: ignore[arg-type]

    def peers_in(self, incident_id: str | None) -> list[Peer]:
        if incident_id is None:
            return list(self.peers)
        return [p for p in self.peers if incident_id in p.incidents]


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def status_line(
    status: SyncStatus, clock_text: str | None = None, incident_id: str | None = None
) -> str:
    """One line: 'Team: online · with bob, carol', 'Team: offline since 14:03 · 12 entries
    wait to be sent'. `clock_text`: offline_since as the reader's local HH:MM."""
    state = status.state
    if state is SyncState.CATCHING_UP and status.behind:
        head = f"Team: catching up {_count(status.behind, 'event', 'events')}"
    elif state is SyncState.OFFLINE:
        head = f"Team: offline since {clock_text}" if clock_text else "Team: offline"
    elif state is SyncState.BLOCKED:
        head = "Team: not syncing"
    else:
        head = f"Team: {state.value}"
    parts = [head]
    if state in (SyncState.ONLINE, SyncState.CATCHING_UP):
        people = sorted({p.person for p in status.peers_in(incident_id)})
        if people:
            parts.append(
                "with "
                + ", ".join(people[:4])
                + (f" +{len(people) - 4}" if len(people) > 4 else "")
            )
    if status.waiting and state is not SyncState.ONLINE:
        parts.append(f"{_count(status.waiting, 'entry waits', 'entries wait')} to be sent")
    if status.refused:
        parts.append(f"{_count(status.refused, 'event', 'events')} refused")
    return " · ".join(parts)

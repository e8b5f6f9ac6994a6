"""A past incident written out as a drill scenario (`core.drill_replay`), checked by the
scenario reader before it is kept, in the team's drills folder by default."""

from __future__ import annotations

from pathlib import Path

from commander_app.core.drill_replay import ReplayGroup, replay_scenario
from commander_app.core.drill_scenario_parse import read_scenario
from commander_app.core.errors import ValidationError
from commander_app.store import alerts, environment
from commander_app.store.drill_scenarios import drills_folder
from commander_app.store.incident_log import IncidentLog
from commander_app.store.services import incident_services


def replay_text(log: IncidentLog, incident_id: str) -> str:
    state = log.incident(incident_id)
    if state.is_drill:
        raise ValidationError(f"“{state.title}” is a drill: replay a real incident.")
    groups = [ReplayGroup(g.name, g.alerts, g.first_seen, g.triage)
              for g in alerts.groups(log, incident_id)]  # fmt: skip
    services = incident_services(log, incident_id)
    text = replay_scenario(state, log.events(incident_id), groups, services[0] if services else "")
    reading = read_scenario(text, "replay")
    if reading.scenario is None:  # a bug here, not the user's: say what the reader said
        raise AssertionError("the replay does not read back: " + repr(reading.problems[:3]))
    return text


def default_path(incident_id: str) -> Path:
    return drills_folder() / f"replay-{incident_id[:10].lower()}.toml"


def write_replay(log: IncidentLog, incident_id: str, path: Path | None = None) -> Path:
    """The scenario file, written atomically; an existing one is never overwritten."""
    target = path or default_path(incident_id)
    text = replay_text(log, incident_id)
    if target.exists() and target.is_file():
        raise ValidationError(f"{target} exists already: give another file with -o.")
    target.parent.mkdir(parents=True, exist_ok=True)
    environment.write_atomically(target, text)
    return target

"""The drill report read from the log (`core.drill_report`), and a break made a
follow-up on the playbook, tracked like every other action item."""

from __future__ import annotations

from commander_app.core.drill_report import DrillFacts, DrillReport, PlaybookBreak, drill_report
from commander_app.core.errors import NotFoundError
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import Event, FollowUpType
from commander_app.store import board as board_store
from commander_app.store import drills
from commander_app.store.incident_figures import figures_now
from commander_app.store.incident_log import IncidentLog
from commander_app.store.playbook import in_force


def read_drill_report(log: IncidentLog, incident_id: str | None = None) -> DrillReport:
    current = drills.run(log, incident_id)
    incident = current.incident
    board = board_store.board(log, incident.id)
    facts = DrillFacts(
        title=incident.title,
        scenario=current.scenario,
        schedule=current.schedule,
        events=log.events(incident.id),
        board=board,
        figures=figures_now(log, incident.id, board=board),
        playbook=in_force().playbook,
    )
    return drill_report(facts)


def find_break(report: DrillReport, number: int) -> PlaybookBreak:
    if not 1 <= number <= len(report.breaks):
        raise NotFoundError(
            f"The drill report lists {len(report.breaks)} places where the playbook broke; "
            f"there is no number {number}."
        )
    return report.breaks[number - 1]


def propose_break(
    log: IncidentLog, incident_id: str, found: PlaybookBreak, *, author: str
) -> Event:
    """The break's mend as a process follow-up of the drill, its evidence in the text."""
    from commander_app.store.follow_ups import add_follow_up

    text = f"{found.follow_up} (drill: {found.what.rstrip('.')})"
    request = FollowUpRequest(text=text, type=FollowUpType.PROCESS)
    return add_follow_up(log, incident_id, request, author=author)

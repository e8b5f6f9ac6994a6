"""When an incident resolves: the follow-up "Update the runbook for <failure mode> (30
minutes)" for each runbook it followed (or for a new runbook when it followed none),
with the draft's summary in its text. Offered, never written by itself: `offers` says
what to offer, `create` writes the one the person took, as a follow-up like any other."""

from __future__ import annotations

from dataclasses import dataclass

from commander_app.core.errors import CommanderError
from commander_app.core.follow_ups import FollowUpRequest, follow_up_body
from commander_app.core.model import Event, FollowUpType, Kind
from commander_app.core.runbook_draft import update_summary
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_draft import draft_for, followed_runbooks, step_events
from commander_app.store.runbook_suggestions import incident_alerts
from commander_app.store.runbooks import indexed_runbooks

MAX_TEXT = 1_000


@dataclass(frozen=True)
class UpdateOffer:
    incident_id: str
    runbook: str | None  # None: no runbook was followed; a new one is to be drafted
    failure_mode: str
    text: str  # the follow-up's text
    owner: str | None  # the runbook's owner, else whoever takes the offer


def offers(log: IncidentLog, incident_id: str) -> list[UpdateOffer]:
    """One offer per runbook followed in the incident, else one for a new runbook; none
    already taken (its follow-up is on the incident's board)."""
    taken = {
        str(e.body.get("text", "")).split(" (30 minutes)", 1)[0]
        for e in log.events(incident_id)
        if e.kind is Kind.ACTION and e.body.get("follow_up")
    }
    found = [_offer(log, incident_id, name) for name in followed_runbooks(log.conn, incident_id)]
    if not found:
        found = [_new_offer(log, incident_id)]
    return [o for o in found if f"Update the runbook for {o.failure_mode}" not in taken]


def _offer(log: IncidentLog, incident_id: str, name: str) -> UpdateOffer:
    indexed = next((r for r in indexed_runbooks(log.conn) if r.name == name), None)
    runbook = indexed.runbook if indexed is not None else None
    mode = runbook.answers[0] if runbook and runbook.answers else (runbook and runbook.title)
    failure_mode = mode or name
    said: list[str] = []
    if indexed is not None:
        try:
            said = list(draft_for(log, indexed, incident_id).summary)
        except CommanderError:  # gone, unreadable or not parsing: the log still says enough
            said = []
    if not said:
        said = [f"step {e.step} {e.op}" for e in step_events(log.conn, incident_id, name)]
    text = update_summary(failure_mode, said)
    text += f". Review the draft: `commander runbook draft-update {name} --incident {incident_id}`"
    owner = runbook.owner if runbook and runbook.owner else None
    return UpdateOffer(incident_id, name, failure_mode, _bounded(text), owner)


def _new_offer(log: IncidentLog, incident_id: str) -> UpdateOffer:
    alerts = [name for name, _url in incident_alerts(log.conn, incident_id)]
    failure_mode = alerts[0] if alerts else log.incident(incident_id).title
    text = update_summary(failure_mode, ["no runbook was followed, so a new one is to be written"])
    text += f". Draft it: `commander runbook draft-update --new --incident {incident_id}`"
    return UpdateOffer(incident_id, None, failure_mode, _bounded(text), None)


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def create(log: IncidentLog, offer: UpdateOffer, *, author: str) -> Event:
    """The offer taken: a follow-up on the incident, offered to the runbook's owner (or
    to the person who took it), due from the severity."""
    state = log.incident(offer.incident_id)
    request = FollowUpRequest(
        text=offer.text, owner=offer.owner or author, type=FollowUpType.PROCESS
    )
    body = follow_up_body(request, state.severity, log.clock.now(), [])
    return log.append(offer.incident_id, Kind.ACTION, body, author=author)

"""The one-glance header's texts, from the incident, its board and its cadence alone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commander_app.core.board import Board, Decision, Finding, Hypothesis
from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.glance import Tone, glance, leading_hypothesis
from commander_app.core.model import Audience, HypothesisState, IncidentState
from commander_app.core.times import to_iso

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 03:00 in Berlin


def _at(minutes: float) -> str:
    return to_iso(NOW + timedelta(minutes=minutes))


def _hypothesis(
    hid: str,
    text: str,
    *,
    state: HypothesisState = HypothesisState.INVESTIGATING,
    findings: int = 0,
    owner: str | None = None,
    minutes: float = -30,
) -> Hypothesis:
    return Hypothesis(
        hid,
        text,
        owner,
        "alice",
        _at(minutes),
        state=state,
        state_changed_at=_at(minutes),
        findings=[Finding(f"{hid}F{n}", "seen", "bob", _at(minutes)) for n in range(findings)],
    )


def _cadence(audience: Audience, minutes_left: float, status: CadenceStatus) -> AudienceCadence:
    return AudienceCadence(
        audience, status, _at(minutes_left), minutes_left * 60, None, timedelta(minutes=20)
    )


def test_roles_are_named_and_a_missing_one_asks_for_attention() -> None:
    state = IncidentState("I1", roles={"commander": "alice"})
    seen = glance(state, Board(), [], NOW, BERLIN)
    assert (seen.commander.text, seen.commander.tone) == ("alice", Tone.CALM)
    assert (seen.communicator.text, seen.communicator.tone) == ("nobody", Tone.SOON)


def test_a_confirmed_cause_beats_any_open_hypothesis() -> None:
    board = Board(
        hypotheses=[
            _hypothesis("H1", "DNS flapping", findings=3),
            _hypothesis(
                "H2",
                "Pool exhausted after deploy 4811",
                state=HypothesisState.CONFIRMED,
                owner="bob",
            ),
        ]
    )
    cause = glance(None, board, [], NOW, BERLIN).cause
    assert cause.caption == "Confirmed"
    assert cause.text == "Pool exhausted after deploy 4811 (bob)"
    assert cause.tone == Tone.GOOD
    assert "1 other hypotheses still open" in cause.detail


def test_the_leading_hypothesis_is_the_open_one_with_most_findings() -> None:
    board = Board(
        hypotheses=[
            _hypothesis("H1", "DNS flapping", findings=2, minutes=-40),
            _hypothesis("H2", "Disk full on db-3", findings=0, minutes=-10),
            _hypothesis("H3", "Refuted idea", state=HypothesisState.REFUTED, findings=5),
        ]
    )
    assert leading_hypothesis(board) is board.hypotheses[0]
    cause = glance(None, board, [], NOW, BERLIN).cause
    assert (cause.caption, cause.text) == ("Leading", "DNS flapping")
    assert "of 2 open" in cause.detail
    assert glance(None, Board(), [], NOW, BERLIN).cause.text == "no hypothesis yet"


def test_the_most_overdue_audience_leads_and_says_by_how_long() -> None:
    cadence = [
        _cadence(Audience.INTERNAL, 5, CadenceStatus.DUE_SOON),
        _cadence(Audience.EXECUTIVES, -22.5, CadenceStatus.OVERDUE),
        _cadence(Audience.CUSTOMERS, -3, CadenceStatus.OVERDUE),
    ]
    update = glance(None, Board(), cadence, NOW, BERLIN).update
    assert update.text == "Executives overdue by 22 min, +1 more"
    assert update.tone == Tone.LATE
    assert "due 02:37" in update.detail
    assert "customers" in update.detail


def test_an_update_not_yet_due_says_when_and_in_how_long() -> None:
    cadence = [_cadence(Audience.INTERNAL, 18.2, CadenceStatus.ON_TIME)]
    update = glance(None, Board(), cadence, NOW, BERLIN).update
    assert update.text == "Internal due 03:18 · in 19 min"
    assert update.tone == Tone.CALM
    assert glance(None, Board(), [], NOW, BERLIN).update.text == "none scheduled"


def test_a_decision_whose_outcome_is_due_is_asked_about() -> None:
    board = Board(
        decisions=[
            Decision("D1", "Page the DBA", "alice", _at(-30)),  # nothing to ask
            Decision("D2", "Roll back search-api to v8.1", "alice", _at(-15), expect_minutes=10),
            Decision("D3", "Scale checkout to 12", "alice", _at(-2), expect_minutes=10),
        ]
    )
    outcome = glance(None, board, [], NOW, BERLIN).outcome
    assert outcome.text == "Roll back search-api to v8.1 (due 02:55)"
    assert outcome.tone == Tone.SOON
    assert "1 more waiting" in outcome.detail
    board.decisions.pop(1)
    later = glance(None, board, [], NOW, BERLIN).outcome
    assert (later.text, later.tone) == ("Scale checkout to 12 (ask at 03:08)", Tone.CALM)
    board.decisions.pop(1)
    assert glance(None, board, [], NOW, BERLIN).outcome.text == "nothing waiting"

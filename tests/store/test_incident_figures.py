"""Each incident's figures kept in step with its events, rebuildable, checked; and the
trends drawn from them: median and IQR with n, too few said, drills kept apart."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, HypothesisState, Milestone, Severity, Status
from commander_app.core.trends import trends
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import board as board_store
from commander_app.store import cadence
from commander_app.store import incident_figures as store
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog


def handled(
    log: IncidentLog,
    clock: FixedClock,
    title: str,
    *,
    detect: int,
    find: int,
    mitigate: int,
    resolve: int,
    drill: bool = False,
    service: str = "payments",
) -> str:
    """An incident run through the store as responders run it: minutes after the impact."""
    start = clock.now()
    incident = log.open_incident(title, severity=Severity.SEV2, drill=drill, author="ada").id
    log.mark_milestone(incident, Milestone.IMPACT_STARTED, author="ada", at=start)
    clock.advance(timedelta(minutes=detect))
    log.mark_milestone(incident, Milestone.DETECTED, author="ada")
    cadence.record_sent(
        log,
        incident,
        Audience.CUSTOMERS,
        "We are investigating.",
        author="bram",
        facts=UpdateFacts.of(None, None, [service]),
    )
    clock.advance(timedelta(minutes=find - detect))
    hypothesis = board_store.open_hypothesis(log, incident, "Pool exhausted", author="chen").id
    board_store.set_hypothesis_state(
        log, incident, hypothesis, HypothesisState.CONFIRMED, author="chen"
    )
    clock.advance(timedelta(minutes=mitigate - find))
    log.mark_milestone(incident, Milestone.MITIGATED, author="ada")
    clock.advance(timedelta(minutes=resolve - mitigate))
    log.set_status(incident, Status.RESOLVED, author="ada")
    log.log(incident, "Writing the postmortem tomorrow", author="ada")
    clock.advance(timedelta(days=3))
    return incident


def test_the_kept_figures_follow_the_events_and_check_and_rebuild_agree(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = handled(log, clock, "Checkout failing", detect=6, find=20, mitigate=45, resolve=70)
    store.fill_missing(log)  # the writes dropped the row: folded when read
    kept = store.stored(log.conn, incident)
    assert kept is not None
    assert kept["time_to_detect"]["value"] == 6 * 60
    assert kept["time_to_correct_hypothesis"]["value"] == 14 * 60
    assert kept["time_to_mitigate"]["value"] == 45 * 60
    assert kept["time_to_resolve"]["value"] == 70 * 60
    assert kept["time_to_first_update.customers"]["value"] == 0
    assert "cadence_adherence.customers" in kept  # kept without a due: worked out when asked
    assert check_log(log) == []
    log.conn.execute("UPDATE incident_figures SET figures = '{}'")
    assert check_log(log) == [
        f"incident {incident}: its kept figures differ from its events; "
        "run `commander check --rebuild`"
    ]
    log.rebuild_projection()
    assert store.stored(log.conn, incident) == kept
    # A write that changes the figures drops the row at once; the next read folds it.
    board_store.open_hypothesis(log, incident, "A second pool", author="chen")
    assert store.stored(log.conn, incident) is None
    assert check_log(log) == []  # dropped is not out of step
    assert store.fill_missing(log) == 1
    assert store.stored(log.conn, incident) is not None
    assert store.out_of_step(log.conn, [incident]) == []  # folded with the new hypothesis
    assert store.fill_missing(log) == 0
    live = store.figures_now(log, incident)
    assert live.value("time_to_resolve") == 70 * 60
    assert live.get("cadence_adherence.customers") is not None


def test_a_backfilled_milestone_counts_at_the_time_it_happened(
    log: IncidentLog, clock: FixedClock
) -> None:
    start = clock.now()
    incident = log.open_incident("Search slow", author="ada").id
    log.mark_milestone(incident, Milestone.IMPACT_STARTED, author="ada", at=start)
    clock.advance(timedelta(minutes=40))  # written down after the rush, with its real time
    log.mark_milestone(incident, Milestone.DETECTED, author="ada", at=start + timedelta(minutes=3))
    store.fill_missing(log)  # the writes dropped the row: folded when read
    kept = store.stored(log.conn, incident)
    assert kept is not None
    assert kept["time_to_detect"]["value"] == 3 * 60
    assert kept["time_to_detect"]["measured"] == "impact start → detected"


def test_trends_by_month_median_iqr_and_n_drills_apart(log: IncidentLog, clock: FixedClock) -> None:
    clock.set(clock.now().replace(year=2026, month=9, day=1, hour=9, tzinfo=UTC))
    for number, minutes in enumerate((30, 50, 40, 90, 60, 45)):  # September: n=6
        handled(
            log, clock, f"Sept {number}", detect=5, find=10, mitigate=minutes, resolve=minutes + 10
        )
    clock.set(clock.now().replace(month=10, day=2))
    for number, minutes in enumerate((20, 25)):  # October: n=2, too few
        handled(
            log, clock, f"Oct {number}", detect=5, find=10, mitigate=minutes, resolve=minutes + 5
        )
    handled(log, clock, "Practice", detect=5, find=6, mitigate=7, resolve=8, drill=True)
    handled(
        log, clock, "Other service", detect=5, find=6, mitigate=500, resolve=501, service="search"
    )

    payments = store.figured_incidents(log, service="Payments")
    [mitigate] = trends(payments, "month", UTC, ["time_to_mitigate"])
    september, october = mitigate.buckets
    assert (september.bucket, september.n, september.median) == ("2026-09", 6, 47.5 * 60)
    assert (september.q1, september.q3) == (41.25 * 60, 57.5 * 60)
    assert not september.too_few
    assert (october.bucket, october.n, october.median, october.too_few) == (
        "2026-10",
        2,
        22.5 * 60,
        True,
    )
    everything = store.figured_incidents(log)
    assert len(everything) == 9  # the drill is kept apart
    [drill] = store.figured_incidents(log, drills=True)
    assert drill.title == "Practice"
    assert json.dumps(mitigate.as_dict())  # the JSON export holds every value


def test_the_kept_figures_of_an_open_incident_do_not_move_with_later_notes(
    log: IncidentLog, clock: FixedClock
) -> None:
    """Only the events they come from change them: a note written an hour later leaves
    an open incident's figures (hypotheses open at the peak) as they were kept."""
    incident = log.open_incident("Checkout failing", author="ada").id
    board_store.open_hypothesis(log, incident, "Pool exhausted", author="chen")
    board_store.open_hypothesis(log, incident, "Gateway degraded", author="dana")
    store.fill_missing(log)
    kept = store.stored(log.conn, incident)
    assert kept is not None
    assert kept["peak_parallel_hypotheses"]["value"] == 2
    clock.advance(timedelta(hours=1))
    log.log(incident, "Still looking at the pool gauge", author="ada")
    assert store.stored(log.conn, incident) == kept
    assert check_log(log) == []

"""The noise report's arithmetic, checked against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commander_app.core.alert_noise import (
    AlertFact,
    DetectionMiss,
    GroupTriage,
    IncidentSpan,
    Proposal,
    firing_intervals,
    follow_up_text,
    miss_follow_up_text,
    night_overlap,
    noise_report,
)
from commander_app.core.follow_up_text import action_text_problems
from commander_app.store.postmortem_words import load_action_words

FLAPPING = ["firing", "resolved"] * 4
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in November


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def fact(
    incident: str,
    when: datetime,
    name: str = "HighCPU",
    fingerprint: str = "fp1",
    state: str = "firing",
    *,
    group: str = "g",
    context: bool = True,
    severity: str | None = "critical",
) -> AlertFact:
    return AlertFact(
        incident_id=incident,
        at=when,
        name=name,
        fingerprint=fingerprint,
        group=group,
        state=state,
        has_summary=context,
        has_runbook=context,
        severity=severity,
    )


def span(
    incident: str, opened: datetime, hours: float = 4, detected: datetime | None = None
) -> IncidentSpan:
    return IncidentSpan(
        id=incident,
        title=f"Incident {incident}",
        opened_at=opened,
        detected_at=detected,
        ended_at=opened + timedelta(hours=hours),
    )


def test_night_overlap_counts_only_22_to_07_in_the_readers_zone() -> None:
    # 20:00-23:30 UTC is 21:00-00:30 Berlin: 2.5 h after 22:00.
    assert night_overlap(at(10, 20), at(10, 23, 30), BERLIN) == timedelta(hours=2, minutes=30)
    # 05:00-08:00 UTC is 06:00-09:00 Berlin: 1 h before 07:00.
    assert night_overlap(at(11, 5), at(11, 8), BERLIN) == timedelta(hours=1)
    # Midday is no night, and two whole nights are 18 h.
    assert night_overlap(at(11, 10), at(11, 14), BERLIN) == timedelta(0)
    assert night_overlap(at(10, 12), at(12, 12), BERLIN) == timedelta(hours=18)
    assert night_overlap(at(10, 20), at(10, 23, 30), UTC) == timedelta(hours=1, minutes=30)


def test_firing_intervals_follow_fire_and_resolve_and_an_open_one_ends_with_the_incident() -> None:
    events = [
        fact("i1", at(10, 10)),
        fact("i1", at(10, 10, 30), state="resolved"),
        fact("i1", at(10, 11)),
    ]
    assert firing_intervals(events, at(10, 12)) == [
        (at(10, 10), at(10, 10, 30)),
        (at(10, 11), at(10, 12)),
    ]


def test_a_noisy_flapping_alert_is_deleted_with_its_page_and_sleep_hours() -> None:
    # HighCPU, incident i1 (opened 21:00 UTC = 22:00 Berlin, ends 01:00 UTC):
    #   fp1 fires 21:00, resolves 21:30, fires 22:00, resolves 22:30, fires 23:00 (open
    #   until the incident ends at 01:00) -> 3 firings, 2 flaps;
    #   fp2 fires 21:15, resolves 21:45 (inside fp1's first span plus 15 min).
    #   Union: 21:00-21:45, 22:00-22:30, 23:00-01:00 = 0.75 + 0.5 + 2 = 3.25 page-hours,
    #   all of it after 22:00 Berlin, so 3.25 sleep-hours.
    # Incident i2 (12:00 UTC): fp9 fires 12:00, resolves 13:00, severity warning: no page.
    # Firings: 3 + 1 + 1 = 5.
    facts = [
        fact("i1", at(10, 21)),
        fact("i1", at(10, 21, 30), state="resolved"),
        fact("i1", at(10, 22)),
        fact("i1", at(10, 22, 30), state="resolved"),
        fact("i1", at(10, 23)),
        fact("i1", at(10, 21, 15), fingerprint="fp2", context=False),
        fact("i1", at(10, 21, 45), fingerprint="fp2", state="resolved", context=False),
        fact("i2", at(12, 12), fingerprint="fp9", group="h", severity="warning"),
        fact("i2", at(12, 13), fingerprint="fp9", group="h", state="resolved", severity="warning"),
    ]
    incidents = [span("i1", at(10, 21), hours=4), span("i2", at(12, 12))]
    triages = [GroupTriage("i1", "g", "noise"), GroupTriage("i2", "h", "symptom")]
    report = noise_report(facts, incidents, triages, BERLIN, outside={"HighCPU": 7})
    (row,) = report.rows
    assert (row.incidents, row.alerts, row.firings, row.flaps) == (2, 3, 5, 2)
    assert (row.groups, row.noise, row.symptom, row.cause, row.untriaged) == (2, 1, 1, 0, 0)
    assert row.share(row.noise) == 0.5
    assert row.without_context == 1  # fp2
    assert row.outside == 7
    assert round(row.page_hours, 4) == 3.25
    assert round(row.sleep_hours, 4) == 3.25
    assert row.proposal is Proposal.DELETE
    assert row.reason == (
        "Triaged noise in 1 of 2 triaged groups and never a cause; fired in 2 incidents "
        "(3 alerts), 7 more outside incidents; 3.2 page-hours, 3.2 at night."
    )
    assert row.last_incident == "i2"


def test_each_rule_proposes_one_change_in_order() -> None:
    incidents = [span("i1", at(10, 10))]
    facts = [
        # Symptom twice, noise never, cause never: demote.
        fact("i1", at(10, 10), "Latency", "a1", group="lat1"),
        fact("i1", at(10, 10), "Latency", "a2", group="lat2"),
        # Three re-fires, a cause: retune.
        *[
            fact("i1", at(10, 10, m), "Flappy", "f1", state)
            for m, state in enumerate(["firing", "resolved"] * 4)
        ],
        # Fires without a runbook, a cause: add context.
        fact("i1", at(10, 10), "Bare", "b1", group="bare", context=False),
        # A cause with context: keep.
        fact("i1", at(10, 10), "Good", "c1", group="good"),
        # Untriaged, with context: keep, for want of evidence.
        fact("i1", at(10, 10), "Unseen", "u1", group="unseen"),
    ]
    triages = [
        GroupTriage("i1", "lat1", "symptom"),
        GroupTriage("i1", "lat2", "symptom"),
        GroupTriage("i1", "g", "cause"),
        GroupTriage("i1", "bare", "cause"),
        GroupTriage("i1", "good", "cause"),
    ]
    report = noise_report(facts, incidents, triages, BERLIN)
    proposals = {r.name: r.proposal for r in report.rows}
    assert proposals == {
        "Latency": Proposal.DEMOTE,
        "Flappy": Proposal.RETUNE,
        "Bare": Proposal.ADD_CONTEXT,
        "Good": Proposal.KEEP,
        "Unseen": Proposal.KEEP,
    }
    assert [r.name for r in report.rows][:3] == ["Latency", "Flappy", "Bare"]
    flappy = next(r for r in report.rows if r.name == "Flappy")
    assert flappy.flaps == 3
    unseen = next(r for r in report.rows if r.name == "Unseen")
    assert unseen.reason.startswith("Not triaged yet")
    assert follow_up_text(unseen) is None


def test_detection_misses_are_incidents_no_alert_caught_before_detection() -> None:
    incidents = [
        span("caught", at(10, 10), detected=at(10, 10, 5)),
        span("late", at(11, 10), detected=at(11, 10, 5)),
        span("silent", at(12, 10)),  # no detected milestone: its opening counts
    ]
    facts = [
        fact("caught", at(10, 10, 1)),
        fact("late", at(11, 10, 25), fingerprint="x"),
    ]
    report = noise_report(facts, incidents, [], BERLIN)
    assert [m.incident_id for m in report.misses] == ["silent", "late"]
    silent, late = report.misses
    assert late.reason == (
        "Detected 2026-11-11 11:05; the first alert started 2026-11-11 11:25, 20 min later."
    )
    assert silent.reason == "Opened 2026-11-12 11:00, and no alert came in at all."
    assert silent.proposal is Proposal.ADD_ALERT


def test_the_follow_up_texts_read_as_commitments_with_their_evidence() -> None:
    incidents = [span("i1", at(10, 10))]
    facts = [
        fact("i1", at(10, 10), "Noisy", "n", group="n"),
        fact("i1", at(10, 10), "Latency", "l", group="l"),
        *[
            fact("i1", at(10, 10, m), "Flappy", "f", s)
            for m, s in enumerate(["firing", "resolved"] * 4)
        ],
        fact("i1", at(10, 10), "Bare", "b", group="b", context=False),
    ]
    triages = [GroupTriage("i1", "n", "noise"), GroupTriage("i1", "l", "symptom")]
    report = noise_report(facts, incidents, triages, BERLIN)
    words = load_action_words()
    texts = [follow_up_text(r) for r in report.rows]
    texts.append(miss_follow_up_text(span_miss()))
    for text in texts:
        assert text is not None
        assert action_text_problems(text, words) == [], text
    assert texts[0] is not None
    assert texts[0].startswith("Delete the alert rule Noisy")
    assert "triaged noise in 1 of 1 triaged groups" in texts[0]


def span_miss() -> DetectionMiss:
    report = noise_report([], [span("x", at(10, 10))], [], BERLIN)
    return report.misses[0]

"""The process review, worked out by hand: each incident's phases, the longest gap in its
slowest phase and what the log says caused it, and what repeats across the set."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commander_app.core.board import fold_board
from commander_app.core.delay_causes import ESCALATION_WORDS
from commander_app.core.incident_figures import incident_figures
from commander_app.core.model import Event, IncidentState, Kind, Severity, Status
from commander_app.core.process_review import ReviewInput, review_incident, review_set
from commander_app.core.process_review_report import (
    axis_ticks,
    review_details_markdown,
    review_html,
    review_markdown,
    text_bars,
)
from commander_app.core.times import to_iso

DAY = datetime(2026, 11, 28, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(clock: str, day: int = 0) -> str:
    hour, minute = (int(x) for x in clock.split(":"))
    return to_iso(DAY + timedelta(days=day, hours=hour, minutes=minute))


class Story:
    """One incident's log, written entry by entry at the given UTC clock times."""

    def __init__(self, incident_id: str, title: str, opened: str, *, day: int = 0) -> None:
        self.day = day
        self.events: list[Event] = []
        self.state = IncidentState(
            incident_id,
            title=title,
            severity=Severity.SEV2,
            status=Status.RESOLVED,
            opened_at=at(opened, day),
        )
        self.write(Kind.INCIDENT, opened, {"action": "opened", "title": title, "severity": "SEV2"})

    def write(self, kind: Kind, clock: str, body: dict[str, Any], author: str = "ada") -> str:
        event_id = f"{self.state.id}-{len(self.events):04d}"
        when = at(clock, self.day)
        self.events.append(
            Event(event_id, self.state.id, kind, body, author, "dev", when, when, None)
        )
        return event_id

    def milestone(self, name: str, clock: str) -> None:
        self.write(Kind.MILESTONE, clock, {"milestone": name})
        setattr(self.state, f"{name}_at", at(clock, self.day))

    def hypothesis(self, text: str, clock: str, owner: str = "dana") -> str:
        return self.write(Kind.HYPOTHESIS, clock, {"text": text, "owner": owner})

    def settle(self, ref: str, state: str, clock: str) -> None:
        self.write(Kind.HYPOTHESIS, clock, {"text": f"{state}", "ref": ref, "state": state})

    def tick(self, item: str, clock: str) -> None:
        self.write(Kind.CHECKLIST, clock, {"text": f"Ticked {item}", "item": item, "checked": True})

    def given(self) -> ReviewInput:
        board = fold_board(self.events)
        figures = incident_figures(self.state, board, self.events, {})
        return ReviewInput(self.state, board, self.events, figures)


def refuted_chase() -> Story:
    s = Story("01AAAAAAAAREFUTED", "Checkout 500s", "14:00")
    s.milestone("impact_started", "13:50")
    s.milestone("detected", "14:00")
    wrong = s.hypothesis("Cache stampede after the flush", "14:05")
    s.write(Kind.NOTE, "14:06", {"text": "Cache hit rate looks normal so far"})
    s.settle(wrong, "refuted", "14:39")
    right = s.hypothesis("Deploy 4812 broke the payment client", "14:40", owner="bob")
    s.settle(right, "confirmed", "14:50")
    s.milestone("mitigated", "14:55")
    s.milestone("resolved", "15:10")
    return s


def rollback_waiting(incident_id: str = "01BBBBBBBBROLLBACK", *, day: int = 0) -> Story:
    s = Story(incident_id, "Search latency", "14:00", day=day)
    s.milestone("detected", "14:00")
    right = s.hypothesis("Deploy 7 doubled the query fan-out", "14:03")
    s.settle(right, "confirmed", "14:04")
    s.tick("previous-version-known", "14:05")
    s.tick("data-compatible", "14:06")
    s.write(
        Kind.DECISION,
        "14:31",
        {"text": "Roll back to deploy 6", "decision_kind": "rollback", "reversible": True},
    )
    s.milestone("mitigated", "14:40")
    s.milestone("resolved", "14:45")
    return s


def handoff() -> Story:
    s = Story("01CCCCCCCCHANDOFF", "Login failures", "14:00")
    s.milestone("impact_started", "13:55")
    s.milestone("detected", "14:00")
    right = s.hypothesis("Expired IdP certificate", "14:02")
    s.settle(right, "confirmed", "14:03")
    offer = {"role": "commander", "person": "bob", "action": "handoff_offered", "from": "ada"}
    s.write(Kind.ROLE, "14:10", offer)
    s.write(
        Kind.ROLE, "14:35", {"role": "commander", "person": "bob", "action": "handoff_accepted"}
    )
    s.milestone("mitigated", "14:40")
    s.milestone("resolved", "14:50")
    return s


def not_detected() -> Story:
    s = Story("01DDDDDDDDNODETECT", "Payments timeouts", "14:00")
    s.milestone("impact_started", "13:58")
    s.write(Kind.NOTE, "14:01", {"text": "Paged the payments on-call"})
    right = s.hypothesis("Connection pool exhausted", "14:30")
    s.settle(right, "confirmed", "14:31")
    s.milestone("mitigated", "14:35")
    s.milestone("resolved", "14:40")
    return s


def phases(story: Story) -> list[tuple[str, float | None, str | None]]:
    review = review_incident(story.given(), UTC)
    return [(p.kind.name, p.seconds, p.note) for p in review.phases]


def test_a_refuted_hypothesis_chased_through_the_slowest_phase() -> None:
    review = review_incident(refuted_chase().given(), BERLIN)
    assert [(p.kind.name, p.seconds) for p in review.phases] == [
        ("Detection", 600.0),
        ("Diagnosis", 2400.0),
        ("Mitigation", 900.0),
        ("Recovery", 900.0),
    ]
    assert review.slowest is not None
    assert review.slowest.kind.name == "Diagnosis"
    assert review.gap is not None
    assert (review.gap.start, review.gap.end, review.gap.seconds) == (
        at("14:06"),
        at("14:39"),
        33 * 60.0,
    )
    assert review.gap.cause.key == "refuted_hypothesis"
    assert review.gap.cause.text == (
        "chasing the refuted hypothesis H1 “Cache stampede after the flush” for 34 min"
    )
    # Shown in the team's zone (Berlin is UTC+1 in November).
    assert review.correct == "H2 “Deploy 4812 broke the payment client”, raised 15:40 by bob"
    assert review.correct_to_resolved == 30 * 60.0
    text = review_markdown(review_set([refuted_chase().given()], BERLIN), BERLIN)
    assert (
        "- **Longest gap in it:** 15:06 → 15:39 (33m 00s): chasing the refuted hypothesis H1 "
        "“Cache stampede after the flush” for 34 min"
    ) in text
    assert "| Diagnosis | detected 15:00 | correct hypothesis 15:40 | 40m 00s |  |" in text
    assert "- **Detected → correct hypothesis:** 40m 00s" in text


def test_a_rollback_waiting_for_authority() -> None:
    review = review_incident(rollback_waiting().given(), UTC)
    assert [(p.kind.name, p.seconds, p.note) for p in review.phases] == [
        (
            "Detection",
            0.0,
            "impact start not recorded: measured from when the incident was opened",
        ),
        ("Diagnosis", 180.0, None),
        ("Mitigation", 37 * 60.0, None),
        ("Recovery", 300.0, None),
    ]
    assert review.gap is not None
    assert review.gap.seconds == 25 * 60.0
    assert review.gap.cause.key == "authority"
    assert review.gap.cause.text == (
        "waiting for authority to roll back: checklist started 14:05, decided 14:31"
    )


def test_a_handoff_of_command_across_the_gap() -> None:
    review = review_incident(handoff().given(), UTC)
    assert review.slowest is not None
    assert review.slowest.kind.name == "Mitigation"
    assert review.slowest.seconds == 38 * 60.0
    assert review.gap is not None
    assert review.gap.seconds == 25 * 60.0
    assert review.gap.cause.text == "handing over command: offered to bob 14:10, accepted 14:35"


def test_a_missing_detected_milestone_is_said_and_the_next_phase_bridges_it() -> None:
    assert phases(not_detected()) == [
        ("Detection", None, "no detected milestone"),
        ("Diagnosis", 32 * 60.0, "measured from impact start: no detected milestone"),
        ("Mitigation", 300.0, None),
        ("Recovery", 300.0, None),
    ]
    review = review_incident(not_detected().given(), UTC)
    assert review.gap is not None
    assert review.gap.seconds == 29 * 60.0
    assert review.gap.cause.key == "escalation"
    assert review.gap.cause.text == (
        "waiting on an escalation: “Paged the payments on-call” at 14:01"
    )
    assert review.figures.get("time_to_correct_hypothesis") is not None
    text = review_markdown(review_set([not_detected().given()], UTC), UTC)
    assert "- **Detected → correct hypothesis:** — (no detected milestone)" in text


def test_milestones_out_of_order_are_said_never_negative() -> None:
    s = Story("01EEEEEEEEORDER", "Stale prices", "14:00")
    s.milestone("impact_started", "14:10")
    s.milestone("detected", "14:05")  # typed wrong: before the impact started
    right = s.hypothesis("Price cache TTL set to a day", "14:12")
    s.settle(right, "confirmed", "14:13")
    s.milestone("mitigated", "14:20")
    s.milestone("resolved", "14:30")
    assert phases(s) == [
        ("Detection", None, "detected is recorded before impact start: check the times"),
        (
            "Diagnosis",
            120.0,
            "measured from impact start: detected is recorded before impact start: check the times",
        ),
        ("Mitigation", 480.0, None),
        ("Recovery", 600.0, None),
    ]
    review = review_incident(s.given(), UTC)
    assert review.gap is not None
    assert (review.gap.cause.key, review.gap.cause.text) == ("silence", "no entries for 10 min")


def test_the_set_names_the_repeating_bottleneck_with_medians_and_a_drill_marked() -> None:
    drill = rollback_waiting("01FFFFFFFFDRILL", day=1)
    drill.state.is_drill = True
    review = review_set([drill.given(), rollback_waiting().given(), refuted_chase().given()], UTC)
    assert [r.state.id for r in review.incidents] == [
        "01AAAAAAAAREFUTED",
        "01BBBBBBBBROLLBACK",
        "01FFFFFFFFDRILL",
    ]
    assert [(r.key, r.incidents) for r in review.repeats] == [
        ("authority", ("01BBBBBBBBROLLBACK", "01FFFFFFFFDRILL"))
    ]
    assert [(m.kind.name, m.median, m.n) for m in review.medians] == [
        ("Detection", 0.0, 3),
        ("Diagnosis", 180.0, 3),
        ("Mitigation", 37 * 60.0, 3),
        ("Recovery", 300.0, 3),
    ]
    # Inclusive quartiles of three: halfway between the first two values, and the last two.
    # Diagnosis took 3, 3 and 40 min; mitigation 15, 37 and 37.
    assert [(m.q1, m.q3) for m in review.medians] == [
        (0.0, 300.0),
        (180.0, (180 + 2400) / 2),
        ((900 + 2220) / 2, 2220.0),
        (300.0, 600.0),
    ]
    # One scale: the longest incident (80 min, 13:50 → 15:10) spans the 60 columns.
    bars = text_bars(review)
    assert bars[0].split("│")[1] == "░" * 8 + "▒" * 30 + "▓" * 11 + "█" * 11
    assert bars[1].split("│")[1] == "▒" * 2 + "▓" * 28 + "█" * 4
    assert bars[2].startswith("01FFFFFFFF “Search latency” [DRILL] │")
    assert bars[4].endswith("1h 20m")
    assert bars[5].startswith("Legend: ░ Detection (impact → detected)  ▒ Diagnosis")
    text = review_markdown(review, UTC)
    assert (
        "- **Repeats:** waiting for authority for a production change: 2 of 3 incidents "
        "(01BBBBBBBB, 01FFFFFFFF)"
    ) in text
    assert (
        "| Mitigation (correct hypothesis → mitigated) | 37m 00s | 26m 00s – 37m 00s | 3 |" in text
    )
    assert "## 01FFFFFFFF “Search latency” [DRILL]" in text


def test_the_html_has_every_incident_and_nothing_from_elsewhere() -> None:
    stories = [refuted_chase(), rollback_waiting(), handoff(), not_detected()]
    stories[0].state.title = "Checkout <script>alert(1)</script>"
    page = review_html(review_set([s.given() for s in stories], UTC), UTC)
    for s in stories:
        assert page.count(f"{s.state.id[:10]} ") >= 2  # its bar and its table
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert not re.search(r"https?:|<link|<img|<script|@import|url\(|src=", page)
    widths = [float(w) for w in re.findall(r"width:([\d.]+)%", page)]
    assert widths
    assert max(widths) <= 100.0
    assert min(widths) >= 0.0


def test_waiting_on_the_one_person_who_knows_the_service() -> None:
    s = Story("01GGGGGGGGEXPERT", "Ledger drift", "14:00")
    s.milestone("detected", "14:00")
    s.write(Kind.NOTE, "14:02", {"text": "Nobody here knows the ledger batch job"})
    s.write(Kind.ROLE, "14:40", {"role": "subject_expert", "person": "kim"})
    right = s.hypothesis("Batch job ran twice after the failover", "14:45", owner="kim")
    s.settle(right, "confirmed", "14:50")
    s.milestone("mitigated", "14:55")
    s.milestone("resolved", "15:00")
    review = review_incident(s.given(), UTC)
    assert review.slowest is not None
    assert review.slowest.kind.name == "Diagnosis"
    assert review.gap is not None
    assert review.gap.seconds == 38 * 60.0
    assert review.gap.cause.text == (
        "waiting on the one person who knows the service: kim joined as subject expert 14:40"
    )


def test_an_open_incident_with_no_milestones_is_said_not_measured() -> None:
    s = Story("01HHHHHHHHOPEN", "Slow admin pages", "14:00")
    s.state.status = Status.INVESTIGATING
    s.write(Kind.NOTE, "14:10", {"text": "Looking at the admin pool"})
    review = review_incident(s.given(), UTC)
    assert [(p.kind.name, p.seconds, p.note) for p in review.phases] == [
        ("Detection", None, "no detected milestone"),
        ("Diagnosis", None, "no hypothesis confirmed"),
        ("Mitigation", None, "no mitigated milestone"),
        ("Recovery", None, "not resolved"),
    ]
    assert (review.slowest, review.gap) == (None, None)
    text = review_markdown(review_set([s.given()], UTC), UTC)
    assert "- **Slowest phase:** — (no phase could be measured)" in text
    assert text.startswith("# Process review: 1 incident\n")
    assert "One incident: nothing repeats yet." in text
    assert "01HHHHHHHH “Slow admin pages” │\n" in text


def test_escalation_words_do_not_take_the_status_page_for_a_page() -> None:
    said = [
        "Paged the DBA on-call",
        "Escalated to the network team",
        "Called Kim, she knows the ledger",
        "We should page the vendor",
        "Updated the status page",
        "Customers see a blank page",
        "The so-called fast path is off",
    ]
    assert [bool(ESCALATION_WORDS.search(t)) for t in said] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_the_axis_ticks_at_round_minutes_and_hours_that_fit() -> None:
    assert axis_ticks(80 * 60, 8) == [
        (0, "0"),
        (600, "10m"),
        (1200, "20m"),
        (1800, "30m"),
        (2400, "40m"),
        (3000, "50m"),
        (3600, "1h"),
        (4200, "1h10"),
        (4800, "1h20"),
    ]
    assert [label for _, label in axis_ticks(80 * 60, 3)] == ["0", "30m", "1h"]
    assert [label for _, label in axis_ticks(36 * 3600, 3)] == ["0", "12h", "1d", "1d12h"]
    assert [label for _, label in axis_ticks(45, 5)] == ["0", "10s", "20s", "30s", "40s"]


def test_the_details_put_what_repeats_first_on_a_screen() -> None:
    review = review_set([refuted_chase().given(), rollback_waiting().given()], BERLIN)
    report = review_details_markdown(review, BERLIN)
    screen = review_details_markdown(review, BERLIN, summary_first=True)
    assert report.index("## 01AAAAAAAA") < report.index("## Across these incidents")
    assert screen.startswith("## Across these incidents\n")
    assert sorted(report.splitlines()) == sorted(screen.splitlines())
    assert "```" not in screen  # the bars are drawn beside it, not repeated as text

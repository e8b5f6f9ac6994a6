"""The briefing is read by a person taking over command: test what they would read."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commander_app.core import projection
from commander_app.core.board import fold_board
from commander_app.core.briefing import MAX_DECISIONS, render_briefing
from commander_app.core.cadence import CadencePolicy, cadence_state
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 14:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
INCIDENT = new_ulid(T0)


def make(kind: Kind, body: dict[str, Any], minute: float, author: str = "alice") -> Event:
    moment = T0 + timedelta(minutes=minute)
    return Event(
        new_ulid(moment), INCIDENT, kind, body, author, "dev", to_iso(moment), to_iso(moment)
    )


def at(minute: float) -> str:
    return to_iso(T0 + timedelta(minutes=minute))


def opened(**extra: Any) -> Event:
    body = {"action": "opened", "title": "Checkout 500s", "severity": "SEV1", "drill": False}
    return make(Kind.INCIDENT, {**body, **extra}, 0)


def brief(events: list[Event], minute: float, **kwargs: Any) -> str:
    state = projection.fold(INCIDENT, events)
    now = T0 + timedelta(minutes=minute)
    kwargs.setdefault("cadence", [])
    return render_briefing(state, fold_board(events), now, BERLIN, **kwargs)


def busy_incident() -> list[Event]:
    pool = make(Kind.HYPOTHESIS, {"text": "DB pool exhausted", "owner": "bob"}, 10)
    deploy = make(Kind.HYPOTHESIS, {"text": "Release 42 broke checkout"}, 12)
    cache = make(Kind.HYPOTHESIS, {"text": "Cache stampede", "owner": "dan"}, 13)
    page = make(Kind.ACTION, {"text": "Page the DBA", "owner": "carl", "due": at(30)}, 15)
    return [
        opened(commander="alice"),
        make(Kind.ROLE, {"role": "communicator", "person": "bea"}, 1),
        make(Kind.ROLE, {"role": "scribe", "person": "kim"}, 1),
        make(Kind.MILESTONE, {"milestone": "impact_started"}, -10),
        make(Kind.MILESTONE, {"milestone": "detected"}, 2),
        pool,
        deploy,
        cache,
        make(Kind.FINDING, {"text": "pool at 100/100", "ref": pool.id}, 20, author="carl"),
        make(Kind.HYPOTHESIS, {"text": "Refuted", "ref": deploy.id, "state": "refuted"}, 25),
        make(Kind.HYPOTHESIS, {"text": "Confirmed", "ref": cache.id, "state": "confirmed"}, 40),
        page,
        make(Kind.ACTION, {"text": "Scale the pool", "owner": "bob", "due": at(90)}, 16),
        make(Kind.ACTION, {"text": "Draft status text"}, 17),
        make(Kind.ACTION, {"text": "Old task"}, 18),
        make(
            Kind.ACTION, {"text": "Done: ?", "ref": "01KB0000000000000000000000", "done": True}, 19
        ),
        make(Kind.DECISION, {"text": "Freeze deploys", "reversible": True}, 21),
        make(Kind.DECISION, {"text": "Fail over to EU-2", "reversible": False}, 35, author="bob"),
        make(
            Kind.ROLE,
            {"role": "commander", "person": "erin", "action": "handoff_offered", "from": "alice"},
            60,
        ),
    ]


def test_the_header_says_what_how_bad_and_for_how_long() -> None:
    text = brief(busy_incident(), 65)
    first, second = text.splitlines()[:2]
    assert first == "HANDOFF BRIEFING: Checkout 500s"
    assert second == "SEV1 · investigating · open 1 h 05 min (since 14:00 CET) · as of 15:05 CET"


def test_roles_show_who_holds_command_and_who_is_taking_it() -> None:
    text = brief(busy_incident(), 65)
    assert "  Commander: alice (handing over to erin, not yet accepted)" in text
    assert "  Communicator: bea" in text
    assert "  Scribe: kim" in text


def test_milestones_are_local_times() -> None:
    text = brief(busy_incident(), 65)
    assert "impact started 13:50 CET · detected 14:02 CET · mitigated — · resolved —" in text


def test_open_hypotheses_have_owners_and_settled_ones_are_brief() -> None:
    text = brief(busy_incident(), 65)
    assert "Open hypotheses (1)" in text
    assert "  - H1 DB pool exhausted\n    owner bob; investigating since 14:10 CET" in text
    assert "    1 finding, latest: F1 pool at 100/100" in text
    settled = text.split("Settled hypotheses\n")[1].split("\n\n")[0].splitlines()
    assert settled == [  # most recently settled first
        "  - H3 Confirmed 14:40 CET: Cache stampede",
        "  - H2 Refuted 14:25 CET: Release 42 broke checkout",
    ]


def test_decisions_latest_first_and_whether_they_can_be_undone() -> None:
    text = brief(busy_incident(), 65)
    block = text.split("Decisions (latest first)\n")[1].split("\n\n")[0].splitlines()
    assert block == [
        "  - D2 14:35 CET Fail over to EU-2 (NOT reversible), by bob",
        "  - D1 14:21 CET Freeze deploys (reversible), by alice",
    ]


def test_only_the_latest_few_decisions_are_shown() -> None:
    events = [opened()] + [
        make(Kind.DECISION, {"text": f"decision {n}"}, n) for n in range(MAX_DECISIONS + 2)
    ]
    text = brief(events, 30)
    assert f"decision {MAX_DECISIONS + 1}" in text
    assert "decision 0" not in text
    assert "… and 2 more on the board" in text


def test_open_actions_with_owner_and_due_time_and_overdue_marked() -> None:
    text = brief(busy_incident(), 65)
    block = text.split("Open actions")[1].split("\n\n")[0].splitlines()
    assert block == [
        " (4, 1 OVERDUE)",
        "  - A1 OVERDUE (due 14:30 CET): Page the DBA; owner carl",
        "  - A2 due 15:30 CET: Scale the pool; owner bob",
        "  - A3 Draft status text; no owner",
        "  - A4 Old task; no owner",  # the update named no action, so the task is still open
    ]
    assert "OVERDUE" not in brief(busy_incident(), 29)


def test_each_audience_says_when_its_next_update_is_due_or_how_late_it_is() -> None:
    events = busy_incident()
    state = projection.fold(INCIDENT, events)
    now = T0 + timedelta(minutes=65)
    sent = make(Kind.COMMS, {"text": "u", "audience": "executives", "action": "sent",
                             "next_update_at": at(80)}, 50)  # fmt: skip
    cadence = cadence_state(state, [sent], CadencePolicy(), now)
    text = render_briefing(state, fold_board(events), now, BERLIN, cadence=cadence)
    assert text.endswith(
        "Stakeholder updates\n"
        "  internal: OVERDUE by 1 h 00 min (was due 14:05 CET)\n"
        "  executives: due 15:20 CET (in 15 min)\n"
        "  customers: OVERDUE by 1 h 00 min (was due 14:05 CET)\n"
    )
    assert "not scheduled" not in text
    quiet = brief(busy_incident(), 65)
    assert quiet.endswith("Stakeholder updates: none scheduled\n")


def test_a_quiet_incident_says_there_is_nothing_rather_than_leaving_blanks() -> None:
    text = brief([opened()], 5)
    assert "Commander: nobody assigned" in text
    assert "Open hypotheses: none" in text
    assert "Decisions: none recorded" in text
    assert "Open actions: none" in text
    assert "Settled hypotheses" not in text


def test_a_resolved_incident_says_how_long_it_took() -> None:
    events = [opened(drill=True), make(Kind.STATUS, {"status": "resolved"}, 95)]
    text = brief(events, 200)
    assert text.startswith("HANDOFF BRIEFING: Checkout 500s [DRILL]\n")
    assert "SEV1 · resolved · resolved after 1 h 35 min ·" in text


def test_times_on_another_day_carry_the_date() -> None:
    text = brief(busy_incident(), 24 * 60 + 5)
    assert "open 24 h 05 min (since 2026-11-28 14:00 CET) · as of 14:05 CET" in text
    assert "OVERDUE (due 2026-11-28 14:30 CET)" in text

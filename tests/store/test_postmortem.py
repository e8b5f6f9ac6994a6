"""The postmortem in the log: written as events, refused while the analysis is missing,
merged between laptops by union."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.bundle import parse_bundle_text
from commander_app.core.clock import FixedClock
from commander_app.core.errors import ValidationError
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import FollowUpState, HypothesisState, Milestone
from commander_app.core.postmortem import FactorCategory, PostmortemState, Section
from commander_app.store import board as board_store
from commander_app.store import environment, follow_ups
from commander_app.store import postmortem as store
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog
from tests.store.conftest import count


def write_analysis(log: IncidentLog, incident_id: str, author: str = "ada") -> None:
    for section in (Section.SUMMARY, Section.CUSTOMER_IMPACT, Section.DETECTION, Section.LESSONS):
        store.write_section(
            log, incident_id, section, f"{section.value} by {author}", author=author
        )
    store.add_factor(
        log,
        incident_id,
        "Config deploys skip the canary",
        FactorCategory.DEPLOY_SAFETY,
        author=author,
    )


def test_publishing_is_refused_until_the_analysis_is_written(
    log: IncidentLog, incident_id: str
) -> None:
    store.move(log, incident_id, PostmortemState.IN_REVIEW, author="ada")
    before = count(log)
    with pytest.raises(ValidationError, match="A timeline is not an analysis"):
        store.move(log, incident_id, PostmortemState.PUBLISHED, author="ada")
    assert count(log) == before
    write_analysis(log, incident_id)
    store.move(log, incident_id, PostmortemState.PUBLISHED, author="lee")
    assert store.postmortem(log, incident_id).state is PostmortemState.PUBLISHED


def test_two_laptops_editing_one_postmortem_keep_both_edits(
    tmp_path: Path, log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    store.write_section(log, incident_id, Section.LESSONS, "from laptop A", author="ada")
    bundle = export_bundle(log, incident_id)
    with IncidentLog(tmp_path / "b.db", device_id="device-b", clock=clock) as other:
        import_bundle(other, parse_bundle_text(json.dumps(bundle)))
        clock.advance(timedelta(minutes=1))
        store.write_section(other, incident_id, Section.LESSONS, "from laptop B", author="bob")
        back = export_bundle(other, incident_id)
    import_bundle(log, parse_bundle_text(json.dumps(back)))
    pm = store.postmortem(log, incident_id)
    assert pm.text(Section.LESSONS) == "from laptop B"
    assert [(v.text, v.author) for v in pm.sections[Section.LESSONS]] == [
        ("from laptop A", "ada"),
        ("from laptop B", "bob"),
    ]


def test_the_markdown_is_analysis_first_with_facts_and_the_timeline_as_appendix(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    log.mark_milestone(incident_id, Milestone.DETECTED, author="ada")
    pool = board_store.open_hypothesis(
        log, incident_id, "DB pool exhausted", owner="kim", author="a"
    )
    wrong = board_store.open_hypothesis(log, incident_id, "Bad deploy 4812", author="a")
    board_store.set_hypothesis_state(
        log, incident_id, wrong.id, HypothesisState.REFUTED, author="a"
    )
    board_store.set_hypothesis_state(
        log, incident_id, pool.id, HypothesisState.CONFIRMED, author="a"
    )
    log.mark_milestone(incident_id, Milestone.MITIGATED, author="ada")
    write_analysis(log, incident_id)
    follow_ups.add_follow_up(
        log,
        incident_id,
        FollowUpRequest("Alert on pool saturation above 80%", owner="kim", factor=None),
        author="ada",
    )
    text = store.markdown(log, incident_id, environment.local_zone())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Summary", "## Contributing factors"]
    assert headings[-2].startswith("## Facts from the log (")
    assert headings[-1] == "## Appendix: timeline"
    assert "Correct hypothesis H1: “DB pool exhausted”" in text
    assert "Refuted on the way H2: “Bad deploy 4812”" in text
    assert "| A1 | Alert on pool saturation above 80% | kim (offered) |" in text
    appendix = text.split("## Appendix: timeline")[1]
    assert "Postmortem:" not in appendix  # the postmortem's own edits are not the incident
    assert "Milestone: detected" in appendix


def test_a_follow_up_names_its_factor(log: IncidentLog, incident_id: str) -> None:
    write_analysis(log, incident_id)
    factor = store.postmortem(log, incident_id).find_factor("CF1")
    follow_ups.add_follow_up(
        log,
        incident_id,
        FollowUpRequest("Raise the alert threshold", symptom=True, factor=factor.id),
        author="ada",
    )
    [problem] = store.problems(log, incident_id)
    assert problem.startswith("CF1 'Config deploys skip the canary' is answered only by symptom")
    follow_ups.move(log, incident_id, "A1", FollowUpState.WONT, reason="superseded", author="a")
    assert store.problems(log, incident_id) == []


def test_an_incident_like_an_earlier_one_brings_back_its_factors_and_open_items(
    log: IncidentLog, clock: FixedClock
) -> None:
    march = log.open_incident("Payments API timeouts after config deploy", author="ada")
    store.add_factor(
        log, march.id, "Config deploys skip the canary", FactorCategory.DEPLOY_SAFETY, author="a"
    )
    follow_ups.add_follow_up(
        log, march.id, FollowUpRequest("Add a canary stage", owner="Kim"), author="a"
    )
    follow_ups.add_follow_up(log, march.id, FollowUpRequest("Alert on p99"), author="a")
    follow_ups.move(log, march.id, "A2", FollowUpState.WONT, reason="covered by A1", author="a")
    unrelated = log.open_incident("Search index lag", author="ada")
    store.add_factor(
        log, unrelated.id, "Reindex has no rate limit", FactorCategory.CAPACITY, author="a"
    )
    clock.advance(timedelta(days=90))
    now = log.open_incident("Payments timeouts", author="ada")
    [earlier] = store.earlier_incidents(log, now.id)
    assert earlier.line() == (
        f"This looks like “Payments API timeouts after config deploy” on "
        f"{march.opened_at[:10]}: 1 of its 2 follow-ups are still open."
    )
    assert earlier.factors == ("Deploy safety: Config deploys skip the canary",)
    assert earlier.open_items == ("A1 Add a canary stage (Kim)",)
    assert store.earlier_incidents(log, march.id) == []  # only what came before can warn
    quiet = log.open_incident("Login page typo", author="ada")
    assert store.earlier_incidents(log, quiet.id) == []


def test_blame_wording_is_flagged_and_kept_only_on_purpose(
    log: IncidentLog, incident_id: str
) -> None:
    write_analysis(log, incident_id)
    store.write_section(
        log, incident_id, Section.RESPONSE, "Alice failed to check the dashboard.", author="bob"
    )
    [flag] = store.flagged(log, incident_id)
    assert (flag.label, flag.finding.sentence) == (
        "Response",
        "Alice failed to check the dashboard.",
    )
    store.move(log, incident_id, PostmortemState.IN_REVIEW, author="bob")
    before = count(log)
    with pytest.raises(ValidationError, match="1 sentence reads as blame"):
        store.move(log, incident_id, PostmortemState.PUBLISHED, author="bob")
    assert count(log) == before
    store.move(
        log,
        incident_id,
        PostmortemState.PUBLISHED,
        author="bob",
        keep_wording="quoted from the page",
    )
    pm = store.postmortem(log, incident_id)
    assert pm.state is PostmortemState.PUBLISHED
    [kept] = pm.kept
    assert (kept.where, kept.author, kept.reason) == ("response", "bob", "quoted from the page")
    assert store.flagged(log, incident_id) == []


def test_system_wording_is_not_flagged(log: IncidentLog, incident_id: str) -> None:
    store.write_section(
        log,
        incident_id,
        Section.DETECTION,
        "The health check failed to detect the stale pool. Alice rolled back at 14:02.",
        author="alice",
    )
    assert store.flagged(log, incident_id) == []

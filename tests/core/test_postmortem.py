"""The postmortem fold and its rules: analysis before publishing, blame-free factors,
symptom fixes beside their cause, history kept."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commander_app.core.board import Action, Board
from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, Kind
from commander_app.core.postmortem import (
    FactorCategory,
    Postmortem,
    PostmortemState,
    Section,
    factor_body,
    factor_update_body,
    fold_postmortem,
    publish_problems,
    section_body,
    state_body,
)
from commander_app.core.times import to_iso

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


class Story:
    """Postmortem events written one after another, folded after each."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @property
    def pm(self) -> Postmortem:
        return fold_postmortem("inc", self.events)

    def write(self, body: dict[str, Any], author: str = "ada", minutes: int | None = None) -> Event:
        n = len(self.events) if minutes is None else minutes
        at = to_iso(NOW + timedelta(minutes=n))
        event = Event(
            f"01PM{n:03d}{author[:3].upper():>3}{'0' * 16}"[:26],
            "inc",
            Kind.POSTMORTEM,
            body,
            author,
            "dev",
            at,
            at,
        )
        self.events.append(event)
        return event


def analysed(story: Story) -> Event:
    for section in (Section.SUMMARY, Section.CUSTOMER_IMPACT, Section.DETECTION, Section.LESSONS):
        story.write(section_body(story.pm, section, f"{section.value} text"))
    return story.write(
        factor_body(story.pm, "Config deploys skip the canary stage", FactorCategory.DEPLOY_SAFETY)
    )


def test_a_timeline_is_not_an_analysis() -> None:
    story = Story()
    [problem, factors] = publish_problems(story.pm, Board())
    assert problem == (
        "A timeline is not an analysis: write the summary, customer impact, detection and "
        "lessons first."
    )
    assert factors.startswith("List at least one contributing factor")
    analysed(story)
    assert publish_problems(story.pm, Board()) == []


def test_publishing_goes_through_review_and_reopening_is_an_event() -> None:
    story = Story()
    analysed(story)
    with pytest.raises(ValidationError, match="Send the postmortem for review"):
        state_body(story.pm, PostmortemState.PUBLISHED)
    story.write(state_body(story.pm, PostmortemState.IN_REVIEW))
    with pytest.raises(ValidationError, match="Not published yet: A timeline"):
        state_body(story.pm, PostmortemState.PUBLISHED, ["A timeline is not an analysis."])
    story.write(state_body(story.pm, PostmortemState.PUBLISHED), author="lee")
    assert story.pm.state is PostmortemState.PUBLISHED
    with pytest.raises(ValidationError, match="reopen it"):
        section_body(story.pm, Section.SUMMARY, "new text")
    story.write(state_body(story.pm, PostmortemState.DRAFT))
    assert [v.text for v in story.pm.states] == ["in_review", "published", "draft"]
    assert story.pm.states[1].author == "lee"


def test_every_version_of_a_section_is_kept_with_its_author() -> None:
    story = Story()
    story.write(section_body(story.pm, Section.SUMMARY, "first"), author="ada")
    story.write(section_body(story.pm, Section.SUMMARY, "second"), author="lee")
    versions = story.pm.sections[Section.SUMMARY]
    assert [(v.text, v.author) for v in versions] == [("first", "ada"), ("second", "lee")]
    assert story.pm.text(Section.SUMMARY) == "second"
    with pytest.raises(ValidationError, match="already says exactly that"):
        section_body(story.pm, Section.SUMMARY, " second ")


def test_two_laptops_editing_one_section_merge_in_story_order() -> None:
    """Each laptop wrote its own event; the union shows the later and keeps the other."""
    laptop_a, laptop_b = Story(), Story()
    a = laptop_a.write(section_body(laptop_a.pm, Section.LESSONS, "from A"), "ada", minutes=5)
    b = laptop_b.write(section_body(laptop_b.pm, Section.LESSONS, "from B"), "bob", minutes=7)
    merged = fold_postmortem("inc", [b, a])
    assert merged.text(Section.LESSONS) == "from B"
    assert [v.text for v in merged.sections[Section.LESSONS]] == ["from A", "from B"]


def test_factors_are_a_list_reworded_recategorised_and_removed() -> None:
    story = Story()
    first = story.write(
        factor_body(story.pm, "Threshold above failure level", FactorCategory.parse("threshold"))
    )
    story.write(factor_body(story.pm, "Runbook names a retired tool", FactorCategory.RUNBOOK_STALE))
    factor = story.pm.find_factor("CF1")
    assert factor.id == first.id
    story.write(
        factor_update_body(story.pm, factor, content="Alert threshold set above the failure level")
    )
    story.write(factor_update_body(story.pm, story.pm.find_factor("1"), removed=True))
    pm = story.pm
    assert [f.text for f in pm.live_factors] == ["Runbook names a retired tool"]
    assert [v.text for v in pm.factors[0].history] == [
        "Threshold above failure level",
        "Alert threshold set above the failure level",
    ]
    with pytest.raises(ValidationError, match="No contributing factor 'CF3'"):
        pm.find_factor("CF3")
    with pytest.raises(ValidationError, match="changes nothing"):
        factor_update_body(pm, pm.live_factors[0], content="Runbook names a retired tool")


def _action(item_id: str, factor: str, **fields: Any) -> Action:
    action = Action(item_id, "text", "kim", None, "ada", to_iso(NOW), follow_up=True, factor=factor)
    for name, value in fields.items():
        setattr(action, name, value)
    return action


def test_a_factor_answered_only_by_symptom_fixes_blocks_publishing() -> None:
    story = Story()
    factor = analysed(story)
    symptom = _action("A1", factor.id, symptom=True)
    [problem] = publish_problems(story.pm, Board(actions=[symptom]))
    assert "CF1 'Config deploys skip the canary stage' is answered only by symptom fixes" in problem
    twin = _action("A2", factor.id, twin="A1")
    assert publish_problems(story.pm, Board(actions=[symptom, twin])) == []
    owned = _action("A1", factor.id, symptom=True, class_owner="Platform team")
    assert publish_problems(story.pm, Board(actions=[owned])) == []
    story.write(factor_update_body(story.pm, story.pm.find_factor("CF1"), symptom_reason="one-off"))
    assert publish_problems(story.pm, Board(actions=[symptom])) == []


def test_section_names_read_forgivingly() -> None:
    assert Section.parse("Customer impact") is Section.CUSTOMER_IMPACT
    assert Section.parse("what went well") is Section.WENT_WELL
    assert Section.parse("where-we-got-lucky") is Section.LUCKY
    with pytest.raises(ValidationError, match="Unknown section 'timeline'"):
        Section.parse("timeline")

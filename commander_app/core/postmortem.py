"""The blameless postmortem: analysis, not a timeline.

One per incident, folded from its `postmortem` events (nothing is edited in place):
section texts (the latest shown, every earlier version kept with who wrote it and when),
contributing factors (a list, each a condition with a category, never a person), the
state (draft -> in review -> published; reopening is an event), and the blame wording
its authors chose to keep. Two laptops' edits merge by union: both stay in the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from commander_app.core.board import Action, Board, summary
from commander_app.core.bodies import PostmortemBody, read_postmortem
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_FACT, MAX_TEXT, check_choice, clean_text
from commander_app.core.model import Entry, Kind, _Vocabulary, story_order
from commander_app.core.postmortem_language import BlameFinding, blame_findings
from commander_app.core.postmortem_words import BlameWords


class PostmortemState(
    _Vocabulary, aliases={"review": "in_review", "reopen": "draft", "reopened": "draft"}
):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


_SECTION_ALIASES = {
    "impact": "customer_impact",
    "what_went_well": "went_well",
    "where_we_got_lucky": "lucky",
    "got_lucky": "lucky",
    "lessons_learned": "lessons",
}


class Section(_Vocabulary, aliases=_SECTION_ALIASES):
    SUMMARY = "summary"
    CUSTOMER_IMPACT = "customer_impact"
    DETECTION = "detection"
    RESPONSE = "response"
    RECOVERY = "recovery"
    WENT_WELL = "went_well"
    LUCKY = "lucky"
    LESSONS = "lessons"


SECTION_TITLES: dict[Section, str] = {
    Section.SUMMARY: "Summary",
    Section.CUSTOMER_IMPACT: "Customer impact",
    Section.DETECTION: "Detection",
    Section.RESPONSE: "Response",
    Section.RECOVERY: "Recovery",
    Section.WENT_WELL: "What went well",
    Section.LUCKY: "Where we got lucky",
    Section.LESSONS: "Lessons",
}

# What each section asks, shown beside an empty one so nobody stares at a blank box.
SECTION_PROMPTS: dict[Section, str] = {
    Section.SUMMARY: "What happened and what it reveals about the system, in three sentences.",
    Section.CUSTOMER_IMPACT: "Who was affected, how many, for how long; in money where known.",
    Section.DETECTION: "How it was found and how late. Found by a customer counts as a "
    "monitoring miss.",
    Section.RESPONSE: "What helped and what slowed the response (escalation, access, knowledge).",
    Section.RECOVERY: "What restored service, and what made it slower than it could be.",
    Section.WENT_WELL: "What worked and should be kept.",
    Section.LUCKY: "What went right by chance, and will not next time.",
    Section.LESSONS: "What this failure teaches about the system.",
}

# Publishing needs these written, and at least one contributing factor.
ANALYSIS_SECTIONS: tuple[Section, ...] = (
    Section.SUMMARY,
    Section.CUSTOMER_IMPACT,
    Section.DETECTION,
    Section.LESSONS,
)


_CATEGORY_ALIASES = {
    "docs": "documentation",
    "documentation_gap": "documentation",
    "threshold": "alerting_threshold",
    "noise": "alerting_noise",
    "missing_alert": "alerting_missing",
    "health_check": "detection",
    "deploy": "deploy_safety",
    "authority": "process",
}


class FactorCategory(_Vocabulary, aliases=_CATEGORY_ALIASES):
    DOCUMENTATION = "documentation"
    ALERTING_THRESHOLD = "alerting_threshold"
    ALERTING_NOISE = "alerting_noise"
    ALERTING_MISSING = "alerting_missing"
    RUNBOOK_MISSING = "runbook_missing"
    RUNBOOK_STALE = "runbook_stale"
    RUNBOOK_WRONG = "runbook_wrong"
    DETECTION = "detection"
    DEPLOY_SAFETY = "deploy_safety"
    DEPENDENCY = "dependency"
    CAPACITY = "capacity"
    PROCESS = "process"
    OTHER = "other"


CATEGORY_LABELS: dict[FactorCategory, str] = {
    FactorCategory.DOCUMENTATION: "Documentation gap",
    FactorCategory.ALERTING_THRESHOLD: "Alerting: threshold",
    FactorCategory.ALERTING_NOISE: "Alerting: noise",
    FactorCategory.ALERTING_MISSING: "Alerting: missing",
    FactorCategory.RUNBOOK_MISSING: "Runbook: missing",
    FactorCategory.RUNBOOK_STALE: "Runbook: stale",
    FactorCategory.RUNBOOK_WRONG: "Runbook: wrong",
    FactorCategory.DETECTION: "Detection / health check",
    FactorCategory.DEPLOY_SAFETY: "Deploy safety",
    FactorCategory.DEPENDENCY: "Dependency",
    FactorCategory.CAPACITY: "Capacity",
    FactorCategory.PROCESS: "Process / authority",
    FactorCategory.OTHER: "Other",
}


@dataclass(frozen=True)
class Version:
    """One writing of a section or factor: what was written, by whom, when."""

    text: str
    author: str
    at: str
    event_id: str


@dataclass
class Factor:
    id: str
    text: str
    category: FactorCategory
    author: str
    at: str
    removed: bool = False
    symptom_reason: str | None = None  # why symptom fixes alone answer it, when recorded
    history: list[Version] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class KeptWording:
    """Wording the blame check flagged and its author chose to keep."""

    where: str  # a section's name, or "factor:<id>"
    phrase: str
    author: str
    at: str
    reason: str | None


@dataclass
class Postmortem:
    incident_id: str
    state: PostmortemState = PostmortemState.DRAFT
    started_at: str | None = None  # None: nothing written yet
    sections: dict[Section, list[Version]] = field(default_factory=dict)  # oldest first
    factors: list[Factor] = field(default_factory=list)
    kept: list[KeptWording] = field(default_factory=list)
    states: list[Version] = field(default_factory=list)  # each change of state, oldest first

    def text(self, section: Section) -> str:
        versions = self.sections.get(section)
        return versions[-1].text if versions else ""

    def latest(self, section: Section) -> Version | None:
        versions = self.sections.get(section)
        return versions[-1] if versions else None

    @property
    def live_factors(self) -> list[Factor]:
        return [f for f in self.factors if not f.removed]

    def find_factor(self, ref: str, *, removed_too: bool = False) -> Factor:
        """A factor by its number (CF1 as listed) or the start of its id; a removed one
        (to restore it) only by its id."""
        live = self.live_factors
        raw = ref.strip().upper().removeprefix("CF")
        if raw.isdigit() and 1 <= int(raw) <= len(live):
            return live[int(raw) - 1]
        among = self.factors if removed_too else live
        matches = [f for f in among if f.id.upper().startswith(ref.strip().upper())]
        if len(matches) == 1:
            return matches[0]
        listed = ", ".join(f"CF{n}" for n in range(1, len(live) + 1)) or "none yet"
        raise ValidationError(f"No contributing factor '{ref}' (factors: {listed}).")

    def factor_number(self, factor_id: str) -> str:
        for n, factor in enumerate(self.live_factors, 1):
            if factor.id == factor_id:
                return f"CF{n}"
        return "CF?"

    def kept_phrases(self, where: str) -> set[str]:
        return {k.phrase.lower() for k in self.kept if k.where == where}


def fold_postmortem(incident_id: str, events: Iterable[Entry]) -> Postmortem:
    """The postmortem from an incident's events (others ignored), in story order."""
    pm = Postmortem(incident_id)
    factors: dict[str, Factor] = {}
    for event in sorted((e for e in events if e.kind is Kind.POSTMORTEM), key=story_order):
        body = read_postmortem(event)
        pm.started_at = pm.started_at or event.occurred_at
        op = body.get("op")
        if op == "section":
            version = Version(str(body["content"]), event.author, event.occurred_at, event.id)
            pm.sections.setdefault(Section(body["section"]), []).append(version)
        elif op == "factor" and body.get("ref") is None:
            factor = Factor(
                event.id,
                str(body["content"]),
                FactorCategory(cast(str, body["category"])),  # a new factor has one
                event.author,
                event.occurred_at,
            )
            factor.history.append(Version(factor.text, event.author, event.occurred_at, event.id))
            factors[event.id] = factor
            pm.factors.append(factor)
        elif op == "factor" and (ref := body["ref"]) in factors:
            _update_factor(factors[ref], body, event)
        elif op == "state":
            pm.state = PostmortemState(body["state"])
            pm.states.append(Version(pm.state.value, event.author, event.occurred_at, event.id))
        elif op == "keep_wording":
            pm.kept.append(
                KeptWording(
                    str(body["where"]),
                    str(body["phrase"]),
                    event.author,
                    event.occurred_at,
                    body.get("reason"),
                )
            )
    return pm


def _update_factor(factor: Factor, body: PostmortemBody, event: Entry) -> None:
    content, category = body.get("content"), body.get("category")
    if content is not None:
        factor.text = str(content)
        factor.history.append(Version(factor.text, event.author, event.occurred_at, event.id))
    if category is not None:
        factor.category = FactorCategory(category)
    removed, symptom_reason = body.get("removed"), body.get("symptom_reason")
    if removed is not None:
        factor.removed = bool(removed)
    if symptom_reason is not None:
        factor.symptom_reason = str(symptom_reason)


# -- the bodies of postmortem events: the rules a user can meet ----------------------


def _refuse_if_published(pm: Postmortem) -> None:
    if pm.state is PostmortemState.PUBLISHED:
        raise ValidationError(
            "The postmortem is published: reopen it to change it "
            "(`commander postmortem reopen`), so readers know it changed."
        )


def section_body(pm: Postmortem, section: Section, content: str) -> PostmortemBody:
    _refuse_if_published(pm)
    text = clean_text(content, f"{SECTION_TITLES[section].lower()} section", MAX_TEXT)
    if text == pm.text(section):
        raise ValidationError(f"The {SECTION_TITLES[section].lower()} already says exactly that.")
    return {
        "op": "section",
        "section": section.value,
        "content": text,
        "text": f"Postmortem: {SECTION_TITLES[section].lower()} written",
    }


def factor_body(pm: Postmortem, content: str, category: FactorCategory) -> PostmortemBody:
    _refuse_if_published(pm)
    text = clean_text(content, "contributing factor", MAX_FACT)
    return {
        "op": "factor",
        "content": text,
        "category": category.value,
        "text": f"Postmortem: contributing factor ({CATEGORY_LABELS[category]}): {summary(text)}",
    }


def factor_update_body(
    pm: Postmortem,
    factor: Factor,
    *,
    content: str | None = None,
    category: FactorCategory | None = None,
    removed: bool | None = None,
    symptom_reason: str | None = None,
) -> PostmortemBody:
    _refuse_if_published(pm)
    body = cast(PostmortemBody, {"op": "factor", "ref": factor.id})  # its text comes last
    said = []
    wording = factor.text
    if content is not None:
        text = clean_text(content, "contributing factor", MAX_FACT)
        if text != factor.text:
            body["content"] = wording = text
            said.append("reworded")
    if category is not None and category is not factor.category:
        body["category"] = category.value
        said.append(f"now {CATEGORY_LABELS[category]}")
    if removed is not None and removed != factor.removed:
        body["removed"] = removed
        said.append("removed" if removed else "restored")
    if symptom_reason is not None:
        body["symptom_reason"] = clean_text(symptom_reason, "reason", MAX_FACT)
        said.append("answered by symptom fixes on purpose")
    if not said:
        raise ValidationError("That changes nothing in the contributing factor.")
    body["text"] = f"Postmortem: factor {', '.join(said)}: {summary(wording)}"
    return body


def keep_wording_body(where: str, phrase: str, reason: str | None) -> PostmortemBody:
    body: PostmortemBody = {
        "op": "keep_wording",
        "where": where,
        "phrase": clean_text(phrase, "kept wording", MAX_FACT),
        "text": f"Postmortem: wording kept despite the blame check: “{summary(phrase, 60)}”",
    }
    if reason and reason.strip():
        body["reason"] = clean_text(reason, "reason", MAX_FACT)
    return body


_MOVES: dict[tuple[PostmortemState, PostmortemState], str] = {
    (PostmortemState.DRAFT, PostmortemState.IN_REVIEW): "sent for review",
    (PostmortemState.IN_REVIEW, PostmortemState.DRAFT): "back to draft",
    (PostmortemState.IN_REVIEW, PostmortemState.PUBLISHED): "published",
    (PostmortemState.PUBLISHED, PostmortemState.DRAFT): "reopened",
}


def state_body(
    pm: Postmortem, new: PostmortemState, problems: Sequence[str] = ()
) -> PostmortemBody:
    """A move between draft, in review and published; `problems` refuse publishing."""
    move = _MOVES.get((pm.state, new))
    if move is None:
        if pm.state is new:
            raise ValidationError(f"The postmortem is already {new.value.replace('_', ' ')}.")
        if new is PostmortemState.PUBLISHED:
            raise ValidationError("Send the postmortem for review before publishing it.")
        raise ValidationError(
            f"A {pm.state.value.replace('_', ' ')} postmortem cannot go to "
            f"{new.value.replace('_', ' ')} directly."
        )
    if new is PostmortemState.PUBLISHED and problems:
        raise ValidationError("Not published yet: " + " ".join(problems))
    return {"op": "state", "state": new.value, "from": pm.state.value, "text": f"Postmortem {move}"}


def check_postmortem_body(body: dict[str, object]) -> None:
    """The fields of a `postmortem` event, for appends and imports alike."""
    op = body.get("op")
    if op == "section":
        check_choice(body.get("section"), Section, "postmortem section")
        clean_text(body.get("content"), "section text", MAX_TEXT)
    elif op == "factor":
        if body.get("ref") is None:
            clean_text(body.get("content"), "contributing factor", MAX_FACT)
            check_choice(body.get("category"), FactorCategory, "factor category")
        else:
            if body.get("content") is not None:
                clean_text(body["content"], "contributing factor", MAX_FACT)
            if body.get("category") is not None:
                check_choice(body["category"], FactorCategory, "factor category")
            if body.get("removed") is not None and not isinstance(body["removed"], bool):
                raise ValidationError("A factor's removed flag must be true or false.")
            if body.get("symptom_reason") is not None:
                clean_text(body["symptom_reason"], "reason", MAX_FACT)
    elif op == "state":
        check_choice(body.get("state"), PostmortemState, "postmortem state")
    elif op == "keep_wording":
        clean_text(body.get("where"), "place of the kept wording", MAX_FACT)
        clean_text(body.get("phrase"), "kept wording", MAX_FACT)
    else:
        raise ValidationError(
            "A postmortem event must write a section, a factor, a state or kept wording."
        )


# -- what publishing needs ------------------------------------------------------------


def symptom_only(factor: Factor, items: Sequence[Action]) -> bool:
    """Every item answering this factor fixes a symptom, and none stands for the cause
    (a systemic twin, or the owner of the class of problem named)."""
    answering = [a for a in items if a.factor == factor.id and a.state.value != "wont"]
    if not answering or factor.symptom_reason:
        return False
    symptoms = {a.id for a in answering if a.symptom}
    if len(symptoms) < len(answering):
        return False
    twinned = any(a.twin in symptoms for a in items) or any(a.class_owner for a in answering)
    return not twinned


def publish_problems(pm: Postmortem, board: Board) -> list[str]:
    """Why the postmortem cannot be published yet, each in the user's words."""
    problems = []
    empty = [SECTION_TITLES[s].lower() for s in ANALYSIS_SECTIONS if not pm.text(s).strip()]
    if empty:
        problems.append("A timeline is not an analysis: write the " + _listing(empty) + " first.")
    if not pm.live_factors:
        problems.append(
            "List at least one contributing factor: a condition that made the incident "
            "possible or worse (not a person)."
        )
    for factor in pm.live_factors:
        if symptom_only(factor, board.actions):
            problems.append(
                f"{pm.factor_number(factor.id)} '{summary(factor.text, 60)}' is answered only by "
                "symptom fixes: add the item that removes the cause (or name who owns this class "
                "of problem), or record why the symptom fix is enough."
            )
    return problems


def _listing(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# -- blame wording --------------------------------------------------------------------


@dataclass(frozen=True)
class Flagged:
    """A sentence of the postmortem the blame check flagged, and where it stands."""

    where: str  # a section's name, or "factor:<id>"
    label: str  # "Summary", "CF2"
    finding: BlameFinding


def flagged_wording(pm: Postmortem, people: Iterable[str], words: BlameWords) -> list[Flagged]:
    """Every flagged sentence its authors have not chosen to keep, in reading order."""
    names = list(people)
    places: list[tuple[str, str, str]] = [
        (s.value, SECTION_TITLES[s], pm.text(s)) for s in Section if pm.text(s)
    ]
    places += [(f"factor:{f.id}", pm.factor_number(f.id), f.text) for f in pm.live_factors]
    flagged = []
    for where, label, text in places:
        kept = pm.kept_phrases(where)
        for finding in blame_findings(text, names, words):
            if finding.sentence.strip().lower() not in kept:
                flagged.append(Flagged(where, label, finding))
    return flagged


def keep_wording_problem(flagged: Sequence[Flagged]) -> str | None:
    """Publishing with blame wording nobody chose to keep: say so, with the way out."""
    if not flagged:
        return None
    count = len(flagged)
    sentences = "sentence reads" if count == 1 else "sentences read"
    return (
        f"{count} {sentences} as blame (see the check): reword to say what condition made "
        "it possible, or keep the wording on purpose (--keep-wording REASON)."
    )

"""`commander postmortem`: write, check, publish and export an incident's postmortem."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from commander_app.cli.common import author, out, read_text, target, write_output
from commander_app.core.bodies import entry_text
from commander_app.core.errors import ValidationError
from commander_app.core.model import IncidentState
from commander_app.core.postmortem import (
    CATEGORY_LABELS,
    SECTION_TITLES,
    FactorCategory,
    Flagged,
    PostmortemState,
    Section,
)
from commander_app.store import environment
from commander_app.store import postmortem as store
from commander_app.store.incident_log import IncidentLog

POSTMORTEM_LIMIT = 20_000


def cmd_postmortem(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)
    step = args.step
    writer = author(args) if hasattr(args, "author") else ""
    if step == "show":
        if args.json:
            out(json.dumps(_as_json(log, incident.id), indent=2, ensure_ascii=False))
        else:
            out(store.markdown(log, incident.id, environment.local_zone()))
        args.wrote_to = None
        return 0
    if step == "edit":
        section = Section.parse(args.section)
        text = args.text if args.text is not None else _read(args.text_file)
        store.write_section(log, incident.id, section, text, author=writer)
        out(f"{SECTION_TITLES[section]} written.")
        _warn_blame([f for f in store.flagged(log, incident.id) if f.where == section.value])
        return 0
    if step == "factor":
        return _factor(log, incident, args, writer)
    if step == "check":
        problems = store.problems(log, incident.id)
        blamed = store.flagged(log, incident.id)
        for line in problems:
            out(f"- {line}")
        for item in blamed:
            out(
                f"- {item.label}: “{item.finding.sentence}”\n    {item.finding.why}\n"
                f"    Try: {item.finding.suggestion}"
            )
        if not problems and not blamed:
            out("Ready to publish: the analysis is written and every factor has its answer.")
        elif not problems:
            out("Otherwise ready: reword those sentences, or publish with --keep-wording REASON.")
        args.wrote_to = None
        return 1 if problems or blamed else 0
    if step == "export":
        _export(log, incident, args)
        args.wrote_to = None
        return 0
    moves = {
        "review": PostmortemState.IN_REVIEW,
        "draft": PostmortemState.DRAFT,
        "publish": PostmortemState.PUBLISHED,
        "reopen": PostmortemState.DRAFT,
    }
    keep = getattr(args, "keep_wording", None)
    event = store.move(log, incident.id, moves[step], author=writer, keep_wording=keep)
    out(f"{incident.title}: {entry_text(event).lower()}.")
    return 0


def _factor(
    log: IncidentLog, incident: IncidentState, args: argparse.Namespace, writer: str
) -> int:
    if args.factor_step == "add":
        category = FactorCategory.parse(args.category)
        event = store.add_factor(log, incident.id, args.text, category, author=writer)
        number = store.postmortem(log, incident.id).factor_number(event.id)
        out(f"{number} ({CATEGORY_LABELS[category]}) {event.id}")
        return 0
    if args.factor_step == "edit":
        changed = FactorCategory.parse(args.category) if args.category else None
        event = store.change_factor(
            log, incident.id, args.factor, text=args.text, category=changed, author=writer
        )
    elif args.factor_step == "remove":
        event = store.change_factor(log, incident.id, args.factor, removed=True, author=writer)
    else:
        event = store.change_factor(
            log, incident.id, args.factor, symptom_reason=args.reason, author=writer
        )
    out(entry_text(event))
    return 0


def _as_json(log: IncidentLog, incident_id: str) -> dict[str, object]:
    pm = store.postmortem(log, incident_id)
    return {
        "incident_id": incident_id,
        "state": pm.state.value,
        "sections": {
            s.value: {
                "text": v[-1].text,
                "author": v[-1].author,
                "at": v[-1].at,
                "versions": len(v),
            }
            for s, v in pm.sections.items()
        },
        "factors": [
            {
                "number": pm.factor_number(f.id),
                "id": f.id,
                "text": f.text,
                "category": f.category.value,
                "author": f.author,
                "symptom_reason": f.symptom_reason,
            }
            for f in pm.live_factors
        ],
        "problems": store.problems(log, incident_id),
    }


def _read(name: str | None) -> str:
    if name is None:
        raise ValidationError("Give the section's text with --text TEXT or --text-file FILE.")
    return read_text(name, POSTMORTEM_LIMIT)


def _export(log: IncidentLog, incident: IncidentState, args: argparse.Namespace) -> None:
    text = store.markdown(log, incident.id, environment.local_zone())
    if args.format == "md":
        _write(args, text)
        return
    from commander_app.core.postmortem_html import render_html

    title = f"Postmortem: {incident.title}"
    html = render_html(text, title)
    if args.format == "html":
        _write(args, html)
        return
    if args.output is None or str(args.output) == "-":
        raise ValidationError("A PDF is not printed to the terminal: give -o FILE.pdf.")
    import tempfile
    from pathlib import Path

    from commander_app.ui.postmortem.postmortem_pdf import write_pdf

    with tempfile.TemporaryDirectory() as folder:
        made = Path(folder) / "postmortem.pdf"
        write_pdf(html, made, title)
        data = made.read_bytes()
    try:
        environment.write_bytes_atomically(args.output, data)
    except OSError as exc:
        raise ValidationError(f"Cannot write {args.output}: {exc.strerror}.") from None
    out(f"Written to {args.output} ({len(data) // 1024 + 1} KB).")


def _write(args: argparse.Namespace, text: str) -> None:
    write_output(args.output, text)


def print_earlier(log: IncidentLog, incident_id: str, stream: TextIO) -> int:
    """What earlier incidents like this one left: factors and still-open follow-ups."""
    earlier = store.earlier_incidents(log, incident_id)
    for incident in earlier:
        print(f"commander: {incident.line()}", file=stream)
        for factor in incident.factors[:4]:
            print(f"    factor: {factor}", file=stream)
        for item in incident.open_items[:4]:
            print(f"    still open: {item}", file=stream)
        print(f"    read it: commander postmortem {incident.incident_id[:10]} show", file=stream)
    return len(earlier)


def cmd_similar(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)
    args.wrote_to = None  # it reads only
    if not print_earlier(log, incident.id, sys.stdout):
        out(f"No earlier incident looks like “{incident.title}”.")
    return 0


def _warn_blame(flagged: list[Flagged]) -> None:
    """The text is written (nothing typed is lost); the warning says why and how."""
    for item in flagged:
        print(
            f"commander: warning: “{item.finding.sentence}” reads as blame. {item.finding.why} "
            f"Try: {item.finding.suggestion}",
            file=sys.stderr,
        )

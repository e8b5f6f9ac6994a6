"""`commander review`: the process review of the last few incidents, or of those named."""

from __future__ import annotations

import argparse

from commander_app.cli.common import write_output
from commander_app.core.errors import ValidationError
from commander_app.core.process_review import review_set
from commander_app.core.process_review_report import review_html, review_markdown
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.store.process_review import chosen_incidents, review_inputs


def cmd_review(log: IncidentLog, args: argparse.Namespace) -> int:
    incidents = chosen_incidents(log, args.incidents, last=args.last, drills=args.drills)
    if not incidents:
        raise ValidationError(
            "There is no resolved incident to review yet; name one with `commander review ID`"
            + ("." if args.drills else ", or add --drills to review practice incidents.")
        )
    zone = environment.local_zone()
    review = review_set(review_inputs(log, incidents), zone)
    text = review_html(review, zone) if args.format == "html" else review_markdown(review, zone)
    write_output(args.output, text)
    return 0

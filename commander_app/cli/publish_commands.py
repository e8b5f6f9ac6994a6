"""Publishing from the terminal: channels, `send`, and the outbox."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from commander_app.cli.common import author, out, read_text, target
from commander_app.cli.template_commands import (
    carried_message,
    draft_facts,
    next_update_due,
    render_draft,
    unconfirmed_carried,
)
from commander_app.core.drill_text import DRILL_NOT_SENT
from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.model import Audience
from commander_app.core.outbox import STATE_LABELS, OutboxState
from commander_app.core.templates import RenderedUpdate
from commander_app.core.times import format_clock
from commander_app.publish.channel_settings import (
    describe,
    settings_warnings,
    validate_secret,
    validate_settings,
)
from commander_app.publish.delivery import DeliveryError
from commander_app.publish.outbox_worker import Attempt, deliver_due
from commander_app.publish.secrets import SecretStore, no_keyring_refusal
from commander_app.publish.sending import (
    AUDIENCES_KEY,
    audiences_served,
    channel_config,
    queue_update,
    with_audiences,
)
from commander_app.store import channels as channel_store
from commander_app.store import drill_outbox, environment
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import OutboxEntry
from commander_app.store.outbox_status import waiting_count

# Option (argparse dest) → setting key, for the kinds that have that setting.
_OPTIONS = {
    "host": "host",
    "port": "port",
    "security": "security",
    "username": "username",
    "from_addr": "from_addr",
    "to": "recipients",
    "ca_file": "ca_file",
    "page_id": "page_id",
    "base_url": "base_url",
    "component": "components",
    "repo": "repository",
    "label": "labels",
    "assignee": "assignees",
    "email": "email",
    "project": "project",
    "issue_type": "issue_type",
}


def cmd_channel_add(log: IncidentLog, args: argparse.Namespace) -> int:
    description = describe(args.kind)
    kind = description.kind
    name = channel_store.check_channel_name(args.name)
    current: dict[str, Any] = {}
    chosen: list[Audience] = []
    if args.replace:  # what is not given again stays as it was
        existing = channel_store.channel(log, name)
        current = {k: v for k, v in existing.settings.items() if k != AUDIENCES_KEY}
        chosen = [Audience(a) for a in existing.settings.get(AUDIENCES_KEY) or ()]
    typed = _typed_settings(args, {spec.key for spec in description.settings}, kind.value)
    settings = validate_settings(kind, {**current, **typed})
    for warning in settings_warnings(kind, settings):
        print(f"commander: warning: {warning}", file=sys.stderr)
    if args.audience:
        chosen = [Audience.parse(a) for a in args.audience]
    stored_settings = with_audiences(kind.value, settings, chosen)

    secrets = SecretStore()
    needs_secret = description.secret_required or bool(settings.get("username"))
    secret = None
    if needs_secret and not (args.replace and args.keep_secret):
        if not secrets.persistent:
            raise ValidationError(no_keyring_refusal(description.secret_label))
        secret = validate_secret(kind, _read_secret(args, description.secret_label), settings)
    saved = channel_store.save_channel(log, name, kind.value, stored_settings, replace=args.replace)
    if secret is not None:
        secrets.set(name, secret)
        if not secrets.persistent:
            # A command's process ends now: a secret kept "for this run" is already gone.
            print(
                f"commander: warning: the channel is saved, but its {description.secret_label} "
                f"is not: {secrets.warning}",
                file=sys.stderr,
            )
    serves = ", ".join(a.value for a in audiences_served(saved)) or "no audience yet"
    verb = "changed" if args.replace else "added"
    out(f"Channel '{name}' ({description.label}) {verb}; it serves {serves}.")
    out(f"Check it with `commander channel test {name}`.")
    return 0


def _typed_settings(args: argparse.Namespace, keys: set[str], kind: str) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for option, key in _OPTIONS.items():
        value = getattr(args, option, None)
        if value is None:
            continue
        if key not in keys:
            flag = "--" + option.replace("_addr", "").replace("_", "-")
            raise ValidationError(f"{flag} is not a setting of a {kind} channel.")
        if key == "recipients":
            value = _pairs(value, "--to", "AUDIENCE=ADDRESS[,ADDRESS]", audience_keys=True)
        elif key == "components":
            value = _pairs(value, "--component", "SERVICE=ID")
        elif key == "assignees":
            value = _pairs(value, "--assignee", "OWNER=LOGIN")
        typed[key] = value
    return typed


def _pairs(
    items: list[str], flag: str, shape: str, *, audience_keys: bool = False
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError(f"{flag} takes {shape}, not '{item}'.")
        if audience_keys:
            audience = Audience.parse(key).value
            addresses = [a.strip() for a in value.split(",") if a.strip()]
            result[audience] = [*result.get(audience, []), *addresses]
        else:
            result[key.strip()] = value.strip()
    return result


def _read_secret(args: argparse.Namespace, label: str) -> str:
    """From standard input or a prompt that does not echo; never from the command line."""
    if args.secret_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        raise ValidationError(
            f"Commander needs the {label}: pipe it in with --secret-stdin, "
            "or run the command in a terminal to be asked for it."
        )
    return getpass.getpass(f"{label} for '{args.name}' (not shown): ").strip()


def cmd_channel_list(log: IncidentLog, args: argparse.Namespace) -> int:
    channels = channel_store.channels(log)
    secrets = SecretStore()
    if args.json:
        rows = [
            {
                "name": c.name,
                "kind": c.kind,
                "audiences": [a.value for a in audiences_served(c)],
                "settings": dict(channel_config(c).settings),
                "secret_stored": secrets.get(c.name) is not None,
            }
            for c in channels
        ]
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not channels:
        out("No channels yet. Add one with `commander channel add KIND NAME` (see --help).")
        return 0
    for c in channels:
        serves = ", ".join(a.value for a in audiences_served(c)) or "no audience"
        where = _where(c.kind, c.settings)
        secret = "" if secrets.get(c.name) is not None else "  [no secret on this computer]"
        out(f"{c.name}  {describe(c.kind).label}  → {serves}  {where}{secret}".rstrip())
    return 0


def _where(kind: str, settings: dict[str, Any]) -> str:
    if kind == "email":
        return f"{settings.get('host')}:{settings.get('port')} ({settings.get('security')})"
    if kind == "statuspage":
        return f"page {settings.get('page_id')}"
    if kind == "cachet":
        return str(settings.get("base_url", ""))
    if kind == "github":
        return f"repository {settings.get('repository')}"
    if kind == "jira":
        return f"project {settings.get('project')} at {settings.get('base_url')}"
    return ""


def cmd_channel_test(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.channels import channel_for

    stored = channel_store.channel(log, args.name)
    config = channel_config(stored)
    secret = SecretStore().get(stored.name) or ""
    try:
        out(channel_for(config).send_test(secret))
    except DeliveryError as exc:
        raise CommanderError(f"Channel '{stored.name}' does not work: {exc.message}") from None
    return 0


def cmd_channel_remove(log: IncidentLog, args: argparse.Namespace) -> int:
    removed = channel_store.remove_channel(log, args.name)
    SecretStore().delete(removed.name)
    out(f"Channel '{removed.name}' and its secret removed.")
    return 0


def cmd_send(log: IncidentLog, args: argparse.Namespace) -> int:
    audience = Audience.parse(args.audience)
    incident = target(log, args)
    carried = unconfirmed_carried(log, incident, args)
    if carried:
        # What stopped being true after the impact must not go out again unread.
        raise ValidationError(
            "Not sent: " + " Also, ".join(carried_message(log, f) for f in carried)
        )
    # A file may begin with `Subject: ...`, as `commander draft` prints it.
    if args.text_file:
        rendered = RenderedUpdate.from_text(read_text(args.text_file))
    else:
        rendered = render_draft(log, incident, args)
    text, subject = rendered.body, args.subject or rendered.subject
    mark = drill_outbox.last_seq(log)
    queued = queue_update(
        log,
        incident.id,
        audience,
        subject,
        text,
        author=author(args),
        channels=args.channel,
        next_update_at=next_update_due(log, incident, args),
        facts=draft_facts(log, incident, args),
    )
    if not queued and incident.is_drill:
        shown = drill_outbox.updates(log, incident.id, after_seq=mark)
        for drill in reversed(shown):
            out(
                f"{drill.label}: update to {drill.audience.value} via {drill.channel} "
                f"({drill.subject})"
            )
        out("A drill sends nothing: see `commander drill outbox` for what would have gone out.")
        return 0
    names = ", ".join(row.channel for row in queued)
    out(f"{incident.title}: update to {audience.value} queued for {names}.")
    if args.queue_only:
        return 0
    ours = {row.id for row in queued}
    attempts = _deliver(log)
    failed = False
    tried = {attempt.entry.id for attempt in attempts}
    for attempt in attempts:
        if attempt.entry.id in ours:
            out(attempt.describe())
            failed = failed or attempt.outcome is OutboxState.FAILED
    for row in queued:
        if row.id not in tried:
            out(
                f"Queued — will send after the earlier update through {row.channel} "
                "(see `commander outbox`)."
            )
    return 1 if failed else 0


def _deliver(log: IncidentLog) -> list[Attempt]:
    """Due updates now; with a team database, one laptop at a time per channel."""
    from commander_app.store import team_state

    if not team_state.is_set_up(log):
        return deliver_due(log, SecretStore())
    from commander_app.team.send_lease import lease_for

    lease = lease_for(log)
    assert lease is not None
    try:
        return deliver_due(log, SecretStore(), around=lease.around)
    finally:
        lease.close()


def cmd_outbox(log: IncidentLog, args: argparse.Namespace) -> int:
    step = args.step or "list"
    if step == "list":
        return _list_outbox(log, include_finished=args.all, as_json=args.json)
    if step == "flush":
        from commander_app.publish.tracker_worker import push_due

        attempts = _deliver(log)
        for attempt in attempts:
            out(attempt.describe())
        pushes = push_due(log, SecretStore())  # follow-ups waiting for their trackers
        for push in pushes:
            out(push.describe())
        if any(p.outcome is OutboxState.FAILED for p in pushes):
            return 1
        if not attempts and not pushes:
            waiting, failed = waiting_count(log)
            out(f"Nothing is due now ({waiting} waiting, {failed} failed).")
        return 1 if any(a.outcome is OutboxState.FAILED for a in attempts) else 0
    row = store.entry(log, args.id)
    if step == "cancel":
        store.cancel(log, row.id, author=author(args))
        out(f"Cancelled: update to {row.audience.value} via {row.channel}.")
        return 0
    store.retry(log, row.id)
    attempts = _deliver(log)  # the retried one, and any that waited behind it
    for attempt in attempts:
        out(attempt.describe())
    ours = [a for a in attempts if a.entry.id == row.id]
    if not ours:
        out("Queued; it goes out after the earlier updates through its channel.")
    return 1 if ours and ours[0].outcome is OutboxState.FAILED else 0


def _list_outbox(log: IncidentLog, *, include_finished: bool, as_json: bool) -> int:
    rows = store.entries(log, waiting_only=not include_finished)
    drills = drill_outbox.updates(log, open_only=not include_finished)
    if as_json:
        listed = [_row_dict(r) for r in rows] + [_drill_dict(d) for d in drills]
        out(json.dumps(listed, indent=2, ensure_ascii=False))
        return 0
    if not rows and not drills:
        out("The outbox is empty." if include_finished else "Nothing is waiting to go out.")
        return 0
    zone = environment.local_zone()
    for row in rows:
        when = format_clock(row.created_at, log.clock.now(), zone)
        tries = f"{row.attempts} tries" if row.attempts != 1 else "1 try"
        refused = (row.last_error or "").startswith(DRILL_NOT_SENT)
        label = DRILL_NOT_SENT if refused else STATE_LABELS[row.state]
        out(
            f"{row.id[:10]}  {when}  {label:<20} {row.audience.value:<10} "
            f"via {row.channel:<14} {tries}  {row.subject}"
        )
        if row.last_error and row.state is not OutboxState.SENT:
            out(f"{'':12}{row.last_error}")
    for drill in drills:
        when = format_clock(drill.created_at, log.clock.now(), zone)
        out(
            f"{drill.id[:10]}  {when}  {drill.label:<20} {drill.audience.value:<10} "
            f"via {drill.channel:<14} {'':7}  {drill.subject}"
        )
    return 0


def _drill_dict(row: drill_outbox.DrillUpdate) -> dict[str, Any]:
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "channel": row.channel,
        "audience": row.audience.value,
        "state": row.label,
        "drill": True,
        "incident_name": row.incident_name,
        "subject": row.subject,
        "text": row.text,
        "created_at": row.created_at,
    }


def _row_dict(row: OutboxEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "channel": row.channel,
        "audience": row.audience.value,
        "state": row.state.value,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "in_doubt": row.in_doubt,
        "remote_id": row.remote_id,
        "message_id": row.message_id,
        "subject": row.subject,
        "text": row.text,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
    }

"""What each kind of channel needs to be configured, and the check of what a user typed.

The settings dialog and `commander channel add` both read these descriptions and call
`validate_settings`; the channels themselves re-check their stored settings before use,
so a hand-edited database gives a clear refusal rather than a crash mid-send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience
from commander_app.publish.delivery import ChannelConfig, ChannelKind, PermanentFailure
from commander_app.publish.setting_values import (
    address,
    cachet_component_status,
    cachet_components,
    choice,
    existing_file,
    flag,
    https_url,
    labels,
    loopback,
    mapping,
    port,
    project_key,
    recipients,
    repository,
    text,
)

SMTP_SECURITY = ("tls", "starttls", "plain")
DEFAULT_SMTP_PORT = {"tls": 465, "starttls": 587, "plain": 25}
STATUSPAGE_COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
PLAIN_SMTP_WARNING = (
    "Security 'plain' sends updates unencrypted: use it only for a relay on this machine "
    "or a network you trust."
)


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, its label, how a typed value becomes the stored one."""

    key: str
    label: str
    coerce: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class ChannelDescription:
    kind: ChannelKind
    label: str
    secret_label: str  # "SMTP password", "API key", "webhook URL"
    settings: tuple[SettingSpec, ...]
    audiences: tuple[Audience, ...]  # whom this kind of channel usually serves
    secret_required: bool = True


_COMPONENTS_HELP = "Commander service name = component id, comma-separated"
DESCRIPTIONS: dict[ChannelKind, ChannelDescription] = {
    ChannelKind.EMAIL: ChannelDescription(
        ChannelKind.EMAIL,
        "Email (SMTP)",
        "SMTP password",
        (
            SettingSpec("host", "SMTP server", text, required=True),
            SettingSpec(
                "security",
                "Security",
                choice(*SMTP_SECURITY),
                default="starttls",
                help="tls (port 465), starttls (587), or plain: " + PLAIN_SMTP_WARNING,
            ),
            SettingSpec("port", "Port", port, help="465 for tls, 587 for starttls by default"),
            SettingSpec(
                "username", "User name", text, default="", help="empty: send without signing in"
            ),
            SettingSpec("from_addr", "From", address, required=True),
            SettingSpec("recipients", "Recipients per audience", recipients, required=True),
            SettingSpec(
                "ca_file",
                "CA certificate (PEM)",
                existing_file,
                help="trust this CA instead of the system's, for a private relay",
            ),
        ),
        (Audience.INTERNAL, Audience.EXECUTIVES, Audience.CUSTOMERS),
        secret_required=False,
    ),
    ChannelKind.STATUSPAGE: ChannelDescription(
        ChannelKind.STATUSPAGE,
        "Atlassian Statuspage",
        "API key",
        (
            SettingSpec("page_id", "Page id", text, required=True),
            SettingSpec(
                "base_url", "API base URL", https_url, default="https://api.statuspage.io/v1"
            ),
            SettingSpec("components", "Components", mapping, default={}, help=_COMPONENTS_HELP),
            SettingSpec(
                "component_status",
                "Component status while open",
                choice(*STATUSPAGE_COMPONENT_STATUSES),
                help="empty: from severity (SEV1 major outage … SEV3 degraded)",
            ),
            SettingSpec("deliver_notifications", "Notify subscribers", flag, default=True),
        ),
        (Audience.CUSTOMERS,),
    ),
    ChannelKind.CACHET: ChannelDescription(
        ChannelKind.CACHET,
        "Cachet",
        "API token",
        (
            SettingSpec("base_url", "Cachet URL", https_url, required=True),
            SettingSpec(
                "components", "Components", cachet_components, default={}, help=_COMPONENTS_HELP
            ),
            SettingSpec(
                "component_status",
                "Component status while open",
                cachet_component_status,
                help="empty: from severity",
            ),
            SettingSpec("visible", "Visible to the public", flag, default=True),
            SettingSpec("notifications", "Notify subscribers", flag, default=True),
        ),
        (Audience.CUSTOMERS,),
    ),
    ChannelKind.SLACK: ChannelDescription(
        ChannelKind.SLACK, "Slack incoming webhook", "webhook URL", (), (Audience.INTERNAL,)
    ),
    ChannelKind.TEAMS: ChannelDescription(
        ChannelKind.TEAMS,
        "Microsoft Teams workflow webhook",
        "webhook URL",
        (),
        (Audience.INTERNAL,),
    ),
    # Issue trackers serve no audience: follow-ups are pushed to them (`action push`).
    ChannelKind.GITHUB: ChannelDescription(
        ChannelKind.GITHUB,
        "GitHub Issues",
        "token",
        (
            SettingSpec("repository", "Repository (OWNER/REPO)", repository, required=True),
            SettingSpec("base_url", "API base URL", https_url, default="https://api.github.com"),
            SettingSpec("labels", "Labels", labels, default=[], help="comma-separated"),
            SettingSpec(
                "assignees",
                "Assignees",
                mapping,
                default={},
                help="follow-up owner = GitHub login, comma-separated",
            ),
        ),
        (),
    ),
    ChannelKind.JIRA: ChannelDescription(
        ChannelKind.JIRA,
        "Jira Cloud",
        "API token",
        (
            SettingSpec(
                "base_url",
                "Jira site",
                https_url,
                required=True,
                help="https://your-domain.atlassian.net",
            ),
            SettingSpec("email", "Account email", address, required=True),
            SettingSpec("project", "Project key", project_key, required=True),
            SettingSpec("issue_type", "Issue type", text, default="Task"),
            SettingSpec("labels", "Labels", labels, default=[], help="comma-separated, no spaces"),
        ),
        (),
    ),
}


def describe(kind: ChannelKind | str) -> ChannelDescription:
    return DESCRIPTIONS[_kind(kind)]


def _kind(kind: ChannelKind | str) -> ChannelKind:
    try:
        return ChannelKind(str(kind).strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ChannelKind)
        raise ValidationError(f"Unknown channel kind '{kind}': use one of {kinds}.") from None


def validate_settings(kind: ChannelKind | str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as stored: checked, converted, defaults filled in. Raises ValidationError."""
    description = describe(kind)
    known = {spec.key: spec for spec in description.settings}
    unknown = sorted(set(settings) - set(known))
    if unknown:
        offered = ", ".join(known) or "none (the webhook URL is the secret)"
        raise ValidationError(
            f"Unknown setting '{unknown[0]}' for {description.label} channels: use {offered}."
        )
    result: dict[str, Any] = {}
    for spec in description.settings:
        value = settings.get(spec.key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise ValidationError(f"{description.label} needs {spec.label} ({spec.key}).")
            if spec.default is not None:
                result[spec.key] = spec.default
            continue
        try:
            result[spec.key] = spec.coerce(value)
        except (ValueError, TypeError) as problem:
            raise ValidationError(f"{spec.label} ({spec.key}): {problem}.") from None
    if description.kind is ChannelKind.EMAIL:
        _check_email(result)
    return result


def _check_email(settings: dict[str, Any]) -> None:
    settings.setdefault("port", DEFAULT_SMTP_PORT[settings["security"]])
    if settings["security"] == "plain" and settings["username"] and not loopback(settings["host"]):
        raise ValidationError(
            "Signing in over an unencrypted connection would expose the SMTP password: "
            "use security tls or starttls, or leave the user name empty for a local relay."
        )


def settings_warnings(kind: ChannelKind | str, settings: Mapping[str, Any]) -> list[str]:
    """What the user should know before saving settings that are valid but risky."""
    if _kind(kind) is ChannelKind.EMAIL and settings.get("security") == "plain":
        return [PLAIN_SMTP_WARNING]
    return []


def validate_secret(kind: ChannelKind | str, secret: str, settings: Mapping[str, Any]) -> str:
    """The secret as stored. The message of a refusal never repeats the secret."""
    description = describe(kind)
    value = secret.strip()
    needed = description.secret_required or bool(settings.get("username"))
    if needed and not value:
        raise ValidationError(f"{description.label} needs the {description.secret_label}.")
    if description.kind in (ChannelKind.SLACK, ChannelKind.TEAMS):
        parts = urlsplit(value)
        secure = parts.scheme == "https" and bool(parts.hostname)
        if not secure and not (parts.scheme == "http" and loopback(parts.hostname)):
            raise ValidationError(
                f"The {description.secret_label} must start with https:// — copy it again "
                f"from the {description.label} settings."
            )
    tokens = (ChannelKind.STATUSPAGE, ChannelKind.CACHET, ChannelKind.GITHUB, ChannelKind.JIRA)
    if description.kind in tokens and not (value.isascii() and value.isprintable()):
        raise ValidationError(
            f"The {description.secret_label} holds characters an API key never has: copy it "
            f"again from the {description.label} settings."
        )
    if any(ch in value for ch in "\r\n"):
        raise ValidationError(f"The {description.secret_label} must be one line.")
    return value


def how_to_replace_secret(name: str, kind: ChannelKind | str) -> str:
    """The user's way out when a secret is refused, for error messages."""
    description = describe(kind)
    return (
        f"enter the current {description.secret_label} for channel '{name}' in "
        "Incident → Publishing channels, or run "
        f"`commander channel add {description.kind.value} {name} --replace --secret-stdin`."
    )


def checked_settings(config: ChannelConfig) -> dict[str, Any]:
    """A channel's stored settings, re-checked before use; a bad one is a PermanentFailure."""
    try:
        return validate_settings(config.kind, config.settings)
    except ValidationError as problem:
        raise PermanentFailure(
            f"Channel '{config.name}' is not set up correctly: {problem} "
            "Fix it in Incident → Publishing channels."
        ) from None

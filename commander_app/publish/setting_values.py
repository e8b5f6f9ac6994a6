"""Turning what a user typed for a channel setting into the value Commander stores.

Each function takes the raw value (text from the CLI or a dialog, or an already typed
value) and returns the stored one, or raises ValueError with a short reason that the
caller puts after the setting's name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from commander_app.core.model import Audience

CACHET_COMPONENT_STATUSES = {
    "operational": 1,
    "performance_issues": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
_ADDRESS = re.compile(r"^[^@\s<>(),;:]+@[^@\s<>(),;:]+$")


def loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def text(value: Any) -> str:
    return str(value).strip()


def port(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a port number") from None
    if not 1 <= number <= 65535:
        raise ValueError(f"{number} is outside 1–65535")
    return number


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"'{value}' is not yes or no")


def choice(*allowed: str) -> Callable[[Any], str]:
    def coerce(value: Any) -> str:
        word = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        if word not in allowed:
            raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        return word

    return coerce


def address(value: Any) -> str:
    """An email address, optionally with a display name: 'Ops <ops@example.com>'."""
    raw = str(value).strip()
    _, bare = parseaddr(raw)
    if not bare or not _ADDRESS.match(bare):
        raise ValueError(f"'{raw}' is not an email address")
    return raw


def recipients(value: Any) -> dict[str, list[str]]:
    """Audience → addresses; addresses may be a list or 'a@x, b@y'."""
    if not isinstance(value, Mapping):
        raise ValueError(  # noqa: TRY004  every setting's reader says "not valid" as ValueError
            "expected audience → addresses, e.g. executives: cto@example.com"
        )
    result: dict[str, list[str]] = {}
    for audience, addresses in value.items():
        key = Audience.parse(audience).value
        items = re.split(r"[,;\s]+", addresses) if isinstance(addresses, str) else addresses
        result[key] = [address(a) for a in items if str(a).strip()]
    if not any(result.values()):
        raise ValueError("no recipient addresses given")
    return result


def mapping(value: Any) -> dict[str, str]:
    """Commander service name → remote component id; a dict or 'payments=abc, api=def'."""
    if isinstance(value, str):
        pairs = [p.split("=", 1) for p in re.split(r"[,;\n]+", value) if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("expected service=component id pairs, e.g. payments=abc123")
        value = dict(pairs)
    if not isinstance(value, Mapping):
        raise ValueError("expected service → component id pairs")  # noqa: TRY004  as above
    result = {str(k).strip(): str(v).strip() for k, v in value.items()}
    if any(not k or not v for k, v in result.items()):
        raise ValueError("a service name or component id is empty")
    return result


def https_url(value: Any) -> str:
    """A base URL: https, except for a server on this machine (tests, local proxies)."""
    raw = str(value).strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"'{raw}' is not a URL like https://status.example.com")
    if parts.scheme != "https" and not loopback(parts.hostname):
        raise ValueError(f"'{raw}' must use https (plain http only for localhost)")
    if parts.query or parts.fragment:
        raise ValueError(f"'{raw}' must not have a ?query or #fragment")
    return raw


def existing_file(value: Any) -> str:
    path = Path(str(value).strip()).expanduser()
    if not path.is_file():
        raise ValueError(f"no file at {path}")
    return str(path)


def cachet_component_status(value: Any) -> int:
    word = str(value).strip().lower().replace(" ", "_")
    if word in CACHET_COMPONENT_STATUSES:
        return CACHET_COMPONENT_STATUSES[word]
    if word in ("1", "2", "3", "4"):
        return int(word)
    raise ValueError(f"'{value}' is not 1–4 or {', '.join(CACHET_COMPONENT_STATUSES)}")


def cachet_components(value: Any) -> dict[str, int]:
    result = mapping(value)
    if not all(v.isdigit() for v in result.values()):
        raise ValueError("Cachet component ids are numbers")
    return {k: int(v) for k, v in result.items()}


_REPOSITORY = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}$")
_LABEL = re.compile(r"^\S{1,255}$")


def repository(value: Any) -> str:
    """A GitHub repository as OWNER/REPO (what its address shows after github.com/)."""
    raw = str(value).strip().removeprefix("https://github.com/").strip("/")
    if not _REPOSITORY.match(raw):
        raise ValueError(f"'{raw}' is not a repository like acme/ops-follow-ups")
    return raw


def project_key(value: Any) -> str:
    """A Jira project key: capital letters, digits and '_', starting with a letter (OPS)."""
    raw = str(value).strip().upper()
    if not _PROJECT_KEY.match(raw):
        raise ValueError(f"'{raw}' is not a Jira project key like OPS")
    return raw


def labels(value: Any) -> list[str]:
    """Labels for every issue: 'incident, follow-up' or a list; Jira's hold no spaces."""
    items = re.split(r"[,\n]+", value) if isinstance(value, str) else list(value)
    result = [str(item).strip() for item in items if str(item).strip()]
    bad = [item for item in result if not _LABEL.match(item)]
    if bad:
        raise ValueError(f"the label '{bad[0]}' has a space or is too long")
    return list(dict.fromkeys(result))

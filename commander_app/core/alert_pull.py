"""Pulling alerts from Alertmanager's API v2 (`GET /api/v2/alerts`), for a laptop that
cannot receive webhooks: the query a user asks for, checked before it is sent, and the
answer read to the API's contract (the `gettableAlerts` definition of Alertmanager's
OpenAPI document).

Alertmanager lists only the alerts it holds unresolved, so a pull cannot see a resolve:
an alert one pull saw and the next does not has resolved (or been silenced or
inhibited out of the query) in between. `vanished` turns those into resolves, but only
for alerts the same query saw, so a narrower query never resolves what it cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from commander_app.core.alert_payloads import IncomingAlert, ParsedAlerts, parse_alertmanager
from commander_app.core.errors import ValidationError

API_PATH = "/api/v2/alerts"
MAX_FILTERS = 20
MAX_MATCHER = 500
# Alertmanager's matcher syntax: a label name, an operator, a value (quoted or not).
_MATCHER = re.compile(r'^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^"]*)\s*$')
_STATES = frozenset({"active", "suppressed", "unprocessed"})
_REQUIRED = ("labels", "annotations", "receivers", "fingerprint", "startsAt", "updatedAt",
             "endsAt", "status")  # fmt: skip


@dataclass(frozen=True)
class PullQuery:
    """Where to pull from and which alerts: `filters` are Alertmanager matchers
    (`service="payments"`), `receiver` a regular expression over receiver names."""

    url: str  # the API's address, `…/api/v2/alerts`, without user or password
    filters: tuple[str, ...] = ()
    receiver: str | None = None
    suppressed: bool = True  # silenced and inhibited alerts too (Alertmanager's default)

    @property
    def params(self) -> list[tuple[str, str]]:
        """The query string, as the OpenAPI document names it (`filter` repeated)."""
        flag = "true" if self.suppressed else "false"
        params = [("active", "true"), ("silenced", flag), ("inhibited", flag),
                  ("unprocessed", "true")]  # fmt: skip
        params += [("filter", f) for f in self.filters]
        if self.receiver is not None:
            params.append(("receiver", self.receiver))
        return params


def check_query(filters: Sequence[str], receiver: str | None) -> None:
    """Refuse, in the user's words, what Alertmanager would answer 400 to."""
    if len(filters) > MAX_FILTERS:
        raise ValidationError(f"At most {MAX_FILTERS} filters.")
    for matcher in filters:
        if len(matcher) > MAX_MATCHER or not _MATCHER.match(matcher):
            raise ValidationError(
                f"The filter {matcher[:80]!r} is not an Alertmanager matcher: write "
                'label=value, label!=value, label=~regex or label!~regex, e.g. service="payments".'
            )
    if receiver is not None:
        try:
            re.compile(receiver)
        except re.error:
            raise ValidationError(
                f"The receiver {receiver[:80]!r} is not a regular expression."
            ) from None


def read_pulled(payload: object) -> ParsedAlerts:
    """The answer of `GET /api/v2/alerts`: a list of `gettableAlert`s, each with the
    fields the OpenAPI document requires; anything else is a problem, named."""
    parsed = ParsedAlerts()
    if not isinstance(payload, list):
        parsed.problem("The answer is not a list of alerts (is this Alertmanager's API v2?).")
        return parsed
    for position, raw in enumerate(payload, start=1):
        problem = _contract_problem(raw)
        if problem:
            parsed.problem(f"Alert {position}: {problem}.")
    if parsed.problems:
        return parsed
    return parse_alertmanager(payload)


def _contract_problem(raw: object) -> str | None:
    if not isinstance(raw, Mapping):
        return "it is not an object"
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        return "it lacks " + ", ".join(missing)
    status = raw["status"]
    if not isinstance(status, Mapping) or status.get("state") not in _STATES:
        return "its status is not one of active, suppressed, unprocessed"
    receivers = raw["receivers"]
    if not isinstance(receivers, list) or not all(
        isinstance(r, Mapping) and isinstance(r.get("name"), str) for r in receivers
    ):
        return "its receivers are not a list of names"
    return None


def vanished(
    seen: Mapping[str, IncomingAlert], pulled: Iterable[IncomingAlert], at: str
) -> list[IncomingAlert]:
    """Resolves for the alerts an earlier pull of the same query saw firing and this
    one does not list: Alertmanager drops an alert from its list once it resolves."""
    now = {a.fingerprint for a in pulled}
    return [
        replace(alert, state="resolved", ends_at=at)
        for fingerprint, alert in seen.items()
        if fingerprint not in now and alert.state == "firing"
    ]

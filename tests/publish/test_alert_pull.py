"""Pulling from Alertmanager's API v2: the address and query checked before anything is
asked, the answer read to the OpenAPI contract, resolves inferred only for what the same
query saw."""

from __future__ import annotations

import pytest

from commander_app.core.alert_pull import read_pulled, vanished
from commander_app.core.errors import ValidationError
from commander_app.publish.alert_pull import pull_address
from tests.support.alertmanager_api import gettable


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("http://am:9093", "http://am:9093/api/v2/alerts"),
        ("http://am:9093/", "http://am:9093/api/v2/alerts"),
        ("https://am.example/alertmanager", "https://am.example/alertmanager/api/v2/alerts"),
        ("http://am:9093/api/v2/alerts", "http://am:9093/api/v2/alerts"),
        ("  http://[::1]:9093  ", "http://[::1]:9093/api/v2/alerts"),
    ],
)
def test_the_address_becomes_the_apis(given: str, url: str) -> None:
    assert pull_address(given).query.url == url


def test_a_password_in_the_address_is_kept_apart_and_never_shown() -> None:
    address = pull_address("https://ops:s3cret@am.example:9443")
    assert address.query.url == "https://am.example:9443/api/v2/alerts"
    assert (address.username, address.password, address.secrets) == ("ops", "s3cret", ("s3cret",))
    assert "s3cret" not in repr(address)
    with pytest.raises(ValidationError) as refused:
        pull_address("ftp://ops:s3cret@am.example")
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("am:9093", "not an Alertmanager address"),
        ("http://", "not an Alertmanager address"),
        ("http://am:99999", "not a web address"),
        ("http://am:9093/api/v2/alerts?silenced=false", "without a query"),
    ],
)
def test_a_bad_address_is_told_plainly(url: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        pull_address(url)


def test_the_query_names_the_documented_parameters() -> None:
    query = pull_address(
        "http://am:9093", ['service="payments"', "severity=~page|ticket"], "team-.*"
    ).query
    assert query.params == [
        ("active", "true"), ("silenced", "true"), ("inhibited", "true"), ("unprocessed", "true"),
        ("filter", 'service="payments"'), ("filter", "severity=~page|ticket"),
        ("receiver", "team-.*"),
    ]  # fmt: skip
    quiet = pull_address("http://am:9093", suppressed=False).query.params
    assert ("silenced", "false") in quiet
    assert ("inhibited", "false") in quiet


@pytest.mark.parametrize(
    "matcher", ["service", "=payments", 'service="open', "1abc=x", "a=" + "x" * 600]
)
def test_a_filter_that_is_not_a_matcher_is_refused_before_asking(matcher: str) -> None:
    with pytest.raises(ValidationError, match="not an Alertmanager matcher"):
        pull_address("http://am:9093", [matcher])


def test_a_receiver_that_is_not_a_regex_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a regular expression"):
        pull_address("http://am:9093", [], "team-(")


def test_the_answer_is_read_to_the_contract() -> None:
    parsed = read_pulled([gettable(1), gettable(2, state="suppressed")])
    assert parsed.problems == []
    assert [(a.fingerprint, a.state, a.name) for a in parsed.alerts] == [
        ("payments000000000001", "firing", "HighErrorRate"),
        ("payments000000000002", "firing", "HighErrorRate"),
    ]
    assert parsed.alerts[0].ends_at is None  # a firing alert's endsAt is only a guess


def test_an_answer_off_the_contract_names_each_alert() -> None:
    no_receivers = {k: v for k, v in gettable(1).items() if k != "receivers"}
    odd_state = {
        **gettable(2),
        "status": {"state": "resolved", "silencedBy": [], "inhibitedBy": []},
    }
    parsed = read_pulled([no_receivers, odd_state, "text", gettable(4)])
    assert parsed.alerts == []
    assert parsed.problems == [
        "Alert 1: it lacks receivers.",
        "Alert 2: its status is not one of active, suppressed, unprocessed.",
        "Alert 3: it is not an object.",
    ]
    assert read_pulled({"alerts": []}).problems == [
        "The answer is not a list of alerts (is this Alertmanager's API v2?)."
    ]


def test_only_alerts_the_same_query_saw_firing_resolve_when_they_vanish() -> None:
    first = read_pulled([gettable(1), gettable(2), gettable(3)]).alerts
    seen = {a.fingerprint: a for a in first}
    now = read_pulled([gettable(2), gettable(9)]).alerts
    gone = vanished(seen, now, "2026-12-03T03:10:00Z")
    assert sorted((a.fingerprint, a.state, a.ends_at) for a in gone) == [
        ("payments000000000001", "resolved", "2026-12-03T03:10:00Z"),
        ("payments000000000003", "resolved", "2026-12-03T03:10:00Z"),
    ]
    assert vanished({}, now, "2026-12-03T03:10:00Z") == []

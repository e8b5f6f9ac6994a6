"""Which decisions typed as text read as production changes (and so need the rules)."""

import pytest

from commander_app.core.change_words import reads_as_change
from commander_app.core.model import DecisionKind


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("Roll back search-api to v8.1 now", DecisionKind.ROLLBACK, "Roll back"),
        ("rollback checkout to 4810", DecisionKind.ROLLBACK, "rollback"),
        ("revert PR 4411", DecisionKind.ROLLBACK, "revert"),
        ("Rolling back the payments deploy", DecisionKind.ROLLBACK, "Rolling back"),
        ("fail over to eu-west", DecisionKind.FAILOVER, "fail over"),
        ("Failover payments-db to the replica", DecisionKind.FAILOVER, "Failover"),
        ("drain node eu-3", DecisionKind.FAILOVER, "drain"),
        ("disable flag new-checkout", DecisionKind.FLAG, "disable"),
        ("turn the recommendations feature flag off", DecisionKind.FLAG, "feature flag"),
        ("Enable the kill switch for promotions", DecisionKind.FLAG, "Enable"),
        ("scale up checkout to 12 pods", DecisionKind.SCALING, "scale up"),
        ("scale checkout out", DecisionKind.SCALING, "scale checkout out"),
        ("add capacity in us-east", DecisionKind.SCALING, "add capacity"),
        ("config change: pool size 400", DecisionKind.CONFIG, "config change"),
        ("raise the pool size to 400", DecisionKind.CONFIG, "raise the pool size"),
        ("restart the search pods", DecisionKind.CONFIG, "restart"),
        ("redeploy 4812 with the fix", DecisionKind.CONFIG, "redeploy"),
        ("deploy the hotfix", DecisionKind.CONFIG, "deploy"),
        ("kill the stuck migration", DecisionKind.CONFIG, "kill"),
        ("Do not page again; roll back now", DecisionKind.ROLLBACK, "roll back"),
    ],
)
def test_production_changes_are_read_as_such(text: str, kind: DecisionKind, words: str) -> None:
    reading = reads_as_change(text)
    assert reading is not None, text
    assert (reading.kind, reading.words) == (kind, words)


@pytest.mark.parametrize(
    "text",
    [
        "keep investigating",
        "Keep investigating the DNS theory",
        "page the database team",
        "wait for the vendor's answer",
        "escalate to the payments director",
        "Alice stays commander; Bob takes comms",
        "do not roll back yet",
        "No rollback: the fix is five minutes away",
        "hold off on the failover until 03:30",
        "freeze deploys until morning",
        "prepare a rollback plan",
        "next update at 03:40",
        "investigate at scale later",
        "",
    ],
)
def test_other_decisions_are_not(text: str) -> None:
    assert reads_as_change(text) is None

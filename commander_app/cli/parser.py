"""The `commander` command line: every subcommand and its options.

Commands name their handler as "module:function" and are imported only when
run, so `commander` with no arguments opens the window without loading them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from commander_app import __version__
from commander_app.core.model import (
    TEXT_KINDS,
    Audience,
    HypothesisState,
    Milestone,
    Role,
    Status,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One plain line, like every other user error."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_window_parser() -> argparse.ArgumentParser:
    """Only the options of the window: enough for `commander` with no command,
    without building every subcommand first."""
    parser = _Parser(prog="commander", add_help=False)
    _window_options(parser)
    return parser


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, help="incident log file (default: $COMMANDER_DB or the user data dir)"
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window on a temporary log (or --db), wait for the first paint, exit",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="commander",
        description="Incident commander's assistant. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Commander {__version__}")
    _window_options(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    who = _Parser(add_help=False)
    who.add_argument("--author", help="who is writing (default: $COMMANDER_AUTHOR or login)")
    which = _Parser(add_help=False)
    which.add_argument(
        "--incident",
        metavar="ID",
        help="default: the most recently active open incident; a drill only when no real one is",
    )
    when = _Parser(add_help=False)
    when.add_argument("--at", metavar="TIME", help="when it happened: HH:MM (local) or ISO-8601")

    p = sub.add_parser("new", parents=[who, when], help="open an incident; prints its id")
    p.add_argument("title")
    p.add_argument("--severity", default="SEV3", help="SEV1 (worst) to SEV4; default SEV3")
    p.add_argument("--drill", action="store_true", help="a practice incident, marked as such")
    p.add_argument("--commander", metavar="NAME", help="incident commander")
    p.add_argument("--share", action="store_true", help="share it with the team database")
    p.set_defaults(run="log_commands:cmd_new")

    p = sub.add_parser("log", parents=[who, which, when], help="add an entry; prints its id")
    p.add_argument("text")
    p.add_argument("--kind", default="note", help=", ".join(k.value for k in TEXT_KINDS))
    p.add_argument("--corrects", metavar="EVENT_ID", help="this entry corrects an earlier one")
    p.set_defaults(run="log_commands:cmd_log")

    p = sub.add_parser("status", parents=[who, which, when], help="change the incident status")
    p.add_argument("status", help=", ".join(s.value for s in Status))
    p.add_argument("--yes", action="store_true", help="resolve with changes not reviewed")
    p.set_defaults(run="log_commands:cmd_status")

    p = sub.add_parser("severity", parents=[who, which, when], help="change the severity")
    p.add_argument("severity", help="SEV1 to SEV4")
    p.set_defaults(run="log_commands:cmd_severity")

    p = sub.add_parser("milestone", parents=[who, which, when], help="mark a milestone")
    p.add_argument("name", help=", ".join(m.value for m in Milestone))
    p.set_defaults(run="log_commands:cmd_milestone")

    p = sub.add_parser("role", parents=[who, which], help="assign a role to a person")
    p.add_argument("role", help=", ".join(r.value for r in Role))
    p.add_argument("person")
    p.set_defaults(run="log_commands:cmd_role")

    add_board_commands(sub, who, which, when)
    add_postmortem_commands(sub, who)
    add_metrics_commands(sub)
    add_runbook_commands(sub)
    add_playbook_commands(sub, who)
    add_drill_commands(sub, who)
    add_team_commands(sub, who)
    add_conflict_commands(sub, who)

    # -- the rollback checklist, the decision record and the divergence register --------
    # (`decide` and `status` are defined with the board and the log commands.)
    changes = "rollback, flag, config, scaling, failover"
    p = sub.add_parser("checklist", parents=[which], help="the rollback checklist and authority")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="rollback_commands:cmd_checklist")
    p = sub.add_parser("check-item", parents=[who, which, when], help="tick a checklist item")
    p.add_argument("item", metavar="ITEM", help="its number or id")
    p.add_argument("--uncheck", action="store_true", help="untick it")
    p.set_defaults(run="rollback_commands:cmd_check_item")
    p = sub.add_parser("outcome", parents=[who, which, when], help="did the decision work?")
    p.add_argument("decision", metavar="DECISION", help="its number on the board (D2) or id")
    p.add_argument("outcome", help="worked or failed")
    p.add_argument("--note", metavar="TEXT")
    p.set_defaults(run="rollback_commands:cmd_outcome")
    p = sub.add_parser("divergences", parents=[which], help="production changes and reviews")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="rollback_commands:cmd_divergences")
    p = sub.add_parser("divergence", parents=[who, which, when], help="log a production change")
    p.add_argument("text")
    p.add_argument("--change", required=True, help=changes)
    p.add_argument("--afterwards", default="undecided", help="revert, keep or undecided")
    p.add_argument("--by", metavar="NAME", help="who made it (default: --author)")
    p.set_defaults(run="rollback_commands:cmd_divergence")
    p = sub.add_parser(
        "review-divergence", parents=[who, which, when], help="a change reverted or kept"
    )
    p.add_argument("change", metavar="ID")
    p.add_argument("review", help="reverted or permanent")
    p.add_argument("--note", metavar="TEXT")
    p.set_defaults(run="rollback_commands:cmd_review_divergence")
    p = sub.add_parser("authority", help="the authority matrix in effect, as TOML")
    p.set_defaults(run="rollback_commands:cmd_authority")
    # -- end of the rollback commands ------------------------------------------------------
    add_cadence_commands(sub, who, which, when)
    add_template_commands(sub, which)
    add_publish_commands(sub, who, which)
    add_alert_commands(sub, who, which)

    p = sub.add_parser("list", help="list incidents (open ones by default)")
    p.add_argument("--all", action="store_true", help="include resolved incidents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="log_commands:cmd_list")

    p = sub.add_parser("show", help="an incident's state, durations and timeline")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="log_commands:cmd_show")

    p = sub.add_parser("search", help="full-text search of titles and entries")
    p.add_argument("query")
    p.add_argument("--incident", metavar="ID", help="only this incident (default: every incident)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="log_commands:cmd_search")

    p = sub.add_parser("export", help="export an incident as a JSON bundle or Markdown")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--format", choices=["json", "md"], required=True)
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default (or -): standard output"
    )
    p.set_defaults(run="log_commands:cmd_export")

    p = sub.add_parser("import", help="merge a JSON bundle into this log (safe to repeat)")
    p.add_argument("file", type=Path)
    p.set_defaults(run="log_commands:cmd_import")

    p = sub.add_parser(
        "import-history",
        parents=[who],
        help="bring in finished incidents from another tool's CSV (safe to repeat)",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument(
        "--zone", default="UTC", metavar="NAME", help="zone of times written without one"
    )
    p.add_argument(
        "--source",
        default="csv",
        metavar="NAME",
        help="the tool the file came from, so its ids never meet another tool's",
    )
    p.set_defaults(run="history_commands:cmd_import_history")

    p = sub.add_parser("backup", help="take a backup now")
    p.add_argument("--to", type=Path, metavar="PATH", help="default: the rotating backups folder")
    p.set_defaults(run="log_commands:cmd_backup")

    p = sub.add_parser(
        "check",
        help="verify the log: integrity, search index, projection, triggers, chain",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the incidents projection")
    p.set_defaults(run="log_commands:cmd_check")

    p = sub.add_parser(
        "copy-without-secrets",
        help="write a copy of the log with every channel secret it holds blanked",
    )
    p.add_argument("target", type=Path, metavar="NEW_DB", help="a new file for the copy")
    p.set_defaults(run="secret_commands:cmd_copy_without_secrets")
    return parser


def add_board_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser, when: Any
) -> None:
    """The board's writing commands, `board`, `briefing` and `handoff`."""
    writes = [who, which, when]
    p = sub.add_parser("hypothesis", parents=writes, help="open a hypothesis; prints its id")
    p.add_argument("text")
    p.add_argument("--owner", metavar="NAME", help="who is checking it")
    p.set_defaults(run="board_commands:cmd_hypothesis")

    p = sub.add_parser("hypothesis-state", parents=writes, help="confirm or refute a hypothesis")
    p.add_argument("hypothesis", metavar="HYPOTHESIS", help="its number on the board (H2) or id")
    p.add_argument("state", help=", ".join(s.value for s in HypothesisState))
    p.set_defaults(run="board_commands:cmd_hypothesis_state")

    p = sub.add_parser("finding", parents=writes, help="record a finding; prints its id")
    p.add_argument("text")
    p.add_argument(
        "--hypothesis", metavar="HYPOTHESIS", help="the hypothesis it bears on: H1 or its id"
    )
    p.set_defaults(run="board_commands:cmd_finding")

    p = sub.add_parser(
        "action",
        parents=writes,
        help="add an action item; prints its id (also: action add|ack|decline|start|done|"
        "wont|reopen)",
    )
    p.add_argument("text")
    p.add_argument("--owner", metavar="NAME")
    p.add_argument("--due", metavar="TIME", help="HH:MM (local, the next such time) or ISO-8601")
    p.set_defaults(run="board_commands:cmd_action")

    add_follow_up_commands(sub, who, which)

    p = sub.add_parser("action-owner", parents=writes, help="name who does an action item")
    p.add_argument("action", metavar="ACTION", help="its number on the board (A3) or id")
    p.add_argument("person", metavar="NAME")
    p.set_defaults(run="board_commands:cmd_action_owner")

    p = sub.add_parser("done", parents=writes, help="mark an action item done")
    p.add_argument("action", metavar="ACTION", help="its number on the board (A3) or id")
    p.set_defaults(run="board_commands:cmd_done")

    p = sub.add_parser("decide", parents=writes, help="record a decision; prints its id")
    p.add_argument("text")
    p.add_argument("--option", action="append", metavar="TEXT", help="an option weighed")
    undo = p.add_mutually_exclusive_group()
    undo.add_argument("--reversible", action="store_true", default=None, help="can be undone")
    undo.add_argument(
        "--irreversible", action="store_false", dest="reversible", help="cannot be undone"
    )
    changes = "rollback, flag, config, scaling, failover"
    p.add_argument("--kind", help=f"{changes} or other; a production change needs the checklist")
    p.add_argument("--objection", action="append", metavar="TEXT", help="an objection heard")
    p.add_argument("--override", metavar="REASON", help="decide before the checklist is complete")
    p.add_argument("--expect-minutes", type=int, metavar="N", help="when to ask: did it work?")
    p.set_defaults(run="rollback_commands:cmd_decide")

    p = sub.add_parser("board", help="hypotheses, findings, actions and decisions")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="board_commands:cmd_board")

    p = sub.add_parser("briefing", help="the briefing an incoming commander reads")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.set_defaults(run="handoff_commands:cmd_briefing")

    p = sub.add_parser("handoff", help="hand over command: offer, then accept or decline")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    offer = steps.add_parser("offer", parents=[who, which], help="offer command to NAME")
    offer.add_argument("person", metavar="NAME")
    steps.add_parser("accept", parents=[who, which], help="take the command offered")
    steps.add_parser("decline", parents=[who, which], help="decline the command offered")
    steps.add_parser("cancel", parents=[who, which], help="withdraw the offer")
    p.set_defaults(run="handoff_commands:cmd_handoff")


ACTION_VERBS = (
    "add", "ack", "decline", "start", "done", "wont", "reopen", "list", "push", "pull"
)  # fmt: skip
POSTMORTEM_STEPS = (
    "show",
    "edit",
    "factor",
    "check",
    "review",
    "draft",
    "publish",
    "reopen",
    "export",
)


def rewrite_argv(argv: list[str]) -> list[str]:
    """`commander action ack A3` runs `action-ack`; `commander postmortem ID show` takes
    ID as --incident. Today's `commander action TEXT` is left as it is."""
    words = list(argv)
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] == "--db" else 1  # --db takes a value; --db=PATH does not
    if i + 1 >= len(words):
        return words
    command, first = words[i], words[i + 1]
    if command == "action" and first in ACTION_VERBS:
        name = "follow-ups" if first == "list" else f"action-{first}"
        return [*words[:i], name, *words[i + 2 :]]
    if command == "postmortem" and first not in POSTMORTEM_STEPS and not first.startswith("-"):
        return [*words[:i], command, *words[i + 2 :], "--incident", first]
    return words


def add_follow_up_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser
) -> None:
    """Follow-ups: actions as commitments, tracked after the incident closes."""
    p = sub.add_parser(
        "action-add",
        parents=[who, which],
        help="add a follow-up (commitment): `commander action add TEXT`; prints its id",
    )
    p.add_argument("text", help="starts with a verb and says when it is done")
    p.add_argument("--owner", metavar="NAME", help="who does it (they accept it: action ack)")
    p.add_argument("--due", metavar="TIME", help="default: from the severity (SEV1 15 days…)")
    p.add_argument("--type", help="prevent, detect, mitigate, repair or process")
    p.add_argument("--priority", help="P1 to P4; default from the severity")
    p.add_argument("--factor", metavar="CF", help="the contributing factor it answers (CF1)")
    p.add_argument("--symptom", action="store_true", help="it fixes a symptom, not the cause")
    p.add_argument("--class-owner", metavar="NAME", help="who owns this class of problem")
    p.add_argument("--twin", metavar="ITEM", help="the symptom fix this item stands beside")
    p.add_argument("--override", metavar="REASON", help="keep a text the check refuses")
    p.set_defaults(run="follow_ups_commands:cmd_action_add")
    for verb, what in (("ack", "accept an item you own"), ("decline", "decline an item")):
        p = sub.add_parser(f"action-{verb}", parents=[who, which], help=what)
        p.add_argument("item", metavar="ITEM", help="its number (A3) or id")
        p.add_argument("--reason", help="why (a decline needs one)")
        p.set_defaults(run="follow_ups_commands:cmd_action_answer", verb=verb)
    for verb, what in (
        ("start", "start an item"),
        ("done", "finish an item, with evidence"),
        ("wont", "decide not to do an item, with the reason"),
        ("reopen", "open a finished or dropped item again"),
    ):
        p = sub.add_parser(f"action-{verb}", parents=[who, which], help=what)
        p.add_argument("item", metavar="ITEM", help="its number (A3) or id")
        if verb == "done":
            p.add_argument("--evidence", help="a link or note showing it is done")
        if verb == "wont":
            p.add_argument("--reason", required=True, help="why it will not be done")
        p.set_defaults(run="follow_ups_commands:cmd_action_move", verb=verb)

    p = sub.add_parser(
        "action-push",
        parents=[who, which],
        help="push a follow-up to an issue tracker (GitHub, Jira), exactly once",
    )
    p.add_argument("item", metavar="ITEM", nargs="?", help="its number (A3) or id")
    p.add_argument("--channel", metavar="NAME", help="the tracker channel (default: the only one)")
    p.add_argument("--retry", metavar="PUSH", help="try a failed push again")
    p.add_argument("--cancel", metavar="PUSH", help="give up a push that has not gone out")
    p.set_defaults(run="follow_ups_commands:cmd_action_push")
    p = sub.add_parser(
        "action-pull",
        parents=[who],
        help="read pushed follow-ups' state back from their trackers and log what changed",
    )
    p.set_defaults(run="follow_ups_commands:cmd_action_pull")
    p = sub.add_parser("follow-ups", help="open follow-ups of every incident, most urgent first")
    p.add_argument("--overdue", action="store_true", help="only overdue items")
    p.add_argument("--owner", metavar="NAME")
    p.add_argument("--incident", metavar="ID")
    p.add_argument("--priority", help="P1 to P4")
    p.add_argument(
        "--service", metavar="NAME", help="of incidents whose updates named it as affected"
    )
    p.add_argument("--all", action="store_true", help="closed items too")
    p.add_argument("--drills", action="store_true", help="drills' items too")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true")
    p.set_defaults(run="follow_ups_commands:cmd_follow_ups")


def add_postmortem_commands(sub: Any, who: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "postmortem",
        help="the blameless postmortem: show, edit, factor, check, review, publish, export",
    )
    p.add_argument(
        "--incident", metavar="ID", help="default: the most recently active incident, resolved too"
    )
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    show = steps.add_parser("show", help="the postmortem as Markdown (or --json)")
    show.add_argument("--json", action="store_true")
    edit = steps.add_parser("edit", parents=[who], help="write a section")
    edit.add_argument(
        "section",
        help="summary, customer_impact, detection, response, recovery, went_well, lucky, lessons",
    )
    text = edit.add_mutually_exclusive_group(required=True)
    text.add_argument("--text")
    text.add_argument("--text-file", metavar="FILE", help="'-': standard input")
    factor = steps.add_parser("factor", help="contributing factors: add, edit, remove, symptom-ok")
    factor_steps = factor.add_subparsers(
        dest="factor_step", metavar="STEP", required=True, parser_class=type(p)
    )
    add = factor_steps.add_parser("add", parents=[who], help="a condition, never a person")
    add.add_argument("text")
    add.add_argument(
        "--category",
        required=True,
        help="documentation, alerting_threshold, "
        "alerting_noise, alerting_missing, runbook_missing, runbook_stale, "
        "runbook_wrong, detection, deploy_safety, dependency, capacity, process, other",
    )
    change = factor_steps.add_parser("edit", parents=[who], help="reword or recategorise")
    change.add_argument("factor", metavar="CF", help="its number (CF1) or id")
    change.add_argument("--text")
    change.add_argument("--category")
    remove = factor_steps.add_parser("remove", parents=[who], help="take a factor out")
    remove.add_argument("factor", metavar="CF")
    ok = factor_steps.add_parser(
        "symptom-ok", parents=[who], help="record why symptom fixes are enough for a factor"
    )
    ok.add_argument("factor", metavar="CF")
    ok.add_argument("--reason", required=True)
    steps.add_parser("check", help="what stands between the postmortem and publishing")
    for name, what in (
        ("review", "send it for review"),
        ("draft", "take it back to draft"),
        ("publish", "publish it (refused while the analysis is missing)"),
        ("reopen", "reopen a published postmortem"),
    ):
        step = steps.add_parser(name, parents=[who], help=what)
        if name == "publish":
            step.add_argument(
                "--keep-wording",
                metavar="REASON",
                help="keep sentences the blame check flagged (the choice is recorded)",
            )
    export = steps.add_parser("export", help="write the postmortem out")
    export.add_argument("--format", choices=["md", "html", "pdf"], default="md")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default (or -): standard output"
    )
    # `--incident` also after the step (`postmortem factor add TEXT --incident ID`), where
    # a hurried user types it; given in neither place, the default above stands.
    for leaf in [*steps.choices.values(), *factor_steps.choices.values()]:
        if leaf is not factor:
            leaf.add_argument("--incident", metavar="ID", default=argparse.SUPPRESS)
    p.set_defaults(run="postmortem_commands:cmd_postmortem")

    p = sub.add_parser(
        "similar", help="earlier incidents like this one: their factors and open follow-ups"
    )
    p.add_argument("incident", nargs="?", metavar="ID")
    p.set_defaults(run="postmortem_commands:cmd_similar")

    p = sub.add_parser(
        "review", help="process review: where each incident lost time, and what repeats"
    )
    p.add_argument(
        "incidents", nargs="*", metavar="ID", help="default: the last 3 resolved real incidents"
    )
    p.add_argument("--last", type=int, metavar="N", help="the last N resolved incidents")
    p.add_argument("--drills", action="store_true", help="count drills among the last N")
    p.add_argument("--format", choices=["md", "html"], default="md")
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default (or -): standard output"
    )
    p.set_defaults(run="review_commands:cmd_review")


def add_metrics_commands(sub: Any) -> None:
    p = sub.add_parser("metrics", help="how an incident went, in figures, each with its source")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--all",
        action="store_true",
        help="every incident as a table (one row each), for a spreadsheet or DORA dashboard",
    )
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="with --all")
    p.add_argument("--severity", action="append", metavar="SEV", help="with --all (repeat)")
    p.add_argument("--service", metavar="NAME", help="with --all: incidents whose updates named it")
    p.add_argument("--drills", action="store_true", help="with --all: the drills instead")
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default (or -): standard output"
    )
    p.set_defaults(run="metrics_commands:cmd_metrics")

    p = sub.add_parser(
        "trends", help="the figures by month or quarter: median and interquartile range with n"
    )
    p.add_argument("--by", default="month", help="month (default) or quarter")
    p.add_argument("--severity", action="append", metavar="SEV", help="SEV1..SEV4 (repeat)")
    p.add_argument("--service", metavar="NAME", help="incidents whose updates named it")
    p.add_argument("--drills", action="store_true", help="the drills instead of real incidents")
    p.add_argument(
        "--figure",
        action="append",
        metavar="KEY",
        help="only this figure (repeat; follow_ups: the follow-up completion); see --json",
    )
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--png", type=Path, metavar="FILE", help="the charts, one under another")
    shape.add_argument("--svg", type=Path, metavar="FILE", help="the charts as SVG")
    shape.add_argument(
        "--html", type=Path, metavar="FILE", help="a report: each figure's chart and table"
    )
    p.set_defaults(run="metrics_commands:cmd_trends")


def add_playbook_commands(sub: Any, who: argparse.ArgumentParser) -> None:
    """The team's playbook: `playbook show|check|export|import FILE`."""
    p = sub.add_parser("playbook", help="the team's playbook: show, check, export, import")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    step = steps.add_parser("show", help="the rules in force, per severity, and who is on call")
    shown = step.add_mutually_exclusive_group()
    shown.add_argument("--version", metavar="DIGEST", help="an earlier playbook, by its digest")
    shown.add_argument("--incident", metavar="ID", help="the playbook an incident recorded")
    step.set_defaults(run="playbook_commands:cmd_show")
    step = steps.add_parser("check", help="every problem with its line (exit 1 if unusable)")
    step.add_argument("file", nargs="?", type=Path, metavar="FILE", help="default: the team's")
    step.add_argument("--json", action="store_true")
    step.set_defaults(run="playbook_commands:cmd_check")
    step = steps.add_parser("export", help="the playbook in force as a file")
    step.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    step.set_defaults(run="playbook_commands:cmd_export")
    step = steps.add_parser("import", parents=[who], help="make FILE the team's playbook")
    step.add_argument("file", type=Path, metavar="FILE")
    step.set_defaults(run="playbook_commands:cmd_import")


def add_drill_commands(sub: Any, who: argparse.ArgumentParser) -> None:
    """Tabletop drills: `drill list|check|start|status|fire|skip|delay|pause|resume|tick|
    outbox|report|replay`."""
    p = sub.add_parser("drill", help="tabletop drills: start a scenario, fire its injects")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    drill = _Parser(add_help=False)
    drill.add_argument("--incident", metavar="ID", help="default: the most recent open drill")
    step = steps.add_parser("list", help="the scenarios: shipped and the team's")
    step.set_defaults(run="drill_commands:cmd_list")
    step = steps.add_parser("check", help="every problem of a scenario with its line")
    step.add_argument("file", metavar="FILE", help="a scenario file, or a scenario's name")
    step.add_argument("--json", action="store_true")
    step.set_defaults(run="drill_commands:cmd_check")
    step = steps.add_parser("start", parents=[who], help="open a drill incident from SCENARIO")
    step.add_argument("scenario", metavar="SCENARIO", help="a name from `drill list`, or a file")
    step.add_argument("--speed", type=float, metavar="N", help="drill minutes per real minute")
    step.add_argument("--commander", metavar="NAME", help="the drill's incident commander")
    step.set_defaults(run="drill_commands:cmd_start")
    for name, what in (("status", "the injects: due, upcoming, done"),
                       ("outbox", "what the drill would have sent")):  # fmt: skip
        step = steps.add_parser(name, help=what)
        step.add_argument("id", nargs="?", metavar="ID", help="default: the most recent drill")
        step.add_argument("--json", action="store_true")
        step.set_defaults(run=f"drill_commands:cmd_{name}")
    for name, what in (("fire", "fire INJECT now"), ("skip", "never fire INJECT")):
        step = steps.add_parser(name, parents=[who, drill], help=what)
        step.add_argument("inject", metavar="INJECT")
        step.set_defaults(run=f"drill_commands:cmd_{name}")
    step = steps.add_parser("delay", parents=[who, drill], help="move INJECT MINUTES later")
    step.add_argument("inject", metavar="INJECT")
    step.add_argument("minutes", type=int, metavar="MINUTES")
    step.set_defaults(run="drill_commands:cmd_delay")
    step = steps.add_parser(
        "replay", help="a past real incident as a scenario: its facts, alerts and findings"
    )
    step.add_argument("incident", metavar="ID", help="the real incident to practise")
    step.add_argument(
        "-o", "--output", metavar="FILE", help="default: replay-ID.toml in the drills folder"
    )
    step.set_defaults(run="drill_report_commands:cmd_replay")
    step = steps.add_parser(
        "report", parents=[who], help="the drill against the playbook: where it broke"
    )
    step.add_argument("id", nargs="?", metavar="ID", help="default: the most recent drill")
    step.add_argument("--json", action="store_true")
    step.add_argument(
        "--propose", type=int, metavar="N", help="make break N's mend a follow-up of the drill"
    )
    step.set_defaults(run="drill_report_commands:cmd_report")
    for name, what in (
        ("pause", "stop drill time"),
        ("resume", "run drill time again"),
        ("tick", "fire whatever is due now"),
    ):
        step = steps.add_parser(name, parents=[who, drill], help=what)
        step.set_defaults(run=f"drill_commands:cmd_{name}")


def add_runbook_commands(sub: Any) -> None:
    """The runbook library: `runbook list|search|show|check`."""
    folder = _Parser(add_help=False)
    folder.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="the runbook folder (default: $COMMANDER_RUNBOOKS, runbooks.toml, the examples)",
    )
    p = sub.add_parser("runbook", help="the runbook library: list, search, show, check")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    step = steps.add_parser("list", parents=[folder], help="every runbook in the folder")
    step.set_defaults(run="runbook_commands:cmd_list")
    step = steps.add_parser("search", parents=[folder], help="full-text search, best first")
    step.add_argument("query", metavar="QUERY")
    step.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    step.add_argument("--json", action="store_true")
    step.set_defaults(run="runbook_commands:cmd_search")
    step = steps.add_parser("show", parents=[folder], help="a runbook's steps and trust line")
    step.add_argument("name", metavar="NAME", help="its name (`runbook list`) or a prefix")
    step.set_defaults(run="runbook_commands:cmd_show")
    step = steps.add_parser(
        "check", parents=[folder], help="problems as path:line, and the trust report"
    )
    step.add_argument("--json", action="store_true")
    step.add_argument(
        "--stale-after", type=int, default=180, metavar="DAYS", help="default 180 days"
    )
    step.set_defaults(run="runbook_commands:cmd_check")
    step = steps.add_parser(
        "step", parents=[folder], help="log a step followed: done, wrong, or escalated"
    )
    step.add_argument("name", metavar="NAME", help="the runbook's name (`runbook list`)")
    step.add_argument("number", type=int, metavar="N", help="the step's number")
    step.add_argument("what", choices=["done", "wrong", "escalate"])
    step.add_argument("--output-file", metavar="F", help="done: the output seen ('-': stdin)")
    step.add_argument("--note", metavar="TEXT", help="wrong: what is wrong or outdated")
    step.add_argument("--to", metavar="WHO", help="escalate: whom, when the step names several")
    step.add_argument("--incident", metavar="ID", help="default: the most recently active one")
    step.add_argument("--author", help="who is writing (default: $COMMANDER_AUTHOR or login)")
    step.set_defaults(run="runbook_step_commands:cmd_step")
    step = steps.add_parser(
        "suggest", parents=[folder], help="runbooks for an incident, best first"
    )
    step.add_argument("--incident", metavar="ID", help="default: the most recently active one")
    step.set_defaults(run="runbook_step_commands:cmd_suggest")
    step = steps.add_parser(
        "draft-update",
        parents=[folder],
        help="the runbook's update from what an incident ran, as a diff to review",
    )
    step.add_argument("name", nargs="?", metavar="NAME", help="the runbook (`runbook list`)")
    step.add_argument("--new", action="store_true", help="draft a new runbook from the log")
    step.add_argument(
        "--incident", metavar="ID", help="default: the last one that followed the runbook"
    )
    step.add_argument("-o", "--output", metavar="FILE", help="write the whole proposed file")
    step.add_argument("--apply", action="store_true", help="write it over the runbook file")
    step.add_argument(
        "--base", metavar="SHA256", help="--apply only if the file is still this one (the diff's)"
    )
    step.set_defaults(run="runbook_draft_commands:cmd_draft_update")


def add_cadence_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser, when: Any
) -> None:
    """The stakeholder-update cadence: `cadence`, `sent` and `snooze`."""
    audiences = ", ".join(a.value for a in Audience)
    p = sub.add_parser("cadence", parents=[which], help="when each audience's next update is due")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--policy", action="store_true", help="print the cadence policy in effect, as JSON"
    )
    p.set_defaults(run="cadence_commands:cmd_cadence")

    p = sub.add_parser(
        "sent", parents=[who, which, when], help="log an update sent to an audience by hand"
    )
    p.add_argument("audience", metavar="AUDIENCE", help=audiences)
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", metavar="TEXT", help="the text that was sent")
    text.add_argument(
        "--text-file", metavar="FILE", help="a file holding the text that was sent ('-': stdin)"
    )
    p.add_argument(
        "--next-update",
        metavar="TIME",
        help="the next update promised: HH:MM (local, the next such time) or ISO-8601",
    )
    p.add_argument("--channel", default="manual", help="where it went (default: manual)")
    p.set_defaults(run="cadence_commands:cmd_sent")

    p = sub.add_parser(
        "snooze", parents=[who, which], help="move an audience's reminder, with a reason"
    )
    p.add_argument("audience", metavar="AUDIENCE", help=audiences)
    p.add_argument("--minutes", type=int, required=True, help="1 to 240")
    p.add_argument("--reason", required=True, help="why the update waits (logged)")
    p.set_defaults(run="cadence_commands:cmd_snooze")


KEEP_CARRIED_HELP = "keep the impact and workaround carried from an earlier phase's update"


def add_alert_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser
) -> None:
    """`alerts receive|pull|import|list|triage|attach|report`: monitoring's alerts in the log."""
    p = sub.add_parser(
        "alerts", help="alerts from Alertmanager and PagerDuty: in, grouped, triaged"
    )
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    receive = steps.add_parser(
        "receive",
        parents=[who, which],
        help="run the webhook receiver in the foreground (Ctrl+C stops it)",
    )
    receive.add_argument("--port", type=int, default=9095, help="default 9095")
    receive.add_argument(
        "--host", metavar="HOST", help="default 127.0.0.1 (this laptop only); another only if given"
    )
    receive.add_argument(
        "--token-file", metavar="FILE", help="require `Authorization: Bearer` with this token"
    )
    receive.set_defaults(run="alert_commands:cmd_receive")
    pulled = steps.add_parser(
        "pull",
        parents=[who, which],
        help="ask an Alertmanager for its alerts (GET /api/v2/alerts), once or --every N s",
    )
    pulled.add_argument("url", metavar="URL", help="Alertmanager's address, http://HOST:9093")
    pulled.add_argument(
        "--filter",
        action="append",
        metavar="MATCHER",
        help='only alerts matching, e.g. service="payments" (repeat: all must match)',
    )
    pulled.add_argument("--receiver", metavar="REGEX", help="only alerts routed to receivers")
    pulled.add_argument(
        "--active-only", action="store_true", help="leave out silenced and inhibited alerts"
    )
    pulled.add_argument(
        "--token-file", metavar="FILE", help="send `Authorization: Bearer` with this token"
    )
    pulled.add_argument(
        "--every", type=int, metavar="SECONDS", help="keep pulling (5 to 3600 s) until Ctrl+C"
    )
    pulled.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    pulled.set_defaults(run="alert_pull_commands:cmd_pull")
    imported = steps.add_parser(
        "import",
        parents=[who, which],
        help="alerts from a file: Alertmanager JSON, PagerDuty JSON or CSV (all or nothing)",
    )
    imported.add_argument("file", metavar="FILE")
    imported.set_defaults(run="alert_commands:cmd_import")
    listing = steps.add_parser("list", parents=[which], help="the incident's alert groups")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run="alert_commands:cmd_list")
    triaged = steps.add_parser("triage", parents=[who, which], help="triage a group of alerts")
    triaged.add_argument("group", metavar="GROUP", help="its id in `alerts list`, or alert name")
    triaged.add_argument("triage", metavar="TRIAGE", help="cause, symptom, noise or unknown")
    triaged.add_argument("--hypothesis", metavar="H", help="the hypothesis it is linked to (H2)")
    triaged.set_defaults(run="alert_commands:cmd_triage")
    attach = steps.add_parser(
        "attach", parents=[who, which], help="bring the inbox's alerts into an incident"
    )
    attach.set_defaults(run="alert_commands:cmd_attach")
    report = steps.add_parser(
        "report",
        parents=[who, which],
        help="the noise report across incidents: one proposed change per alert",
    )
    report.add_argument("--since", metavar="DATE", help="incidents opened on or after (ISO date)")
    report.add_argument("--service", metavar="NAME", help="incidents and alerts of this service")
    shape = report.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true", help="one row per alert name")
    report.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default (or -): standard output"
    )
    report.add_argument(
        "--propose",
        metavar="NAME",
        help="make the alert's proposed change a follow-up (of --incident, default: the "
        "latest incident it fired in)",
    )
    report.add_argument(
        "--propose-miss",
        metavar="ID",
        help="make a detection miss of this incident a follow-up: add an alert or health check",
    )
    report.set_defaults(run="alert_commands:cmd_report")


def add_template_commands(sub: Any, which: argparse.ArgumentParser) -> None:
    """`templates list` and `draft`."""
    p = sub.add_parser("templates", help="stakeholder-update templates")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    steps.add_parser("list", help="every template: shipped, yours, and yours over shipped ones")
    p.set_defaults(run="template_commands:cmd_templates_list")

    p = sub.add_parser("draft", parents=[which], help="print a filled stakeholder update")
    p.add_argument("audience", help="internal, executives or customers")
    p.add_argument("--template", metavar="NAME", help="default: the one for the audience and phase")
    p.add_argument("--first", action="store_true", help="the first message of the incident")
    p.add_argument(
        "--next-update", metavar="TIME", help="when the next update is due: HH:MM or ISO-8601"
    )
    p.add_argument(
        "--zone",
        metavar="ZONE",
        help="the readers' time zone, e.g. Europe/Berlin (default: this machine's)",
    )
    p.add_argument("--impact", metavar="TEXT", help="what users see")
    p.add_argument("--workaround", metavar="TEXT", help="what users can do meanwhile")
    p.add_argument(
        "--service", action="append", metavar="NAME", help="an affected service (repeat for more)"
    )
    p.add_argument("--keep-carried", action="store_true", help=KEEP_CARRIED_HELP)
    p.set_defaults(run="template_commands:cmd_draft")


def add_publish_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser
) -> None:
    """Publishing: `channel add|list|test|remove`, `send` and `outbox`."""
    p = sub.add_parser("channel", help="where updates are published: email, status pages, chat")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    add = steps.add_parser(
        "add",
        help="add (or with --replace change) a channel; the secret is asked for, never an argument",
    )
    add.add_argument(
        "kind", metavar="KIND", help="email, statuspage, cachet, slack, teams, github or jira"
    )
    add.add_argument("name", metavar="NAME", help="your name for it, e.g. status-page")
    add.add_argument("--replace", action="store_true", help="change an existing channel")
    add.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the secret (password, API key, webhook URL) from standard input",
    )
    add.add_argument(
        "--keep-secret",
        action="store_true",
        help="with --replace: keep the stored secret instead of asking for a new one",
    )
    add.add_argument(
        "--audience",
        action="append",
        metavar="AUDIENCE",
        help="an audience it serves (repeat; default: by kind — status pages customers, "
        "chat internal, email those it has recipients for)",
    )
    mail = add.add_argument_group("email")
    mail.add_argument("--host", help="SMTP server")
    mail.add_argument("--port", type=int, help="default 465 for tls, 587 for starttls")
    mail.add_argument(
        "--security", help="tls (implicit TLS), starttls, or plain (an unencrypted local relay)"
    )
    mail.add_argument("--username", help="SMTP login (none: send without signing in)")
    mail.add_argument("--from", dest="from_addr", metavar="ADDRESS", help="the From address")
    mail.add_argument(
        "--to",
        action="append",
        metavar="AUDIENCE=ADDRESS[,ADDRESS]",
        help="recipients for an audience, e.g. executives=cto@example.com (repeat)",
    )
    mail.add_argument("--ca-file", metavar="PEM", help="trust this CA instead of the system's")
    pages = add.add_argument_group("status pages")
    pages.add_argument("--page-id", help="Statuspage page id")
    pages.add_argument("--base-url", help="API base URL (Cachet: your Cachet's URL)")
    pages.add_argument(
        "--component",
        action="append",
        metavar="SERVICE=ID",
        help="map an affected service to a status-page component id (repeat)",
    )
    trackers = add.add_argument_group("issue trackers (follow-ups: `commander action push`)")
    trackers.add_argument("--repo", metavar="OWNER/REPO", help="GitHub repository")
    trackers.add_argument(
        "--label", action="append", metavar="LABEL", help="a label for every issue (repeat)"
    )
    trackers.add_argument(
        "--assignee",
        action="append",
        metavar="OWNER=LOGIN",
        help="GitHub: assign a follow-up owner's issues to this login (repeat)",
    )
    trackers.add_argument("--email", help="Jira: the account's email (with its API token)")
    trackers.add_argument("--project", metavar="KEY", help="Jira project key, e.g. OPS")
    trackers.add_argument("--issue-type", help="Jira issue type (default Task)")
    add.set_defaults(run="publish_commands:cmd_channel_add")
    listing = steps.add_parser("list", help="the channels, their settings and whom they serve")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run="publish_commands:cmd_channel_list")
    test = steps.add_parser("test", help="check a channel's settings and secret")
    test.add_argument("name", metavar="NAME")
    test.set_defaults(run="publish_commands:cmd_channel_test")
    remove = steps.add_parser("remove", help="remove a channel and its secret")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(run="publish_commands:cmd_channel_remove")

    p = sub.add_parser(
        "send",
        parents=[who, which],
        help="render (or read) an update, queue it for its channels and try to deliver it",
    )
    p.add_argument("audience", metavar="AUDIENCE", help="internal, executives or customers")
    p.add_argument("--channel", action="append", metavar="NAME", help="only this channel (repeat)")
    p.add_argument("--template", metavar="NAME", help="default: the one for the audience and phase")
    p.add_argument(
        "--text-file", metavar="FILE", help="send this text instead of a template ('-': stdin)"
    )
    p.add_argument("--subject", metavar="TEXT", help="the subject (default: the template's)")
    p.add_argument(
        "--next-update", metavar="TIME", help="when the next update is due: HH:MM or ISO-8601"
    )
    p.add_argument("--impact", metavar="TEXT", help="what users see")
    p.add_argument("--workaround", metavar="TEXT", help="what users can do meanwhile")
    p.add_argument(
        "--service", action="append", metavar="NAME", help="an affected service (repeat for more)"
    )
    p.add_argument("--keep-carried", action="store_true", help=KEEP_CARRIED_HELP)
    p.add_argument(
        "--queue-only", action="store_true", help="queue it, but leave delivery to the window"
    )
    p.set_defaults(run="publish_commands:cmd_send")

    p = sub.add_parser("outbox", parents=[who], help="updates waiting to go out, and what failed")
    steps = p.add_subparsers(dest="step", metavar="STEP", parser_class=type(p))
    listing = steps.add_parser("list", help="the outbox, newest first (the default)")
    listing.add_argument("--all", action="store_true", help="include sent and cancelled ones")
    listing.add_argument("--json", action="store_true")
    steps.add_parser("flush", help="deliver everything that is due now")
    retry = steps.add_parser("retry", help="try a waiting or failed update again now")
    retry.add_argument("id", metavar="ID", help="its id (the first 8 characters are enough)")
    cancel = steps.add_parser("cancel", help="do not send this update")
    cancel.add_argument("id", metavar="ID")
    p.set_defaults(run="publish_commands:cmd_outbox", all=False, json=False)


def add_team_commands(sub: Any, who: argparse.ArgumentParser) -> None:
    """Several laptops on one incident: `team setup|status|share|unshare|sync`."""
    p = sub.add_parser("team", help="several laptops on one incident, through PostgreSQL")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    step = steps.add_parser("setup", help="connect this laptop to the team database")
    step.add_argument("--host", required=True)
    step.add_argument("--db", dest="dbname", required=True, metavar="DATABASE")
    step.add_argument("--user", required=True)
    step.add_argument("--port", type=int, default=5432)
    step.add_argument(
        "--sslmode", default="verify-full", help="libpq's sslmode; default verify-full"
    )
    step.add_argument("--ca", metavar="FILE", help="the CA certificate the server's is signed by")
    secret = step.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password")
    secret.add_argument("--no-password", action="store_true", help="the server asks none")
    step.add_argument(
        "--create-schema", action="store_true", help="create or upgrade the team schema (owner)"
    )
    step.add_argument(
        "--grant", action="append", metavar="ROLE", help="with --create-schema: a member role"
    )
    step.set_defaults(run="team_commands:cmd_setup")
    step = steps.add_parser("status", help="the team database, shared incidents, who is here")
    step.add_argument("--json", action="store_true")
    step.set_defaults(run="team_commands:cmd_status")
    step = steps.add_parser("share", help="share an incident with the team")
    step.add_argument("id", nargs="?", metavar="ID", help="default: the most recent open one")
    step.set_defaults(run="team_commands:cmd_share")
    step = steps.add_parser("unshare", help="keep an incident on this laptop from now on")
    step.add_argument("id", metavar="ID")
    step.set_defaults(run="team_commands:cmd_unshare")
    step = steps.add_parser("sync", parents=[who], help="keep this laptop in step (Ctrl+C stops)")
    step.add_argument("--once", action="store_true", help="one round, then exit")
    step.add_argument("--verbose", action="store_true", help="a line for every round that moved")
    step.set_defaults(run="team_commands:cmd_sync")


def add_conflict_commands(sub: Any, who: argparse.ArgumentParser) -> None:
    """`conflicts [--incident ID] [--json]` and `conflicts settle KEY --keep EVENT_ID`."""
    p = sub.add_parser("conflicts", help="what laptops' merged logs disagree on; settle it")
    p.add_argument("--incident", metavar="ID", help="default: the most recently active incident")
    p.add_argument("--json", action="store_true")
    steps = p.add_subparsers(dest="step", metavar="STEP", parser_class=type(p))
    settle = steps.add_parser("settle", parents=[who], help="keep one side of conflict KEY")
    # Before or after the step (`conflicts settle KEY --keep ID --incident ID`).
    settle.add_argument("--incident", metavar="ID", default=argparse.SUPPRESS)
    settle.add_argument("key", metavar="KEY", help="the conflict's key, as listed")
    settle.add_argument("--keep", required=True, metavar="EVENT_ID", help="the side that stands")
    settle.add_argument("--reason", metavar="TEXT", help="why, for the log")
    p.set_defaults(run="conflict_commands:cmd_conflicts", step=None)

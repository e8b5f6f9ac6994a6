"""Every keyboard shortcut in one table: the actions are made from it, and
Help → Keyboard shortcuts shows it, so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Shortcut:
    name: str
    keys: str
    what: str
    window: bool = True  # False: works inside one widget (it is not a window action)


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("new_incident", "Ctrl+N", "Start an incident"),
    Shortcut("new_drill", "Ctrl+Shift+N", "Start a drill"),
    Shortcut("capture", "Ctrl+L", "Go to the capture line"),
    Shortcut("search", "Ctrl+F", "Search the incident"),
    Shortcut("filter", "Ctrl+K", "Filter the timeline by kind"),
    Shortcut("next_incident", "Ctrl+PgDown", "Next incident in the list"),
    Shortcut("previous_incident", "Ctrl+PgUp", "Previous incident in the list"),
    Shortcut("sev1", "Ctrl+1", "Severity SEV1"),
    Shortcut("sev2", "Ctrl+2", "Severity SEV2"),
    Shortcut("sev3", "Ctrl+3", "Severity SEV3"),
    Shortcut("sev4", "Ctrl+4", "Severity SEV4"),
    Shortcut("investigating", "Alt+1", "Status investigating"),
    Shortcut("identified", "Alt+2", "Status identified"),
    Shortcut("monitoring", "Alt+3", "Status monitoring"),
    Shortcut("resolved", "Alt+4", "Status resolved"),
    Shortcut("impact_started", "Ctrl+Alt+1", "Set milestone: impact started"),
    Shortcut("detected", "Ctrl+Alt+2", "Set milestone: detected"),
    Shortcut("mitigated", "Ctrl+Alt+3", "Set milestone: mitigated"),
    Shortcut("resolved_milestone", "Ctrl+Alt+4", "Set milestone: resolved"),
    Shortcut("assign_commander", "Ctrl+Shift+C", "Assign the incident commander"),
    Shortcut("assign_communicator", "Ctrl+Shift+M", "Assign the communicator"),
    Shortcut("draft_update", "Ctrl+U", "Draft the most urgent stakeholder update"),
    Shortcut("snooze", "Ctrl+Shift+Z", "Snooze the most urgent update reminder (with a reason)"),
    Shortcut("cadence_settings", "Ctrl+,", "Update cadence settings"),
    Shortcut("edit_templates", "Ctrl+Shift+E", "Edit update templates (with live preview)"),
    Shortcut("outbox", "Ctrl+Shift+U", "Show the outbox: updates waiting, sent and failed"),
    Shortcut("channels", "Ctrl+Shift+G", "Publishing channels: email, status pages, chat"),
    Shortcut("overdue_sound", "Ctrl+Shift+L", "Beep when an update falls overdue (on or off)"),
    Shortcut("mini_timer", "Ctrl+Shift+T", "Show or hide the always-on-top mini timer"),
    Shortcut("hand_over", "Ctrl+Shift+H", "Hand over command (with a briefing)"),
    Shortcut("confirm_hypothesis", "Ctrl+Shift+Y", "Confirm the selected hypothesis"),
    Shortcut("refute_hypothesis", "Ctrl+Shift+X", "Refute the selected hypothesis"),
    Shortcut(
        "hypothesis_owner",
        "Ctrl+Shift+O",
        "Set the owner of the selected hypothesis (of the action, in the actions list)",
    ),
    Shortcut("add_action", "Ctrl+Shift+A", "Add an action"),
    Shortcut("action_done", "Ctrl+Shift+D", "Mark the selected action done"),
    Shortcut("board", "Ctrl+Shift+P", "Go to the hypotheses"),
    Shortcut("rollback", "Ctrl+Shift+R", "Go to the rollback checklist (Space ticks an item)"),
    Shortcut("decide", "Ctrl+Shift+K", "Decide… (a decision with its authority and record)"),
    Shortcut("outcome_prompt", "Ctrl+Shift+W", "Answer “did it work?” for a decision"),
    Shortcut("log_change", "Ctrl+Shift+V", "Log a production change (divergence register)"),
    Shortcut("authority_settings", "Ctrl+Alt+R", "Authority matrix settings"),
    Shortcut(
        "follow_ups",
        "Ctrl+Shift+F",
        "Follow-ups of every incident: owners, due dates, the overdue first",
    ),
    Shortcut(
        "metrics",
        "Ctrl+Alt+M",
        "Metrics: trends by month, the process review, this incident's figures",
    ),
    Shortcut("alerts", "Ctrl+Alt+A", "Alerts of the incident: groups, triage, the detected time"),
    Shortcut(
        "drill_facilitator",
        "Ctrl+Alt+D",
        "Drill facilitator: start a scenario, its injects on schedule, fire, skip or delay",
    ),
    Shortcut("drill_fire", "F", "In the drill's inject list: fire the inject now", window=False),
    Shortcut("drill_skip", "S", "In the drill's inject list: skip it", window=False),
    Shortcut("drill_delay", "D", "In the drill's inject list: delay it", window=False),
    Shortcut("drill_pause", "P", "In the drill's inject list: pause or resume", window=False),
    Shortcut("alert_cause", "C", "In the Alerts list: the selected group is a cause", window=False),
    Shortcut("alert_symptom", "S", "In the Alerts list: the group is a symptom", window=False),
    Shortcut("alert_noise", "N", "In the Alerts list: the group is noise", window=False),
    Shortcut("alert_unknown", "U", "In the Alerts list: undo the group's triage", window=False),
    Shortcut(
        "alert_runbook",
        "R",
        "In the Alerts list: open the group's runbook (its runbook_url) in the runbook view",
        window=False,
    ),
    Shortcut(
        "runbooks",
        "Ctrl+Alt+B",
        "Runbooks for the incident: suggested first, search, follow one step by step",
    ),
    Shortcut("runbook_copy", "Y", "In a runbook's steps: copy the step's command", window=False),
    Shortcut("runbook_done", "D", "In a runbook's steps: done, with the output seen", window=False),
    Shortcut(
        "runbook_wrong", "W", "In a runbook's steps: wrong or outdated (a note)", window=False
    ),
    Shortcut(
        "runbook_escalate",
        "E",
        "In a runbook's steps: escalate as the step says (then offer the role)",
        window=False,
    ),
    Shortcut(
        "runbook_edit",
        "Ctrl+E",
        "In the Runbooks tab: edit the runbook (Markdown with preview, the incident's draft)",
        window=False,
    ),
    Shortcut("runbook_save", "Ctrl+S", "In the runbook editor: save the file", window=False),
    Shortcut("copy_entries", "Ctrl+C", "Copy the selected timeline entries", window=False),
    Shortcut("postmortem", "Ctrl+Alt+P", "Postmortem of the selected incident"),
    Shortcut("share_incident", "Ctrl+Alt+T", "Share the selected incident with the team"),
    Shortcut(
        "conflicts",
        "Ctrl+Alt+C",
        "Conflicts between laptops: what merged logs disagree on; keep one side",
    ),
    Shortcut("backup", "Ctrl+Shift+B", "Back up the log now"),
    Shortcut("shortcuts", "F1", "Keyboard shortcuts"),
    Shortcut("quit", "Ctrl+Q", "Quit"),
)

CAPTURE_PREFIXES = (
    ("h text", "hypothesis"),
    ("f text", "finding"),
    ("d text", "decision"),
    ("a text", "action"),
    ("o text", "observation"),
    ("n text", "note"),
    ("!text", "alert"),
    ("@14:05 text", "it happened at 14:05 (combine: @14:05 h text)"),
)


def by_name(name: str) -> Shortcut:
    return next(s for s in SHORTCUTS if s.name == name)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = "".join(f"<tr><td><b>{s.keys}</b></td><td>{s.what}</td></tr>" for s in SHORTCUTS)
        prefixes = "".join(f"<tr><td><b>{p}</b></td><td>{w}</td></tr>" for p, w in CAPTURE_PREFIXES)
        text = QLabel(
            f"<table cellpadding=3>{rows}</table>"
            f"<h4>In the capture line</h4><table cellpadding=3>{prefixes}</table>"
        )
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)

"""The Alerts pane: the incident's alert groups, triaged in one keystroke."""

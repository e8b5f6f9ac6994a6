"""Follow-ups: the open items every incident leaves, in the status bar and their own view."""

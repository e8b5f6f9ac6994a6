"""The Metrics window's screens: the process review of the last few incidents."""

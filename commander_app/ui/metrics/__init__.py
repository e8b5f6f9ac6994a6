"""The Metrics window: trends over months, the process review, an incident's figures."""

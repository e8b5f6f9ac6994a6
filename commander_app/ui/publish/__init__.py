"""Channels and the outbox: where updates are sent and what is waiting to go."""

"""Stakeholder updates and their cadence: the desk, countdowns, drafts, snoozes, templates."""

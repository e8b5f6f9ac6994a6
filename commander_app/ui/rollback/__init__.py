"""Rollback and decisions: the checklist panel, its tab, and the authority matrix."""

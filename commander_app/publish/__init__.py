"""Delivery of stakeholder updates: outbox and channels (email, status pages, webhooks)."""

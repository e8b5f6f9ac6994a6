"""The runbook view: suggested and searched runbooks, one followed step by step."""

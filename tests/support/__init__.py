"""Test doubles that are real implementations: keyring backends, mail and HTTP servers."""

"""Errors a user can cause, each with a message in the user's words."""


class CommanderError(Exception):
    """Base for every error that should reach the user as one plain line."""


class ValidationError(CommanderError):
    """Input that Commander cannot accept as it is (and did not store)."""


class NotFoundError(CommanderError):
    """A referenced incident or event does not exist in this log."""


class BundleError(ValidationError):
    """An import bundle that is malformed, truncated or from a newer version."""

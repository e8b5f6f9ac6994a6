"""Reading a settings file's TOML text, with every way it can fail told in the user's
words (the authority matrix, the rollback checklist, the postmortem word lists)."""

from __future__ import annotations

import tomllib
from typing import Any

from commander_app.core.errors import ValidationError


def load_toml(text: str, where: str) -> dict[str, Any]:
    """The file's tables; `where` names the file in the refusal."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{where} is not valid TOML ({exc}).") from None
    except RecursionError:
        raise ValidationError(f"{where} is nested too deeply to be a settings file.") from None
    except ValueError:  # an integer past Python's 4,300 digits
        raise ValidationError(f"{where} holds a number too long to read.") from None

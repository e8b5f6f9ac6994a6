"""The team database's settings: where it is, who connects, how TLS is checked.

Kept in the log (`team_state`, no password); the password in the keyring, under the
service 'Commander' and the user 'team:<user>@<host>:<port>/<database>'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from commander_app.core.errors import ValidationError
from commander_app.publish.secrets import SecretStore

__all__ = ["SSL_MODES", "TeamConfig", "TeamSecrets"]

# libpq's sslmode values; anything below verify-full is an explicit choice of the user.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
CONNECT_TIMEOUT = 5  # seconds: a hotel Wi-Fi that drops packets must not hang a pull
STATEMENT_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class TeamConfig:
    host: str
    dbname: str
    user: str
    port: int = 5432
    sslmode: str = "verify-full"
    sslrootcert: str | None = None  # a CA file; None: libpq's default (~/.postgresql)

    def __post_init__(self) -> None:
        for name in ("host", "dbname", "user"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 255:
                raise ValidationError(f"The team database's {name} is missing or too long.")
            if any(c in value for c in "\x00\n\r"):
                raise ValidationError(f"The team database's {name} has a line break in it.")
        if not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise ValidationError("The team database's port must be a number from 1 to 65535.")
        if self.sslmode not in SSL_MODES:
            raise ValidationError(
                f"sslmode must be one of {', '.join(SSL_MODES)}; verify-full (the default) "
                "checks the server's certificate and name."
            )

    @property
    def key(self) -> str:
        """How the password is named in the keyring, and how the database is named to people."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeamConfig:
        known = {k: data[k] for k in ("host", "dbname", "user", "port", "sslmode", "sslrootcert")
                 if k in data}  # fmt: skip
        return cls(**known)

    def conninfo(self, password: str | None, *, application: str = "Commander") -> str:
        """libpq's connection string; keepalives so a dead Wi-Fi is noticed in seconds."""
        from psycopg.conninfo import make_conninfo

        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.sslmode,
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": application,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        }
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
        if password is not None:
            params["password"] = password
        return make_conninfo("", **params)


class TeamSecrets(SecretStore):
    """The team database's password, beside the channels' secrets."""

    @staticmethod
    def username(channel_name: str) -> str:
        return f"team:{channel_name}"

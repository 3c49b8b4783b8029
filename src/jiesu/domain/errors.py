"""Errors the domain raises; the CLI and the API map them to messages and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error that is the user's to fix, not a bug."""

    code = "domain_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(DomainError):
    """A value is malformed, missing, out of range or unknown (HTTP 400/422)."""

    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class IllegalTransition(DomainError):
    """An action that is not allowed in the case's current status (HTTP 409)."""

    code = "illegal_transition"


class Forbidden(DomainError):
    """The actor's role may not perform this action (HTTP 403)."""

    code = "forbidden"


class TooManyRequests(DomainError):
    """Too many calls or attempts in a while; try again later (HTTP 429)."""

    code = "rate_limited"


class ConflictError(DomainError):
    """Someone else changed the case first; reload and try again (HTTP 409)."""

    code = "conflict"


class ConfigError(DomainError):
    """A configuration file is broken; names the file, the line and the reason."""

    code = "config_error"

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason

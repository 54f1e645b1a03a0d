"""Errors the core raises, each carrying the command line's exit code (contract section 3)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    JOB_FAILED = 1
    USAGE = 2
    AUTH = 3
    CREDITS = 4
    UNAVAILABLE = 5
    UNKNOWN = 6


class GrokVideoError(Exception):
    """Base class: a message meant for a person, a short machine code and an exit code."""

    exit_code: ExitCode = ExitCode.JOB_FAILED
    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(GrokVideoError):
    """The user's input cannot be sent; nothing was sent."""

    exit_code = ExitCode.USAGE
    code = "invalid_input"


class NotFound(GrokVideoError):
    exit_code = ExitCode.USAGE
    code = "not_found"


class KeyProblem(GrokVideoError):
    """No key, a refused key, or no keyring to keep one in."""

    exit_code = ExitCode.AUTH
    code = "no_key"


class KeyringUnavailable(KeyProblem):
    code = "no_keyring"


class ServiceError(GrokVideoError):
    """The service answered with an error."""

    def __init__(
        self, message: str, *, code: str = "service_error", http_status: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.http_status = http_status


class Rejected(ServiceError):
    """The service refused the request; it was not processed and costs nothing."""

    exit_code = ExitCode.JOB_FAILED


class AuthRejected(Rejected):
    exit_code = ExitCode.AUTH


class InsufficientCredits(Rejected):
    exit_code = ExitCode.CREDITS


class Unavailable(ServiceError):
    """The service could not be reached (or kept saying 429/503) until the retries ran out."""

    exit_code = ExitCode.UNAVAILABLE


class OutcomeUnknown(ServiceError):
    """The create may or may not have been processed (and charged). Never re-sent automatically."""

    exit_code = ExitCode.UNKNOWN


class TaskFailed(ServiceError):
    """The service ran the task and says it failed."""

    exit_code = ExitCode.JOB_FAILED


class DatabaseTooNew(GrokVideoError):
    exit_code = ExitCode.USAGE
    code = "database_too_new"

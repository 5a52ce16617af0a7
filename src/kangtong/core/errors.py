"""Domain exceptions. `web/` maps each one to an OperationOutcome and an HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a request, shaped like an OperationOutcome.issue."""

    severity: str
    code: str
    diagnostics: str
    expression: str | None = None


@dataclass
class KangtongError(Exception):
    """Base of every domain error; carries OperationOutcome issues."""

    message: str
    issues: list[Issue] = field(default_factory=list)
    issue_code = "processing"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)
        if not self.issues:
            self.issues = [Issue("error", self.issue_code, self.message)]

    def __str__(self) -> str:
        return self.message


class Invalid(KangtongError):
    """The input is malformed or breaks a rule (HTTP 400)."""

    issue_code = "invalid"


class Unprocessable(KangtongError):
    """The input parsed but failed validation against FHIR R4 or a profile (HTTP 422)."""

    issue_code = "processing"


class NotFound(KangtongError):
    """The resource or endpoint does not exist (HTTP 404)."""

    issue_code = "not-found"


class Gone(KangtongError):
    """The resource existed and was deleted (HTTP 410)."""

    issue_code = "deleted"


class Forbidden(KangtongError):
    """The caller may not do this (HTTP 403)."""

    issue_code = "forbidden"


class Conflict(KangtongError):
    """The write conflicts with the current state, e.g. a stale version (HTTP 409)."""

    issue_code = "conflict"


class PreconditionFailed(KangtongError):
    """A conditional request's precondition did not hold (HTTP 412)."""

    issue_code = "conflict"


class NotSupported(KangtongError):
    """The request asks for something kangtong does not implement (HTTP 501/400)."""

    issue_code = "not-supported"


class MethodNotAllowed(KangtongError):
    """The interaction is not allowed on this endpoint (HTTP 405)."""

    issue_code = "not-supported"


class RetryableConflict(Conflict):
    """A concurrent transaction won a race (serialisation failure, deadlock); retrying may succeed (HTTP 409)."""

    issue_code = "transient"


class PayloadTooLarge(KangtongError):
    """The request body is larger than the configured limit (HTTP 413)."""

    issue_code = "too-long"


class UnsupportedMediaType(KangtongError):
    """The request body is in a format kangtong does not read (HTTP 415)."""

    issue_code = "not-supported"


class NotAcceptable(KangtongError):
    """The client accepts no format kangtong answers in, e.g. only XML (HTTP 406)."""

    issue_code = "not-supported"


class Unavailable(KangtongError):
    """The database cannot be reached or refused the connection; try later (HTTP 503)."""

    issue_code = "transient"


class Unexpected(KangtongError):
    """A failure kangtong did not foresee, reported where a response must still be given (HTTP 500).

    Carries no detail of the cause: messages of unforeseen errors may echo personal data.
    """

    issue_code = "exception"

"""OperationOutcome bodies for errors and informational messages."""

from __future__ import annotations

from typing import Any

from kangtong.core.errors import Issue, KangtongError


def operation_outcome(exc: Exception) -> dict[str, Any]:
    issues = (
        exc.issues if isinstance(exc, KangtongError) else [Issue("error", "exception", str(exc))]
    )
    return outcome_of(issues)


def outcome_of(issues: list[Issue]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [_issue(i) for i in issues]
        or [{"severity": "information", "code": "informational"}],
    }


def _issue(issue: Issue) -> dict[str, Any]:
    body: dict[str, Any] = {
        "severity": issue.severity,
        "code": issue.code,
        "diagnostics": issue.diagnostics,
    }
    if issue.expression:
        body["expression"] = [issue.expression]
    return body


def information(message: str) -> dict[str, Any]:
    return outcome_of([Issue("information", "informational", message)])

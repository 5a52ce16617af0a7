"""Match grades (PDQm `match-grade`) from match weights and the linker's thresholds.

certain: at or above the link threshold (linked automatically on ingest); probable: between
the review and the link threshold (queued for a clerk); possible: below review, above the
service's floor (listed by `$match`, never linked). While the model in use is not trusted
(`model_checks`: the shipped default weights, or a fit that failed a check), a match is certain
only when an exact valid citizen ID proves it; otherwise it is at best probable.
"""

from __future__ import annotations

from typing import Any

from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.matcher import ScoredCandidate
from kangtong.mpi.models import ActiveModel

CERTAIN = "certain"
PROBABLE = "probable"
POSSIBLE = "possible"


def match_grade(score: float, settings: LinkerSettings) -> str:
    if score >= settings.link_threshold:
        return CERTAIN
    if score >= settings.review_threshold:
        return PROBABLE
    return POSSIBLE


def model_grade(active: ActiveModel, scored: ScoredCandidate[Any], settings: LinkerSettings) -> str:
    """The grade of a scored candidate under the model in use (see the module docstring)."""
    grade = match_grade(scored.score, settings)
    if grade != CERTAIN or active.status.trusted or scored.identified:
        return grade
    return PROBABLE

"""Match grades (PDQm `match-grade`) from match weights and the linker's thresholds.

certain: at or above the link threshold (linked automatically on ingest); probable: between
the review and the link threshold (queued for a clerk); possible: below review, above the
service's floor (listed by `$match`, never linked).
"""

from __future__ import annotations

from kangtong.mpi.linker import LinkerSettings

CERTAIN = "certain"
PROBABLE = "probable"
POSSIBLE = "possible"


def match_grade(score: float, settings: LinkerSettings) -> str:
    if score >= settings.link_threshold:
        return CERTAIN
    if score >= settings.review_threshold:
        return PROBABLE
    return POSSIBLE

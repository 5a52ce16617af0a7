"""Whether a model trained on a region's records may link on its own (模型验收).

EM fits something to any data, including two records. A fitted model is trusted to link
automatically only when the population was large enough to learn from and the fit shows none of
the signs of a degenerate one (the things splink reports as parameters it could not train):

- **population**: at least `minimum_records` source records (see docs/mpi.md for how the
  default was measured);
- **sessions**: at least `minimum_sessions` blocking rules had enough candidate pairs to run EM,
  and every EM session converged;
- **trained**: every comparison's m was learned by at least one session (not left at its start);
- **matches**: the candidate pairs hold enough matches to learn from (`minimum_matches`
  expected) and are not all matches or all non-matches;
- **separation**: for every comparison, full agreement is evidence for a match and full
  disagreement evidence against (m/u not collapsed to one class).

A model that fails any check is not used for automatic links: the MPI keeps to the shipped
default weights, links only on an exact valid citizen ID and sends the rest to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.training import TrainingReport

R = TypeVar("R")


@dataclass(frozen=True)
class TrainingPolicy:
    """What a fitted model must show before it links on its own."""

    minimum_records: int = 2_000
    minimum_sessions: int = 3
    minimum_matches: float = 200.0
    separation_bits: float = 0.5  # full agreement at least this many bits for, disagreement against


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class ModelAssessment:
    """The checks a model went through; `trusted` when every one passed."""

    checks: tuple[Check, ...]

    @property
    def trusted(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def as_json(self) -> list[dict[str, Any]]:
        return [c.as_json() for c in self.checks]

    @classmethod
    def from_json(cls, raw: list[dict[str, Any]]) -> ModelAssessment:
        return cls(tuple(Check(str(c["name"]), bool(c["passed"]), str(c["detail"])) for c in raw))


def assess_model(
    model: FellegiSunterModel[R],
    report: TrainingReport,
    records: int,
    policy: TrainingPolicy,
) -> ModelAssessment:
    """Run every check on a freshly trained model."""
    return ModelAssessment(
        (
            _population(records, policy),
            _sessions(report, policy),
            _trained(model, report),
            _matches(report, policy),
            _separation(model, policy),
        )
    )


def too_few_records(records: int, policy: TrainingPolicy) -> ModelAssessment:
    """The assessment of a population too small to train on at all."""
    return ModelAssessment((_population(records, policy),))


def _population(records: int, policy: TrainingPolicy) -> Check:
    return Check(
        "population",
        records >= policy.minimum_records,
        f"{records} source records (at least {policy.minimum_records})",
    )


def _sessions(report: TrainingReport, policy: TrainingPolicy) -> Check:
    unconverged = [s.rule for s in report.sessions if not s.converged]
    enough = len(report.sessions) >= policy.minimum_sessions
    detail = f"{len(report.sessions)} EM sessions (at least {policy.minimum_sessions})"
    if unconverged:
        detail += "; not converged: " + ", ".join(unconverged)
    return Check("sessions", enough and not unconverged, detail)


def _trained(model: FellegiSunterModel[R], report: TrainingReport) -> Check:
    learned = {name for s in report.sessions for name in s.learned}
    untrained = [c.name for c in model.comparisons if c.name not in learned]
    detail = "m learned for every comparison"
    if untrained:
        detail = "m not learned for: " + ", ".join(untrained)
    return Check("trained", not untrained, detail)


def _matches(report: TrainingReport, policy: TrainingPolicy) -> Check:
    rate = report.candidate_match_rate
    fine = report.expected_matches >= policy.minimum_matches and 0.001 < rate < 0.999
    detail = (
        f"{report.expected_matches:.0f} expected matches among the candidates (at least "
        f"{policy.minimum_matches:.0f}); match rate {rate:.3f}"
    )
    return Check("matches", fine, detail)


def _separation(model: FellegiSunterModel[R], policy: TrainingPolicy) -> Check:
    collapsed = [
        c.name
        for c, bits in zip(model.comparisons, model.level_bits(), strict=True)
        if not (bits[-1] >= policy.separation_bits and bits[0] <= -policy.separation_bits)
    ]
    detail = "every comparison separates matches from non-matches"
    if collapsed:
        detail = "m/u collapsed (agreement not evidence for, or disagreement not against): "
        detail += ", ".join(collapsed)
    return Check("separation", not collapsed, detail)

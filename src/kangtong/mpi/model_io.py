"""Persisting a trained model: m, u, λ and term frequencies as JSON, so matching one record
never retrains. The comparisons themselves are code (the schema); the JSON names them, and a
model whose comparisons or levels differ from the schema's is refused rather than misread.

Format 2 also keeps what the model went through (`model_checks`: the assessment that decides
whether it may link on its own) and where it came from (for the shipped default weights, the
synthetic training run that made them). A format-1 model (before the checks existed) loads
with no assessment, so it is not trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import orjson

from kangtong.core.errors import Invalid
from kangtong.mpi.em import FSParameters
from kangtong.mpi.model import FellegiSunterModel, TermFrequencies
from kangtong.mpi.model_checks import ModelAssessment
from kangtong.mpi.schema import LinkageSchema

R = TypeVar("R")
FORMAT = 2
READABLE_FORMATS = (1, 2)


@dataclass(frozen=True)
class SavedModel(Generic[R]):
    """A model with its assessment and provenance."""

    model: FellegiSunterModel[R]
    assessment: ModelAssessment = field(default_factory=lambda: ModelAssessment(()))
    provenance: dict[str, Any] = field(default_factory=dict)


def dump_model(
    model: FellegiSunterModel[R],
    assessment: ModelAssessment | None = None,
    provenance: dict[str, Any] | None = None,
) -> bytes:
    return orjson.dumps(
        {
            "format": FORMAT,
            "match_rate": model.parameters.match_rate,
            "comparisons": [
                {"name": c.name, "levels": list(c.levels), "m": m.tolist(), "u": u.tolist()}
                for c, m, u in zip(
                    model.comparisons, model.parameters.m, model.parameters.u, strict=True
                )
            ],
            "term_frequencies": {
                model.comparisons[i].name: table.bits for i, table in model.term_frequencies.items()
            },
            "assessment": [] if assessment is None else assessment.as_json(),
            "provenance": provenance or {},
        },
        option=orjson.OPT_INDENT_2 if provenance else 0,
    )


def load_model(raw: bytes, schema: LinkageSchema[R]) -> FellegiSunterModel[R]:
    return load_saved(raw, schema).model


def load_saved(raw: bytes, schema: LinkageSchema[R]) -> SavedModel[R]:
    data = orjson.loads(raw)
    stored = data.get("comparisons", [])
    expected = [(c.name, list(c.levels)) for c in schema.comparisons]
    if (
        data.get("format") not in READABLE_FORMATS
        or [(c["name"], c["levels"]) for c in stored] != expected
    ):
        raise Invalid("The stored MPI model does not fit this version's comparisons: retrain it")
    parameters = FSParameters(
        float(data["match_rate"]),
        tuple(np.asarray(c["m"], dtype=np.float64) for c in stored),
        tuple(np.asarray(c["u"], dtype=np.float64) for c in stored),
    )
    model = FellegiSunterModel(schema.comparisons, parameters)
    names = [c.name for c in schema.comparisons]
    for name, bits in data.get("term_frequencies", {}).items():
        model.term_frequencies[names.index(name)] = TermFrequencies(
            {k: float(v) for k, v in bits.items()}
        )
    assessment = ModelAssessment.from_json(data.get("assessment") or [])
    return SavedModel(model, assessment, dict(data.get("provenance") or {}))

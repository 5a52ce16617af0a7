"""Persisting a trained model: m, u, λ and term frequencies as JSON, so matching one record
never retrains. The comparisons themselves are code (the schema); the JSON names them, and a
model whose comparisons or levels differ from the schema's is refused rather than misread.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import orjson

from kangtong.core.errors import Invalid
from kangtong.mpi.em import FSParameters
from kangtong.mpi.model import FellegiSunterModel, TermFrequencies
from kangtong.mpi.schema import LinkageSchema

R = TypeVar("R")
FORMAT = 1


def dump_model(model: FellegiSunterModel[R]) -> bytes:
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
        }
    )


def load_model(raw: bytes, schema: LinkageSchema[R]) -> FellegiSunterModel[R]:
    data = orjson.loads(raw)
    stored = data.get("comparisons", [])
    expected = [(c.name, list(c.levels)) for c in schema.comparisons]
    if data.get("format") != FORMAT or [(c["name"], c["levels"]) for c in stored] != expected:
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
    return model

"""缺省权重 — the model weights shipped with kangtong, used until a region trains its own.

They were trained (unsupervised, as a region would) on a synthetic district generated with
default registration noise, by `bench/bench_mpi_default_model.py`, which also wrote their
provenance into the file (generator, seed, population, noise, the checks the fit passed and its
quality on held-out synthetic sets). They are a region's starting point, not its model: while
they are in use, the MPI links automatically only on an exact valid citizen ID and sends every
other probable match to review (`model_checks`, docs/mpi.md).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.model_io import SavedModel, load_saved
from kangtong.mpi.normalise.record import PersonRecord

DEFAULT_MODEL_FILE = "default-model.json"


def default_model_bytes() -> bytes:
    return resources.files("kangtong.mpi.data").joinpath(DEFAULT_MODEL_FILE).read_bytes()


@lru_cache(maxsize=1)
def default_model() -> SavedModel[PersonRecord]:
    """The shipped weights for the Chinese identity schema (read once per process)."""
    return load_saved(default_model_bytes(), chinese_identity_schema())

"""A small synthetic district generated once for the synth tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kangtong.synth import SynthConfig, SynthSummary, generate_district
from kangtong.synth.config import FORMATS
from kangtong.synth.model import Person
from kangtong.synth.population import CitizenIdRegistry, PopulationBuilder

SMALL_DISTRICT = SynthConfig(people=400, seed=7, formats=FORMATS, chunk_size=64)
LARGE_POPULATION = SynthConfig(people=20_000, seed=11)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    out = tmp_path_factory.mktemp("district")
    return out, generate_district(SMALL_DISTRICT, out)


@pytest.fixture(scope="session")
def population() -> list[Person]:
    return list(PopulationBuilder(LARGE_POPULATION, CitizenIdRegistry()).people())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))

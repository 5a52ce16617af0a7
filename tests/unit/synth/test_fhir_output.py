"""Every FHIR resource written validates against R4, and every reference resolves."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import orjson
import pytest

from kangtong.synth import SynthSummary


def validator_present() -> bool:
    try:
        return importlib.util.find_spec("kangtong.fhir.model.validator") is not None
    except ModuleNotFoundError:  # the kangtong.fhir.model package itself is absent
        return False


VALIDATOR_PRESENT = validator_present()


def all_resources(out: Path) -> list[dict[str, Any]]:
    return [
        orjson.loads(line)
        for path in sorted((out / "fhir").glob("*.ndjson"))
        for line in path.read_bytes().splitlines()
    ]


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for item in value.values() for r in references(item)]
    if isinstance(value, list):
        return [r for item in value for r in references(item)]
    return []


@pytest.mark.skipif(not VALIDATOR_PRESENT, reason="kangtong.fhir.model.validator not present yet")
def test_every_resource_and_bundle_validates_as_fhir_r4(
    district: tuple[Path, SynthSummary],
) -> None:
    from kangtong.fhir.model import ResourceValidator, StructureModel

    out, _ = district
    validator = ResourceValidator(StructureModel.load())
    resources = all_resources(out)
    problems = [
        (r["resourceType"], r["id"], issue) for r in resources for issue in validator.validate(r)
    ]
    assert problems == []
    bundles = [
        orjson.loads(path.read_bytes()) for path in sorted((out / "bundles").glob("*.json"))[:40]
    ]
    assert all(validator.validate(bundle) == [] for bundle in bundles)


def test_every_reference_points_at_a_written_resource(district: tuple[Path, SynthSummary]) -> None:
    out, _ = district
    resources = all_resources(out)
    written = {f"{r['resourceType']}/{r['id']}" for r in resources}
    dangling = {ref for r in resources for ref in references(r)} - written
    assert dangling == set()


def test_ids_are_unique_and_counts_match_the_summary(district: tuple[Path, SynthSummary]) -> None:
    out, summary = district
    resources = all_resources(out)
    assert len({(r["resourceType"], r["id"]) for r in resources}) == len(resources)
    assert len(resources) == summary.fhir_resources


def test_clinical_resources_point_at_the_source_patient_of_their_institution(
    district: tuple[Path, SynthSummary],
) -> None:
    out, _ = district
    resources = all_resources(out)
    managing = {
        r["id"]: r["managingOrganization"]["reference"]
        for r in resources
        if r["resourceType"] == "Patient"
    }
    encounters = [r for r in resources if r["resourceType"] == "Encounter"]
    for encounter in encounters:
        patient = encounter["subject"]["reference"].removeprefix("Patient/")
        assert managing[patient] == encounter["serviceProvider"]["reference"]


def test_bundles_are_transactions_of_puts_no_larger_than_the_bundle_size(
    district: tuple[Path, SynthSummary],
) -> None:
    out, summary = district
    paths = sorted((out / "bundles").glob("*.json"))
    entries = 0
    for path in paths:
        bundle = orjson.loads(path.read_bytes())
        assert bundle["type"] == "transaction" and 0 < len(bundle["entry"]) <= 50
        assert all(entry["request"]["method"] == "PUT" for entry in bundle["entry"])
        entries += len(bundle["entry"])
    assert entries == summary.fhir_resources
    assert paths[0].name.startswith("0-registry")

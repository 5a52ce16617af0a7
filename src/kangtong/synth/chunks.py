"""Rendering a chunk of people to output bytes: the part that runs in worker processes.

A chunk's output depends only on its people (each with their own seed), so chunks can be rendered
in any process and concatenated in order: the files are the same whatever the chunk size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import orjson

from kangtong.synth import cda, hl7v2, tabular
from kangtong.synth.care import CareSetting, simulate_care
from kangtong.synth.config import SynthConfig
from kangtong.synth.fhir.common import Resource
from kangtong.synth.fhir.person import person_resources
from kangtong.synth.model import Person
from kangtong.synth.noise import register


@dataclass
class ChunkJob:
    config: SynthConfig
    setting: CareSetting
    people: list[Person]


@dataclass
class ChunkOutput:
    fhir: dict[str, bytearray] = field(default_factory=dict)
    hl7v2: dict[str, list[str]] = field(default_factory=dict)
    csv: dict[str, str] = field(default_factory=dict)
    bundles: list[tuple[str, bytes]] = field(default_factory=list)
    documents: list[tuple[str, str, bytes]] = field(default_factory=list)  # (type, encounter, CDA)
    counts: Counter[str] = field(default_factory=Counter)
    people: int = 0


def render_chunk(job: ChunkJob) -> ChunkOutput:
    """Care, registrations and every requested format for the chunk's people."""
    config, setting = job.config, job.setting
    formats = set(config.formats)
    output = ChunkOutput(people=len(job.people))
    all_records = []
    registry = cda.registry_of(setting) if "cda" in formats else []
    for person in job.people:
        care = simulate_care(person, setting, config)
        records = [
            register(person, setting.facilities[key], config.noise, config.as_of)
            for key in care.facilities_used()
        ]
        all_records.extend(records)
        resources = list(
            person_resources(care, records, setting, config.as_of, config.health_code_system)
        )
        _count(output, resources, len(records))
        if "fhir" in formats:
            _append_ndjson(output, resources)
        if "bundles" in formats:
            output.bundles.extend(person_bundles(person.index, resources, config.bundle_size))
        if "hl7v2" in formats:
            for key, message in hl7v2.person_messages(care, records, setting.facilities):
                output.hl7v2.setdefault(key, []).append(message)
                output.counts["hl7v2 messages"] += 1
        if "cda" in formats:
            for document in cda.person_documents(registry, resources):
                output.documents.append(document)
                output.counts["cda documents"] += 1
    if "csv" in formats:
        output.csv = {
            "source_records.csv": tabular.source_rows(all_records, setting.facilities),
            "truth.csv": tabular.truth_rows(all_records),
            "residents.csv": tabular.resident_rows(job.people, config.seed),
        }
    return output


def _count(output: ChunkOutput, resources: list[Resource], records: int) -> None:
    output.counts["source records"] += records
    for resource in resources:
        output.counts[resource["resourceType"]] += 1


def _append_ndjson(output: ChunkOutput, resources: list[Resource]) -> None:
    for resource in resources:
        buffer = output.fhir.get(resource["resourceType"])
        if buffer is None:
            buffer = output.fhir[resource["resourceType"]] = bytearray()
        buffer += orjson.dumps(resource)
        buffer += b"\n"


def transaction_bundle(resources: list[Resource]) -> Resource:
    """A transaction of PUTs: ids are fixed, so references work across bundles in any order."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{resource['id']}",
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
            for resource in resources
        ],
    }


def person_bundles(index: int, resources: list[Resource], size: int) -> list[tuple[str, bytes]]:
    """A person's resources as bundles of at most `size` entries, named in load order."""
    return [
        (
            f"1-{index:07d}-{part:02d}.json",
            orjson.dumps(transaction_bundle(resources[start : start + size])),
        )
        for part, start in enumerate(range(0, len(resources), size), 1)
    ]

"""Generating a whole synthetic district (合成辖区) into an output directory."""

from __future__ import annotations

import concurrent.futures
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kangtong.synth.care import CareSetting
from kangtong.synth.chunks import ChunkJob, ChunkOutput, render_chunk
from kangtong.synth.config import SynthConfig
from kangtong.synth.facilities import DistrictBuilder
from kangtong.synth.fhir.registry import registry_resources
from kangtong.synth.model import Person
from kangtong.synth.output import OutputDirectory
from kangtong.synth.population import CitizenIdRegistry, PopulationBuilder

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class SynthSummary:
    people: int
    institutions: int
    practitioners: int
    counts: dict[str, int]
    seconds: float

    @property
    def fhir_resources(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind[0].isupper())


def generate_district(
    config: SynthConfig, out: Path, on_progress: ProgressCallback | None = None
) -> SynthSummary:
    """Write the district for `config` under `out`; identical output for the same config."""
    started = time.perf_counter()
    citizen_ids = CitizenIdRegistry()
    district = DistrictBuilder(config, citizen_ids).build()
    setting = CareSetting.of(district)
    registry = [resource for _, resource in registry_resources(district)]
    counts: Counter[str] = Counter(resource["resourceType"] for resource in registry)
    people = PopulationBuilder(config, citizen_ids).people()
    jobs = (ChunkJob(config, setting, chunk) for chunk in _batched(people, config.chunk_size))
    with OutputDirectory(out, config.formats) as output:
        output.write_registry(registry, config.bundle_size)
        for chunk in _render(jobs, config.workers):
            output.write_chunk(chunk)
            counts.update(chunk.counts)
            counts["people"] += chunk.people
            if on_progress is not None:
                on_progress(chunk.people)
    practitioners = sum(len(f.practitioners) for f in district.facilities)
    return SynthSummary(
        counts.pop("people", 0),
        len(district.facilities) + 1,
        practitioners,
        dict(sorted(counts.items())),
        time.perf_counter() - started,
    )


def _batched(people: Iterator[Person], size: int) -> Iterator[list[Person]]:
    while chunk := list(itertools.islice(people, size)):
        yield chunk


def _render(jobs: Iterator[ChunkJob], workers: int) -> Iterator[ChunkOutput]:
    """Chunks rendered in order, in this process or a pool (results are merged in job order)."""
    if workers <= 1:
        yield from map(render_chunk, jobs)
        return
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[concurrent.futures.Future[ChunkOutput]] = []
        for job in jobs:
            pending.append(pool.submit(render_chunk, job))
            if len(pending) >= workers * 3:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()

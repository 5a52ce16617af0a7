"""The output directory: one file per FHIR resource type, per institution's HL7 feed, per CSV;
one folder of CDA documents per document type."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import orjson

from kangtong.synth import tabular
from kangtong.synth.chunks import ChunkOutput, transaction_bundle
from kangtong.synth.fhir.common import Resource


class OutputDirectory:
    """Appends chunk outputs in order; opened files are closed on exit."""

    def __init__(self, root: Path, formats: tuple[str, ...]) -> None:
        self.root = root
        self.formats = set(formats)
        self._files: dict[Path, BinaryIO] = {}
        for folder in ("fhir", "bundles", "hl7v2", "csv"):
            if folder in self.formats:
                (root / folder).mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> OutputDirectory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for handle in self._files.values():
            handle.close()

    def _append(self, path: Path, data: bytes) -> None:
        handle = self._files.get(path)
        if handle is None:
            handle = self._files[path] = path.open("wb")
        handle.write(data)

    def write_registry(self, resources: list[Resource], bundle_size: int) -> None:
        if "fhir" in self.formats:
            for resource in resources:
                path = self.root / "fhir" / f"{resource['resourceType']}.ndjson"
                self._append(path, orjson.dumps(resource) + b"\n")
        if "bundles" in self.formats:
            for part, start in enumerate(range(0, len(resources), bundle_size), 1):
                bundle = transaction_bundle(resources[start : start + bundle_size])
                (self.root / "bundles" / f"0-registry-{part:03d}.json").write_bytes(
                    orjson.dumps(bundle)
                )
        if "csv" in self.formats:
            for name, columns in tabular.FILES.items():
                self._append(self.root / "csv" / name, tabular.header(columns).encode())

    def write_chunk(self, chunk: ChunkOutput) -> None:
        for resource_type, data in chunk.fhir.items():
            self._append(self.root / "fhir" / f"{resource_type}.ndjson", bytes(data))
        for name, bundle in chunk.bundles:
            (self.root / "bundles" / name).write_bytes(bundle)
        for facility, messages in chunk.hl7v2.items():
            self._append(
                self.root / "hl7v2" / f"{facility}.hl7", "\n".join(messages).encode() + b"\n"
            )
        for type_code, encounter_id, document in chunk.documents:
            folder = self.root / "cda" / type_code
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{encounter_id}.xml").write_bytes(document)
        for name, text in chunk.csv.items():
            self._append(self.root / "csv" / name, text.encode())

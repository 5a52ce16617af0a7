"""The signed manifest of a de-identified export (`FILE.sig.json` beside the NDJSON).

It names the request, when the file was made, its size, SHA-256 and SM3, and carries the
platform's SM2 signature over those fields (`security.signed_manifest`), so a researcher or an
auditor can prove the file is the one the platform released, unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from kangtong.core.errors import Invalid
from kangtong.security import signed_manifest
from kangtong.security.crypto.sm2 import Sm2Signer
from kangtong.security.crypto.sm3 import sm3_digest

FORMAT = "kangtong-export/1"


def manifest_of(ndjson: bytes, request_id: str, created: str) -> dict[str, Any]:
    return {"format": FORMAT, "request": request_id, "created": created, "bytes": len(ndjson),
            "sha256": hashlib.sha256(ndjson).hexdigest(), "sm3": sm3_digest(ndjson).hex()}  # fmt: skip


def signed_export_manifest(
    ndjson: bytes, request_id: str, created: str, signer: Sm2Signer
) -> bytes:
    """The JSON of `FILE.sig.json`: the manifest and the SM2 signature over its fields."""
    manifest = manifest_of(ndjson, request_id, created)
    record = signed_manifest.sign(signed_manifest.canonical(manifest), signer)
    return orjson.dumps({"manifest": manifest, **record}, option=orjson.OPT_INDENT_2)


def verify_export(ndjson: bytes, signature_json: bytes, trusted_public_hex: str) -> dict[str, Any]:
    """The manifest once the signature (this platform's key) and the checksums match."""
    record = signed_manifest.read_record(signature_json, "the export")
    manifest = record.get("manifest")
    if not isinstance(manifest, Mapping) or manifest.get("format") != FORMAT:
        raise Invalid("The export's signature file holds no kangtong export manifest")
    signed_manifest.check(signed_manifest.canonical(manifest), record, trusted_public_hex)
    if manifest.get("bytes") != len(ndjson):
        raise Invalid("The export has the wrong size: it does not match its checksum")
    if manifest.get("sha256") != hashlib.sha256(ndjson).hexdigest():
        raise Invalid("The export does not match its SHA-256 checksum: it was changed")
    if manifest.get("sm3") != sm3_digest(ndjson).hex():
        raise Invalid("The export does not match its SM3 checksum: it was changed")
    return dict(manifest)

"""SM2 signatures over the manifests of files that leave the platform (签名): backups and
de-identified exports.

The manifest (sizes and checksums of the payload) is signed with the platform's SM2 key
(`document-signing-sm2.json` in the key folder) using SM2-with-SM3 (GB/T 32918). A verifier
trusts only the public key of its own key folder, never one written in the file: whoever can
change the file can also put their own key and signature in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import parse_json_object
from kangtong.security.crypto.sm2 import Sm2Signer, sm2_verify
from kangtong.security.crypto.sm3 import sm3_digest

ALGORITHM = "SM2-SM3"


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes a manifest given as fields is signed over: sorted keys, no whitespace."""
    return orjson.dumps(dict(fields), option=orjson.OPT_SORT_KEYS)


def key_id(public_hex: str) -> str:
    """A short name of a public key (SM3, first 8 bytes) for messages and manifests."""
    return sm3_digest(bytes.fromhex(public_hex))[:8].hex()


def sign(data: bytes, signer: Sm2Signer) -> dict[str, str]:
    """The signature record of `data`: algorithm, signer's public key and its id, r ‖ s."""
    public = signer.keys.public_hex
    return {"algorithm": ALGORITHM, "public_key": public, "key_id": key_id(public),
            "signature": signer.sign(data)}  # fmt: skip


def check(data: bytes, record: Mapping[str, Any], trusted_public_hex: str) -> None:
    """`Invalid` naming the problem unless `record` is this platform's signature of `data`."""
    if record.get("algorithm") != ALGORITHM:
        raise Invalid(f"The signature is not {ALGORITHM}: it cannot be checked")
    if record.get("public_key") != trusted_public_hex:
        raise Invalid(
            f"The file is signed by key {key_id(str(record.get('public_key') or '00'))}, not by "
            f"this platform's SM2 key {key_id(trusted_public_hex)}"
        )
    if not sm2_verify(trusted_public_hex, data, str(record.get("signature", ""))):
        raise Invalid("The SM2 signature does not match the manifest: it was altered after signing")


def read_record(raw: bytes, what: str) -> dict[str, Any]:
    return parse_json_object(raw, what=f"signature of {what}")

"""The platform's key material, kept in files under `Settings.security_key_dir` (default var/keys).

Each file is generated on first use and never overwritten: a new file is written beside its
final name and linked into place, so two processes starting together agree on one key. Files
are created 0600 in a 0700 folder. Nothing is cached beyond the `KeyFiles` instance, and the
field keys are re-read when their file changes: a running server learns of a rotation made by
`kangtong auth rotate-field-keys` before it meets a value sealed under the new version.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from kangtong.security.crypto.blind_index import BlindIndex
from kangtong.security.crypto.field_cipher import FieldCipher, FieldKeyring
from kangtong.security.crypto.sm2 import Sm2KeyPair, generate_sm2_keypair

SIGNING_KEY_FILE = "token-signing-es256.pem"
SM2_KEY_FILE = "document-signing-sm2.json"
FIELD_KEYS_FILE = "field-keys.json"


def _create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of `path`, writing `make()` there first if the file does not exist yet."""
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(make())
    try:
        os.link(temporary, path)  # fails if another process won the race; its key is kept
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes()


def _replace(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC public JWK (the required members, sorted, no whitespace)."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url(
        hashlib.sha256(
            json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
        ).digest()
    )


def _new_field_keys() -> bytes:
    return orjson.dumps(
        {
            "current": 1,
            "keys": {"1": {"sm4": secrets.token_hex(16), "index": secrets.token_hex(32)}},
        }
    )


class KeyFiles:
    """Loads (or creates) each key file of one key folder on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._signing: ec.EllipticCurvePrivateKey | None = None
        self._sm2: Sm2KeyPair | None = None
        self._cipher: FieldCipher | None = None
        self._cipher_stamp: tuple[int, int, int] | None = None
        self._blind: tuple[tuple[int, int, int] | None, BlindIndex] | None = None

    def signing_key(self) -> ec.EllipticCurvePrivateKey:
        """The P-256 key that signs access tokens (ES256)."""
        if self._signing is None:
            pem = _create_once(self.folder / SIGNING_KEY_FILE, _new_signing_pem)
            key = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{SIGNING_KEY_FILE} does not hold an EC private key")
            self._signing = key
        return self._signing

    def public_jwk(self) -> dict[str, Any]:
        """The signing key's public JWK with `kid` (RFC 7638 thumbprint), `alg` and `use`."""
        jwk: dict[str, Any] = ECAlgorithm.to_jwk(self.signing_key().public_key(), as_dict=True)
        jwk.update(kid=jwk_thumbprint(jwk), alg="ES256", use="sig")
        return jwk

    def sm2_keys(self) -> Sm2KeyPair:
        if self._sm2 is None:
            raw = _create_once(self.folder / SM2_KEY_FILE, _new_sm2_json)
            data = orjson.loads(raw)
            self._sm2 = Sm2KeyPair(data["private"], data["public"])
        return self._sm2

    def _field_keys(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(
            _create_once(self.folder / FIELD_KEYS_FILE, _new_field_keys)
        )
        return data

    def field_cipher(self) -> FieldCipher:
        """The SM4 cipher over every key version, re-read when the key file has changed."""
        stamp = self._field_keys_stamp()  # taken before reading: a later change re-reads
        if self._cipher is None or stamp is None or stamp != self._cipher_stamp:
            data = self._field_keys()
            keys = {int(v): bytes.fromhex(k["sm4"]) for v, k in data["keys"].items()}
            self._cipher = FieldCipher(FieldKeyring(keys, int(data["current"])))
            self._cipher_stamp = stamp or self._field_keys_stamp()
        return self._cipher

    def _field_keys_stamp(self) -> tuple[int, int, int] | None:
        """Identity of the key file now: a rotation replaces it (new inode, time and size)."""
        try:
            found = (self.folder / FIELD_KEYS_FILE).stat()
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns, found.st_size

    def blind_index(self) -> BlindIndex:
        """The HMAC-SM3 blind index over every key version, re-read when the key file changed."""
        stamp = self._field_keys_stamp()
        if self._blind is None or stamp is None or stamp != self._blind[0]:
            data = self._field_keys()
            keys = {int(v): bytes.fromhex(k["index"]) for v, k in data["keys"].items()}
            self._blind = (
                stamp or self._field_keys_stamp(),
                BlindIndex(keys, int(data["current"])),
            )
        return self._blind[1]

    def rotate_field_keys(self) -> int:
        """Add a new key version and make it current; old versions stay to open old values."""
        data = self._field_keys()
        version = max(int(v) for v in data["keys"]) + 1
        data["keys"][str(version)] = {"sm4": secrets.token_hex(16), "index": secrets.token_hex(32)}
        data["current"] = version
        _replace(self.folder / FIELD_KEYS_FILE, orjson.dumps(data))
        self._cipher = None
        self._blind = None
        return version


def _new_signing_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _new_sm2_json() -> bytes:
    pair = generate_sm2_keypair()
    return orjson.dumps({"private": pair.private_hex, "public": pair.public_hex})

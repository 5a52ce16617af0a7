"""SM4 field encryption at rest (字段加密) with versioned keys and re-encryption on rotation.

SM4-GCM (SM4 of GB/T 32907 in Galois/Counter Mode, as in RFC 8998): `cryptography` supports it
through OpenSSL, so no home-made encrypt-then-MAC is needed. A sealed value is

    b"K1" | key version (2 bytes, big-endian) | nonce (12 bytes) | ciphertext | tag (16 bytes)

and the header plus a caller-given context (e.g. ``Patient.identifier``) are authenticated as
associated data, so a ciphertext cannot be moved to another field or relabelled to another key.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kangtong.core.errors import Invalid

_MAGIC = b"K1"
_HEADER = struct.Struct(">2sH")
_NONCE = 12
_TAG = 16


class UndecryptableField(Invalid):
    """A sealed value was altered, belongs to another field, or its key is unknown."""


@dataclass(frozen=True)
class FieldKeyring:
    """SM4 keys by version; new values are sealed with `current`, old versions still open."""

    keys: Mapping[int, bytes]
    current: int

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"current key version {self.current} is not in the keyring")
        if any(len(key) != 16 for key in self.keys.values()):
            raise ValueError("SM4 keys are 16 bytes")


class FieldCipher:
    """Seals and opens field values with SM4-GCM under a versioned keyring."""

    def __init__(self, keyring: FieldKeyring) -> None:
        self.keyring = keyring

    def seal(self, plaintext: bytes, context: str) -> bytes:
        version = self.keyring.current
        header = _HEADER.pack(_MAGIC, version)
        nonce = os.urandom(_NONCE)
        encryptor = Cipher(algorithms.SM4(self.keyring.keys[version]), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(header + context.encode("utf-8"))
        body = encryptor.update(plaintext) + encryptor.finalize()
        return header + nonce + body + encryptor.tag

    def open(self, sealed: bytes, context: str) -> bytes:
        version = self.key_version(sealed)
        key = self.keyring.keys.get(version)
        if key is None:
            raise UndecryptableField(f"No SM4 key of version {version}")
        header = sealed[: _HEADER.size]
        nonce = sealed[_HEADER.size : _HEADER.size + _NONCE]
        body, tag = sealed[_HEADER.size + _NONCE : -_TAG], sealed[-_TAG:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(header + context.encode("utf-8"))
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise UndecryptableField("The sealed field fails authentication") from exc

    def key_version(self, sealed: bytes) -> int:
        if len(sealed) < _HEADER.size + _NONCE + _TAG:
            raise UndecryptableField("The sealed field is too short")
        magic, version = _HEADER.unpack(sealed[: _HEADER.size])
        if magic != _MAGIC:
            raise UndecryptableField("Not a kangtong sealed field")
        return int(version)

    def needs_rotation(self, sealed: bytes) -> bool:
        return self.key_version(sealed) != self.keyring.current

    def reseal(self, sealed: bytes, context: str) -> bytes:
        """Re-encrypt under the current key (rotation); values already current are unchanged."""
        if not self.needs_rotation(sealed):
            return sealed
        return self.seal(self.open(sealed, context), context)

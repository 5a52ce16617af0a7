"""Pseudonyms (假名化): keyed HMAC-SM3 of identifiers, scoped to one export.

pseudonym = HMAC-SM3(key, scope ‖ 0 ‖ kind ‖ 0 ‖ value), hex, first 128 bits. The scope is the
export request id, so the same person has one pseudonym throughout an export (references still
join) but different ones in two exports (exports cannot be linked to each other). Without the
key nobody can test a guessed ID number against a pseudonym.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kangtong.security.crypto.sm3 import sm3_hmac

KEY_FILE = "export-pseudonym.key"


class Pseudonymiser:
    def __init__(self, key: bytes, scope: str) -> None:
        if len(key) < 32:
            raise ValueError("the pseudonym key must be at least 32 bytes")
        self._key = key
        self._scope = scope.encode("utf-8")

    def pseudonym(self, kind: str, value: str) -> str:
        message = b"\x00".join((self._scope, kind.encode("utf-8"), value.encode("utf-8")))
        return sm3_hmac(self._key, message).hex()[:32]


def pseudonym_key(folder: Path) -> bytes:
    """The export pseudonym key in `folder` (KANGTONG_SECURITY_KEY_DIR), created 0600 once."""
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = folder / f".{KEY_FILE}.{secrets.token_hex(6)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)  # complete before visible; a racing process's key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return bytes.fromhex(path.read_text().strip())

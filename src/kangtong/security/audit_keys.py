"""The audit chain's keys (审计链密钥), in `audit-keys.json` of the key folder — never in the database.

    {"current": "a2", "keys": {"a1": "<64 hex>", "a2": "<64 hex>"}}

Each row of the chain names the key id it was sealed with, so `kangtong audit rotate-key` can
make a new key current while old rows keep verifying under theirs (keys are never removed).
The file is re-read when it changes, so running servers pick up a rotation by themselves.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

import orjson

from kangtong.security.keys import _create_once, _replace

AUDIT_KEYS_FILE = "audit-keys.json"


def _new_audit_keys() -> bytes:
    return orjson.dumps({"current": "a1", "keys": {"a1": secrets.token_hex(32)}})


class AuditKeyring:
    """HMAC-SM3 keys by id; the current one seals new rows and journal entries."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / AUDIT_KEYS_FILE
        self._current = ""
        self._keys: dict[str, bytes] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()  # the writer thread and request threads share it

    def current(self) -> tuple[str, bytes]:
        """(key id, key) that new rows are sealed with."""
        with self._lock:
            self._refresh()
            return self._current, self._keys[self._current]

    def key(self, key_id: str) -> bytes | None:
        """The key of `key_id`, or None when the file holds no such key."""
        with self._lock:
            self._refresh()
            found = self._keys.get(key_id)
            if found is None:  # a rotation may have happened since the last look
                self._stamp = None
                self._refresh()
                found = self._keys.get(key_id)
            return found

    def rotate(self) -> str:
        """Add a new key and make it current; returns its id."""
        data = self._read()
        number = 1 + max(int(k.lstrip("a") or 0) for k in data["keys"])
        key_id = f"a{number}"
        data["keys"][key_id] = secrets.token_hex(32)
        data["current"] = key_id
        _replace(self.path, orjson.dumps(data))
        with self._lock:
            self._stamp = None
        return key_id

    def _read(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(_create_once(self.path, _new_audit_keys))
        return data

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if self._keys and stamp is not None and stamp == self._stamp:
            return
        data = self._read()
        self._keys = {str(k): bytes.fromhex(str(v)) for k, v in data["keys"].items()}
        self._current = str(data["current"])
        self._stamp = stamp or self._file_stamp()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns, found.st_size

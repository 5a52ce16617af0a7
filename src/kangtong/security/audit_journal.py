"""The anchor journal (锚点日志): keyed heads of the audit chain, appended to a file outside the
database, so that a database administrator who deletes the newest rows and moves the head
anchor back — or fakes a purge — is found by `kangtong audit verify`.

One JSON line per anchor: `{"name": "head"|"purge", "seq", "hash", "at", "kid", "mac"}` with
`mac = HMAC-SM3(key[kid], JSON["kangtong-audit-anchor", name, seq, hash, at, kid])`. Lines are
appended (O_APPEND, one write each), never rewritten; several processes may append to one
journal. Only committed heads are journaled (the head an appender finds under the chain lock,
the last row of a committed batch), at most once per `interval_seconds` per process, and at
shutdown: the newest rows not yet journaled are the window a truncation could go unnoticed.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.crypto.sm3 import sm3_hmac
from kangtong.store.audit_log import Anchor

AUDIT_JOURNAL_FILE = "audit-anchors.jsonl"


@dataclass
class JournalView:
    """What verification needs from the journal: journaled heads and purges, or a bad line."""

    heads: dict[int, set[str]] = field(default_factory=dict)
    purges: list[Anchor] = field(default_factory=list)
    bad_line: int | None = None  # the first line whose MAC or shape is wrong

    @property
    def empty(self) -> bool:
        return not self.heads and not self.purges

    @property
    def first_head(self) -> int | None:
        return min(self.heads) if self.heads else None


def _mac(key: bytes, name: str, seq: int, digest: str, at_us: int, key_id: str) -> str:
    message = orjson.dumps(["kangtong-audit-anchor", name, seq, digest, at_us, key_id])
    return sm3_hmac(key, message).hex()


class AnchorJournal:
    def __init__(self, path: Path, keys: AuditKeyring, *, interval_seconds: float = 1.0) -> None:
        self.path = path
        self.keys = keys
        self.interval_seconds = interval_seconds
        self._last_seq = -1
        self._last_at = float("-inf")
        self._lock = threading.Lock()

    def publish(self, name: str, anchor: Anchor, at_us: int, *, now: float, force: bool) -> None:
        """Append `anchor` unless this process journaled it (or a head under a second ago)."""
        with self._lock:
            if name == "head" and anchor.seq <= self._last_seq:
                return
            if name == "head" and not force and now - self._last_at < self.interval_seconds:
                return
            key_id, key = self.keys.current()
            line = {"name": name, "seq": anchor.seq, "hash": anchor.hash, "at": at_us,
                    "kid": key_id, "mac": _mac(key, name, anchor.seq, anchor.hash, at_us, key_id)}  # fmt: skip
            self._append(orjson.dumps(line) + b"\n")
            if name == "head":
                self._last_seq, self._last_at = anchor.seq, now

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one write of one line: appends of processes do not interleave
        finally:
            os.close(fd)

    def read(self) -> JournalView:
        """Every entry, each checked against its key; the first bad line stops the reading."""
        view = JournalView()
        try:
            lines: Iterable[bytes] = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return view
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            entry = self._checked(raw)
            if entry is None:
                view.bad_line = number
                return view
            name, anchor = entry
            if name == "purge":
                view.purges.append(anchor)
            else:
                view.heads.setdefault(anchor.seq, set()).add(anchor.hash)
        return view

    def _checked(self, raw: bytes) -> tuple[str, Anchor] | None:
        try:
            line = orjson.loads(raw)
            name, seq, digest = str(line["name"]), int(line["seq"]), str(line["hash"])
            at_us, key_id, mac = int(line["at"]), str(line["kid"]), str(line["mac"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        key = self.keys.key(key_id)
        if key is None or name not in ("head", "purge"):
            return None
        if not hmac.compare_digest(_mac(key, name, seq, digest, at_us, key_id), mac):
            return None
        return name, Anchor(seq, digest)

"""The audit hash chain (审计日志防篡改): each row's seal covers its content and the previous hash.

Rows are sealed with a key the database never holds (ADR 0023):

    hash_n = HMAC-SM3( key[kid], JSON[seq, recorded, "hmac-sm3", kid, action, outcome, prev_hash]
                                 ‖ "\\n" ‖ event )

so a database administrator who edits a row cannot recompute the chain behind it. Rows written
before keying (issue 7) used the published, unkeyed form

    hash_n = H( JSON[seq, recorded, algorithm, action, outcome, prev_hash] ‖ "\\n" ‖ event )

with H = SM3 (GB/T 32905) or SHA-256; they still verify, but only before the first keyed row
and the anchor journal's first entry (`audit_verify`). `UnkeyedSealer` writes that form for
measurements and tests; the platform never wires it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import orjson

from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.crypto.sm3 import sm3_digest, sm3_hmac
from kangtong.store.audit_log import AuditRow

HashAlgorithm = Literal["sm3", "sha256"]
KEYED = "hmac-sm3"
KeyLookup = Callable[[str], bytes | None]


def digest(algorithm: str, data: bytes) -> str:
    if algorithm == "sm3":
        return sm3_digest(data).hex()
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"Unknown audit hash algorithm {algorithm!r}")


def canonical_event(event: object) -> bytes:
    """Sorted keys, no whitespace: the bytes stored and hashed for an AuditEvent."""
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def row_hash(
    algorithm: str, seq: int, recorded: int, action: str, outcome: str, prev_hash: str, event: bytes
) -> str:
    """The unkeyed (pre-ADR 0023) hash of a row: anyone can recompute it."""
    header = orjson.dumps([seq, recorded, algorithm, action, outcome, prev_hash])
    return digest(algorithm, header + b"\n" + event)


def keyed_row_hash(
    key: bytes, key_id: str, seq: int, recorded: int, action: str, outcome: str,
    prev_hash: str, event: bytes,
) -> str:  # fmt: skip
    """HMAC-SM3 of a row under `key`; the key id is sealed too, so it cannot be swapped."""
    header = orjson.dumps([seq, recorded, KEYED, key_id, action, outcome, prev_hash])
    return sm3_hmac(key, header + b"\n" + event).hex()


def hash_of(row: AuditRow, keys: KeyLookup) -> str | None:
    """The hash `row` must carry, or None when its key is not in the key file."""
    if row.algorithm != KEYED:
        return row_hash(
            row.algorithm, row.seq, row.recorded, row.action, row.outcome, row.prev_hash, row.event
        )
    key = keys(row.key_id) if row.key_id else None
    if key is None:
        return None
    return keyed_row_hash(key, row.key_id or "", row.seq, row.recorded, row.action,
                          row.outcome, row.prev_hash, row.event)  # fmt: skip


Events = Sequence[tuple[str, str, bytes]]  # (action, outcome, canonical event)


class RowSealer(Protocol):
    def seal(self, head_seq: int, head_hash: str, recorded: int, events: Events) -> list[AuditRow]:
        """Rows for `events`, chained after the head (`head_seq`, `head_hash`)."""
        ...


class KeyedSealer:
    """Seals rows with the keyring's current key (the platform's only sealer)."""

    def __init__(self, keys: AuditKeyring) -> None:
        self.keys = keys

    def seal(self, head_seq: int, head_hash: str, recorded: int, events: Events) -> list[AuditRow]:
        key_id, key = self.keys.current()  # one look at the key file per batch
        rows = []
        for action, outcome, event in events:
            head_seq += 1
            sealed = keyed_row_hash(key, key_id, head_seq, recorded, action, outcome, head_hash,
                                    event)  # fmt: skip
            rows.append(AuditRow(head_seq, recorded, action, outcome, KEYED, event, head_hash,
                                 sealed, key_id))  # fmt: skip
            head_hash = sealed
        return rows


class UnkeyedSealer:
    """The published pre-ADR 0023 form: for the benchmark's baseline and legacy-row tests."""

    def __init__(self, algorithm: HashAlgorithm = "sm3") -> None:
        self.algorithm = algorithm

    def seal(self, head_seq: int, head_hash: str, recorded: int, events: Events) -> list[AuditRow]:
        rows = []
        for action, outcome, event in events:
            head_seq += 1
            sealed = row_hash(self.algorithm, head_seq, recorded, action, outcome, head_hash, event)
            rows.append(AuditRow(head_seq, recorded, action, outcome, self.algorithm, event,
                                 head_hash, sealed))  # fmt: skip
            head_hash = sealed
        return rows

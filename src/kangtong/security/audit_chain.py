"""The audit hash chain (审计日志防篡改): each row's hash covers its content and the previous hash.

    hash_n = H( JSON[seq, recorded, algorithm, action, outcome, prev_hash] ‖ "\\n" ‖ event )

with H = SM3 (GB/T 32905) or SHA-256 as configured (each row names its algorithm, so a change
of setting never breaks old rows). Verification walks the rows in order from the purge anchor
(or the genesis hash) and compares the end with the head anchor, so an edited, deleted,
inserted or truncated row is found; the first broken link is reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import orjson

from kangtong.security.crypto.sm3 import sm3_digest
from kangtong.store.audit_log import GENESIS_HASH, Anchor, AuditRow

HashAlgorithm = Literal["sm3", "sha256"]


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
    header = orjson.dumps([seq, recorded, algorithm, action, outcome, prev_hash])
    return digest(algorithm, header + b"\n" + event)


def hash_of(row: AuditRow) -> str:
    return row_hash(
        row.algorithm, row.seq, row.recorded, row.action, row.outcome, row.prev_hash, row.event
    )


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(
    rows: Iterable[AuditRow], *, purge: Anchor | None, head: Anchor | None
) -> ChainReport:
    """Walk `rows` (in sequence order) and report the first broken link, if any."""
    expected_seq = purge.seq + 1 if purge else 1
    expected_prev = purge.hash if purge else GENESIS_HASH
    count = 0
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            problem = (
                f"row {expected_seq} is missing (deleted)"
                if row.seq > expected_seq
                else "sequence out of order"
            )
            return ChainReport(count, BrokenLink(min(row.seq, expected_seq), problem))
        if row.prev_hash != expected_prev:
            return ChainReport(count, BrokenLink(row.seq, "previous-hash link does not match"))
        if hash_of(row) != row.hash:
            return ChainReport(count, BrokenLink(row.seq, "row content was altered"))
        expected_seq, expected_prev = row.seq + 1, row.hash
    return ChainReport(
        count, _check_head(head, expected_seq - 1, expected_prev, bool(count or purge))
    )


def _check_head(
    head: Anchor | None, last_seq: int, last_hash: str, any_rows: bool
) -> BrokenLink | None:
    if head is None:
        return BrokenLink(last_seq, "head anchor is missing") if any_rows else None
    if head.seq > last_seq:
        return BrokenLink(last_seq + 1, f"rows {last_seq + 1}…{head.seq} are missing (deleted)")
    if head.seq != last_seq or head.hash != last_hash:
        return BrokenLink(last_seq, "head anchor does not match the last row")
    return None

"""Server-assigned ids are RFC 9562 UUIDv7: unique, time-ordered, and random enough to be unguessable."""

from __future__ import annotations

import time
import uuid

from kangtong.core.resource_ids import new_resource_id


def test_ids_are_version_7_rfc_9562_uuids() -> None:
    parsed = uuid.UUID(new_resource_id())
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_made_by_one_process_increase_strictly_even_within_a_millisecond() -> None:
    ids = [new_resource_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_the_id_starts_with_the_creation_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_resource_id()).int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= made <= after + 1


def test_ids_carry_random_bits() -> None:
    tails = {new_resource_id()[-12:] for _ in range(1000)}
    assert len(tails) == 1000

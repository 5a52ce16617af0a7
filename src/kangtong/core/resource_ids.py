"""Server-assigned resource ids: time-ordered UUIDs (UUIDv7, RFC 9562 §5.7).

Random (v4) ids scatter every insert across the primary-key and reference indexes, so each write
touches a different page and large stores fall out of cache. A v7 id starts with the creation
time in milliseconds, so new ids land at the right-hand edge of those indexes, while the 74
random bits keep them unguessable and collision-free across processes.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_resource_id() -> str:
    """A fresh UUIDv7 in canonical form; ids made by one process increase strictly."""
    global _last_ms, _counter  # process-wide monotonic state, as RFC 9562 §6.2 method 1 asks
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, int.from_bytes(os.urandom(2), "big") & 0x1FF
        else:
            _counter += 1
            if _counter > 0xFFF:  # 12-bit counter exhausted within one millisecond
                _last_ms, _counter = _last_ms + 1, 0
        ms, counter = _last_ms, _counter
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76 | counter << 64
    value |= 0b10 << 62 | int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=value))

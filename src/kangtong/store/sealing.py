"""Sealed content at rest (封存): the port through which the store seals and opens resource JSON.

The store does not know keys or ciphers (ADR 0009: key material never enters the database);
it is handed a `ContentSealing` and seals the content of a version whose index rows say so
(`IndexRows.sealed`, set by the security layer for resources of a sensitive category). Stored
JSON always starts with ``{``; anything else is sealed, so reading needs no flag column and a
clear resource costs one byte comparison.
"""

from __future__ import annotations

from typing import Protocol

from kangtong.core.errors import Invalid


class ContentSealing(Protocol):
    def seal(self, content: bytes, context: str) -> bytes:
        """The sealed form of `content`, bound to `context` (a ciphertext cannot be moved)."""
        ...

    def open(self, sealed: bytes, context: str) -> bytes:
        """The content sealed under `context`; `Invalid` if altered or its key is unknown."""
        ...


class NoSealing:
    """Stores content as given and cannot open sealed content: for tools and benchmarks that
    say so explicitly, never a default."""

    def seal(self, content: bytes, context: str) -> bytes:
        return content

    def open(self, sealed: bytes, context: str) -> bytes:
        raise Invalid("This resource is sealed and no field key was given to open it")


def is_sealed(content: bytes) -> bool:
    return content[:1] != b"{"


def content_context(res_type: str, res_id: str) -> str:
    """What a resource's sealed content is bound to: its type and id."""
    return f"resource:{res_type}/{res_id}"

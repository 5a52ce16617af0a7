"""What the resource service returns: stored JSON bytes plus the metadata HTTP needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kangtong.core.errors import Issue
from kangtong.core.jsonutil import JsonObject


@dataclass(frozen=True, slots=True)
class StoredResource:
    res_type: str
    res_id: str
    version: int
    last_updated: str
    content: bytes | None  # None for a deleted version

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """The result of a create/update/patch/delete."""

    resource: StoredResource
    status: Literal[200, 201, 204]
    created: bool = False
    warnings: tuple[Issue, ...] = ()  # kept, but the caller should know (e.g. a flagged ID)


@dataclass(slots=True)
class SearchEntry:
    content: bytes
    res_type: str
    res_id: str
    mode: Literal["match", "include", "outcome"]


@dataclass
class SearchResult:
    entries: list[SearchEntry]
    total: int | None
    offset: int
    count: int
    summary: str | None = None
    elements: tuple[str, ...] | None = None
    ignored: list[str] = field(default_factory=list)
    has_more: bool = False


@dataclass
class HistoryResult:
    versions: list[StoredResource]
    methods: list[str]
    total: int | None  # None when versions the caller may not see were left out
    offset: int
    count: int
    has_more: bool = False


Resource = JsonObject

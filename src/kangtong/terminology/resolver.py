"""Finding stored CodeSystems, ValueSets and ConceptMaps, and keeping their indexes fresh.

Each index is built from one stored version and kept in memory. Before answering, a cache asks
the resource service how many versions of its resource type exist (one indexed count): any
create, update or delete — by this process, another API process or the CLI — adds a version,
so a changed count means "look again". Canonical URLs are then re-resolved; an index is rebuilt
only when the resolved resource's version differs from the one it was built from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from kangtong.core.errors import Gone, NotFound
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.terminology.code_system_index import StoredVersion

T = TypeVar("T")
Builder = Callable[[JsonObject, StoredVersion], T]
SYSTEM = AccessContext.system("terminology")
MAX_PER_URL = 50  # versions of one canonical resource considered when resolving a URL


class CanonicalCache(Generic[T]):
    """Built indexes of one resource type, found by canonical URL (|version) or by id."""

    def __init__(self, service: ResourceService, res_type: str, build: Builder[T]) -> None:
        self._service = service
        self._res_type = res_type
        self._build = build
        self._lock = threading.Lock()
        self._generation: int | None = -1
        self._urls: dict[tuple[str, str | None], T | None] = {}
        self._built: dict[str, tuple[int, T]] = {}
        self._everything: list[T] | None = None

    def refresh(self) -> None:
        """Forget URL resolutions if any resource of this type changed since the last call."""
        generation = self._service.history(
            SYSTEM, self._res_type, None, since_us=None, count=0, offset=0
        ).total
        if generation != self._generation:
            with self._lock:
                self._urls = {}
                self._everything = None
                self._generation = generation

    def by_url(self, ctx: AccessContext, url: str, version: str | None = None) -> T | None:
        """The index of the resource with this canonical URL (and business version, if given).

        Without a version the most recently stored one wins.
        """
        self.refresh()
        key = (url, version)
        if key in self._urls:
            return self._urls[key]
        params = [("url", url), ("_count", str(MAX_PER_URL))]
        if version:
            params.append(("version", version))
        result = self._service.search(ctx, self._res_type, params)
        candidates = [parse_fhir_json(e.content) for e in result.entries if e.mode == "match"]
        candidates = [c for c in candidates if c.get("url") == url]
        if version:
            candidates = [c for c in candidates if c.get("version") == version]
        chosen = max(candidates, key=_last_updated, default=None)
        value = None if chosen is None else self._index_of(chosen)
        self._urls[key] = value
        return value

    def by_id(self, ctx: AccessContext, res_id: str) -> T:
        """The index of `res_id` as stored now (a read per call; parsing only when it changed)."""
        stored = self._service.read(ctx, self._res_type, res_id)
        if stored.content is None:
            raise Gone(f"{self._res_type}/{res_id} has been deleted")
        built = self._built.get(res_id)
        if built is not None and built[0] == stored.version:
            return built[1]
        return self._index_of(parse_fhir_json(stored.content))

    def every(self, ctx: AccessContext, limit: int = 1000) -> list[T]:
        """Every stored resource of the type (for the few ConceptMaps a region holds)."""
        self.refresh()
        if self._everything is None:
            result = self._service.search(ctx, self._res_type, [("_count", str(limit))])
            self._everything = [
                self._index_of(parse_fhir_json(e.content))
                for e in result.entries
                if e.mode == "match"
            ]
        return self._everything

    def _index_of(self, resource: JsonObject) -> T:
        res_id = str(resource.get("id", ""))
        version = int((resource.get("meta") or {}).get("versionId", 0))
        built = self._built.get(res_id)
        if built is not None and built[0] == version:
            return built[1]
        value = self._build(resource, StoredVersion(res_id, version))
        with self._lock:
            self._built[res_id] = (version, value)
        return value


def _last_updated(resource: JsonObject) -> str:
    return str((resource.get("meta") or {}).get("lastUpdated", ""))


def require(value: T | None, what: str) -> T:
    if value is None:
        raise NotFound(f"{what} is not known to this server")
    return value

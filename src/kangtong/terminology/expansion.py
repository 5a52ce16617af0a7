"""ValueSet expansion ($expand): compose include/exclude, nested value sets, text filter, paging.

A member is kept as a light tuple until the page to return is known, so that expanding a
30,000-concept value set with `count=20` builds 20 entries, not 30,000.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from kangtong.core.errors import Invalid, NotFound, Unprocessable
from kangtong.core.errors import Issue as ErrorIssue
from kangtong.core.jsonutil import JsonObject
from kangtong.core.pinyin import matches as pinyin_matches
from kangtong.terminology.code_system_index import CodeSystemIndex
from kangtong.terminology.concepts import Concept
from kangtong.terminology.ranking import Ranking
from kangtong.terminology.text_index import PREFIX, SUBSTRING, normalise

CodeSystemLookup = Callable[[str, str | None], CodeSystemIndex | None]
ValueSetLookup = Callable[[str, str | None], JsonObject | None]
MAX_DEPTH = 10  # value sets including value sets including …


@dataclass(frozen=True)
class ExpandRequest:
    filter: str = ""
    offset: int = 0
    count: int | None = None
    active_only: bool = False
    include_designations: bool = False
    max_size: int = 10_000  # an expansion larger than this needs `count` (paging)


@dataclass(frozen=True, slots=True)
class Member:
    """One code of the returned page of an expansion."""

    system: str
    version: str | None
    code: str
    display: str
    concept: Concept | None


# A code found while expanding: (rank, system, version, code, display, concept). Plain tuples,
# because a filter may find thousands and only a page of them becomes a `Member`.
Hit = tuple[int, str, str | None, str, str, Concept | None]


def _hit_order(hit: Hit) -> tuple[int, int, str]:
    return hit[0], len(hit[4]), hit[3]


@dataclass
class Expansion:
    total: int
    offset: int
    members: list[Member]
    used_systems: dict[str, str | None] = field(default_factory=dict)


class Expander:
    def __init__(self, code_systems: CodeSystemLookup, value_sets: ValueSetLookup) -> None:
        self._code_systems = code_systems
        self._value_sets = value_sets

    def expand(self, value_set: JsonObject, request: ExpandRequest) -> Expansion:
        used: dict[str, str | None] = {}
        path = (str(value_set.get("url")),)
        hits = self._members(value_set, request.filter, used, path, request.active_only)
        if request.active_only and not (isinstance(hits, RankedHits) and hits.active_only):
            hits = [h for h in hits if h[5] is None or h[5].active]
        total = len(hits)
        if request.count is None and total - request.offset > request.max_size:
            raise Unprocessable(
                f"The expansion has {total} codes; ask for a page with count (at most "
                f"{request.max_size} at once) or narrow it with filter",
                [ErrorIssue("error", "too-costly", "The expansion is too large")],
            )
        end = None if request.count is None else request.offset + request.count
        page = [Member(*hit[1:]) for hit in hits[request.offset : end]]
        return Expansion(total, request.offset, page, used)

    # -- compose --------------------------------------------------------------------------------
    def _members(
        self,
        value_set: JsonObject,
        text: str,
        used: dict[str, str | None],
        path: tuple[str, ...],
        active_only: bool = False,
    ) -> Sequence[Hit]:
        """The codes of a value set; with a text filter, best matches first. `active_only` is
        applied where the codes come straight from one code system (else by the caller)."""
        compose = value_set.get("compose")
        if not compose:
            return self._pre_expanded(value_set, text)
        excluded: set[tuple[str, str]] = set()
        for part in compose.get("exclude") or []:
            excluded.update((h[1], h[3]) for h in self._include(part, "", used, path))
        includes = compose.get("include") or []
        if len(includes) == 1 and not excluded:
            return self._include(includes[0], text, used, path, active_only)  # in order, once each
        seen: set[tuple[str, str]] = set()
        chosen: list[Hit] = []
        for part in includes:
            for hit in self._include(part, text, used, path):
                key = (hit[1], hit[3])
                if key not in excluded and key not in seen:
                    seen.add(key)
                    chosen.append(hit)
        if text:
            chosen.sort(key=_hit_order)
        return chosen

    def _include(
        self,
        part: JsonObject,
        text: str,
        used: dict[str, str | None],
        path: tuple[str, ...],
        active_only: bool = False,
    ) -> Sequence[Hit]:
        nested = [self._nested(url, text, used, path) for url in part.get("valueSet") or []]
        system = part.get("system")
        if not system:
            if not nested:
                raise Invalid("A ValueSet.compose.include needs a system or a valueSet")
            return _intersection(nested)
        code_system = self._code_systems(system, part.get("version"))
        if code_system is None:
            return self._unknown_system(part, system, text)
        used[system] = code_system.version
        members = self._from_system(code_system, part, text, active_only)
        for other in nested:
            keys = {(h[1], h[3]) for h in other}
            members = [h for h in members if (h[1], h[3]) in keys]
        return members

    def _from_system(
        self, cs: CodeSystemIndex, part: JsonObject, text: str, active_only: bool
    ) -> Sequence[Hit]:
        listed = part.get("concept")
        codes: Sequence[str] | None = None
        displays: dict[str, str] = {}
        if listed:
            codes = [str(c.get("code")) for c in listed if c.get("code") in cs.position]
            displays = {str(c["code"]): str(c["display"]) for c in listed if c.get("display")}
        for rule in part.get("filter") or []:
            chosen = cs.filter_codes(str(rule.get("property")), str(rule.get("op")), _value(rule))
            codes = cs.codes_in_order(
                list(chosen) if codes is None else [c for c in codes if c in chosen]
            )
        if text:
            ranking = cs.matching(text, among=codes, active_only=active_only)
        else:
            ranking = cs.in_order(codes, active_only=active_only)
        return RankedHits(cs, ranking, displays, active_only)

    def _unknown_system(self, part: JsonObject, system: str, text: str) -> Sequence[Hit]:
        """A system the server does not hold: only an explicit concept list can be expanded."""
        listed = part.get("concept")
        if not listed or part.get("filter"):
            raise NotFound(f"The code system {system} is not known to this server")
        members: list[Hit] = []
        for item in listed:
            code, display = str(item.get("code")), str(item.get("display") or "")
            if text and not (pinyin_matches(text, display) or code.startswith(text)):
                continue
            rank = PREFIX if text and normalise(display).startswith(normalise(text)) else SUBSTRING
            members.append((rank, system, part.get("version"), code, display, None))
        return members

    def _nested(
        self, url: str, text: str, used: dict[str, str | None], path: tuple[str, ...]
    ) -> Sequence[Hit]:
        if url in path or len(path) > MAX_DEPTH:
            raise Invalid(f"The value set {url} includes itself (via {' → '.join(path)})")
        canonical, _, version = url.partition("|")
        value_set = self._value_sets(canonical, version or None)
        if value_set is None:
            raise NotFound(f"The value set {url} is not known to this server")
        return self._members(value_set, text, used, (*path, url))

    def _pre_expanded(self, value_set: JsonObject, text: str) -> Sequence[Hit]:
        """A value set that carries only an expansion (no compose): its `contains`, flattened."""
        members: list[Hit] = []
        for item in _contains(value_set.get("expansion", {}).get("contains") or []):
            display, code = str(item.get("display") or ""), str(item.get("code") or "")
            if not code or (text and not pinyin_matches(text, display)):
                continue
            system = str(item.get("system", ""))
            members.append((SUBSTRING, system, item.get("version"), code, display, None))
        return members


class RankedHits(Sequence[Hit]):
    """The hits of one code system, in order, made into tuples only when read (a page).

    `active_only`: inactive concepts were left out already.
    """

    def __init__(
        self,
        cs: CodeSystemIndex,
        ranking: Ranking,
        displays: dict[str, str],
        active_only: bool = False,
    ) -> None:
        self._cs = cs
        self._ranking = ranking
        self._displays = displays
        self._size = len(ranking)
        self.active_only = active_only

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return list(self)[index]
            answers = self._ranking.page(start, max(start, stop))
            return [self._hit(rank, number) for rank, number in answers]
        position = index + self._size if index < 0 else index
        if not 0 <= position < self._size:
            raise IndexError(index)
        (rank, number), *_ = self._ranking.page(position, position + 1)
        return self._hit(rank, number)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self[0 : self._size])

    def _hit(self, rank: int, number: int) -> Hit:
        concept = self._cs.concepts[number]
        display = self._displays.get(concept.code) or concept.display
        return (rank, self._cs.url, self._cs.version, concept.code, display, concept)


def _contains(items: Iterable[JsonObject]) -> Iterable[JsonObject]:
    for item in items:
        yield item
        yield from _contains(item.get("contains") or [])


def _intersection(groups: list[Sequence[Hit]]) -> Sequence[Hit]:
    first, *others = groups
    for other in others:
        keys = {(h[1], h[3]) for h in other}
        first = [h for h in first if (h[1], h[3]) in keys]
    return first


def _value(rule: JsonObject) -> str:
    value = rule.get("value")
    if value is None:
        raise Invalid(f"The filter on '{rule.get('property')}' has no value")
    return str(value)

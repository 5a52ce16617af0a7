"""A search, as typed criteria the `fhir` layer builds and the store turns into SQL.

A `SearchPlan` is an AND of clauses; each clause is an OR of criteria on one parameter.
Values arrive already normalised (folded strings, epoch-µs date ranges, float ranges).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Prefix = Literal["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]


@dataclass(frozen=True, slots=True)
class SharedRows:
    """A parameter stored as the rows of others: its values are exactly theirs.

    `combo-code` of Observation is `code | component.code`, so it is searched in the rows of
    `code` and `component-code` instead of a second copy of them; `patient` is
    `subject.where(resolve() is Patient)`, so it is the rows of `subject` that point at a
    Patient (`target_type`). Written once, found under every name (ADR 0015).
    """

    keys: tuple[int, ...]
    target_type: str | None = None


# Which index rows a criterion looks at: a parameter's own key, or the rows it shares.
ParamRef = int | SharedRows


@dataclass(frozen=True, slots=True)
class TokenCriterion:
    param: ParamRef
    code: str | None = None
    system: str | None = None
    any_system: bool = True  # `code` alone: any system; `|code`: system must be absent
    text: str | None = None  # :text — folded display text, prefix match
    negate: bool = False  # :not
    table: Literal["token", "composite"] = "token"
    blind: tuple[str, ...] = ()  # `code`'s blind tokens: sealed resources store these instead


@dataclass(frozen=True, slots=True)
class StringCriterion:
    param: ParamRef
    value: str
    mode: Literal["prefix", "exact", "contains"] = "prefix"


@dataclass(frozen=True, slots=True)
class RangeCriterion:
    """Date, number and quantity comparisons against [low, high] ranges on both sides."""

    param: ParamRef
    kind: Literal["date", "number", "quantity"]
    prefix: Prefix
    low: float
    high: float
    system: str | None = None  # quantity only
    code: str | None = None  # quantity only


@dataclass(frozen=True, slots=True)
class ReferenceCriterion:
    param: ParamRef
    target_id: str | None = None
    target_type: str | None = None
    url: str | None = None  # absolute or canonical reference


@dataclass(frozen=True, slots=True)
class UriCriterion:
    param: ParamRef
    value: str
    mode: Literal["exact", "below", "above"] = "exact"


@dataclass(frozen=True, slots=True)
class MissingCriterion:
    param: ParamRef
    kind: str  # index table kind
    missing: bool


@dataclass(frozen=True, slots=True)
class CompositeCriterion:
    param: ParamRef
    c1_system: str | None
    c1_code: str
    c2_code: str | None = None  # token or string second component
    c2_system: str | None = None
    c2_prefix: bool = False  # a string component matches by its start, like a string parameter
    c2_range: tuple[str, float, float] | None = None  # (prefix, low, high) for a numeric/date one


@dataclass(frozen=True, slots=True)
class IdCriterion:
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LastUpdatedCriterion:
    prefix: Prefix
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class ChainCriterion:
    """`subject:Patient.name=x`: reference `param` points at a `target_type` matching `inner`."""

    param: ParamRef
    target_type: str
    inner: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class HasCriterion:
    """`_has:Observation:patient:code=x`: some `source_type` pointing here via `param` matches."""

    source_type: str
    param: ParamRef
    inner: tuple[Clause, ...]


Criterion = (
    TokenCriterion
    | StringCriterion
    | RangeCriterion
    | ReferenceCriterion
    | UriCriterion
    | MissingCriterion
    | CompositeCriterion
    | IdCriterion
    | LastUpdatedCriterion
    | ChainCriterion
    | HasCriterion
)


@dataclass(frozen=True, slots=True)
class Clause:
    """Criteria joined by OR (a comma-separated search value)."""

    any_of: tuple[Criterion, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class SortKey:
    """Sort by a search parameter (`kind` names its index table) or by `_id`/`_lastUpdated`."""

    kind: str  # an index kind, or "_id", "_lastUpdated"
    param: ParamRef = 0
    descending: bool = False


@dataclass(frozen=True, slots=True)
class IncludeSpec:
    """`_include=Source:param[:Target]` (or `_revinclude`), optionally :iterate."""

    source_type: str
    param: ParamRef | None  # None for `*`
    target_type: str | None
    iterate: bool = False


@dataclass(frozen=True, slots=True)
class CodingMatch:
    """A token index row of parameter `param` with this code (and system, when given)."""

    param: ParamRef
    code: str
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Reach:
    """One way a stored row becomes visible to a caller: every condition that is set must hold.

    `patients`: only rows in the Patient compartment of these patients (a Patient itself, or a
    row whose `compartment_params` references name only these patients). `hidden_labels`:
    rows indexed with one of these sensitivity codes (`AccessFilter.label_system`) are hidden.
    """

    types: tuple[str, ...]
    owner_org: str | None = None
    district: str | None = None
    patients: tuple[str, ...] | None = None
    hidden_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessFilter:
    """What the caller may see, as conditions every row (match, include, chain) must meet.

    A row is visible when some reach admits it and, for a type named in `granular`, when it
    carries every coding of one of that type's alternatives (SMART v2 granular scopes).
    No reach: nothing is visible.
    """

    reaches: tuple[Reach, ...]
    label_system: str
    compartment_params: tuple[int, ...] = ()
    granular: tuple[tuple[str, tuple[tuple[CodingMatch, ...], ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class SearchPlan:
    res_type: str | None  # None = all types (system search)
    clauses: tuple[Clause, ...] = ()
    sort: tuple[SortKey, ...] = ()
    count: int = 20
    offset: int = 0
    total: Literal["none", "estimate", "accurate"] = "accurate"
    include: tuple[IncludeSpec, ...] = ()
    revinclude: tuple[IncludeSpec, ...] = ()
    types: tuple[str, ...] = field(default=())  # `_type` for system search
    access: AccessFilter | None = None  # None: the platform itself, no restriction

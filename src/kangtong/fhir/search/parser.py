"""Parse FHIR search query parameters into a `SearchPlan` the store can run.

Handles modifiers, prefixes, OR (`,`), AND (repeated parameters), chains (`subject:Patient.name`),
reverse chains (`_has`), `_id`, `_lastUpdated`, `_sort`, `_include`, `_revinclude`, `_count`,
`_offset`, `_total`, `_summary` and `_elements`. Unknown parameters are reported, and with
`handling=strict` they are an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from kangtong.core.errors import Invalid
from kangtong.fhir.model.primitives import find_control_character
from kangtong.fhir.search.definitions import (
    COLUMN_PARAMS,
    UNSUPPORTED_PARAMS,
    SearchParam,
    SearchParamRegistry,
)
from kangtong.fhir.search.params import date
from kangtong.fhir.search.params.context import SearchContext
from kangtong.fhir.search.params.escape import split_raw, split_unescaped
from kangtong.fhir.search.params.kinds import KINDS
from kangtong.store.criteria import (
    ChainCriterion,
    Clause,
    Criterion,
    HasCriterion,
    IdCriterion,
    IncludeSpec,
    LastUpdatedCriterion,
    MissingCriterion,
    SearchPlan,
    SortKey,
    TokenCriterion,
)

RESULT_PARAMS = frozenset(
    {
        "_count",
        "_offset",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_elements",
        "_total",
        "_format",
        "_pretty",
        "_type",
        "_include:iterate",
        "_revinclude:iterate",
    }
)
SUMMARY_MODES = frozenset({"true", "false", "text", "data", "count"})
MAX_CHAIN_DEPTH = 4
# Input limits (ADR 0019): each value and criterion becomes SQL. 501 OR-ed values pass SQLite's
# 500 terms of a compound SELECT; 500 AND-ed criteria kept PostgreSQL busy for over 15 minutes.
# Generous for any real query, cheap to refuse beyond.
MAX_PARAMETERS = 100  # name=value pairs in one search
MAX_CRITERIA = 30  # of those, the ones that filter (AND)
MAX_VALUES = 100  # comma-separated values of one parameter (OR), one UNION term each
MAX_IDS = 1_000  # values of _id, which become one IN list (the MPI asks for its matches so)
MAX_WHOLE_NUMBER = 2**63 - 1  # _count and _offset end up in a signed 64-bit LIMIT/OFFSET


@dataclass
class SearchRequest:
    plan: SearchPlan
    summary: str | None = None
    elements: tuple[str, ...] | None = None
    ignored: list[str] = field(default_factory=list)


class SearchParser:
    def __init__(
        self,
        registry: SearchParamRegistry,
        ctx: SearchContext,
        *,
        default_count: int,
        max_count: int,
    ) -> None:
        self._registry = registry
        self._ctx = ctx
        self._default_count = default_count
        self._max_count = max_count

    def parse(
        self, res_type: str | None, params: Sequence[tuple[str, str]], *, strict: bool = False
    ) -> SearchRequest:
        request = SearchRequest(SearchPlan(res_type, count=self._default_count))
        clauses: list[Clause] = []
        _check_size(params)
        for name, value in params:
            if name in RESULT_PARAMS or name.startswith(("_include", "_revinclude")):
                self._result_param(request, res_type, name, value)
                continue
            clause = self._clause(res_type, name, value, strict, request.ignored)
            if clause is not None:
                clauses.append(clause)
            if len(clauses) > MAX_CRITERIA:
                raise Invalid(f"A search takes at most {MAX_CRITERIA} criteria")
        request.plan = replace(request.plan, clauses=tuple(clauses))
        return request

    # -- criteria -------------------------------------------------------------------------
    def _clause(
        self, res_type: str | None, name: str, value: str, strict: bool, ignored: list[str]
    ) -> Clause | None:
        if name.startswith("_has:"):
            return Clause((self._has(res_type, name, value, 0),))
        if name in ("_id", "_id:not"):
            return Clause(
                (IdCriterion(tuple(split_unescaped(value, ","))),), negate=name == "_id:not"
            )
        if name.startswith(("_id:", "_lastUpdated:")):
            raise Invalid(f"The modifier in '{name}' is not supported")
        if name == "_lastUpdated":
            return Clause(tuple(self._last_updated(v) for v in split_raw(value, ",")))
        head, _, rest = name.partition(".")
        code, _, modifier = head.partition(":")
        param = self._lookup(res_type, code)
        if param is None or code in UNSUPPORTED_PARAMS:
            reason = f"Unknown or unsupported search parameter '{code}'"
            if strict:
                raise Invalid(reason + (f" for {res_type}" if res_type else ""))
            ignored.append(name)
            return None
        if rest:
            return self._chain(param, modifier or None, rest, value, 0)
        if modifier == "missing":
            if value not in ("true", "false"):
                raise Invalid(f":missing takes true or false, not '{value}'")
            return Clause((MissingCriterion(param.stored, _table_of(param), value == "true"),))
        kind = KINDS.get(param.type)
        if kind is None:
            raise Invalid(f"Search parameter '{code}' of type {param.type} is not supported")
        criteria = tuple(
            kind.criterion(param, part, modifier or None, self._ctx)
            for part in split_raw(value, ",")
        )
        if modifier == "not":
            positive = tuple(
                replace(c, negate=False) if isinstance(c, TokenCriterion) else c for c in criteria
            )
            return Clause(positive, negate=True)
        return Clause(criteria)

    def _lookup(self, res_type: str | None, code: str) -> SearchParam | None:
        if res_type is not None:
            return self._registry.get(res_type, code)
        # System-level search: only parameters common to all resources.
        return self._registry.get("Patient", code) if code.startswith("_") else None

    def _last_updated(self, value: str) -> LastUpdatedCriterion:
        prefix, low, high = date.parse_search_value(value, self._ctx)
        return LastUpdatedCriterion(prefix, low, high)  # type: ignore[arg-type]

    def _chain(
        self, param: SearchParam, type_modifier: str | None, rest: str, value: str, depth: int
    ) -> Clause:
        if param.type != "reference":
            raise Invalid(
                f"Only reference parameters can be chained; '{param.code}' is a {param.type}"
            )
        if depth >= MAX_CHAIN_DEPTH:
            raise Invalid("Chains are limited to four levels")
        targets = [type_modifier] if type_modifier else list(param.targets)
        chains: list[Criterion] = []
        for target in targets:
            inner_code = rest.partition(".")[0].partition(":")[0]
            if inner_code not in COLUMN_PARAMS and self._registry.get(target, inner_code) is None:
                continue
            inner = self._nested_clause(target, rest, value, depth + 1)
            chains.append(ChainCriterion(param.stored, target, (inner,)))
        if not chains:
            raise Invalid(f"No target of '{param.code}' has a search parameter '{rest}'")
        return Clause(tuple(chains))

    def _nested_clause(self, res_type: str, name: str, value: str, depth: int) -> Clause:
        head, _, rest = name.partition(".")
        code, _, modifier = head.partition(":")
        if rest:
            param = self._registry.get(res_type, code)
            if param is None:
                raise Invalid(f"Unknown search parameter '{code}' for {res_type}")
            return self._chain(param, modifier or None, rest, value, depth)
        clause = self._clause(res_type, name, value, True, [])
        assert clause is not None
        return clause

    def _has(self, res_type: str | None, name: str, value: str, depth: int) -> HasCriterion:
        # _has:Observation:patient:code=1234 (the tail may itself be another _has)
        parts = name.split(":", 3)
        if len(parts) != 4:
            raise Invalid(f"'{name}' must look like _has:Type:reference:parameter")
        _, source_type, ref_code, tail = parts
        ref_param = self._registry.get(source_type, ref_code)
        if ref_param is None or ref_param.type != "reference":
            raise Invalid(f"'{ref_code}' is not a reference parameter of {source_type}")
        if res_type and ref_param.targets and res_type not in ref_param.targets:
            raise Invalid(f"{source_type}.{ref_code} does not refer to {res_type}")
        if tail.startswith("_has:"):
            inner = Clause((self._has(source_type, tail, value, depth + 1),))
        else:
            inner = self._nested_clause(source_type, tail, value, depth + 1)
        return HasCriterion(source_type, ref_param.stored, (inner,))

    # -- result parameters -----------------------------------------------------------------
    def _result_param(
        self, request: SearchRequest, res_type: str | None, name: str, value: str
    ) -> None:
        plan = request.plan
        if name == "_count":
            request.plan = replace(plan, count=min(whole_number(name, value), self._max_count))
        elif name == "_offset":
            request.plan = replace(plan, offset=whole_number(name, value))
        elif name == "_total":
            if value not in ("none", "estimate", "accurate"):
                raise Invalid("_total takes none, estimate or accurate")
            request.plan = replace(plan, total=value)  # type: ignore[arg-type]
        elif name == "_summary":
            if value not in SUMMARY_MODES:
                raise Invalid(f"_summary takes one of {', '.join(sorted(SUMMARY_MODES))}")
            request.summary = value
            if value == "count":
                request.plan = replace(plan, count=0, total="accurate")
        elif name == "_elements":
            request.elements = tuple(e.strip() for e in value.split(",") if e.strip())
        elif name == "_sort":
            request.plan = replace(
                plan, sort=tuple(self._sort_key(res_type, s) for s in value.split(",") if s)
            )
        elif name == "_type":
            request.plan = replace(plan, types=tuple(t for t in value.split(",") if t))
        elif name.startswith("_include"):
            spec = self._include(value, name.endswith(":iterate"))
            request.plan = replace(plan, include=(*plan.include, spec))
        elif name.startswith("_revinclude"):
            spec = self._include(value, name.endswith(":iterate"))
            request.plan = replace(plan, revinclude=(*plan.revinclude, spec))

    def _sort_key(self, res_type: str | None, spec: str) -> SortKey:
        descending = spec.startswith("-")
        code = spec.lstrip("-")
        if code in ("_id", "_lastUpdated"):
            return SortKey(code, 0, descending)
        param = self._lookup(res_type, code)
        if param is None or param.type in ("composite", "special"):
            raise Invalid(f"Cannot sort by '{code}'")
        return SortKey(param.type, param.stored, descending)

    def _include(self, value: str, iterate: bool) -> IncludeSpec:
        if value == "*":
            raise Invalid("_include=* is not supported; name Type:parameter")
        parts = value.split(":")
        if len(parts) not in (2, 3):
            raise Invalid(f"'{value}' must look like Type:parameter[:TargetType]")
        source, code = parts[0], parts[1]
        if code == "*":
            return IncludeSpec(source, None, parts[2] if len(parts) == 3 else None, iterate)
        param = self._registry.get(source, code)
        if param is None or param.type != "reference":
            raise Invalid(f"'{code}' is not a reference parameter of {source}")
        return IncludeSpec(source, param.stored, parts[2] if len(parts) == 3 else None, iterate)


def _table_of(param: SearchParam) -> str:
    return param.type if param.type != "special" else "token"


def whole_number(name: str, value: str) -> int:
    """A `_count` or `_offset`: ASCII digits only (not "1.5", "²" or "１"), within 64 bits."""
    if not (value.isascii() and value.isdigit()):
        raise Invalid(f"{name} must be a non-negative whole number, not '{value}'")
    if len(value) > 19 or int(value) > MAX_WHOLE_NUMBER:
        raise Invalid(f"{name} must be at most {MAX_WHOLE_NUMBER}")
    return int(value)


def _check_size(params: Sequence[tuple[str, str]]) -> None:
    """Refuse searches beyond the input limits, and control characters no value may hold."""
    if len(params) > MAX_PARAMETERS:
        raise Invalid(f"A search takes at most {MAX_PARAMETERS} parameters")
    for name, value in params:
        limit = MAX_IDS if name in ("_id", "_id:not") else MAX_VALUES
        if value.count(",") >= limit:
            raise Invalid(f"'{name}' has more than {limit} comma-separated values")
        if find_control_character(value):  # names are looked up, values reach the database
            raise Invalid(f"The value of the search parameter '{name}' holds a control character")

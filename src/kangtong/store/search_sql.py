"""Turn a `SearchPlan` into SQL over the typed index tables (never a scan of JSON).

The most selective clause drives the query (`pk IN (…)`); the others probe the index of each
candidate (`EXISTS … WHERE resource_pk = r.pk`), which keeps patient-scoped searches cheap on
both SQLite and PostgreSQL even when a code is common across the whole region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    union,
)

from kangtong.store.access_sql import visible
from kangtong.store.criteria import (
    AccessFilter,
    ChainCriterion,
    Clause,
    CompositeCriterion,
    Criterion,
    HasCriterion,
    IdCriterion,
    LastUpdatedCriterion,
    MissingCriterion,
    RangeCriterion,
    ReferenceCriterion,
    SearchPlan,
    SortKey,
    StringCriterion,
    TokenCriterion,
    UriCriterion,
)
from kangtong.store.param_rows import param_is
from kangtong.store.tables import INDEX_TABLES, resource

Condition = ColumnElement[bool]
PREFIX_END = "\uffff"


def prefix_range(column: ColumnElement[Any], value: str) -> Condition:
    """`column` starts with `value`, written as an index-friendly range."""
    return and_(column >= value, column < value + PREFIX_END)


def range_condition(
    low_col: ColumnElement[Any], high_col: ColumnElement[Any], prefix: str, low: float, high: float
) -> Condition:
    """FHIR prefix semantics between the stored range [low_col, high_col] and [low, high]."""
    match prefix:
        case "eq":
            return and_(low_col >= low, high_col <= high)
        case "ne":
            return or_(low_col < low, high_col > high)
        case "gt":
            return high_col > high
        case "lt":
            return low_col < low
        case "ge":
            return high_col >= low
        case "le":
            return low_col <= high
        case "sa":
            return low_col > high
        case "eb":
            return high_col < low
        case "ap":
            return and_(low_col <= high, high_col >= low)
    raise ValueError(f"unknown prefix {prefix}")


class _IndexPredicate:
    """Rows of one index table that satisfy one criterion."""

    def __init__(self, table: FromClause, conditions: list[Condition]) -> None:
        self.table = table
        self.conditions = conditions

    def driving(self) -> Select[Any]:
        return select(self.table.c.resource_pk).where(*self.conditions)

    def probe(self, pk: ColumnElement[Any]) -> Condition:
        return exists().where(self.table.c.resource_pk == pk, *self.conditions)


def _token(c: TokenCriterion) -> _IndexPredicate:
    t = INDEX_TABLES["token"].alias()
    conds: list[Condition] = [param_is(t, c.param)]
    if c.code is not None:
        conds.append(t.c.code.in_((c.code, *c.blind)) if c.blind else t.c.code == c.code)
    if c.system is not None:
        conds.append(t.c.system == c.system if c.system else t.c.system.is_(None))
    elif not c.any_system:
        conds.append(t.c.system.is_(None))
    if c.text is not None:
        conds.append(prefix_range(t.c.text, c.text))
    return _IndexPredicate(t, conds)


def _string(c: StringCriterion) -> _IndexPredicate:
    t = INDEX_TABLES["string"].alias()
    conds: list[Condition] = [param_is(t, c.param)]
    if c.mode == "exact":
        conds.append(t.c.exact == c.value)
    elif c.mode == "contains":
        escaped = c.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(t.c.norm.like(f"%{escaped}%", escape="\\"))
    else:
        conds.append(prefix_range(t.c.norm, c.value))
    return _IndexPredicate(t, conds)


def _range(c: RangeCriterion) -> _IndexPredicate:
    t = INDEX_TABLES[c.kind].alias()
    conds: list[Condition] = [param_is(t, c.param)]
    if c.kind == "quantity":
        if c.code is not None:
            conds.append(t.c.code == c.code)
        if c.system is not None:
            conds.append(t.c.system == c.system)
    conds.append(range_condition(t.c.low, t.c.high, c.prefix, c.low, c.high))
    return _IndexPredicate(t, conds)


def _reference(c: ReferenceCriterion) -> _IndexPredicate:
    t = INDEX_TABLES["reference"].alias()
    conds: list[Condition] = [param_is(t, c.param)]
    if c.url is not None:
        conds.append(t.c.url == c.url)
    if c.target_id is not None:
        conds.append(t.c.target_id == c.target_id)
    if c.target_type is not None:
        conds.append(t.c.target_type == c.target_type)
    return _IndexPredicate(t, conds)


def _uri(c: UriCriterion) -> _IndexPredicate:
    t = INDEX_TABLES["uri"].alias()
    conds: list[Condition] = [param_is(t, c.param)]
    if c.mode == "below":
        conds.append(prefix_range(t.c.value, c.value))
    elif c.mode == "above":
        conds.append(literal(c.value).like(t.c.value + "%"))
    else:
        conds.append(t.c.value == c.value)
    return _IndexPredicate(t, conds)


def _composite(c: CompositeCriterion) -> _IndexPredicate:
    t = INDEX_TABLES["composite"].alias()
    conds: list[Condition] = [param_is(t, c.param), t.c.c1_code == c.c1_code]
    if c.c1_system is not None:
        conds.append(t.c.c1_system == c.c1_system)
    if c.c2_code is not None:
        conds.append(
            prefix_range(t.c.c2_code, c.c2_code) if c.c2_prefix else t.c.c2_code == c.c2_code
        )
    if c.c2_system is not None:
        conds.append(t.c.c2_system == c.c2_system)
    if c.c2_range is not None:
        prefix, low, high = c.c2_range
        conds.append(range_condition(t.c.c2_low, t.c.c2_high, prefix, low, high))
    return _IndexPredicate(t, conds)


_PREDICATES: dict[type, Callable[[Any], _IndexPredicate]] = {
    TokenCriterion: _token,
    StringCriterion: _string,
    RangeCriterion: _range,
    ReferenceCriterion: _reference,
    UriCriterion: _uri,
    CompositeCriterion: _composite,
}


def _chain_pairs(c: ChainCriterion, access: AccessFilter | None) -> Select[Any]:
    """(source resource key) of references under `c.param` to targets matching `c.inner`."""
    ref = INDEX_TABLES["reference"].alias()
    target = resource.alias()
    return (
        select(ref.c.resource_pk)
        .select_from(
            ref.join(
                target,
                and_(target.c.res_type == ref.c.target_type, target.c.res_id == ref.c.target_id),
            )
        )
        .where(
            param_is(ref, c.param),
            target.c.res_type == c.target_type,
            target.c.deleted.is_(False),
            *_visible(access, target),
            *_clause_conditions(c.inner, target.c.pk, access),
        )
    )


def _has_targets(c: HasCriterion, access: AccessFilter | None) -> Select[Any]:
    """Keys of resources that some `c.source_type` matching `c.inner` refers to via `c.param`."""
    ref = INDEX_TABLES["reference"].alias()
    source = resource.alias()
    target = resource.alias()
    return (
        select(target.c.pk)
        .select_from(
            ref.join(source, source.c.pk == ref.c.resource_pk).join(
                target,
                and_(target.c.res_type == ref.c.target_type, target.c.res_id == ref.c.target_id),
            )
        )
        .where(
            param_is(ref, c.param),
            source.c.res_type == c.source_type,
            source.c.deleted.is_(False),
            *_visible(access, source),
            *_clause_conditions(c.inner, source.c.pk, access),
        )
    )


def _visible(access: AccessFilter | None, row: FromClause) -> list[Condition]:
    """Rows a chain or `_has` looks through must be visible too, or they would leak."""
    return [] if access is None else [visible(access, row)]


def _criterion_condition(
    c: Criterion, pk: ColumnElement[Any], access: AccessFilter | None, *, driving: bool
) -> Condition:
    """The condition one criterion puts on the resource whose key is `pk`."""
    if isinstance(c, IdCriterion):
        return _id_condition(c, pk)
    if isinstance(c, LastUpdatedCriterion):
        return _last_updated_condition(c, pk)
    if isinstance(c, MissingCriterion):
        t = INDEX_TABLES[c.kind].alias()
        present = exists().where(t.c.resource_pk == pk, param_is(t, c.param))
        return not_(present) if c.missing else present
    if isinstance(c, ChainCriterion):
        return pk.in_(_chain_pairs(c, access))
    if isinstance(c, HasCriterion):
        return pk.in_(_has_targets(c, access))
    predicate = _PREDICATES[type(c)](c)
    if isinstance(c, TokenCriterion) and c.negate:
        return not_(predicate.probe(pk))
    return pk.in_(predicate.driving()) if driving else predicate.probe(pk)


def resource_for(pk: Any) -> FromClause:
    """The resource table (or alias) that the key column `pk` belongs to."""
    owner: FromClause = pk.table
    return owner


def _id_condition(c: IdCriterion, pk: Any) -> Condition:
    column: ColumnElement[Any] = resource_for(pk).c.res_id
    return column.in_(c.ids)


def _last_updated_condition(c: LastUpdatedCriterion, pk: Any) -> Condition:
    column: ColumnElement[Any] = resource_for(pk).c.last_updated
    return range_condition(column, column, c.prefix, c.low, c.high)


_RANK: dict[type, int] = {
    IdCriterion: 0,
    ReferenceCriterion: 1,
    TokenCriterion: 2,
    CompositeCriterion: 3,
    UriCriterion: 3,
    StringCriterion: 4,
    ChainCriterion: 5,
    HasCriterion: 5,
    RangeCriterion: 6,
    LastUpdatedCriterion: 7,
    MissingCriterion: 9,
}


def _selectivity_rank(clause: Clause) -> int:
    """Lower is more selective; a clause is as weak as its weakest alternative."""
    worst = 0
    for c in clause.any_of:
        rank = _RANK[type(c)]
        if isinstance(c, TokenCriterion) and (c.negate or c.code is None):
            rank = 8
        if isinstance(c, ReferenceCriterion) and c.target_id is None and c.url is None:
            rank = 8
        worst = max(worst, rank)
    return worst + (10 if clause.negate else 0)


def _clause_condition(
    clause: Clause, pk: ColumnElement[Any], access: AccessFilter | None, *, driving: bool
) -> Condition:
    if (
        driving
        and len(clause.any_of) > 1
        and all(type(c) in _PREDICATES and not getattr(c, "negate", False) for c in clause.any_of)
    ):
        subqueries = [_PREDICATES[type(c)](c).driving() for c in clause.any_of]
        condition: Condition = pk.in_(union(*subqueries))
    else:
        parts = [_criterion_condition(c, pk, access, driving=driving) for c in clause.any_of]
        condition = or_(*parts) if parts else false()
    return not_(condition) if clause.negate else condition


def _clause_conditions(
    clauses: Sequence[Clause], pk: Any, access: AccessFilter | None = None
) -> list[Condition]:
    ordered = sorted(clauses, key=_selectivity_rank)
    return [
        _clause_condition(clause, pk, access, driving=(i == 0 and _selectivity_rank(clause) < 8))
        for i, clause in enumerate(ordered)
    ]


def match_condition(plan: SearchPlan) -> list[Condition]:
    """Every condition a resource row `resource` must meet to match the plan."""
    conds: list[Condition] = [resource.c.deleted.is_(False)]
    if plan.res_type is not None:
        conds.append(resource.c.res_type == plan.res_type)
    elif plan.types:
        conds.append(resource.c.res_type.in_(plan.types))
    conds.extend(_clause_conditions(plan.clauses, resource.c.pk, plan.access))
    conds.extend(_visible(plan.access, resource))
    return conds


def sort_columns(sort: Sequence[SortKey]) -> list[Any]:
    """ORDER BY terms; the resource key breaks ties so paging is deterministic."""
    terms: list[Any] = []
    for key in sort:
        expression = _sort_expression(key)
        terms.append(
            expression.desc().nulls_last() if key.descending else expression.asc().nulls_last()
        )
    terms.append(resource.c.pk)
    return terms


_SORT_VALUE = {
    "date": ("low", "high"),
    "string": ("norm", "norm"),
    "token": ("code", "code"),
    "number": ("value", "value"),
    "quantity": ("value", "value"),
    "reference": ("target_id", "target_id"),
    "uri": ("value", "value"),
}


def _sort_expression(key: SortKey) -> Any:
    if key.kind == "_id":
        return resource.c.res_id
    if key.kind == "_lastUpdated":
        return resource.c.last_updated
    t = INDEX_TABLES[key.kind].alias()
    ascending_col, descending_col = _SORT_VALUE[key.kind]
    # A string's sort key is its smallest search form in both directions: pinyin rows (ASCII)
    # sort before hanzi, so names order by pinyin whichever way the list runs.
    use_max = key.descending and key.kind != "string"
    aggregate = func.max(t.c[descending_col]) if use_max else func.min(t.c[ascending_col])
    return (
        select(aggregate)
        .where(t.c.resource_pk == resource.c.pk, param_is(t, key.param))
        .scalar_subquery()
    )


def page_query(plan: SearchPlan) -> Select[Any]:
    return (
        select(resource.c.pk)
        .where(*match_condition(plan))
        .order_by(*sort_columns(plan.sort))
        .limit(plan.count)
        .offset(plan.offset)
    )


def count_query(plan: SearchPlan) -> Select[Any]:
    return select(func.count()).select_from(resource).where(*match_condition(plan))

"""Which rows of an index table belong to a search parameter (its own, or shared ones)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, literal_column

from kangtong.store.criteria import ParamRef


def param_is(table: FromClause, param: ParamRef) -> ColumnElement[bool]:
    """Rows of the index `table` that belong to `param` (its own, or those it shares)."""
    if isinstance(param, int):
        return table.c.param == param
    keys = (
        table.c.param == param.keys[0]
        if len(param.keys) == 1
        else keys_in(table.c.param, param.keys)
    )
    if param.target_type is None:
        return keys
    return and_(keys, table.c.target_type == param.target_type)


def keys_in(column: ColumnElement[Any], keys: tuple[int, ...]) -> ColumnElement[bool]:
    """`column IN (1, 2, …)` written into the SQL text: parameter keys are integers we computed,
    so the statement — which SQLAlchemy caches — needs no expanding bound parameters."""
    if not keys:
        return column.in_(keys)
    listed = ", ".join(str(int(k)) for k in keys)
    return column.op("IN")(literal_column(f"({listed})")).self_group()

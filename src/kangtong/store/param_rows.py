"""Which rows of an index table belong to a search parameter (its own, or shared ones)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, and_, literal_column

from kangtong.store.criteria import ParamRef


def param_is(table: FromClause, param: ParamRef) -> ColumnElement[bool]:
    """Rows of the index `table` that belong to `param` (its own, or those it shares)."""
    if isinstance(param, int):
        return table.c.param == param
    if len(param.keys) == 1:
        keys = table.c.param == param.keys[0]
    else:  # integers we computed: written into the statement, which SQLAlchemy then caches
        listed = ", ".join(str(int(k)) for k in param.keys)
        keys = table.c.param.op("IN")(literal_column(f"({listed})")).self_group()
    if param.target_type is None:
        return keys
    return and_(keys, table.c.target_type == param.target_type)

"""The caller's `AccessFilter` as SQL conditions on a resource row (or an alias of the table).

Applied to every row a search can return — matches, `_include`/`_revinclude` targets, chained
and `_has` rows — so counts, pages and included resources never reveal a hidden row.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, exists, false, literal_column, not_, or_

from kangtong.store.criteria import AccessFilter, CodingMatch, Reach
from kangtong.store.param_rows import keys_in, param_is
from kangtong.store.tables import INDEX_TABLES

Condition = ColumnElement[bool]


def visible(access: AccessFilter, row: FromClause) -> Condition:
    """The row is one the caller may see."""
    reaches = [_reach(access, reach, row) for reach in access.reaches]
    condition: Condition = or_(*reaches) if reaches else false()
    granular = [_granular(row, res_type, options) for res_type, options in access.granular]
    return and_(condition, *granular) if granular else condition


def _reach(access: AccessFilter, reach: Reach, row: FromClause) -> Condition:
    conds: list[Condition] = [_in_names(row.c.res_type, reach.types)]
    if reach.owner_org is not None:
        conds.append(row.c.owner_org == reach.owner_org)
    if reach.district is not None:
        conds.append(row.c.district == reach.district)
    if reach.patients is not None:
        conds.append(_in_compartment(access, reach.patients, row))
    if reach.hidden_labels:
        label = INDEX_TABLES["token"].alias()
        conds.append(
            not_(
                exists().where(
                    label.c.resource_pk == row.c.pk,
                    label.c.system == access.label_system,
                    _in_names(label.c.code, reach.hidden_labels),
                )
            )
        )
    return and_(*conds)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _in_names(column: ColumnElement[Any], names: tuple[str, ...]) -> Condition:
    """`column IN ('A', 'B', …)` written into the SQL text for a list of type or label names.

    A role reaches dozens of resource types; as bound parameters they are re-expanded on every
    execution (a third of a search's cost), as text they are part of the cached statement.
    Only names of our own vocabulary qualify — anything else is bound as usual.
    """
    if not names or not all(_NAME.fullmatch(n) for n in names):
        return column.in_(names)
    listed = ", ".join(f"'{n}'" for n in names)
    return column.op("IN")(literal_column(f"({listed})")).self_group()


def _in_compartment(access: AccessFilter, patients: tuple[str, ...], row: FromClause) -> Condition:
    """A Patient in `patients`, or a row whose patient references name only those patients."""
    if not patients:
        return false()
    ours = INDEX_TABLES["reference"].alias()
    others = INDEX_TABLES["reference"].alias()
    params = access.compartment_params
    about_ours = exists().where(
        ours.c.resource_pk == row.c.pk,
        keys_in(ours.c.param, params),
        ours.c.target_type == "Patient",
        ours.c.target_id.in_(patients),
    )
    about_others = exists().where(
        others.c.resource_pk == row.c.pk,
        keys_in(others.c.param, params),
        others.c.target_type == "Patient",
        others.c.target_id.not_in(patients),
    )
    return or_(
        and_(row.c.res_type == "Patient", row.c.res_id.in_(patients)),
        and_(row.c.res_type != "Patient", about_ours, not_(about_others)),
    )


def _granular(
    row: FromClause, res_type: str, options: tuple[tuple[CodingMatch, ...], ...]
) -> Condition:
    """Rows of `res_type` must carry every coding of at least one option; other types pass."""
    alternatives = [and_(*(_has_coding(row, m) for m in option)) for option in options]
    return or_(row.c.res_type != res_type, *alternatives)


def _has_coding(row: FromClause, match: CodingMatch) -> Condition:
    token = INDEX_TABLES["token"].alias()
    conds: list[Any] = [
        token.c.resource_pk == row.c.pk,
        param_is(token, match.param),
        token.c.code == match.code,
    ]
    if match.system is not None:
        conds.append(token.c.system == match.system)
    return exists().where(*conds)

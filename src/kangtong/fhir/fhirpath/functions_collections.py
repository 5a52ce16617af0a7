"""FHIRPath functions on whole collections: existence, filtering, subsetting, combining
(FHIRPath N1 §5.1–§5.4) and Boolean ``not()``/``iif()``."""

from __future__ import annotations

from collections.abc import Callable

from kangtong.fhir.fhirpath.calls import CallSite, FunctionBuilder
from kangtong.fhir.fhirpath.navigation import type_filter_step
from kangtong.fhir.fhirpath.runtime import (
    Collection,
    Compiled,
    Env,
    Evaluator,
    boolean_result,
    distinct_items,
    singleton,
    singleton_boolean,
)
from kangtong.fhir.fhirpath.syntax import uses_index


def _iterate(site: CallSite, keep: str) -> Compiled:
    """``where``/``select``/``all``/``exists(criteria)``: the argument runs once per item."""
    source = site.input.evaluate
    check = site.iteration_argument(0).evaluate
    name = site.name

    def matching_items(focus: Collection, env: Env) -> Collection:
        return [
            item
            for item in source(focus, env)
            if singleton_boolean(check([item], env), name) is True
        ]

    matching: Evaluator = matching_items
    if uses_index(site.args[0]):
        matching = _indexed_iteration(source, check, name)

    if keep == "matching":
        return Compiled(matching, site.input.static_type)
    if keep == "any":
        return Compiled(lambda focus, env: boolean_result(bool(matching(focus, env))), "boolean")
    return Compiled(_all_match(source, check, site.name), "boolean")


def _indexed_iteration(source: Evaluator, check: Evaluator, name: str) -> Evaluator:
    """``where`` whose criteria reads ``$index``: only then is the environment written."""

    def matching(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        saved = env.index
        for index, item in enumerate(source(focus, env)):
            env.index = index
            if singleton_boolean(check([item], env), name) is True:
                out.append(item)
        env.index = saved
        return out

    return matching


def _all_match(source: Evaluator, check: Evaluator, name: str) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        items = source(focus, env)
        return boolean_result(
            all(singleton_boolean(check([item], env), name) is True for item in items)
        )

    return evaluate


def _where(site: CallSite) -> Compiled:
    site.expect_arguments(1)
    return _iterate(site, "matching")


def _exists(site: CallSite) -> Compiled:
    site.expect_arguments(0, 1)
    if site.args:
        return _iterate(site, "any")
    return site.per_input(lambda items: boolean_result(bool(items)), "boolean")


def _all(site: CallSite) -> Compiled:
    site.expect_arguments(1)
    return _iterate(site, "all")


def _select(site: CallSite) -> Compiled:
    site.expect_arguments(1)
    source = site.input.evaluate
    projection = site.iteration_argument(0)
    project = projection.evaluate

    def evaluate(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        saved = env.index
        for index, item in enumerate(source(focus, env)):
            env.index = index
            out.extend(project([item], env))
        env.index = saved
        return out

    def evaluate_without_index(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        for item in source(focus, env):
            out.extend(project([item], env))
        return out

    if not uses_index(site.args[0]):
        return Compiled(evaluate_without_index, projection.static_type)
    return Compiled(evaluate, projection.static_type)


def _repeat(site: CallSite) -> Compiled:
    site.expect_arguments(1)
    source = site.input.evaluate
    project = site.iteration_argument(0).evaluate

    def evaluate(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        pending = list(source(focus, env))
        while pending:
            item = pending.pop(0)
            for child in project([item], env):
                if not any(child[0] is seen[0] or child[0] == seen[0] for seen in out):
                    out.append(child)
                    pending.append(child)
        return out

    return Compiled(evaluate)


def _of_type(site: CallSite) -> Compiled:
    site.expect_arguments(1)
    wanted = site.type_argument(0)
    return site.per_input(type_filter_step(wanted), wanted)


def _empty(site: CallSite) -> Compiled:
    site.expect_arguments(0)
    return site.per_input(lambda items: boolean_result(not items), "boolean")


def _count(site: CallSite) -> Compiled:
    site.expect_arguments(0)
    return site.per_input(lambda items: [(len(items), "integer")], "integer")


def _booleans_of(items: Collection) -> list[bool]:
    return [value for value, _ in items if isinstance(value, bool)]


def _boolean_aggregate(test: str) -> FunctionBuilder:
    checks: dict[str, Callable[[Collection], bool]] = {
        "allTrue": lambda items: (
            all(_booleans_of(items)) and len(_booleans_of(items)) == len(items)
        ),
        "anyTrue": lambda items: any(_booleans_of(items)),
        "allFalse": lambda items: not any(value is not False for value, _ in items),
        "anyFalse": lambda items: any(value is False for value, _ in items),
    }
    check = checks[test]

    def build(site: CallSite) -> Compiled:
        site.expect_arguments(0)
        return site.per_input(lambda items: boolean_result(check(items)), "boolean")

    return build


def _distinct(site: CallSite) -> Compiled:
    site.expect_arguments(0)
    return site.per_input(distinct_items, site.input.static_type)


def _is_distinct(site: CallSite) -> Compiled:
    site.expect_arguments(0)
    return site.per_input(
        lambda items: boolean_result(len(distinct_items(items)) == len(items)), "boolean"
    )


def _slice(start: int, stop: int | None) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(0)
        return site.per_input(lambda items: items[start:stop], site.input.static_type)

    return build


def _single(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def only(items: Collection) -> Collection:
        item = singleton(items, "single()")
        return [] if item is None else [item]

    return site.per_input(only, site.input.static_type)


def _counted_slice(keep_head: bool) -> FunctionBuilder:
    """``take(n)`` (keep the head) and ``skip(n)`` (drop it)."""

    def build(site: CallSite) -> Compiled:
        site.expect_arguments(1)

        def transform(items: Collection, arguments: list[Collection]) -> Collection:
            count = singleton(arguments[0], site.name)
            if count is None or not isinstance(count[0], int):
                raise site.error("expects an integer")
            size = max(count[0], 0)
            return items[:size] if keep_head else items[size:]

        return site.with_argument_values(transform, site.input.static_type)

    return build


def _combining(operation: str) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(1)

        def transform(items: Collection, arguments: list[Collection]) -> Collection:
            other = arguments[0]
            if operation == "combine":
                return items + other
            if operation == "union":
                return distinct_items(items + other)
            other_values = [value for value, _ in other]
            inside = [item for item in items if item[0] in other_values]
            if operation == "intersect":
                return distinct_items(inside)
            return [item for item in items if item[0] not in other_values]

        return site.with_argument_values(transform)

    return build


def _not(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def negate(items: Collection) -> Collection:
        value = singleton_boolean(items, "not()")
        return boolean_result(None if value is None else not value)

    return site.per_input(negate, "boolean")


def _iif(site: CallSite) -> Compiled:
    site.expect_arguments(2, 3)
    source = site.input.evaluate
    condition = site.iteration_argument(0).evaluate
    when_true = site.iteration_argument(1).evaluate
    when_false = site.iteration_argument(2).evaluate if len(site.args) == 3 else None

    def evaluate(focus: Collection, env: Env) -> Collection:
        context = source(focus, env)
        if singleton_boolean(condition(context, env), "iif()") is True:
            return when_true(context, env)
        return [] if when_false is None else when_false(context, env)

    return Compiled(evaluate)


def _trace(site: CallSite) -> Compiled:
    site.expect_arguments(1, 2)
    return site.per_input(lambda items: items, site.input.static_type)


COLLECTION_FUNCTIONS: dict[str, FunctionBuilder] = {
    "where": _where,
    "select": _select,
    "repeat": _repeat,
    "exists": _exists,
    "all": _all,
    "ofType": _of_type,
    "empty": _empty,
    "count": _count,
    "allTrue": _boolean_aggregate("allTrue"),
    "anyTrue": _boolean_aggregate("anyTrue"),
    "allFalse": _boolean_aggregate("allFalse"),
    "anyFalse": _boolean_aggregate("anyFalse"),
    "distinct": _distinct,
    "isDistinct": _is_distinct,
    "first": _slice(0, 1),
    "last": _slice(-1, None),
    "tail": _slice(1, None),
    "single": _single,
    "take": _counted_slice(keep_head=True),
    "skip": _counted_slice(keep_head=False),
    "combine": _combining("combine"),
    "union": _combining("union"),
    "intersect": _combining("intersect"),
    "exclude": _combining("exclude"),
    "not": _not,
    "iif": _iif,
    "trace": _trace,
}

"""The FHIRPath of the SQL-on-FHIR v2 test suite, run through a minimal column-only view reader.

Only views made of ``column``s, nested ``select``s, ``where`` and ``constant`` are read here
(one row per resource); ``forEach``/``unionAll``/``repeat`` belong to the ViewDefinition runner.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
import pytest

from kangtong.fhir.fhirpath import CompiledPath, FhirPathError, compile_path

# The official suite, carried in the repository with its MIT licence (tests/conformance/).
SUITE = Path(__file__).parents[2] / "conformance" / "sql-on-fhir" / "tests"
_ROW_MULTIPLYING = ("forEach", "forEachOrNull", "unionAll", "repeat")


def _uses_row_multiplying(select: list[dict[str, Any]]) -> bool:
    return any(
        any(key in part for key in _ROW_MULTIPLYING)
        or _uses_row_multiplying(part.get("select", []))
        for part in select
    )


def _readable_here(view: dict[str, Any]) -> bool:
    """Views this reader can run: a resource, columns only, no runner-supplied %rowIndex."""
    return (
        "resource" in view
        and not _uses_row_multiplying(view.get("select", []))
        and b"%rowIndex" not in orjson.dumps(view)
    )


def _cases() -> list[Any]:
    files = sorted(SUITE.glob("*.json"))
    assert files, f"the SQL-on-FHIR suite is missing from {SUITE}"  # never a silent skip
    cases = []
    for file in files:
        suite = orjson.loads(file.read_bytes())
        for test in suite["tests"]:
            if _readable_here(test["view"]):
                case_id = f"{file.stem}: {test['title']}"
                cases.append(pytest.param(suite["resources"], test, id=case_id))
    return cases


def _constants(view: dict[str, Any]) -> dict[str, Any]:
    constants = {}
    for constant in view.get("constant", []):
        values = [value for key, value in constant.items() if key.startswith("value")]
        if not values:
            raise ValueError(f"constant {constant['name']} has no value")
        constants[constant["name"]] = values[0]
    return constants


def _columns(select: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns = []
    for part in select:
        columns.extend(part.get("column", []))
        columns.extend(_columns(part.get("select", [])))
    return columns


def _cell(column: dict[str, Any], resource: dict[str, Any], constants: dict[str, Any]) -> Any:
    values = compile_path(column["path"]).evaluate(resource, variables=constants)
    if column.get("collection"):
        return values
    if len(values) > 1:
        raise ValueError(f"{column['name']} has {len(values)} values")
    return values[0] if values else None


def _run_view(view: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    constants = _constants(view)
    filters = [compile_path(where["path"]) for where in view.get("where", [])]
    columns = _columns(view.get("select", []))
    rows = []
    for resource in resources:
        if resource["resourceType"] != view["resource"]:
            continue
        if not all(_passes(path, resource, constants) for path in filters):
            continue
        rows.append({column["name"]: _cell(column, resource, constants) for column in columns})
    return rows


def _passes(path: CompiledPath, resource: dict[str, Any], constants: dict[str, Any]) -> bool:
    result = path.evaluate(resource, variables=constants)
    if result not in ([], [True], [False]):
        raise ValueError(f"where path {path.expression!r} is not a boolean: {result!r}")
    return result == [True]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-9)
    return bool(actual == expected)


@pytest.mark.parametrize(("resources", "test"), _cases())
def test_sql_on_fhir_case(resources: list[dict[str, Any]], test: dict[str, Any]) -> None:
    if test.get("expectError"):
        with pytest.raises((FhirPathError, ValueError)):
            _run_view(test["view"], resources)
        return
    rows = _run_view(test["view"], resources)
    expected = test["expect"]
    assert len(rows) == len(expected), rows
    for row, expected_row in zip(rows, expected, strict=True):
        assert set(row) == set(expected_row)
        assert all(_same(row[name], expected_row[name]) for name in row), (row, expected_row)


def test_the_suite_is_present_and_mostly_readable_here() -> None:
    assert len(_cases()) >= 60


def _all_paths(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [
            value
            for key, value in node.items()
            if key in ("path", *_ROW_MULTIPLYING[:2], "repeat") and isinstance(value, str)
        ]
        return found + [path for value in node.values() for path in _all_paths(value)]
    if isinstance(node, list):
        return [path for value in node for path in _all_paths(value)]
    return []


def test_every_fhirpath_of_the_suite_compiles() -> None:
    paths = {
        path
        for file in SUITE.glob("*.json")
        for test in orjson.loads(file.read_bytes())["tests"]
        for path in _all_paths(test["view"])
    }
    assert len(paths) > 100
    for path in paths:
        if path != "@@":  # the suite's deliberately invalid path
            compile_path(path)
    with pytest.raises(FhirPathError):
        compile_path("@@")

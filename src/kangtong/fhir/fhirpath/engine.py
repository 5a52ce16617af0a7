"""The public face of the engine: compile an expression once, evaluate it on many resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kangtong.fhir.fhirpath.branches import (
    MemberChain,
    branches_for,
    leading_elements,
    member_chains,
    rejoin,
)
from kangtong.fhir.fhirpath.compiler import Compiler
from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.parser import parse
from kangtong.fhir.fhirpath.runtime import Env, Evaluator, nothing
from kangtong.fhir.fhirpath.syntax import Node, needs_environment
from kangtong.fhir.fhirpath.types import Item, TypeModel

_NO_VARIABLES: Mapping[str, Any] = {}
_UNUSED_ENV = Env((None, None), _NO_VARIABLES)


class CompiledPath:
    """A compiled FHIRPath expression; safe to share and to evaluate concurrently.

    Unless fixed to one resource type (:func:`compile_for_type`), it keeps one specialisation
    per resource type it meets, compiled on first use with only the union branches that apply.
    """

    __slots__ = ("_compiler", "_fixed", "_needs_env", "_specialised", "_syntax", "expression")

    def __init__(
        self, expression: str, syntax: Node, compiler: Compiler, fixed: Evaluator | None
    ) -> None:
        self.expression = expression
        self._syntax = syntax
        self._compiler = compiler
        self._fixed = fixed
        self._specialised: dict[str | None, Evaluator] = {}
        self._needs_env = needs_environment(syntax)

    def __repr__(self) -> str:
        return f"CompiledPath({self.expression!r})"

    def evaluate(
        self, resource: Mapping[str, Any], *, variables: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The values the expression selects from ``resource`` (JSON values, in order)."""
        return [value for value, _ in self._run(resource, variables)]

    def evaluate_typed(
        self, resource: Mapping[str, Any], *, variables: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, str | None]]:
        """Like :meth:`evaluate`, each value paired with its FHIR type name when known."""
        return list(self._run(resource, variables))

    def _run(self, resource: Mapping[str, Any], variables: Mapping[str, Any] | None) -> list[Item]:
        root_value = resource if isinstance(resource, dict) else dict(resource)
        resource_type = root_value.get("resourceType")
        root: Item = (root_value, resource_type)
        evaluator = self._fixed or self._specialised.get(resource_type)
        if evaluator is None:
            evaluator = self._specialise(resource_type)
        if self._needs_env or variables:
            return evaluator([root], Env(root, _NO_VARIABLES if variables is None else variables))
        # Nothing will read or write the environment: skip building one per evaluation.
        return evaluator([root], _UNUSED_ENV)

    def leading_elements(self, resource_type: str | None) -> frozenset[str] | None:
        """Root elements this expression reads first for `resource_type` (None: not known)."""
        return leading_elements(self._syntax, resource_type)

    def member_chains(
        self, resource_type: str | None, *, relative: bool = False
    ) -> list[MemberChain] | None:
        """The expression as plain member paths (None when it is more than that)."""
        return member_chains(self._syntax, resource_type, relative=relative)

    def _specialise(self, resource_type: str | None) -> Evaluator:
        evaluator = specialised_evaluator(self._syntax, resource_type, self._compiler)
        self._specialised[resource_type] = evaluator or nothing
        return evaluator or nothing


def specialised_evaluator(
    syntax: Node, resource_type: str | None, compiler: Compiler
) -> Evaluator | None:
    """Compile the branches of ``syntax`` that apply to ``resource_type``; None if none do."""
    branches = branches_for(syntax, resource_type)
    if not branches:
        return None
    return compiler.compile(rejoin(branches), resource_type).evaluate


def compile_path(expression: str, *, type_model: TypeModel | None = None) -> CompiledPath:
    """Compile ``expression``; raises :class:`FhirPathError` for syntax and unknown functions."""
    syntax = _parse(expression)
    compiler = Compiler(type_model)
    # Compile every branch once, so that errors surface now rather than at first use.
    _with_expression(lambda: compiler.compile(syntax, None), expression)
    return CompiledPath(expression, syntax, compiler, fixed=None)


def compile_for_type(
    expression: str, resource_type: str, *, type_model: TypeModel | None = None
) -> CompiledPath | None:
    """Compile only the union branches that can apply to resource_type (None when none can)."""
    syntax = _parse(expression)
    compiler = Compiler(type_model)
    evaluator = _with_expression(
        lambda: specialised_evaluator(syntax, resource_type, compiler), expression
    )
    if evaluator is None:
        return None
    return CompiledPath(expression, syntax, compiler, fixed=evaluator)


def _parse(expression: str) -> Node:
    return parse(expression)


def _with_expression(compile_step: Any, expression: str) -> Any:
    """Run a compile step, naming the expression in any error it raises."""
    try:
        return compile_step()
    except FhirPathError as error:
        if error.expression is None:
            raise FhirPathError(
                error.message, expression=expression, position=error.position
            ) from error
        raise

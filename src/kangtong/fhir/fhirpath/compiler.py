"""Turns a FHIRPath syntax tree into nested closures, once; evaluation never sees the tree.

Each node is compiled knowing the static FHIR type of its focus (when it can be known), so that
with a :class:`TypeModel` most steps resolve their child's type at compile time.
"""

from __future__ import annotations

from typing import Any

from kangtong.fhir.fhirpath.calls import CallSite, FunctionBuilder
from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.functions_collections import COLLECTION_FUNCTIONS
from kangtong.fhir.fhirpath.functions_fhir import FHIR_FUNCTIONS, references_to
from kangtong.fhir.fhirpath.functions_strings import MATH_FUNCTIONS, STRING_FUNCTIONS
from kangtong.fhir.fhirpath.navigation import (
    member_step,
    root_type_step,
    type_filter_step,
    typed_member_step,
)
from kangtong.fhir.fhirpath.operators import binary_evaluator, negate
from kangtong.fhir.fhirpath.runtime import (
    Collection,
    Compiled,
    Env,
    Evaluator,
    Step,
    as_items,
    boolean_result,
    constant,
    focus_itself,
    nothing,
    singleton,
)
from kangtong.fhir.fhirpath.syntax import (
    BinaryOperation,
    EmptyLiteral,
    ExternalConstant,
    FunctionCall,
    Identifier,
    Indexer,
    Literal,
    Member,
    Node,
    Parenthesized,
    TypeOperation,
    UnaryOperation,
    Variable,
)
from kangtong.fhir.fhirpath.types import TypeModel, normalise_type_name, value_is_of_type

FUNCTIONS: dict[str, FunctionBuilder] = {
    **COLLECTION_FUNCTIONS,
    **STRING_FUNCTIONS,
    **MATH_FUNCTIONS,
    **FHIR_FUNCTIONS,
}

_BOOLEAN_OPERATORS = frozenset(
    {"=", "!=", "~", "!~", "<", "<=", ">", ">=", "in", "contains", "and", "or", "xor", "implies"}
)
_WELL_KNOWN_CONSTANTS = {
    "ucum": "http://unitsofmeasure.org",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
}
_ROOT_CONSTANTS = frozenset({"resource", "rootResource", "context"})
_FOCUS = Compiled(focus_itself)


def is_type_name(name: str) -> bool:
    """Whether a name at the start of a path names a type (FHIR element names are lowerCamel)."""
    return name[:1].isupper()


class Compiler:
    """Compiles syntax trees against one (optional) type model."""

    def __init__(self, type_model: TypeModel | None) -> None:
        self.type_model = type_model

    def compile(self, node: Node, focus_type: str | None) -> Compiled:
        method = getattr(self, f"_compile_{type(node).__name__}")
        compiled: Compiled = method(node, focus_type)
        return compiled

    def _compile_Literal(self, node: Literal, focus_type: str | None) -> Compiled:  # noqa: N802
        return Compiled(constant([(node.value, node.type_name)]), node.type_name)

    def _compile_EmptyLiteral(self, node: EmptyLiteral, focus_type: str | None) -> Compiled:  # noqa: N802
        return Compiled(nothing)

    def _compile_Parenthesized(self, node: Parenthesized, focus_type: str | None) -> Compiled:  # noqa: N802
        return self.compile(node.inner, focus_type)

    def _compile_Identifier(self, node: Identifier, focus_type: str | None) -> Compiled:  # noqa: N802
        if is_type_name(node.name):
            return _stepped(_FOCUS, root_type_step(node.name), node.name)
        step, static_type = member_step(node.name, focus_type, self.type_model)
        return _stepped(_FOCUS, step, static_type)

    def _compile_Member(self, node: Member, focus_type: str | None) -> Compiled:  # noqa: N802
        target = self.compile(node.target, focus_type)
        step, static_type = member_step(node.name, target.static_type, self.type_model)
        return _stepped(target, step, static_type)

    def _compile_Variable(self, node: Variable, focus_type: str | None) -> Compiled:  # noqa: N802
        if node.name == "$this":
            return Compiled(focus_itself, focus_type)
        if node.name == "$index":
            return Compiled(lambda focus, env: [(env.index, "integer")], "integer")
        raise FhirPathError(f"{node.name} is not supported", position=node.position)

    def _compile_ExternalConstant(  # noqa: N802
        self, node: ExternalConstant, focus_type: str | None
    ) -> Compiled:
        name = node.name
        if name in _ROOT_CONSTANTS:
            return Compiled(lambda focus, env: [env.root])
        if name in _WELL_KNOWN_CONSTANTS:
            return Compiled(constant([(_WELL_KNOWN_CONSTANTS[name], "uri")]), "uri")
        return Compiled(_variable_lookup(name, node.position))

    def _compile_Indexer(self, node: Indexer, focus_type: str | None) -> Compiled:  # noqa: N802
        target = self.compile(node.target, focus_type)
        return Compiled(
            _indexed(target.evaluate, self.compile(node.index, focus_type).evaluate),
            target.static_type,
        )

    def _compile_UnaryOperation(  # noqa: N802
        self, node: UnaryOperation, focus_type: str | None
    ) -> Compiled:
        operand = self.compile(node.operand, focus_type)
        if node.operator == "+":
            return operand
        return Compiled(negate(operand.evaluate), operand.static_type)

    def _compile_BinaryOperation(  # noqa: N802
        self, node: BinaryOperation, focus_type: str | None
    ) -> Compiled:
        left = self.compile(node.left, focus_type)
        right = self.compile(node.right, focus_type)
        evaluate = binary_evaluator(node.operator, left.evaluate, right.evaluate)
        if node.operator in _BOOLEAN_OPERATORS:
            return Compiled(evaluate, "boolean")
        same_type = left.static_type if left.static_type == right.static_type else None
        return Compiled(evaluate, same_type)

    def _compile_TypeOperation(  # noqa: N802
        self, node: TypeOperation, focus_type: str | None
    ) -> Compiled:
        wanted = normalise_type_name(node.type_name)
        if node.operator == "as":
            return self._compile_type_filter(node.operand, wanted, focus_type)
        operand = self.compile(node.operand, focus_type).evaluate

        def evaluate(focus: Collection, env: Env) -> Collection:
            item = singleton(operand(focus, env), "is")
            if item is None:
                return []
            return boolean_result(value_is_of_type(item[0], item[1], wanted))

        return Compiled(evaluate, "boolean")

    def _compile_type_filter(self, operand: Node, wanted: str, focus_type: str | None) -> Compiled:
        """``x as T`` / ``x.as(T)`` / ``x.ofType(T)``; on a member, read ``memberT`` directly.

        Like R4 search parameters expect, ``as`` filters a collection of any size (N1 would
        require a single item).
        """
        if isinstance(operand, Member):
            target = self.compile(operand.target, focus_type)
            step = typed_member_step(operand.name, wanted, target.static_type, self.type_model)
            return _stepped(target, step, wanted)
        if isinstance(operand, Identifier) and not is_type_name(operand.name):
            step = typed_member_step(operand.name, wanted, focus_type, self.type_model)
            return _stepped(_FOCUS, step, wanted)
        compiled = self.compile(operand, focus_type)
        return _stepped(compiled, type_filter_step(wanted), wanted)

    def _compile_FunctionCall(self, node: FunctionCall, focus_type: str | None) -> Compiled:  # noqa: N802
        if node.name in ("as", "ofType") and node.target is not None and len(node.args) == 1:
            site = self._call_site(node, focus_type)
            return self._compile_type_filter(node.target, site.type_argument(0), focus_type)
        if node.name == "where" and _is_resolve_is(node.args):
            return self._compile_references_to(node, focus_type)
        builder = FUNCTIONS.get(node.name)
        if builder is None:
            raise FhirPathError(f"unknown function {node.name}()", position=node.position)
        return builder(self._call_site(node, focus_type))

    def _compile_references_to(self, node: FunctionCall, focus_type: str | None) -> Compiled:
        """``where(resolve() is T)``, the commonest R4 search filter, as one step."""
        source = self.compile(node.target, focus_type) if node.target else None
        criterion = node.args[0]
        assert isinstance(criterion, TypeOperation)
        evaluator = references_to(
            source.evaluate if source else focus_itself, normalise_type_name(criterion.type_name)
        )
        return Compiled(evaluator, source.static_type if source else focus_type)

    def _call_input(self, target: Node | None, focus_type: str | None) -> Compiled:
        """What a function is applied to: its target, or the focus at the start of a term."""
        if target is None:
            return Compiled(focus_itself, focus_type)
        return self.compile(target, focus_type)

    def _call_site(self, node: FunctionCall, focus_type: str | None) -> CallSite:
        return CallSite(
            name=node.name,
            input=self._call_input(node.target, focus_type),
            args=node.args,
            focus_type=focus_type,
            compile_node=self.compile,
            type_model=self.type_model,
            position=node.position,
        )


def _is_resolve_is(args: tuple[Node, ...]) -> bool:
    if len(args) != 1:
        return False
    criterion = args[0]
    return (
        isinstance(criterion, TypeOperation)
        and criterion.operator == "is"
        and isinstance(criterion.operand, FunctionCall)
        and criterion.operand.target is None
        and criterion.operand.name == "resolve"
        and not criterion.operand.args
    )


def _stepped(base: Compiled, step: Step, static_type: str | None) -> Compiled:
    """``base`` followed by ``step``, fused with ``base``'s own steps into one closure."""
    if base.steps or base.evaluate is focus_itself:
        head, steps = base.head, (*base.steps, step)
    else:
        head, steps = base.evaluate, (step,)
    return Compiled(_path_evaluator(head, steps), static_type, head, steps)


def _path_evaluator(head: Evaluator | None, steps: tuple[Step, ...]) -> Evaluator:
    if head is None and len(steps) == 1:
        only = steps[0]
        return lambda focus, env: only(focus)
    if head is None and len(steps) == 2:
        first, second = steps
        return lambda focus, env: second(first(focus))
    start: Evaluator = focus_itself if head is None else head

    def evaluate(focus: Collection, env: Env) -> Collection:
        items = start(focus, env)
        for step in steps:
            if not items:
                return items
            items = step(items)
        return items

    return evaluate


def _variable_lookup(name: str, position: int) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        variables = env.variables
        if name not in variables:
            raise FhirPathError(f"undefined environment variable %{name}", position=position)
        return as_items(variables[name])

    return evaluate


def _indexed(source: Evaluator, index: Evaluator) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        position = singleton(index(focus, env), "[]")
        if position is None:
            return []
        number: Any = position[0]
        if not isinstance(number, int) or isinstance(number, bool):
            raise FhirPathError(f"an index must be an integer, not {number!r}")
        items = source(focus, env)
        return [items[number]] if 0 <= number < len(items) else []

    return evaluate

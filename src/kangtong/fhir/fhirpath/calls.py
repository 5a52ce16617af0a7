"""The compile-time view of a function call that the function library builds evaluators from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.runtime import Collection, Compiled, Env, Evaluator
from kangtong.fhir.fhirpath.syntax import Identifier, Member, Node
from kangtong.fhir.fhirpath.types import TypeModel, normalise_type_name

NodeCompiler = Callable[[Node, str | None], Compiled]


@dataclass(frozen=True, slots=True)
class CallSite:
    """``input.name(args)`` as the compiler sees it.

    ``input`` is the compiled target (the focus itself for a call at the start of a term);
    ``focus_type`` is the static type of the term's focus, against which plain (non-iterating)
    arguments are evaluated.
    """

    name: str
    input: Compiled
    args: tuple[Node, ...]
    focus_type: str | None
    compile_node: NodeCompiler
    type_model: TypeModel | None
    position: int

    def error(self, message: str) -> FhirPathError:
        return FhirPathError(f"{self.name}(): {message}", position=self.position)

    def expect_arguments(self, minimum: int, maximum: int | None = None) -> None:
        count = len(self.args)
        upper = minimum if maximum is None else maximum
        if not minimum <= count <= upper:
            wanted = str(minimum) if minimum == upper else f"{minimum} to {upper}"
            raise self.error(f"takes {wanted} argument(s), got {count}")

    def argument(self, index: int) -> Compiled:
        """Argument ``index`` compiled to be evaluated once, against the term's focus."""
        return self.compile_node(self.args[index], self.focus_type)

    def iteration_argument(self, index: int) -> Compiled:
        """Argument ``index`` compiled to be evaluated per input item (``$this``)."""
        return self.compile_node(self.args[index], self.input.static_type)

    def type_argument(self, index: int) -> str:
        """Argument ``index`` read as a type specifier (``Patient``, ``FHIR.Quantity``)."""
        node = self.args[index]
        if isinstance(node, Identifier):
            return normalise_type_name(node.name)
        if isinstance(node, Member) and isinstance(node.target, Identifier):
            return normalise_type_name(f"{node.target.name}.{node.name}")
        raise self.error("expects a type name")

    def per_input(
        self, transform: Callable[[Collection], Collection], static_type: str | None = None
    ) -> Compiled:
        """A function whose result depends only on its input collection."""
        source = self.input.evaluate

        def evaluate(focus: Collection, env: Env) -> Collection:
            return transform(source(focus, env))

        return Compiled(evaluate, static_type)

    def with_argument_values(
        self,
        transform: Callable[[Collection, list[Collection]], Collection],
        static_type: str | None = None,
    ) -> Compiled:
        """A function of its input and of its arguments, each evaluated once on the focus."""
        source = self.input.evaluate
        arguments: list[Evaluator] = [
            self.argument(index).evaluate for index in range(len(self.args))
        ]

        def evaluate(focus: Collection, env: Env) -> Collection:
            values = [argument(focus, env) for argument in arguments]
            return transform(source(focus, env), values)

        return Compiled(evaluate, static_type)


FunctionBuilder = Callable[[CallSite], Compiled]

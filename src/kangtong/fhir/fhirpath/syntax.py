"""The FHIRPath abstract syntax tree, produced by the parser and consumed by the compiler."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal value; ``type_name`` is its FHIR type (string, integer, decimal, date, …)."""

    value: Any
    type_name: str
    position: int


@dataclass(frozen=True, slots=True)
class EmptyLiteral:
    """``{}``, the empty collection."""

    position: int


@dataclass(frozen=True, slots=True)
class Identifier:
    """A name at the start of a term: a type name (``Observation``) or a child of the focus."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Variable:
    """``$this``, ``$index`` or ``$total``."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class ExternalConstant:
    """``%name``: an environment variable passed in at evaluation."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Member:
    """``target.name``."""

    target: Node
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """``target.name(args)``; ``target`` is None at the start of a term."""

    target: Node | None
    name: str
    args: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Indexer:
    """``target[index]``."""

    target: Node
    index: Node
    position: int


@dataclass(frozen=True, slots=True)
class UnaryOperation:
    """``+x`` or ``-x``."""

    operator: str
    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class BinaryOperation:
    """``left op right`` for every infix operator except ``is`` and ``as``."""

    operator: str
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class TypeOperation:
    """``operand is Type`` or ``operand as Type``."""

    operator: str
    operand: Node
    type_name: str
    position: int


@dataclass(frozen=True, slots=True)
class Parenthesized:
    """``(expression)``, kept so that union branches can be told apart."""

    inner: Node
    position: int


Node = (
    Literal
    | EmptyLiteral
    | Identifier
    | Variable
    | ExternalConstant
    | Member
    | FunctionCall
    | Indexer
    | UnaryOperation
    | BinaryOperation
    | TypeOperation
    | Parenthesized
)


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node beneath it."""
    yield node
    for child in _children(node):
        yield from walk(child)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Member):
        return (node.target,)
    if isinstance(node, FunctionCall):
        return node.args if node.target is None else (node.target, *node.args)
    if isinstance(node, Indexer):
        return (node.target, node.index)
    if isinstance(node, UnaryOperation):
        return (node.operand,)
    if isinstance(node, BinaryOperation):
        return (node.left, node.right)
    if isinstance(node, TypeOperation):
        return (node.operand,)
    if isinstance(node, Parenthesized):
        return (node.inner,)
    return ()


def uses_index(node: Node) -> bool:
    """Whether ``$index`` appears in ``node``."""
    return any(isinstance(each, Variable) and each.name == "$index" for each in walk(node))


def needs_environment(node: Node) -> bool:
    """Whether evaluating ``node`` reads the root, %variables or ``$index``."""
    return any(
        isinstance(each, ExternalConstant)
        or (isinstance(each, Variable) and each.name == "$index")
        or (isinstance(each, FunctionCall) and each.name == "resolve")
        for each in walk(node)
    )

"""The FHIRPath abstract syntax tree, produced by the parser and consumed by the compiler."""

from __future__ import annotations

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

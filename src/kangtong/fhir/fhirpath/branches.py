"""Which union branches of an expression can apply to a given resource type.

Search parameters shared by many resources union one branch per type
(``AllergyIntolerance.code | Condition.code | Observation.code``); the indexer compiles only the
branches that start from the resource's type, from ``Resource``/``DomainResource``, or from no type
at all (``name | alias``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.fhir.fhirpath.syntax import (
    BinaryOperation,
    FunctionCall,
    Identifier,
    Indexer,
    Member,
    Node,
    Parenthesized,
    TypeOperation,
)

_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})


def union_branches(node: Node) -> list[Node]:
    """The operands of a top-level chain of ``|`` (looking through parentheses)."""
    if isinstance(node, BinaryOperation) and node.operator == "|":
        return union_branches(node.left) + union_branches(node.right)
    if isinstance(node, Parenthesized) and _is_union(node.inner):
        return union_branches(node.inner)
    return [node]


def _is_union(node: Node) -> bool:
    return isinstance(node, BinaryOperation) and node.operator == "|"


def root_types(node: Node) -> frozenset[str] | None:
    """The type names a branch starts from; None when it does not start from a type name."""
    if isinstance(node, Identifier):
        return frozenset({node.name}) if node.name[:1].isupper() else None
    if isinstance(node, Member | Indexer):
        return root_types(node.target)
    if isinstance(node, FunctionCall):
        return None if node.target is None else root_types(node.target)
    if isinstance(node, TypeOperation):
        return root_types(node.operand)
    if isinstance(node, Parenthesized):
        return root_types(node.inner)
    if isinstance(node, BinaryOperation):
        left, right = root_types(node.left), root_types(node.right)
        return None if left is None or right is None else left | right
    return None


def applies_to(node: Node, resource_type: str | None) -> bool:
    """Whether ``node`` may yield anything for a resource of ``resource_type``."""
    types = root_types(node)
    if types is None or types & _ANY_RESOURCE:
        return True
    return resource_type in types


def branches_for(node: Node, resource_type: str | None) -> list[Node]:
    """The union branches of ``node`` that can apply to ``resource_type``."""
    return [branch for branch in union_branches(node) if applies_to(branch, resource_type)]


def rejoin(branches: list[Node]) -> Node:
    """Union the branches again, left-associatively, as the parser would have."""
    joined = branches[0]
    for branch in branches[1:]:
        joined = BinaryOperation("|", joined, branch, getattr(branch, "position", 0))
    return joined


def leading_elements(node: Node, resource_type: str | None) -> frozenset[str] | None:
    """Names of the root elements the applicable branches navigate first; None if unknown.

    `Observation.subject.where(resolve() is Patient) | Observation.focus` → {subject, focus}.
    An indexer can skip the expression when none of these elements is present in the resource.
    """
    names: set[str] = set()
    for branch in branches_for(node, resource_type):
        name = _first_step(branch)
        if name is None:
            return None
        names.add(name)
    return frozenset(names)


def _first_step(node: Node) -> str | None:
    """The element name right after the root type identifier of one path, if it has one."""
    if isinstance(node, Member):
        if isinstance(node.target, Identifier) and node.target.name[:1].isupper():
            return node.name
        return _first_step(node.target)
    if isinstance(node, FunctionCall):
        if node.target is None:
            return None
        if isinstance(node.target, Identifier) and node.name == "extension":
            return "extension"
        return _first_step(node.target)
    if isinstance(node, Indexer):
        return _first_step(node.target)
    if isinstance(node, TypeOperation):
        return _first_step(node.operand)
    if isinstance(node, Parenthesized):
        return _first_step(node.inner)
    return None


@dataclass(frozen=True, slots=True)
class MemberChain:
    """A plain member path from the root, optionally narrowed at its end.

    `(Observation.value as Quantity)` → names ("value",), of_type "Quantity";
    `Observation.subject.where(resolve() is Patient)` → names ("subject",), resolves_to "Patient".
    """

    names: tuple[str, ...]
    of_type: str | None = None
    resolves_to: str | None = None


def member_chains(
    node: Node, resource_type: str | None, *, relative: bool = False
) -> list[MemberChain] | None:
    """Each applicable branch as a `MemberChain`; None if any branch is more than that.

    With `relative`, paths start at the focus (`value.as(Quantity)`, as in composite
    components) instead of at a root type name. Such paths need no FHIRPath machinery: an
    indexer can walk the JSON directly.
    """
    chains: list[MemberChain] = []
    branches = union_branches(node) if relative else branches_for(node, resource_type)
    for branch in branches:
        chain = _member_chain(branch, relative)
        if chain is None:
            return None
        chains.append(chain)
    return chains or None


def _member_chain(branch: Node, relative: bool = False) -> MemberChain | None:
    while isinstance(branch, Parenthesized):
        branch = branch.inner
    of_type = _as_type(branch)
    if isinstance(branch, TypeOperation) and of_type is not None:
        branch = branch.operand
    elif isinstance(branch, FunctionCall) and of_type is not None and branch.target is not None:
        branch = branch.target
    resolves_to = _resolve_is_filter(branch)
    if resolves_to is not None:
        assert isinstance(branch, FunctionCall) and branch.target is not None
        branch = branch.target
    names: list[str] = []
    while isinstance(branch, Member):
        names.append(branch.name)
        branch = branch.target
    if not isinstance(branch, Identifier):
        return None
    if relative:
        if not branch.name[:1].islower():
            return None
        names.append(branch.name)
    elif not branch.name[:1].isupper() or (not names and of_type is not None):
        return None  # `Observation` alone is the resource itself: an empty chain
    return MemberChain(tuple(reversed(names)), of_type, resolves_to)


def _as_type(node: Node) -> str | None:
    """`X as T`, `X.as(T)` or `X.ofType(T)` → "T"."""
    if isinstance(node, TypeOperation) and node.operator == "as":
        return node.type_name
    if (
        isinstance(node, FunctionCall)
        and node.name in ("as", "ofType")
        and node.target is not None
        and len(node.args) == 1
        and isinstance(node.args[0], Identifier)
    ):
        return node.args[0].name
    return None


def _resolve_is_filter(node: Node) -> str | None:
    """`X.where(resolve() is Patient)` → "Patient"; anything else → None."""
    if not (isinstance(node, FunctionCall) and node.name == "where" and len(node.args) == 1):
        return None
    condition = node.args[0]
    if not (isinstance(condition, TypeOperation) and condition.operator == "is"):
        return None
    operand = condition.operand
    if isinstance(operand, FunctionCall) and operand.name == "resolve" and operand.target is None:
        return condition.type_name
    return None

"""Which union branches of an expression can apply to a given resource type.

Search parameters shared by many resources union one branch per type
(``AllergyIntolerance.code | Condition.code | Observation.code``); the indexer compiles only the
branches that start from the resource's type, from ``Resource``/``DomainResource``, or from no type
at all (``name | alias``).
"""

from __future__ import annotations

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

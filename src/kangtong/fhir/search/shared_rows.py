"""Parameters whose index rows are exactly other parameters' rows, found from their definitions.

R4 defines several parameters as unions or filters of others on the same type:

- `Observation.combo-code` is `code | component.code`: the rows of `code` and `component-code`;
- `Observation.combo-code-value-quantity` is `code-value-quantity | component-code-value-quantity`;
- `Patient.phonetic` is `Patient.name`, the same expression as `name`;
- `Observation.patient` is `subject.where(resolve() is Patient)`: the rows of `subject` whose
  target is a Patient.

Writing those rows again costs every write a third more index rows on an Observation (and more
B-tree pages per COMMIT) for nothing a search could not find in the originals, so such a
parameter is not indexed and its criteria read the rows it shares (ADR 0015). The rule is
derived from the expressions — plain member paths only, same parameter type, same components,
same extraction — never from a hand-kept list, so it holds for every type the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kangtong.fhir.fhirpath.branches import MemberChain
from kangtong.store.criteria import SharedRows

# What a parameter's branches are: (member path, narrowed type, resolve() filter) per branch.
Branches = frozenset[tuple[tuple[str, ...], str | None, str | None]]


class ParamView:
    """What the derivation needs to know of one parameter."""

    def __init__(
        self,
        code: str,
        key: int,
        type_: str,
        chains: list[MemberChain] | None,
        components: tuple[tuple[str, str], ...],
    ) -> None:
        self.code = code
        self.key = key
        self.type = type_
        self.branches: Branches | None = (
            None
            if chains is None or not chains
            else frozenset((c.names, c.of_type, c.resolves_to) for c in chains)
        )
        self.components = components


def shared_rows(
    params: Mapping[str, ParamView], same_extraction: Callable[[str, str], bool]
) -> dict[str, SharedRows]:
    """For each parameter of one type that shares rows, the rows it shares.

    `same_extraction(a, b)` says whether two parameters turn equal values into equal rows
    (it is False, for instance, when only one of two string parameters adds pinyin forms).
    """
    found: dict[str, SharedRows] = {}
    for code in sorted(params, key=lambda c: (_size(params[c]), c)):
        param = params[code]
        if param.branches is None:
            continue
        shared = _filtered_reference(param, params, found) or _union(
            param, params, found, same_extraction
        )
        if shared is not None:
            found[code] = shared
    return found


def _size(param: ParamView) -> int:
    return 0 if param.branches is None else len(param.branches)


def _stored_keys(
    code: str, params: Mapping[str, ParamView], found: dict[str, SharedRows]
) -> tuple[int, ...]:
    shared = found.get(code)
    return shared.keys if shared is not None else (params[code].key,)


def _filtered_reference(
    param: ParamView, params: Mapping[str, ParamView], found: dict[str, SharedRows]
) -> SharedRows | None:
    """`X.where(resolve() is T)` where another reference parameter is exactly `X`."""
    assert param.branches is not None
    if param.type != "reference":
        return None
    targets = {resolves for _names, _of, resolves in param.branches}
    if len(targets) != 1 or None in targets:
        return None
    unfiltered = frozenset((names, of_type, None) for names, of_type, _r in param.branches)
    for code, other in sorted(params.items()):
        if (
            other is not param
            and other.type == "reference"
            and other.branches == unfiltered
            and code not in found  # a plain reference, stored itself
        ):
            return SharedRows((other.key,), targets.pop())
    return None


def _union(
    param: ParamView,
    params: Mapping[str, ParamView],
    found: dict[str, SharedRows],
    same_extraction: Callable[[str, str], bool],
) -> SharedRows | None:
    """The parameter's branches are the union of smaller (or equal, earlier) parameters'."""
    assert param.branches is not None
    covering: list[str] = []
    covered: set[tuple[tuple[str, ...], str | None, str | None]] = set()
    for code, other in sorted(params.items()):
        if (
            other is param
            or other.branches is None
            or other.type != param.type
            or other.components != param.components
            or not other.branches <= param.branches
            or (other.branches == param.branches and code > param.code)
            or not same_extraction(param.code, code)
            or any(b[2] is not None for b in other.branches)  # filtered: rows are not theirs
        ):
            continue
        if found.get(code) is not None and found[code].target_type is not None:
            continue
        covering.append(code)
        covered |= other.branches
    if not covering or covered != param.branches:
        return None
    keys = sorted({key for code in covering for key in _stored_keys(code, params, found)})
    return SharedRows(tuple(keys))

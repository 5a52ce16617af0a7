"""Token parameters: codes, Codings, CodeableConcepts, Identifiers, ContactPoints, booleans."""

from __future__ import annotations

from kangtong.core.errors import Invalid
from kangtong.fhir.search.blind import BLIND_TOKEN_PARAMS
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.escape import split_unescaped
from kangtong.fhir.search.text import clip, fold
from kangtong.store.criteria import TokenCriterion
from kangtong.store.index_rows import IndexRows, TokenRow

Token = tuple[str | None, str | None, str | None]  # system, code, display text


def tokens_of(value: object, type_name: str | None) -> list[Token]:
    """The (system, code, text) triples a value contributes to a token index."""
    if isinstance(value, bool):
        return [(None, "true" if value else "false", None)]
    if isinstance(value, str):
        return [(None, value, None)]
    if isinstance(value, (int, float)):
        return [(None, str(value), None)]
    if not isinstance(value, dict):
        return []
    if (
        type_name == "CodeableConcept"
        or "coding" in value
        or (type_name is None and "text" in value and len(value) == 1)
    ):
        return _codeable_concept(value)
    if type_name == "Identifier" or (
        type_name is None and "value" in value and "code" not in value
    ):
        type_text = (
            value.get("type", {}).get("text") if isinstance(value.get("type"), dict) else None
        )
        return [(value.get("system"), value.get("value"), type_text)] if "value" in value else []
    if type_name == "ContactPoint":
        return [(None, value.get("value"), None)] if "value" in value else []
    if "code" in value or "system" in value:  # Coding, Quantity used as a token
        return [(value.get("system"), value.get("code"), value.get("display"))]
    return []


def _codeable_concept(value: dict[str, object]) -> list[Token]:
    raw_text = value.get("text")
    text = raw_text if isinstance(raw_text, str) else None
    found: list[Token] = []
    for coding in value.get("coding", []) or []:  # type: ignore[attr-defined]
        if isinstance(coding, dict):
            found.append((coding.get("system"), coding.get("code"), coding.get("display")))
    if text:  # :text matches CodeableConcept.text as well as each Coding.display
        found.append((None, None, text))
    return found


def _row(key: int, token: Token) -> TokenRow:
    system, code, text = token
    return (key, clip(system), clip(code), fold(text) if text else None)


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    seen: set[Token] = set()
    for value, type_name in values:
        for token in tokens_of(value, type_name):
            if token not in seen and (token[0] or token[1] or token[2]):
                seen.add(token)
                rows.token.append(_row(param.key, token))


def parse_token(value: str) -> tuple[str | None, str | None, bool]:
    """`system|code`, `|code`, `system|`, `code` → (system, code, any_system)."""
    parts = split_unescaped(value, "|")
    if len(parts) == 1:
        return None, parts[0], True
    if len(parts) != 2:
        raise Invalid(f"'{value}' is not a valid token: use [system]|[code]")
    system, code = parts
    return system, (code or None), False


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> TokenCriterion:
    if modifier == "text":
        return TokenCriterion(param.stored, text=fold(value))
    if modifier not in (None, "not"):
        raise Invalid(
            f"The modifier :{modifier} is not supported on the token parameter {param.code}"
        )
    system, code, any_system = parse_token(value)
    blind: tuple[str, ...] = ()
    if code and ctx.blind_tokens is not None and param.code in BLIND_TOKEN_PARAMS:
        blind = tuple(ctx.blind_tokens(param.code, code))  # sealed resources store these
    return TokenCriterion(
        param.stored, code=code, system=system, any_system=any_system,
        negate=modifier == "not", blind=blind,
    )  # fmt: skip

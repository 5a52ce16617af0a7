"""`CodeSystem/$lookup` and `CodeSystem/$validate-code` answered from a CodeSystemIndex."""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.core.errors import Invalid, NotFound
from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.code_system_index import CodeSystemIndex
from kangtong.terminology.concepts import Concept
from kangtong.terminology.parameters import OperationInput, parameters, parts, value


@dataclass(frozen=True)
class CodeInput:
    """A code named by `code`+`system`(+`version`) or by a `coding` (FHIR R4 $lookup inputs)."""

    system: str | None
    code: str
    version: str | None = None
    display: str | None = None


def code_input(given: OperationInput, *, system_param: str = "system") -> CodeInput:
    coding = given.mapping("coding")
    code = given.text("code")
    if coding is not None and code is not None:
        raise Invalid("Give either code (with system) or coding, not both")
    if coding is not None:
        if not coding.get("code"):
            raise Invalid("The coding has no code")
        return CodeInput(
            coding.get("system"), str(coding["code"]), coding.get("version"), coding.get("display")
        )
    if not code:
        raise Invalid("The operation needs a code (with its system) or a coding")
    return CodeInput(given.text(system_param), code, given.text("version"), given.text("display"))


def lookup_parameters(cs: CodeSystemIndex, code: str, wanted: list[str]) -> JsonObject:
    """$lookup output: name, version, display, designations and properties of `code`."""
    concept = cs.get(code)
    if concept is None:
        raise NotFound(f"The code '{code}' is not in the code system {cs.url}")
    return parameters(
        value("name", "valueString", cs.name),
        value("version", "valueString", cs.version),
        value("display", "valueString", concept.display or concept.code),
        value("definition", "valueString", concept.definition),
        *(_designation(d.value, d.language, d.use) for d in concept.designations),
        *_properties(cs, concept, wanted),
    )


def _designation(text: str, language: str | None, use: JsonObject | None) -> JsonObject:
    return parts(
        "designation",
        value("language", "valueCode", language),
        value("use", "valueCoding", use),
        value("value", "valueString", text),
    )


def _properties(cs: CodeSystemIndex, concept: Concept, wanted: list[str]) -> list[JsonObject]:
    chosen = set(wanted)
    items: list[tuple[str, str, object]] = [("parent", "valueCode", p) for p in concept.parents]
    items += [("child", "valueCode", c) for c in cs.children.get(concept.code, ())]
    items += [(p.code, p.value_key, p.value) for p in concept.properties]
    items.append(("inactive", "valueBoolean", not concept.active))
    return [
        parts("property", value("code", "valueCode", code), value("value", key, content))
        for code, key, content in items
        if not chosen or code in chosen
    ]


def validate_in_code_system(cs: CodeSystemIndex, given: CodeInput) -> JsonObject:
    """$validate-code against a whole code system: is the code there, and is the display right?"""
    if given.system and given.system != cs.url:
        return _verdict(False, f"The code system {given.system} is not {cs.url}", None)
    concept = cs.get(given.code)
    if concept is None:
        return _verdict(False, f"The code '{given.code}' is not in {cs.url}", None)
    return check_display(concept, given.display, cs.url)


def check_display(concept: Concept, display: str | None, system: str) -> JsonObject:
    """A valid code with a display that is not one of its names is reported as invalid."""
    names = {concept.display, *(d.value for d in concept.designations)}
    if display and display not in names:
        message = (
            f"The display '{display}' is not a name of {system}#{concept.code}; "
            f"expected '{concept.display}'"
        )
        return _verdict(False, message, concept.display)
    if not concept.active:
        return _verdict(True, f"The code '{concept.code}' is inactive", concept.display)
    return _verdict(True, None, concept.display)


def _verdict(result: bool, message: str | None, display: str | None) -> JsonObject:
    return parameters(
        value("result", "valueBoolean", result),
        value("message", "valueString", message),
        value("display", "valueString", display),
    )


def verdict(result: bool, message: str | None, display: str | None = None) -> JsonObject:
    return _verdict(result, message, display)

"""The terminology service (术语服务): FHIR terminology operations over stored resources.

Every CodeSystem, ValueSet and ConceptMap is an ordinary resource written through the resource
service (versioned, searchable, evented); this service reads them into in-memory indexes and
answers `$lookup`, `$validate-code`, `$expand` and `$translate` from those.
"""

from __future__ import annotations

import uuid
from typing import Literal

from kangtong.core.clock import format_instant
from kangtong.core.errors import Gone, Invalid, NotFound
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.terminology.code_system_index import CodeSystemIndex, StoredVersion
from kangtong.terminology.expansion import Expander, ExpandRequest
from kangtong.terminology.lookup import (
    CodeInput,
    check_display,
    code_input,
    lookup_parameters,
    validate_in_code_system,
    verdict,
)
from kangtong.terminology.membership import ValueSetMembership
from kangtong.terminology.parameters import OperationInput
from kangtong.terminology.rendering import expanded_value_set
from kangtong.terminology.resolver import CanonicalCache, require
from kangtong.terminology.translate import (
    ConceptMapIndex,
    Mapping,
    TranslateRequest,
    translation,
)

SaveResult = Literal["created", "updated", "unchanged"]


def _keep_json(resource: JsonObject, _stored: StoredVersion) -> JsonObject:
    return resource


class TerminologyService:
    def __init__(self, resources: ResourceService, *, max_expansion: int = 10_000) -> None:
        self.resources = resources
        self.max_expansion = max_expansion
        self.code_systems = CanonicalCache(resources, "CodeSystem", CodeSystemIndex)
        self.value_sets = CanonicalCache(resources, "ValueSet", _keep_json)
        self.concept_maps = CanonicalCache(resources, "ConceptMap", ConceptMapIndex)

    # -- CodeSystem ------------------------------------------------------------------------
    def code_system(
        self, ctx: AccessContext, url: str, version: str | None = None
    ) -> CodeSystemIndex:
        self._authorize(ctx, "CodeSystem")
        return require(self.code_systems.by_url(ctx, url, version), f"The code system {url}")

    def lookup(self, ctx: AccessContext, given: OperationInput) -> JsonObject:
        code = code_input(given)
        if not code.system:
            raise Invalid("$lookup needs the system of the code")
        cs = self.code_system(ctx, code.system, code.version)
        return lookup_parameters(cs, code.code, given.texts("property"))

    def validate_in_code_system(
        self, ctx: AccessContext, given: OperationInput, code_system_id: str | None = None
    ) -> JsonObject:
        code = code_input(given, system_param="url")
        if code_system_id is not None:
            cs = self.code_systems.by_id(ctx, code_system_id)
        elif code.system:
            cs = self.code_system(ctx, code.system, code.version)
        else:
            raise Invalid("$validate-code needs the code system (url, or a coding with system)")
        return validate_in_code_system(cs, code)

    # -- ValueSet ----------------------------------------------------------------------------
    def value_set(
        self, ctx: AccessContext, given: OperationInput, value_set_id: str | None = None
    ) -> JsonObject:
        """The value set an operation is about: the instance, a `valueSet` body, or `url`."""
        self._authorize(ctx, "ValueSet")
        if value_set_id is not None:
            return self.value_sets.by_id(ctx, value_set_id)
        inline = given.mapping("valueSet")
        if inline is not None:
            return inline
        url = given.text("url")
        if not url:
            raise Invalid("Name the value set: url, a valueSet resource, or ValueSet/{id}/$…")
        canonical, _, version = url.partition("|")
        version = version or given.text("valueSetVersion") or ""
        found = self.value_sets.by_url(ctx, canonical, version or None)
        return require(found, f"The value set {url}")

    def expand(
        self, ctx: AccessContext, given: OperationInput, value_set_id: str | None = None
    ) -> JsonObject:
        value_set = self.value_set(ctx, given, value_set_id)
        request = ExpandRequest(
            filter=given.text("filter") or "",
            offset=given.number("offset") or 0,
            count=given.number("count"),
            active_only=bool(given.flag("activeOnly")),
            include_designations=bool(given.flag("includeDesignations")),
            max_size=self.max_expansion,
        )
        expansion = self._expander(ctx).expand(value_set, request)
        moment = format_instant(self.resources.clock.now())
        return expanded_value_set(value_set, expansion, request, f"urn:uuid:{uuid.uuid4()}", moment)

    def validate_code(
        self, ctx: AccessContext, given: OperationInput, value_set_id: str | None = None
    ) -> JsonObject:
        value_set = self.value_set(ctx, given, value_set_id)
        membership = self._membership(ctx)
        concept = given.mapping("codeableConcept")
        if concept is not None:
            codings = [_coding_input(c) for c in concept.get("coding") or []]
        else:
            codings = [code_input(given)]
        if not codings:
            raise Invalid("The codeableConcept has no coding")
        answers = [self._validate_one(membership, value_set, c) for c in codings]
        good = [a for a in answers if _result_of(a)]
        return good[0] if good else answers[0]

    def _validate_one(
        self, membership: ValueSetMembership, value_set: JsonObject, given: CodeInput
    ) -> JsonObject:
        system = given.system
        if not system:
            systems = membership.systems(value_set)
            if len(systems) != 1:
                raise Invalid("The code needs a system: the value set draws on several")
            system = systems.pop()
        found = membership.find(value_set, system, given.code)
        name = value_set.get("url") or value_set.get("id") or "the value set"
        if found is None:
            return verdict(False, f"The code {system}#{given.code} is not in {name}")
        if found.concept is not None:
            return check_display(found.concept, given.display, system)
        if given.display and found.display and given.display != found.display:
            return verdict(False, f"The display should be '{found.display}'", found.display)
        return verdict(True, None, found.display or None)

    # -- ConceptMap ----------------------------------------------------------------------------
    def translate(
        self, ctx: AccessContext, given: OperationInput, concept_map_id: str | None = None
    ) -> JsonObject:
        self._authorize(ctx, "ConceptMap")
        concept = given.mapping("codeableConcept")
        codings = (
            [_coding_input(c) for c in concept.get("coding") or []]
            if concept is not None
            else [code_input(given)]
        )
        maps = self._concept_maps(ctx, given, concept_map_id)
        found: list[Mapping] = []
        for coding in codings:
            if not coding.system:
                raise Invalid("$translate needs the system of the code")
            request = TranslateRequest(
                coding.system,
                coding.code,
                target_system=given.text("targetsystem"),
                source_value_set=given.text("source"),
                target_value_set=given.text("target"),
                reverse=bool(given.flag("reverse")),
            )
            for concept_map in maps:
                if concept_map_id is not None or concept_map.applies(request):
                    found.extend(concept_map.translate(request))
        return translation(found)

    def _concept_maps(
        self, ctx: AccessContext, given: OperationInput, concept_map_id: str | None
    ) -> list[ConceptMapIndex]:
        if concept_map_id is not None:
            return [self.concept_maps.by_id(ctx, concept_map_id)]
        inline = given.mapping("conceptMap")
        if inline is not None:
            return [ConceptMapIndex(inline, StoredVersion("", 0))]
        url = given.text("url")
        if url:
            found = self.concept_maps.by_url(ctx, url, given.text("conceptMapVersion"))
            return [require(found, f"The concept map {url}")]
        return self.concept_maps.every(ctx)

    # -- writing ------------------------------------------------------------------------------
    def save(self, ctx: AccessContext, resource: JsonObject) -> SaveResult:
        """Store a terminology resource under its id; an identical resource is left as it is."""
        res_type, res_id = str(resource["resourceType"]), str(resource["id"])
        try:
            stored = self.resources.read(ctx, res_type, res_id)
            current = parse_fhir_json(stored.content) if stored.content else None
        except (NotFound, Gone):
            current = None
        if current is not None:
            current.pop("meta", None)
            if current == {k: v for k, v in resource.items() if k != "meta"}:
                return "unchanged"
        outcome = self.resources.update(ctx, res_type, res_id, resource)
        return "created" if outcome.status == 201 else "updated"

    # -- wiring -------------------------------------------------------------------------------
    def _expander(self, ctx: AccessContext) -> Expander:
        return Expander(
            lambda url, version: self.code_systems.by_url(ctx, url, version),
            lambda url, version: self.value_sets.by_url(ctx, url, version),
        )

    def _membership(self, ctx: AccessContext) -> ValueSetMembership:
        return ValueSetMembership(
            lambda url, version: self.code_systems.by_url(ctx, url, version),
            lambda url, version: self.value_sets.by_url(ctx, url, version),
        )

    def _authorize(self, ctx: AccessContext, res_type: str) -> None:
        self.resources.authorize(ctx, "operation", res_type, None)


def _coding_input(coding: JsonObject) -> CodeInput:
    if not coding.get("code"):
        raise Invalid("A coding has no code")
    return CodeInput(
        coding.get("system"), str(coding["code"]), coding.get("version"), coding.get("display")
    )


def _result_of(answer: JsonObject) -> bool:
    return any(
        p.get("name") == "result" and p.get("valueBoolean") is True
        for p in answer.get("parameter") or []
    )

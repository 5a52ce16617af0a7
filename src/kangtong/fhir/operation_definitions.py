"""Which operations the server serves, and the OperationDefinition each one follows.

The web layer finds the operations on its routes (`ServedOperation`: a path with a `$name`
segment); this module says where each is declared in the CapabilityStatement and which
definition it names. Standard operations name the official HL7 or IHE definition; kangtong's
own are named under the region's canonical base (ADR 0020), so an operation added to a router
is declared without anyone keeping a list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from kangtong.core.canonical import canonical

HL7 = "http://hl7.org/fhir/OperationDefinition/"
ANY_TYPE = "*"  # a route for every resource type, e.g. /fhir/{type}/$validate

# (resource type or ANY_TYPE, operation name) → the definition the operation implements.
OFFICIAL: dict[tuple[str, str], str] = {
    (ANY_TYPE, "validate"): HL7 + "Resource-validate",
    ("Patient", "everything"): HL7 + "Patient-everything",
    ("Encounter", "everything"): HL7 + "Encounter-everything",
    ("Patient", "match"): HL7 + "Patient-match",  # PDQm ITI-119 uses the base $match
    ("Patient", "ihe-pix"): "https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix",
    ("CodeSystem", "lookup"): HL7 + "CodeSystem-lookup",
    ("CodeSystem", "validate-code"): HL7 + "CodeSystem-validate-code",
    ("CodeSystem", "subsumes"): HL7 + "CodeSystem-subsumes",
    ("ValueSet", "expand"): HL7 + "ValueSet-expand",
    ("ValueSet", "validate-code"): HL7 + "ValueSet-validate-code",
    ("ConceptMap", "translate"): HL7 + "ConceptMap-translate",
}


@dataclass(frozen=True, slots=True)
class ServedOperation:
    """One route of an operation: its methods and its path below the FHIR base.

    `path` is as routed, e.g. `/ValueSet/{res_id}/$expand` or `/mpi/reviews/{review_id}/$accept`.
    """

    path: str
    methods: tuple[str, ...]

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    @property
    def name(self) -> str:
        return next(s for s in reversed(self.segments) if s.startswith("$"))[1:]

    def path_for(self, resource_type: str) -> str:
        """The path with a `{type}` placeholder filled in (`/Patient/{res_id}/$everything`)."""
        segments = self.segments
        if segments[0].startswith("{"):
            segments[0] = resource_type
        return "/" + "/".join(segments)

    @property
    def target(self) -> str | None:
        """The first segment when it is not the operation itself (`[base]/$op` has none)."""
        first = self.segments[0]
        return None if first.startswith("$") else first


@dataclass(frozen=True, slots=True)
class DeclaredOperation:
    """An entry of `rest.operation` (resource_type None) or of `rest.resource.operation`."""

    name: str
    definition: str
    resource_type: str | None
    routes: tuple[str, ...]  # "GET, POST [base]/ValueSet/$expand"

    def entry(self) -> dict[str, str]:
        return {
            "name": self.name,
            "definition": self.definition,
            "documentation": "; ".join(self.routes),
        }


def declared_operations(
    served: Iterable[ServedOperation], resource_types: Collection[str]
) -> list[DeclaredOperation]:
    """Each served operation once per place it is declared, with its definition and routes."""
    found: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for operation in served:
        for resource_type, definition in _places(operation, resource_types):
            paths = found.setdefault((resource_type or "", operation.name, definition), {})
            shown = operation.path_for(resource_type) if resource_type else operation.path
            paths.setdefault(shown, set()).update(operation.methods)
    return [
        DeclaredOperation(
            name,
            definition,
            resource_type or None,
            tuple(f"{', '.join(sorted(m))} [base]{path}" for path, m in sorted(paths.items())),
        )
        for (resource_type, name, definition), paths in sorted(found.items())
    ]


def _places(
    operation: ServedOperation, resource_types: Collection[str]
) -> list[tuple[str | None, str]]:
    """(resource type or None for `rest.operation`, definition) where `operation` is declared."""
    name, target = operation.name, operation.target
    if target is not None and target.startswith("{"):  # served for any resource type
        if (ANY_TYPE, name) in OFFICIAL:
            return [(None, OFFICIAL[ANY_TYPE, name])]
        typed = [(t, url) for (t, n), url in OFFICIAL.items() if n == name and t != ANY_TYPE]
        return sorted(typed) or [(None, canonical(f"OperationDefinition/Resource-{name}"))]
    if target is not None and target in resource_types:
        official = OFFICIAL.get((target, name))
        return [(target, official or canonical(f"OperationDefinition/{target}-{name}"))]
    # A system-level operation, or one on a path of kangtong's own (/fhir/mpi/reviews/{id}/$accept).
    words = [s.lstrip("$") for s in operation.segments if not s.startswith("{")]
    return [(None, canonical(f"OperationDefinition/{'-'.join(words)}"))]

"""The one place where kangtong's services are constructed and connected (no global state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kangtong.core import canonical
from kangtong.core.clock import Clock, MonotonicClock, SystemClock
from kangtong.core.config import Settings
from kangtong.core.errors import Issue
from kangtong.fhir.bundles import BundleProcessor, OutcomeRenderer
from kangtong.fhir.events import OutboxDispatcher
from kangtong.fhir.identifier_flags import IdentifierFlags
from kangtong.fhir.lookup import PlatformSearch
from kangtong.fhir.model import ResourceValidator, StructureModel
from kangtong.fhir.outcome import operation_outcome
from kangtong.fhir.search.definitions import SearchParamRegistry
from kangtong.fhir.search.indexer import ResourceIndexer
from kangtong.fhir.search.params.context import SearchContext
from kangtong.fhir.search.parser import SearchParser
from kangtong.fhir.service import ResourceService
from kangtong.mpi.service import INGEST_SUBSCRIBER, INGEST_TOPICS, MpiService
from kangtong.registry.registries import Registries, registry_rules
from kangtong.security.answers import RecentAnswers
from kangtong.security.care_events import CareWriteEvents
from kangtong.security.consent_evidence import ConsentEvidence, StoredResources
from kangtong.security.consent_writes import ConsentTrust
from kangtong.security.consents import FhirConsents
from kangtong.security.decision import AccessDecider
from kangtong.security.export import build_exports
from kangtong.security.export.workflow import ExportService
from kangtong.security.labels import LabellingIndexer
from kangtong.security.policy import SecurityPolicy, StoredOwnership
from kangtong.security.record_gate import RecordGate
from kangtong.security.relationships import FhirCareRelationships
from kangtong.security.sealing import ResourceSealer
from kangtong.security.sensitivity import SensitivityClassifier
from kangtong.security.services import SecurityServices, build_security
from kangtong.security.sessions import WebSessions
from kangtong.security.visibility import VisibilityBuilder, compartment_params
from kangtong.store.database import Database, open_configured
from kangtong.store.platform_facts import require_canonical_base
from kangtong.terminology.sensitive_codes import SensitiveCodes
from kangtong.terminology.service import TerminologyService


@dataclass
class Platform:
    settings: Settings
    db: Database
    model: StructureModel
    registry: SearchParamRegistry
    service: ResourceService
    bundles: BundleProcessor
    validator: ResourceValidator
    events: OutboxDispatcher
    registries: Registries
    terminology: TerminologyService
    security: SecurityServices
    exports: ExportService
    web_sessions: WebSessions
    mpi: MpiService
    classify: SensitivityClassifier  # the sensitive categories of a resource (labels, reads)

    def close(self) -> None:
        self.events.stop()
        self.security.audit_sink.close()  # commits the queued read/search audit events
        self.db.dispose()


def element_keys(model: StructureModel, resource_type: str, name: str) -> frozenset[str]:
    """JSON keys of element `name` (or choice `name[x]`) of `resource_type`; empty if unknown."""
    type_def = model.types.get(resource_type)
    if type_def is None:
        return frozenset()
    for element in type_def.elements:
        if element.name in (name, f"{name}[x]"):
            return frozenset(element.json_keys)
    if name in ("id", "meta", "implicitRules", "language", "text", "contained", "extension"):
        return frozenset({name})
    return frozenset()


def typed_element_keys(model: StructureModel, parent_type: str, name: str) -> list[tuple[str, str]]:
    """[(json key, FHIR type)] of element `name` of `parent_type` (a choice gives several)."""
    return [
        (key, model.element_type(parent_type, key) or "")
        for key in element_keys(model, parent_type, name)
    ]


def validation_issues(validator: ResourceValidator, resource: Mapping[str, Any]) -> Sequence[Issue]:
    return [Issue(i.severity, i.code, i.message, i.path) for i in validator.validate(resource)]


def build_platform(
    settings: Settings,
    *,
    clock: Clock | None = None,
    render_outcome: OutcomeRenderer | None = None,
    database: Database | None = None,
) -> Platform:
    """Construct the services for `settings`; the database is opened, not migrated."""
    db = database or open_configured(settings)
    require_canonical_base(db, canonical.BASE)
    clock = clock or MonotonicClock(SystemClock())
    model = StructureModel.load()
    registry = SearchParamRegistry.load(type_model=model)
    security = build_security(settings, db, clock)
    sealer = ResourceSealer(security.keys)  # sensitive records sealed at rest (ADR 0026)
    ctx = SearchContext(
        zone=ZoneInfo(settings.timezone),
        base_url=settings.base_url,
        blind_tokens=sealer.blind_tokens,
    )
    indexer = ResourceIndexer(
        registry,
        ctx,
        element_keys=lambda t, n: element_keys(model, t, n),
        element_lookup=lambda t, n: typed_element_keys(model, t, n),
    )
    parser = SearchParser(
        registry, ctx, default_count=settings.default_page_size, max_count=settings.max_page_size
    )
    validator = ResourceValidator(model)
    lookups = PlatformSearch(db, parser, sealer)
    # What codes mean (SNOMED CT HIV, a LOINC viral load …) decides both the labels written
    # and every read decision: one classifier for the two.
    classify = SensitivityClassifier(SensitiveCodes(lookups, clock))
    zone = ZoneInfo(settings.timezone)  # a birth date after today here is impossible
    service = ResourceService(
        db,
        indexer=LabellingIndexer(indexer, classify, sealer),
        policy=security_policy(lookups, security, registry, clock, classify),
        audit=security.audit_sink,
        sealing=sealer,
        parser=parser,
        clock=clock,
        is_resource_type=model.is_resource_type,
        check=(lambda r: validation_issues(validator, r)) if settings.validate_resources else None,
        default_district=settings.default_district,
        rules=registry_rules(),
        flags=IdentifierFlags(lambda: clock.now().astimezone(zone).date()),
    )
    renderer = render_outcome or _plain_outcome
    bundles = BundleProcessor(service, renderer)
    events = OutboxDispatcher(db)
    mpi = MpiService(service, ZoneInfo(settings.timezone))
    events.subscribe(INGEST_SUBSCRIBER, mpi.handle_events, INGEST_TOPICS)
    return Platform(
        settings,
        db,
        model,
        registry,
        service,
        bundles,
        validator,
        events,
        registries=Registries.over(service, ZoneInfo(settings.timezone)),
        terminology=TerminologyService(service),
        security=security,
        exports=build_exports(db, clock, service, security.audit, settings.security_key_dir),
        web_sessions=WebSessions(db, clock, security.accounts, security.audit),
        mpi=mpi,
        classify=classify,
    )


def security_policy(
    lookups: PlatformSearch,
    security: SecurityServices,
    registry: SearchParamRegistry,
    clock: Clock,
    classify: SensitivityClassifier,
) -> SecurityPolicy:
    """The access policy, its care and consent questions answered by the platform's searches."""
    care = FhirCareRelationships(lookups, RecentAnswers(clock))
    trust = ConsentTrust(
        ConsentEvidence(StoredResources(lookups.db, lookups.repository)), care.seen_at
    )
    consents = FhirConsents(lookups, RecentAnswers(clock), trust)
    visibility = VisibilityBuilder(
        care, consents, security.break_glass, compartment_params(registry), RecentAnswers(clock)
    )
    decider = AccessDecider(care, consents, security.break_glass)
    ownership = StoredOwnership(lookups.db, lookups.repository)
    return SecurityPolicy(
        decider,
        ownership,
        visibility,
        classify=classify,
        care_events=CareWriteEvents(care, ownership),
        gate=RecordGate(trust, care.seen_at, care.holds_record),
    )


def _plain_outcome(exc: Exception) -> dict[str, Any]:
    return operation_outcome(exc)

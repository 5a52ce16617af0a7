"""De-identified export (脱敏导出) with an approval workflow: request → approve → download once."""

from __future__ import annotations

from pathlib import Path

from kangtong.core.clock import Clock
from kangtong.fhir.service import ResourceService
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.export.pseudonyms import pseudonym_key
from kangtong.security.export.runner import ExportRunner
from kangtong.security.export.workflow import ExportService
from kangtong.store.database import Database


def build_exports(
    db: Database, clock: Clock, service: ResourceService, audit: AuditTrail, key_dir: str
) -> ExportService:
    """The export service; the pseudonym key file is read (or created) on first export."""
    folder = Path(key_dir)
    return ExportService(db, clock, audit, ExportRunner(service), lambda: pseudonym_key(folder))

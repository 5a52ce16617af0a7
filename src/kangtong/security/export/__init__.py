"""De-identified export (脱敏导出) with an approval workflow: request → approve → download once."""

from __future__ import annotations

from pathlib import Path

from kangtong.core.clock import Clock
from kangtong.fhir.service import ResourceService
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.crypto.sm2 import Sm2Signer
from kangtong.security.export.pseudonyms import pseudonym_key
from kangtong.security.export.runner import ExportRunner
from kangtong.security.export.workflow import ExportService
from kangtong.security.keys import KeyFiles
from kangtong.store.database import Database


def build_exports(
    db: Database, clock: Clock, service: ResourceService, audit: AuditTrail, key_dir: str
) -> ExportService:
    """The export service; the pseudonym and SM2 key files are read (or created) on first use."""
    folder = Path(key_dir)
    keys = KeyFiles(folder)
    return ExportService(
        db, clock, audit, ExportRunner(service), lambda: pseudonym_key(folder),
        signer=lambda: Sm2Signer(keys.sm2_keys()),
    )  # fmt: skip

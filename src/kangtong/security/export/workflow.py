"""The export approval workflow (审批): request → approval by another person → one download.

- Request: a FHIR search, a purpose and k (default 5), by a role that may ask for exports.
- Approve: by a *different* person holding an approver role; issues a one-time download token
  (shown once, stored as SHA-256) valid for `token_ttl`.
- Download: by the requester, with the token, once; the search runs then, as the requester,
  through the resource service, and the result is de-identified with small cells suppressed.
  A second download (or an expired token) is `Gone`.
Every step, refused ones included, is written to the audit chain (DCM 110106 Export).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

from kangtong.core.clock import Clock, epoch_us
from kangtong.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from kangtong.fhir.access import AccessContext
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.crypto.sm2 import Sm2Signer
from kangtong.security.export.deidentify import BirthGeneralisation, Deidentifier
from kangtong.security.export.pseudonyms import Pseudonymiser
from kangtong.security.export.runner import ExportResult, ExportRunner, parse_query
from kangtong.security.export.signature import signed_export_manifest
from kangtong.security.secret_digest import secret_digest
from kangtong.store.database import Database
from kangtong.store.export_requests import ExportRequestRow, ExportRequestStore

REQUESTER_ROLES = frozenset({"public-health-officer", "manager", "clinician"})
APPROVER_ROLES = frozenset({"manager"})  # 数据管理: release is a manager's decision
DEFAULT_K = 5
RESEARCH_PURPOSE = "HRESCH"  # v3 ActReason: healthcare research


@dataclass(frozen=True)
class NewExport:
    query: str
    purpose: str
    k: int = DEFAULT_K
    birth: BirthGeneralisation = "year"


@dataclass(frozen=True)
class Approval:
    request: ExportRequestRow
    download_token: str  # shown once


@dataclass(frozen=True)
class Download:
    request_id: str
    result: ExportResult
    signature: bytes  # FILE.sig.json: the SM2-signed manifest of `result.ndjson`


class ExportService:
    def __init__(
        self, db: Database, clock: Clock, audit: AuditTrail, runner: ExportRunner,
        pseudonym_key: Callable[[], bytes], signer: Callable[[], Sm2Signer],
        token_ttl: timedelta = timedelta(hours=24),
    ) -> None:  # fmt: skip
        self._db = db
        self._clock = clock
        self._audit = audit
        self._runner = runner
        self._key = pseudonym_key
        self._signer = signer
        self._ttl_us = int(token_ttl.total_seconds() * 1_000_000)
        self._store = ExportRequestStore()

    def request(self, ctx: AccessContext, new: NewExport) -> ExportRequestRow:
        res_type = self._checked(ctx, new)
        row = ExportRequestRow(
            id=str(uuid.uuid4()), requester=ctx.principal, requester_roles=tuple(sorted(ctx.roles)),
            requester_scopes=tuple(sorted(ctx.scopes)),
            organization=ctx.organization, district=ctx.district, query=new.query.strip(),
            purpose=new.purpose.strip(), k=new.k, birth=new.birth, status="requested",
            created=epoch_us(self._clock.now()),
        )  # fmt: skip
        with self._db.write() as conn:
            self._store.insert(conn, row)
        self._record(ctx, "request", "success", row.id, res_type)
        return row

    def _checked(self, ctx: AccessContext, new: NewExport) -> str:
        if not REQUESTER_ROLES & ctx.roles:
            self._record(ctx, "request", "denied", None, None)
            raise Forbidden(f"Exports are requested by {', '.join(sorted(REQUESTER_ROLES))}")
        if len(new.purpose.strip()) < 10:
            raise Invalid("State the purpose of the export (at least 10 characters)")
        if not 2 <= new.k <= 100:
            raise Invalid("k (the smallest cell released) must be between 2 and 100")
        if new.birth not in get_args(BirthGeneralisation):
            raise Invalid("birth generalisation is 'year' or 'band5'")
        return parse_query(new.query)[0]

    def approve(self, ctx: AccessContext, request_id: str) -> Approval:
        found = self.get(request_id)
        if not APPROVER_ROLES & ctx.roles or ctx.principal == found.requester:
            self._record(ctx, "approve", "denied", request_id, None)
            raise Forbidden(
                "An export is approved by another person with role "
                + " or ".join(sorted(APPROVER_ROLES))
            )
        token = secrets.token_urlsafe(32)
        now = epoch_us(self._clock.now())
        with self._db.write() as conn:
            approved = self._store.approve(
                conn, request_id, ctx.principal, now, secret_digest(token), now + self._ttl_us
            )
        if not approved:
            raise Conflict(f"Export request {request_id} is {found.status}, not awaiting approval")
        self._record(ctx, "approve", "success", request_id, None)
        return Approval(self.get(request_id), token)

    def download(self, ctx: AccessContext, request_id: str, token: str) -> Download:
        """Run the export once; the token is spent only when the result is handed over."""
        found = self.get(request_id)
        if ctx.principal != found.requester:
            self._record(ctx, "download", "denied", request_id, None)
            raise Forbidden("Only the person who requested an export downloads it")
        now = epoch_us(self._clock.now())
        usable = found.status == "approved" and found.token_hash == secret_digest(token)
        if not usable or (found.token_expires or 0) <= now:
            self._record(ctx, "download", "denied", request_id, None)
            if found.status == "requested":
                raise Forbidden("The export has not been approved")
            raise Gone("This export link has been used, has expired or is not valid")
        result = self._run(found)
        with self._db.write() as conn:
            if not self._store.claim_download(conn, request_id, secret_digest(token), now):
                raise Gone("This export link has been used")
            self._store.record_counts(conn, request_id, result.exported, result.withheld_records)
        self._record(ctx, "download", "success", request_id, parse_query(found.query)[0],
                     (("exported", str(result.exported)),
                      ("withheld", str(result.withheld_records))))  # fmt: skip
        created = self._clock.now().isoformat()
        signature = signed_export_manifest(result.ndjson, request_id, created, self._signer())
        return Download(request_id, result, signature)

    def _run(self, found: ExportRequestRow) -> ExportResult:
        ctx = AccessContext(
            principal=found.requester, organization=found.organization, district=found.district,
            roles=frozenset(found.requester_roles),
            scopes=frozenset(found.requester_scopes), purpose=RESEARCH_PURPOSE,
        )  # fmt: skip
        birth: BirthGeneralisation = "band5" if found.birth == "band5" else "year"
        deid = Deidentifier(Pseudonymiser(self._key(), found.id), birth)
        return self._runner.run(ctx, found.query, deid, found.k)

    def get(self, request_id: str) -> ExportRequestRow:
        with self._db.read() as conn:
            found = self._store.get(conn, request_id)
        if found is None:
            raise NotFound(f"Export request {request_id} is unknown")
        return found

    def visible_to(self, ctx: AccessContext, limit: int = 100) -> list[ExportRequestRow]:
        """Recent requests: approvers see all of them, everyone else their own."""
        with self._db.read() as conn:
            rows = self._store.recent(conn, limit)
        if APPROVER_ROLES & ctx.roles:
            return rows
        return [r for r in rows if r.requester == ctx.principal]

    def _record(
        self, ctx: AccessContext, step: str, outcome: str, request_id: str | None,
        res_type: str | None, extra: tuple[tuple[str, str], ...] = (),
    ) -> None:  # fmt: skip
        details = (
            (("export-step", step),)
            + ((("export-request", request_id),) if request_id else ())
            + extra
        )
        facts = AuditFacts(
            "export", outcome, ctx.principal, self._clock.now(), organization=ctx.organization,
            roles=ctx.roles, resource_type=res_type, purpose=RESEARCH_PURPOSE, details=details,
        )  # fmt: skip
        self._audit.append("export", outcome, build_audit_event(facts))

"""SQL for export requests (the only place that reads `sec_export_request`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, insert, select, update

from kangtong.store.export_tables import export_request


@dataclass(frozen=True)
class ExportRequestRow:
    id: str
    requester: str
    requester_roles: tuple[str, ...]
    requester_scopes: tuple[str, ...]
    organization: str | None
    district: str | None
    query: str
    purpose: str
    k: int
    birth: str
    status: str
    created: int
    approver: str | None = None
    decided: int | None = None
    token_hash: str | None = None
    token_expires: int | None = None
    downloaded: int | None = None
    exported: int | None = None
    suppressed: int | None = None


def _row(row: RowMapping) -> ExportRequestRow:
    values = dict(row)
    values["requester_roles"] = tuple(str(values["requester_roles"]).split())
    values["requester_scopes"] = tuple(str(values["requester_scopes"]).split())
    return ExportRequestRow(**values)


class ExportRequestStore:
    def insert(self, conn: Connection, row: ExportRequestRow) -> None:
        values = {
            **row.__dict__,
            "requester_roles": " ".join(row.requester_roles),
            "requester_scopes": " ".join(row.requester_scopes),
        }
        conn.execute(insert(export_request).values(**values))

    def get(self, conn: Connection, request_id: str) -> ExportRequestRow | None:
        found = conn.execute(select(export_request).where(export_request.c.id == request_id))
        row = found.mappings().first()
        return _row(row) if row is not None else None

    def approve(
        self,
        conn: Connection,
        request_id: str,
        approver: str,
        at: int,
        token_hash: str,
        token_expires: int,
    ) -> bool:
        """Move a `requested` request to `approved`; False if it was not `requested` any more."""
        done = conn.execute(
            update(export_request)
            .where(export_request.c.id == request_id, export_request.c.status == "requested")
            .values(status="approved", approver=approver, decided=at, token_hash=token_hash,
                    token_expires=token_expires)
        )  # fmt: skip
        return done.rowcount == 1

    def claim_download(self, conn: Connection, request_id: str, token_hash: str, at: int) -> bool:
        """Mark an approved request downloaded, once: False if it was used (or the token differs)."""
        done = conn.execute(
            update(export_request)
            .where(
                export_request.c.id == request_id,
                export_request.c.status == "approved",
                export_request.c.token_hash == token_hash,
                export_request.c.token_expires > at,
            )
            .values(status="downloaded", downloaded=at, token_hash=None)
        )
        return done.rowcount == 1

    def record_counts(
        self, conn: Connection, request_id: str, exported: int, suppressed: int
    ) -> None:
        conn.execute(
            update(export_request)
            .where(export_request.c.id == request_id)
            .values(exported=exported, suppressed=suppressed)
        )

    def recent(self, conn: Connection, limit: int = 100) -> list[ExportRequestRow]:
        rows = conn.execute(
            select(export_request).order_by(export_request.c.created.desc()).limit(limit)
        )
        return [_row(r) for r in rows.mappings()]

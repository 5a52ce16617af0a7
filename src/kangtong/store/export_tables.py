"""Tables of export requests (脱敏导出审批) and web sessions (migration 0003).

They join `security_metadata` (the security module's tables), so tools that walk those tables
— truncation in tests, backups — see them too. Times are epoch microseconds (UTC).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from kangtong.store.security_tables import security_metadata

export_request = Table(
    "sec_export_request",
    security_metadata,
    Column("id", String(64), primary_key=True),
    Column("requester", String(128), nullable=False, comment="principal who asked"),
    Column("requester_roles", Text, nullable=False, comment="space-separated role codes"),
    Column("requester_scopes", Text, nullable=False, comment="space-separated SMART scopes"),
    Column("organization", String(64), nullable=True),
    Column("district", String(12), nullable=True),
    Column("query", Text, nullable=False, comment="FHIR search, e.g. Patient?gender=female"),
    Column("purpose", Text, nullable=False),
    Column("k", Integer, nullable=False, comment="k-anonymity threshold"),
    Column("birth", String(8), nullable=False, comment="year or band5"),
    Column("status", String(16), nullable=False, comment="requested|approved|downloaded|rejected"),
    Column("created", BigInteger, nullable=False),
    Column("approver", String(128), nullable=True),
    Column("decided", BigInteger, nullable=True),
    Column("token_hash", String(64), nullable=True, comment="SHA-256 of the download token"),
    Column("token_expires", BigInteger, nullable=True),
    Column("downloaded", BigInteger, nullable=True),
    Column("exported", Integer, nullable=True, comment="resources written"),
    Column("suppressed", Integer, nullable=True, comment="resources withheld (small cells)"),
    Index("ix_sec_export_request_created", "created"),
)

web_session = Table(
    "sec_web_session",
    security_metadata,
    Column("id_hash", String(64), primary_key=True, comment="SHA-256 of the session cookie"),
    Column("account_id", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Index("ix_sec_web_session_expires", "expires"),
)

"""Tables of the security module: accounts, OAuth2 clients, refresh tokens, the audit chain.

They have a `MetaData` of their own so the resource schema stays readable; migration 0002
creates them (0003 the export and web-session tables, 0005 the token deny-list). Times are
epoch microseconds (UTC), like the resource tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

security_metadata = MetaData()

account = Table(
    "sec_account",
    security_metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(128), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", Text, nullable=False, comment="space-separated role codes"),
    Column("organization", String(64), nullable=True),
    Column("district", String(12), nullable=True),
    Column("fhir_user", String(128), nullable=True, comment="e.g. Practitioner/123"),
    Column("totp_secret", LargeBinary, nullable=True, comment="SM4-GCM sealed TOTP secret"),
    Column(
        "totp_last_step",
        BigInteger,
        nullable=True,
        comment="the last accepted TOTP time step: codes up to it are refused (RFC 6238 §5.2)",
    ),
    Column("failed_count", Integer, nullable=False, default=0),
    Column("failed_since", BigInteger, nullable=True),
    Column("locked_until", BigInteger, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created", BigInteger, nullable=False),
    Index("ux_sec_account_username", "username", unique=True),
)

oauth_client = Table(
    "sec_client",
    security_metadata,
    Column("client_id", String(128), primary_key=True),
    Column("organization", String(64), nullable=False),
    Column("district", String(12), nullable=True),
    Column("name", Text, nullable=False),
    Column("auth_method", String(32), nullable=False),
    Column("secret_hash", Text, nullable=True),
    Column("jwks", Text, nullable=True, comment="registered JWK Set (private_key_jwt)"),
    Column("scopes", Text, nullable=False, comment="space-separated scopes it may ask for"),
    Column("roles", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created", BigInteger, nullable=False),
)

refresh_token = Table(
    "sec_refresh_token",
    security_metadata,
    Column("token_hash", String(64), primary_key=True, comment="SHA-256 of the token"),
    Column("family", String(64), nullable=False, comment="all rotations of one grant"),
    Column("client_id", String(128), nullable=False),
    Column("account_id", String(64), nullable=True),
    Column("scopes", Text, nullable=False),
    Column("issued", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("used", BigInteger, nullable=True, comment="when it was rotated"),
    Column("revoked", BigInteger, nullable=True),
    Index("ix_sec_refresh_token_family", "family"),
)

client_assertion = Table(
    "sec_client_assertion",
    security_metadata,
    Column("client_id", String(128), nullable=False),
    Column("jti", String(256), nullable=False),
    Column("expires", BigInteger, nullable=False),
    PrimaryKeyConstraint("client_id", "jti"),
)

break_glass = Table(
    "sec_break_glass",
    security_metadata,
    Column("id", String(64), primary_key=True),
    Column("principal", String(128), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("granted", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Index("ix_sec_break_glass_principal", "principal", "expires"),
)

revoked_token = Table(
    "sec_revoked_token",
    security_metadata,
    Column("kind", String(8), nullable=False, comment="jti, grant or subject"),
    Column("value", String(256), nullable=False, comment="the token id, grant id or subject"),
    Column("revoked", BigInteger, nullable=False, comment="tokens issued up to now are denied"),
    Column("expires", BigInteger, nullable=False, comment="no token it denies lives longer"),
    PrimaryKeyConstraint("kind", "value"),
    Index("ix_sec_revoked_token_expires", "expires"),
)

revocation_state = Table(
    "sec_revocation_state",
    security_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="always 1"),
    Column("generation", BigInteger, nullable=False, comment="raised by every revocation"),
)

audit_log = Table(
    "audit_log",
    security_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("algorithm", String(8), nullable=False, comment="hmac-sm3 (keyed); sm3 or sha256"),
    Column("event", LargeBinary, nullable=False, comment="canonical JSON of the AuditEvent"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=True, comment="id of the audit key that sealed it"),
    Index("ix_audit_log_recorded", "recorded"),
)

audit_anchor = Table(
    "audit_anchor",
    security_metadata,
    Column("name", String(16), primary_key=True, comment="'head' or 'purge'"),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
)

refusal_window = Table(
    "sec_refusal_window",
    security_metadata,
    Column("subject", String(200), nullable=False, comment="kind|address or kind|principal"),
    Column("window_start", BigInteger, nullable=False, comment="µs, aligned to the window"),
    Column("refused", BigInteger, nullable=False, comment="refusals counted in the window"),
    PrimaryKeyConstraint("subject", "window_start"),
    Index("ix_sec_refusal_window_start", "window_start"),
)

"""One Settings object, built once at the entry point and passed down (never read globally)."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "kangtong.db"
# SQLAlchemy's connection pool per process on PostgreSQL (`store.database.open_database`).
DEFAULT_DB_POOL_SIZE = 10
DEFAULT_DB_MAX_OVERFLOW = 20
# Where every KANGTONG_* value is read from: the environment, then `.env` in the working folder.
SETTINGS_SOURCES = SettingsConfigDict(env_prefix="KANGTONG_", env_file=".env", extra="ignore")


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as an environment variable `KANGTONG_<NAME>`."""

    model_config = SETTINGS_SOURCES

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL: sqlite:///path (embedded) or postgresql://user:password@host/db "
        "(production; postgresql:// is served by the psycopg driver)",
    )
    db_pool_size: int = Field(
        default=DEFAULT_DB_POOL_SIZE,
        ge=1,
        description="PostgreSQL connections each process keeps open in its pool (SQLite: unused)",
    )
    db_max_overflow: int = Field(
        default=DEFAULT_DB_MAX_OVERFLOW,
        ge=0,
        description="PostgreSQL connections a process may open beyond the pool under load, "
        "closed again when returned (SQLite: unused)",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Interface `kangtong serve` listens on; also a Host header always accepted",
    )
    port: int = Field(default=8080, description="Port `kangtong serve` listens on")
    base_url: str = Field(
        default="",
        description="Public base URL of the FHIR endpoint; derived from the request when empty",
    )
    # HTTP hardening (ADR 0025). Lists are comma-separated in the environment.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names clients may address besides the bind address, 127.0.0.1, "
        "localhost and the base URL's host; any other Host header is refused with 400",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins of registered browser (SMART) apps given CORS; none by default",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Proxies (comma-separated IPs) whose X-Forwarded-Proto/-For are believed "
        "by `kangtong serve`; empty believes none",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Zone used for FHIR dates and dateTimes that carry no offset",
    )
    default_district: str = Field(
        default="",
        description="GB/T 2260 code of the district that owns data written without an explicit one",
    )
    default_page_size: int = Field(
        default=20, description="Entries in a search or history page when `_count` is not given"
    )
    max_page_size: int = Field(
        default=1000,
        description="Most entries in one page: a larger `_count` (or $match `count`) is read as this",
    )
    validate_resources: bool = Field(
        default=True,
        description="Check every written resource against the FHIR R4 structure before storing "
        "it; false stores without that check",
    )
    outbox_poll_seconds: float = Field(
        default=1.0,
        description="Seconds the event dispatcher of `kangtong serve` waits after finding the "
        "outbox empty before it looks again",
    )
    # Security (issue 7): key material lives in files under this folder, generated on first use.
    security_key_dir: str = Field(
        default=str(Path("var") / "keys"),
        description="Folder of the platform's key files (token signing, SM2, SM4 field keys)",
    )
    audit_hash: Literal["sm3", "sha256"] = Field(
        default="sm3",
        description="Unused since ADR 0023 (rows are sealed with HMAC-SM3); old rows name theirs",
    )
    audit_journal: str = Field(
        default="",
        description="The audit anchor journal, a file outside the database and its backups "
        "(default: audit-anchors.jsonl in the key folder)",
    )
    audit_durable_reads: bool = Field(
        default=False,
        description="Reads and searches wait until their AuditEvent is committed (ADR 0010)",
    )
    refusal_limit_per_window: int = Field(
        default=20,
        description="Refusals (bad tokens, failed logins per address; refused requests per "
        "principal) audited one by one in a window; beyond it 429 and one flood event",
    )
    refusal_window_seconds: int = Field(default=60, description="The refusal-limit window")
    access_token_ttl_seconds: int = Field(
        default=900, description="Lifetime of an issued access token, in seconds"
    )
    refresh_token_ttl_seconds: int = Field(
        default=8 * 3600, description="Lifetime of a refresh token, in seconds"
    )
    lockout_threshold: int = Field(default=5, description="Failed logins that lock an account")
    lockout_window_seconds: int = Field(
        default=900,
        description="Seconds within which failed logins are counted, and how long a lock lasts",
    )
    password_min_length: int = Field(
        default=10, description="Fewest characters of a password set for a user account"
    )
    # Input limits (ADR 0019): a request beyond them is refused with a 4xx before it costs much.
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        description="Largest request body read; a longer one is answered 413 while it arrives",
    )
    max_json_depth: int = Field(
        default=64, description="Deepest nesting of JSON objects and arrays in a request body"
    )
    max_array_items: int = Field(
        default=10_000, description="Most items in any one JSON array (Bundle.entry included)"
    )
    # Operations (issue 14, docs/operations.md).
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as text, or as one JSON object per line (time, level, logger, "
        "message, request_id) for a log shipper",
    )
    metrics_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (comma-separated, e.g. 127.0.0.1,10.0.8.0/24) that "
        "may read /metrics without a token; empty: only platform-admin or system tokens",
    )
    # Shared documents (issue 15, docs/documents.md).
    document_oid: str = Field(
        default="2.25.170125373232185626733913414302127398218",
        pattern=r"^[0-2](\.(0|[1-9][0-9]*))+$",
        description="The platform's OID, root of the ids of the CDA documents it assembles "
        "(default a fixed 2.25 OID; set the region's registered one)",
    )

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """`a, b` from the environment is the list `[a, b]`; lists pass unchanged."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("metrics_allow_ips", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """Comma-separated in the environment; each must be an IP address or network."""
        items = cls._comma_separated(value)
        for item in items if isinstance(items, list) else []:
            ip_network(str(item), strict=False)  # ValueError names the bad entry
        return items


# Fields whose value is a secret, shown masked by `kangtong config show`. None holds one yet:
# every name that sounds secret is listed in one of the two sets, and a test fails for a new
# field whose name says secret/password/key/token until it is put in one of them.
SECRET_FIELDS: frozenset[str] = frozenset()
NOT_SECRET_FIELDS: frozenset[str] = frozenset(
    {
        "security_key_dir",  # the folder's path; the keys are files in it
        "access_token_ttl_seconds",
        "refresh_token_ttl_seconds",
        "password_min_length",
    }
)

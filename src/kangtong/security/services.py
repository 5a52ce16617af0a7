"""The security services of one platform, built from Settings (called by `build_platform`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kangtong.core.clock import Clock
from kangtong.core.config import Settings
from kangtong.security.accounts import AccountService
from kangtong.security.audit_journal import AUDIT_JOURNAL_FILE, AnchorJournal
from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.audit_sink import ChainedAuditSink
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.breakglass import StoredBreakGlassGrants
from kangtong.security.clients import ClientRegistry
from kangtong.security.field_keys import FieldKeyRotation
from kangtong.security.floods import FloodRecorder
from kangtong.security.keys import KeyFiles
from kangtong.security.lockout import LockoutPolicy
from kangtong.security.oauth import TokenService
from kangtong.security.passwords import PasswordHasher, PasswordPolicy
from kangtong.security.refusal_limits import RefusalLimit, RefusalLimiter
from kangtong.security.refused_tokens import RefusedTokens
from kangtong.security.revocation import TokenRevocations
from kangtong.security.sealing import reseal_resource_content
from kangtong.security.smart_config import origin_of, token_endpoint
from kangtong.security.tokens import MAX_TOKEN_SECONDS, AccessTokens
from kangtong.store.database import Database

DEFAULT_ISSUER = "urn:kangtong"


@dataclass
class SecurityServices:
    keys: KeyFiles
    audit: AuditTrail
    audit_sink: ChainedAuditSink
    tokens: AccessTokens
    clients: ClientRegistry
    accounts: AccountService
    oauth: TokenService
    break_glass: StoredBreakGlassGrants
    issuer: str
    revocations: TokenRevocations
    refused_tokens: RefusedTokens
    field_keys: FieldKeyRotation
    refusal_limits: RefusalLimiter


def audit_trail(settings: Settings, db: Database, clock: Clock) -> AuditTrail:
    """The keyed audit chain: keys in the key folder, anchors journaled outside the database."""
    folder = Path(settings.security_key_dir)
    keys = AuditKeyring(folder)
    journal = (
        Path(settings.audit_journal) if settings.audit_journal else folder / AUDIT_JOURNAL_FILE
    )
    return AuditTrail(db, clock, keys, AnchorJournal(journal, keys))


def build_security(settings: Settings, db: Database, clock: Clock) -> SecurityServices:
    """Construct the services; key files are read (or created) only when first needed."""
    keys = KeyFiles(Path(settings.security_key_dir))
    issuer = settings.base_url or DEFAULT_ISSUER
    audit = audit_trail(settings, db, clock)
    ttl = settings.access_token_ttl_seconds
    revocations = TokenRevocations(db, clock, longest_token_seconds=max(ttl, MAX_TOKEN_SECONDS))
    tokens = AccessTokens(keys, clock, issuer=issuer, ttl_seconds=ttl, revocations=revocations)
    endpoint = token_endpoint(origin_of(settings.base_url)) if settings.base_url else ""
    clients = ClientRegistry(db, clock, token_endpoint=endpoint)
    window_us = settings.lockout_window_seconds * 1_000_000
    accounts = AccountService(
        db,
        clock,
        hasher=PasswordHasher(),
        policy=PasswordPolicy(min_length=settings.password_min_length),
        lockout=LockoutPolicy(settings.lockout_threshold, window_us, window_us),
        cipher=keys.field_cipher,
    )
    oauth = TokenService(
        db, clock, clients=clients, accounts=accounts, tokens=tokens, audit=audit,
        revocations=revocations, refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
    )  # fmt: skip
    sink = ChainedAuditSink(audit, clock, durable_reads=settings.audit_durable_reads)
    limit = RefusalLimit(settings.refusal_limit_per_window, settings.refusal_window_seconds)
    sink.limiter = RefusalLimiter(db, clock, limit, FloodRecorder(sink.writer, clock))
    return SecurityServices(
        keys, audit, sink, tokens, clients, accounts, oauth,
        StoredBreakGlassGrants(db, clock, trail=audit, limiter=sink.limiter), issuer, revocations,
        RefusedTokens(sink.writer, clock), FieldKeyRotation(
            keys, accounts, audit, clock, [lambda: reseal_resource_content(db, keys)]
        ),
        sink.limiter,
    )  # fmt: skip

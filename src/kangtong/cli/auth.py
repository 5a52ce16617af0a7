"""`kangtong auth …`: tokens, accounts and OAuth2 clients, from the operator's shell."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.core.clock import SystemClock
from kangtong.core.errors import KangtongError

if TYPE_CHECKING:
    from kangtong.security.services import SecurityServices

auth_app = typer.Typer(help="Accounts, OAuth2 clients and access tokens.", no_args_is_help=True)
console = Console(stderr=True)
OPERATOR = "cli/operator"  # who the audit trail names for an operator's command


def _security(database_url: str | None) -> tuple[SecurityServices, object]:
    from kangtong.security.services import build_security
    from kangtong.store.database import open_database

    settings = settings_for(database_url)
    db = open_database(settings.database_url)
    return build_security(settings, db, SystemClock()), db


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@auth_app.command("issue-token")
def issue_token(
    role: str = typer.Option(..., "--role", help="Role code, e.g. clinician, institution-system"),
    org: str | None = typer.Option(None, "--org", help="Organization id the token acts for"),
    ttl: int = typer.Option(900, "--ttl", help="Lifetime in seconds", min=1, max=86_400),
    scope: str | None = typer.Option(
        None, "--scope", help="Space-separated scopes (default by role)"
    ),
    district: str | None = typer.Option(None, "--district", help="GB/T 2260 district code"),
    subject: str = typer.Option(
        "cli", "--subject", help="Who the token is for (recorded in audit)"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Print a signed access token for ROLE; the issue is written to the audit chain."""
    from kangtong.security.audit_events import AuditFacts, build_audit_event
    from kangtong.security.roles import Role, known_role
    from kangtong.security.tokens import TokenClaims

    if not known_role(role):
        raise _fail(f"Unknown role {role!r}: one of {', '.join(r.value for r in Role)}")
    security, db = _security(database_url)
    try:
        scopes = (scope or _default_scope(role)).split()
        claims = TokenClaims(subject=f"cli/{subject}", client_id="kangtong-cli", scopes=tuple(scopes),
                             roles=(role,), organization=org, district=district)  # fmt: skip
        issued = security.tokens.issue(claims, ttl)
        facts = AuditFacts("issue-token", "success", claims.subject, security.tokens.clock.now(),
                           org, frozenset({role}), details=(("ttl-seconds", str(ttl)),))  # fmt: skip
        security.audit.append("issue-token", "success", build_audit_event(facts))
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(issued.token)


def _default_scope(role: str) -> str:
    from kangtong.security.roles import Role

    if role in (Role.INSTITUTION_SYSTEM, Role.SYSTEM):
        return "system/*.cruds"
    if role == Role.RESIDENT:
        return "patient/*.rs"
    return "user/*.cruds"


@auth_app.command("create-user")
def create_user(
    username: str = typer.Argument(..., help="Login name"),
    role: list[str] = typer.Option(..., "--role", help="Role code (repeat for several)"),
    org: str | None = typer.Option(None, "--org", help="Organization id"),
    district: str | None = typer.Option(None, "--district"),
    fhir_user: str | None = typer.Option(None, "--fhir-user", help="e.g. Practitioner/123"),
    totp: bool = typer.Option(False, "--totp", help="Enrol a TOTP second factor"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    database_url: str | None = DatabaseOption,
) -> None:
    """Create a person's account (the password must meet the policy)."""
    from kangtong.security.accounts import NewAccount
    from kangtong.security.totp import provisioning_uri, secret_base32

    security, db = _security(database_url)
    try:
        created = security.accounts.create(
            NewAccount(username, password, tuple(role), org, district, fhir_user, totp)
        )
    except KangtongError as exc:
        raise _fail(str(exc)) from exc
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(f"account {created.id}")
    if created.totp_secret:
        typer.echo(f"TOTP secret (shown once): {secret_base32(created.totp_secret)}")
        typer.echo(provisioning_uri(created.totp_secret, created.id))


@auth_app.command("create-client")
def create_client(
    client_id: str = typer.Argument(..., help="The client id"),
    org: str = typer.Option(..., "--org", help="Organization id the client belongs to"),
    name: str = typer.Option("", "--name", help="Display name of the system"),
    method: str = typer.Option(
        "client_secret_basic",
        "--method",
        help="client_secret_basic, client_secret_post or private_key_jwt",
    ),
    scope: list[str] = typer.Option(["system/*.rs"], "--scope", help="Allowed scope (repeat)"),
    role: list[str] = typer.Option(["institution-system"], "--role", help="Role (repeat)"),
    district: str | None = typer.Option(None, "--district"),
    jwks: Path | None = typer.Option(None, "--jwks", help="JWK Set file (private_key_jwt)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Register an OAuth2 client of an institution; prints its secret once."""
    from kangtong.security.clients import NewClient

    security, db = _security(database_url)
    try:
        secret = security.clients.register(NewClient(
            client_id, org, name or client_id, method, tuple(scope), tuple(role), district,  # type: ignore[arg-type]
            orjson.loads(jwks.read_bytes()) if jwks else None,
        ))  # fmt: skip
    except KangtongError as exc:
        raise _fail(str(exc)) from exc
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(f"client {client_id}")
    if secret:
        typer.echo(f"client secret (shown once): {secret}")


@auth_app.command("revoke-token")
def revoke_token(
    jti: str | None = typer.Option(None, "--jti", help="Id (jti claim) of the token to revoke"),
    subject: str | None = typer.Option(
        None, "--subject", help="Revoke every token of this sub issued until now (account/…)"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Revoke access tokens before they expire: one by id, or all of a subject (audited).

    Every server process refuses them within about a second. `--subject` also ends the
    refresh grants of a person's account; tokens issued afterwards are accepted.
    """
    from kangtong.security.audit_events import AuditFacts, build_audit_event

    if (jti is None) == (subject is None):
        raise _fail("Give exactly one of --jti or --subject")
    security, db = _security(database_url)
    try:
        details, message = _revoke(security, jti, subject)
        facts = AuditFacts("revoke", "success", OPERATOR, SystemClock().now(), details=details)
        security.audit.append("revoke", "success", build_audit_event(facts))
    except KangtongError as exc:
        raise _fail(str(exc)) from exc
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(message)


def _revoke(
    security: SecurityServices, jti: str | None, subject: str | None
) -> tuple[tuple[tuple[str, str], ...], str]:
    """(audit details, message) of revoking token `jti`, or else the tokens of `subject`."""
    if jti is not None:
        security.revocations.revoke_token_id(jti)
        return (("token-id", jti),), f"token {jti} revoked"
    done = security.revocations.revoke_subject(subject or "")
    ended = done.refresh_grants
    details = (("subject", done.subject), ("refresh-grants", str(ended)))
    return (
        details,
        f"tokens of {done.subject} issued until now revoked; refresh grants ended: {ended}",
    )


@auth_app.command("rotate-field-keys")
def rotate_field_keys(
    re_encrypt: bool = typer.Option(
        False, "--re-encrypt", help="Then re-encrypt stored values under the new key version"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Make a new SM4 field-key version current (old ones stay readable); audited.

    With --re-encrypt, every stored sealed value still under an older version is re-encrypted
    under the new one; the counts are printed. Exit 1 if any value could not be opened.
    """
    security, db = _security(database_url)
    try:
        version = security.field_keys.rotate(OPERATOR)
        typer.echo(f"field key version {version} is current")
        done = security.field_keys.re_encrypt(OPERATOR) if re_encrypt else None
    finally:
        db.dispose()  # type: ignore[attr-defined]
    for count in done.fields if done else ():
        typer.echo(f"{count.field}: {count.examined} examined, {count.resealed} re-encrypted, "
                   f"{count.unreadable} unreadable")  # fmt: skip
    if done and done.unreadable:
        raise _fail(
            f"{done.unreadable} sealed values could not be opened; they were left as they are"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(auth_app, name="auth")

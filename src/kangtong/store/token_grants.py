"""SQL for refresh tokens, used client-assertion ids (RFC 7523 replay) and break-glass grants."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kangtong.store.security_tables import break_glass, client_assertion, refresh_token


@dataclass(frozen=True)
class RefreshTokenRow:
    token_hash: str
    family: str
    client_id: str
    account_id: str | None
    scopes: tuple[str, ...]
    issued: int
    expires: int
    used: int | None = None
    revoked: int | None = None


@dataclass(frozen=True)
class BreakGlassRow:
    id: str
    principal: str
    patient: str
    reason: str
    granted: int
    expires: int


class TokenGrantStore:
    def insert_refresh(self, conn: Connection, row: RefreshTokenRow) -> None:
        conn.execute(
            insert(refresh_token).values(
                token_hash=row.token_hash,
                family=row.family,
                client_id=row.client_id,
                account_id=row.account_id,
                scopes=" ".join(row.scopes),
                issued=row.issued,
                expires=row.expires,
            )
        )

    def refresh(self, conn: Connection, token_hash: str) -> RefreshTokenRow | None:
        query = select(refresh_token).where(refresh_token.c.token_hash == token_hash)
        found = conn.execute(query).mappings().first()
        if found is None:
            return None
        values = dict(found)
        values["scopes"] = tuple(values["scopes"].split())
        return RefreshTokenRow(**values)

    def mark_used(self, conn: Connection, token_hash: str, at_us: int) -> bool:
        """Mark a refresh token rotated; False when another request used it first."""
        result = conn.execute(
            update(refresh_token)
            .where(refresh_token.c.token_hash == token_hash, refresh_token.c.used.is_(None))
            .values(used=at_us)
        )
        return result.rowcount == 1

    def revoke_family(self, conn: Connection, family: str, at_us: int) -> None:
        conn.execute(
            update(refresh_token)
            .where(refresh_token.c.family == family, refresh_token.c.revoked.is_(None))
            .values(revoked=at_us)
        )

    def revoke_account(self, conn: Connection, account_id: str, at_us: int) -> int:
        """Revoke every live refresh token of an account; how many grants (families) that ended."""
        live = (
            refresh_token.c.account_id == account_id,
            refresh_token.c.revoked.is_(None),
            refresh_token.c.expires > at_us,
        )
        families = conn.execute(select(refresh_token.c.family).where(*live).distinct()).all()
        conn.execute(
            update(refresh_token)
            .where(refresh_token.c.account_id == account_id, refresh_token.c.revoked.is_(None))
            .values(revoked=at_us)
        )
        return len(families)

    def claim_assertion_id(
        self, conn: Connection, client_id: str, jti: str, *, expires: int, now_us: int
    ) -> bool:
        """Record a client assertion's `jti`; False when the client used it before (a replay).

        Ids of expired assertions are forgotten: an expired assertion is refused anyway.
        """
        conn.execute(delete(client_assertion).where(client_assertion.c.expires < now_us))
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(client_assertion).values(client_id=client_id, jti=jti, expires=expires)
                )
        except IntegrityError:
            return False
        return True

    def insert_break_glass(self, conn: Connection, row: BreakGlassRow) -> None:
        conn.execute(
            insert(break_glass).values(
                id=row.id,
                principal=row.principal,
                patient=row.patient,
                reason=row.reason,
                granted=row.granted,
                expires=row.expires,
            )
        )

    def active_break_glass(
        self, conn: Connection, principal: str, patient: str, at_us: int
    ) -> BreakGlassRow | None:
        query = (
            select(break_glass)
            .where(
                break_glass.c.principal == principal,
                break_glass.c.patient == patient,
                break_glass.c.granted <= at_us,
                break_glass.c.expires > at_us,
            )
            .order_by(break_glass.c.expires.desc())
        )
        found = conn.execute(query).mappings().first()
        return None if found is None else BreakGlassRow(**found)

    def break_glass_of(self, conn: Connection, principal: str, at_us: int) -> list[BreakGlassRow]:
        """The principal's grants in force at `at_us`."""
        query = select(break_glass).where(
            break_glass.c.principal == principal,
            break_glass.c.granted <= at_us,
            break_glass.c.expires > at_us,
        )
        return [BreakGlassRow(**found) for found in conn.execute(query).mappings()]

    def break_glass_by_ids(self, conn: Connection, ids: list[str]) -> list[BreakGlassRow]:
        query = select(break_glass).where(break_glass.c.id.in_(ids)).order_by(break_glass.c.granted)
        return [BreakGlassRow(**found) for found in conn.execute(query).mappings()]

"""SQL for people's accounts and OAuth2 clients (the only place that reads `sec_account`/`sec_client`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, insert, select, update

from kangtong.store.security_tables import account, oauth_client


@dataclass(frozen=True)
class AccountRow:
    id: str
    username: str
    password_hash: str
    roles: tuple[str, ...]
    organization: str | None
    district: str | None
    fhir_user: str | None
    totp_secret: bytes | None
    failed_count: int
    failed_since: int | None
    locked_until: int | None
    active: bool
    totp_last_step: int | None = None  # RFC 6238 §5.2: no code of this step or older again


@dataclass(frozen=True)
class ClientRow:
    client_id: str
    organization: str
    district: str | None
    name: str
    auth_method: str
    secret_hash: str | None
    jwks: str | None
    scopes: tuple[str, ...]
    roles: tuple[str, ...]
    active: bool


def _account(row: RowMapping) -> AccountRow:
    return AccountRow(
        id=row["id"],
        username=row["username"],
        password_hash=row["password_hash"],
        roles=tuple(row["roles"].split()),
        organization=row["organization"],
        district=row["district"],
        fhir_user=row["fhir_user"],
        totp_secret=row["totp_secret"],
        failed_count=row["failed_count"],
        failed_since=row["failed_since"],
        locked_until=row["locked_until"],
        active=bool(row["active"]),
        totp_last_step=row["totp_last_step"],
    )


def _client(row: RowMapping) -> ClientRow:
    return ClientRow(
        client_id=row["client_id"],
        organization=row["organization"],
        district=row["district"],
        name=row["name"],
        auth_method=row["auth_method"],
        secret_hash=row["secret_hash"],
        jwks=row["jwks"],
        scopes=tuple(row["scopes"].split()),
        roles=tuple(row["roles"].split()),
        active=bool(row["active"]),
    )


class AccountStore:
    """Accounts of people and registered OAuth2 clients."""

    def insert_account(self, conn: Connection, row: AccountRow, created_us: int) -> None:
        conn.execute(
            insert(account).values(
                id=row.id,
                username=row.username,
                password_hash=row.password_hash,
                roles=" ".join(row.roles),
                organization=row.organization,
                district=row.district,
                fhir_user=row.fhir_user,
                totp_secret=row.totp_secret,
                failed_count=0,
                active=row.active,
                created=created_us,
            )
        )

    def account_by_username(self, conn: Connection, username: str) -> AccountRow | None:
        row = conn.execute(select(account).where(account.c.username == username)).mappings()
        found = row.first()
        return None if found is None else _account(found)

    def account_by_id(
        self, conn: Connection, account_id: str, *, for_update: bool = False
    ) -> AccountRow | None:
        """The account; `for_update` locks its row to commit (PostgreSQL; SQLite has one writer)."""
        stmt = select(account).where(account.c.id == account_id)
        if for_update and conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        found = conn.execute(stmt).mappings().first()
        return None if found is None else _account(found)

    def set_login_state(
        self,
        conn: Connection,
        account_id: str,
        *,
        failed_count: int,
        failed_since: int | None,
        locked_until: int | None,
    ) -> None:
        conn.execute(
            update(account)
            .where(account.c.id == account_id)
            .values(failed_count=failed_count, failed_since=failed_since, locked_until=locked_until)
        )

    def set_totp_last_step(self, conn: Connection, account_id: str, step: int) -> None:
        conn.execute(update(account).where(account.c.id == account_id).values(totp_last_step=step))

    def set_password_hash(self, conn: Connection, account_id: str, password_hash: str) -> None:
        conn.execute(
            update(account).where(account.c.id == account_id).values(password_hash=password_hash)
        )

    def sealed_totp_secrets(
        self, conn: Connection, after_id: str, limit: int
    ) -> list[tuple[str, bytes]]:
        """(account id, sealed TOTP secret) of enrolled accounts with ids after `after_id`."""
        query = (
            select(account.c.id, account.c.totp_secret)
            .where(account.c.totp_secret.is_not(None), account.c.id > after_id)
            .order_by(account.c.id)
            .limit(limit)
        )
        return [(row.id, bytes(row.totp_secret)) for row in conn.execute(query)]

    def replace_totp_secret(
        self, conn: Connection, account_id: str, old: bytes, new: bytes
    ) -> bool:
        """Store `new` if the account still holds `old`; False when it changed meanwhile."""
        result = conn.execute(
            update(account)
            .where(account.c.id == account_id, account.c.totp_secret == old)
            .values(totp_secret=new)
        )
        return result.rowcount == 1

    def insert_client(self, conn: Connection, row: ClientRow, created_us: int) -> None:
        conn.execute(
            insert(oauth_client).values(
                client_id=row.client_id,
                organization=row.organization,
                district=row.district,
                name=row.name,
                auth_method=row.auth_method,
                secret_hash=row.secret_hash,
                jwks=row.jwks,
                scopes=" ".join(row.scopes),
                roles=" ".join(row.roles),
                active=row.active,
                created=created_us,
            )
        )

    def client(self, conn: Connection, client_id: str) -> ClientRow | None:
        query = select(oauth_client).where(oauth_client.c.client_id == client_id)
        found = conn.execute(query).mappings().first()
        return None if found is None else _client(found)

"""kangtong serves through a PostgreSQL role that owns nothing (docs/deploy.md, "Roles").

The owner role migrates; the application role has only row privileges, granted by default
privileges, and the whole write path — resources, index rows, outbox, audit chain, the master
index fed by events, planner statistics — works through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.store.statistics import refresh_statistics

pytestmark = pytest.mark.pg


@pytest.fixture
def owner_and_app_urls(pg_schema_url: str) -> Iterator[tuple[str, str]]:
    """An owner role owning a fresh schema, and an application role given row privileges only."""
    server = make_url(pg_schema_url).set(query={})
    suffix = uuid.uuid4().hex[:8]
    owner, app, schema = f"kt_owner_{suffix}", f"kt_app_{suffix}", f"kt_roles_{suffix}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            admin.dispose()
            pytest.skip("creating roles needs a superuser connection")
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f"CREATE ROLE {app} LOGIN"))
        conn.execute(text(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {app}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                          f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}"))  # fmt: skip
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                          f"GRANT USAGE, SELECT ON SEQUENCES TO {app}"))  # fmt: skip
    query = {"options": f"-csearch_path={schema}"}

    def url_of(role: str) -> str:
        return server.set(username=role, password=None, query=query).render_as_string(False)

    try:
        yield url_of(owner), url_of(app)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            for role in (app, owner):
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def _bundle(n: int) -> dict[str, object]:
    full_url = f"urn:uuid:{uuid.uuid4()}"
    patient = {"resourceType": "Patient", "gender": "female", "birthDate": "1980-01-0" + str(n),
               "name": [{"family": "测试", "given": [f"角色{n}"]}]}  # fmt: skip
    observation = {"resourceType": "Observation", "status": "final",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                   "subject": {"reference": full_url},
                   "valueQuantity": {"value": 120 + n, "unit": "mm[Hg]"}}  # fmt: skip
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": full_url, "resource": patient,
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": observation, "request": {"method": "POST", "url": "Observation"}},
    ]}  # fmt: skip


def test_the_application_role_runs_the_write_path_the_owner_migrated(
    owner_and_app_urls: tuple[str, str], tmp_path: Path
) -> None:
    owner_url, app_url = owner_and_app_urls
    owner_db = open_database(owner_url)
    upgrade(owner_db)
    owner_db.dispose()

    settings = Settings(database_url=app_url, security_key_dir=str(tmp_path / "keys"))
    platform = build_platform(settings)
    try:
        ctx = AccessContext.system("role-test")
        for n in range(1, 4):
            platform.bundles.process(ctx, _bundle(n))
        platform.events.drain()
        platform.security.audit_sink.writer.flush()
        refresh_statistics(platform.db)  # tables it does not own are skipped, not an error
        found = platform.service.search(ctx, "Observation", [("code", "http://loinc.org|8480-6")])
        assert len(found.entries) == 3
        with platform.db.read() as conn:
            owners = (
                conn.execute(
                    text(
                        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()"
                    )
                )
                .scalars()
                .all()
            )
            linked = conn.execute(text("SELECT count(*) FROM mpi_person")).scalar_one()
        assert owners == [make_url(owner_url).username]
        assert linked == 3
        assert platform.security.audit.verify().broken is None
    finally:
        platform.close()

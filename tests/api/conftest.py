from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.web.app import create_app


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    built = build_platform(settings, database=database)
    yield built


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), base_url="http://kangtong.test") as test_client:
        test_client.headers["content-type"] = "application/fhir+json"
        yield test_client

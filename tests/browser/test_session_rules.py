"""Session rules over HTTP (no browser): expiry, Secure cookies, TOTP, session records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kangtong.core.clock import FrozenClock
from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.accounts import NewAccount
from kangtong.security.totp import totp
from kangtong.store.database import open_database
from kangtong.store.export_tables import web_session
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app
from tests.browser.conftest import PASSWORD

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def ui(tmp_path: Path, clock: FrozenClock) -> Iterator[tuple[Platform, bytes]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ui.db'}",
                        security_key_dir=str(tmp_path / "keys"),
                        base_url="https://kangtong.example/fhir")  # fmt: skip
    db = open_database(settings.database_url)
    upgrade(db)
    platform = build_platform(settings, database=db, clock=clock)
    platform.security.accounts.create(NewAccount("lina", PASSWORD, ("nurse",)))
    made = platform.security.accounts.create(
        NewAccount("wangwei", PASSWORD, ("clinician",), with_totp=True)
    )
    assert made.totp_secret is not None
    yield platform, made.totp_secret
    platform.close()


def log_in(client: TestClient, username: str, otp: str = "") -> int:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    response = client.post("/login", data={"csrf_token": token.group(1), "username": username,
                                           "password": PASSWORD, "otp": otp},
                           follow_redirects=False)  # fmt: skip
    return response.status_code


def test_cookies_are_secure_when_the_platform_is_served_over_https(
    ui: tuple[Platform, bytes],
) -> None:
    with TestClient(create_app(ui[0]), base_url="https://kangtong.example") as client:
        form = client.get("/login")
        assert "secure" in form.headers["set-cookie"].lower()
        assert log_in(client, "lina") == 303
        assert client.cookies.get("kt_session")
        assert client.get("/me").status_code == 200


def test_a_session_ends_two_hours_after_login(
    ui: tuple[Platform, bytes], clock: FrozenClock
) -> None:
    with TestClient(create_app(ui[0]), base_url="https://kangtong.example") as client:
        log_in(client, "lina")
        clock.advance(minutes=119)
        assert client.get("/me", follow_redirects=False).status_code == 200
        clock.advance(minutes=2)
        assert client.get("/me", follow_redirects=False).headers["location"] == "/login"


def test_an_account_with_totp_needs_the_current_code(
    ui: tuple[Platform, bytes], clock: FrozenClock
) -> None:
    platform, secret = ui
    with TestClient(create_app(platform), base_url="https://kangtong.example") as client:
        assert log_in(client, "wangwei") == 401
        assert log_in(client, "wangwei", totp(secret, int(clock.now().timestamp()))) == 303


def test_the_database_keeps_no_usable_session_id(ui: tuple[Platform, bytes]) -> None:
    platform = ui[0]
    with TestClient(create_app(platform), base_url="https://kangtong.example") as client:
        log_in(client, "lina")
        cookie = client.cookies["kt_session"]
        with platform.db.read() as conn:
            stored = conn.execute(select(web_session.c.id_hash)).scalars().all()
        assert len(stored) == 1 and cookie not in stored[0]
        page = client.get("/me").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        client.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
        with platform.db.read() as conn:
            assert conn.execute(select(web_session)).all() == []
        client.cookies.set("kt_session", cookie)  # a copied cookie is dead after logout
        assert client.get("/me", follow_redirects=False).status_code == 303

"""A live kangtong server for browser tests, and Debian's chromium driven by playwright.

The tests skip only when /usr/bin/chromium is missing *and* CI is unset: `make test` installs
the Debian package, so in CI a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.accounts import NewAccount
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "Kangtong-2026-安全"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing: `make test` installs the Debian package")
        pytest.skip("Debian chromium is not installed (run `make test` to install it)")
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_platform(tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ui.db'}",
                        security_key_dir=str(tmp_path / "keys"), lockout_threshold=3)  # fmt: skip
    db = open_database(settings.database_url)
    upgrade(db)
    platform = build_platform(settings, database=db)
    platform.security.accounts.create(
        NewAccount("zhangming", PASSWORD, ("clinician",), organization="org-demo")
    )
    yield platform
    platform.close()


@pytest.fixture
def server(live_platform: Platform) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(live_platform), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(chromium_path: str, server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(base_url=server, locale="zh-CN")
        yield context.new_page()
        context.close()
        browser.close()

"""`kangtong serve` keeps uvicorn from logging values and from believing any proxy (ADR 0025)."""

from __future__ import annotations

from kangtong.cli.serve import uvicorn_options
from kangtong.core.config import Settings


def test_no_access_log_and_logging_left_to_kangtong() -> None:
    options = uvicorn_options(Settings())
    assert options["access_log"] is False
    assert options["log_config"] is None


def test_forwarded_headers_are_believed_only_from_listed_proxies() -> None:
    assert uvicorn_options(Settings())["proxy_headers"] is False
    listed = uvicorn_options(Settings(forwarded_allow_ips="10.0.0.5"))
    assert listed["proxy_headers"] is True
    assert listed["forwarded_allow_ips"] == "10.0.0.5"

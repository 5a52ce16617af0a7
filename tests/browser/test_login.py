"""The web UI in a real browser: login, the user page, errors in Chinese, lockout, CSRF."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_the_home_page_says_what_kangtong_is_and_links_to_login(page: Any) -> None:
    page.goto("/")
    assert "区域全民健康信息平台" in page.inner_text("h1")
    page.click("text=登录 >> nth=-1")
    assert page.url.endswith("/login")


def test_a_user_logs_in_sees_their_page_and_logs_out(page: Any) -> None:
    log_in(page, "zhangming", PASSWORD)
    assert page.url.endswith("/me")
    assert page.inner_text("#username") == "zhangming"
    assert page.inner_text("#roles") == "医生"
    assert page.inner_text("#organization") == "org-demo"
    cookie = next(c for c in page.context.cookies() if c["name"] == "kt_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=退出登录")
    page.goto("/me")
    assert page.url.endswith("/login")


def test_a_wrong_password_shows_an_error_in_chinese(page: Any) -> None:
    log_in(page, "zhangming", "not-the-password")
    assert page.url.endswith("/login")
    assert page.inner_text("[role=alert]") == "用户名、密码或动态口令不正确。"


def test_repeated_failures_lock_the_account_even_for_the_right_password(page: Any) -> None:
    for _ in range(3):  # the live server's lockout threshold
        log_in(page, "zhangming", "wrong-password-1")
    log_in(page, "zhangming", PASSWORD)
    assert page.url.endswith("/login")
    assert "锁定" in page.inner_text("[role=alert]")


def test_a_post_without_the_csrf_token_is_refused(page: Any) -> None:
    page.goto("/login")  # the browser now holds the double-submit cookie
    refused = page.request.post(
        "/login", form={"username": "zhangming", "password": PASSWORD}, max_redirects=0
    )
    assert refused.status == 403
    assert "CSRF" in refused.text()
    log_in(page, "zhangming", PASSWORD)
    logout = page.request.post("/logout", form={}, max_redirects=0)
    assert logout.status == 403
    page.goto("/me")
    assert page.url.endswith("/me")  # still logged in

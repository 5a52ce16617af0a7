"""The web UI (网页界面): a home page, login with sessions and CSRF protection, the user page.

- `GET /` — what kangtong is; links to login or to the user page
- `GET /login`, `POST /login` — password (+ 动态口令 when enrolled); lockout from `security/`
- `POST /logout` — ends the session (CSRF token required)
- `GET /me` — the logged-in user's name, roles and organisation
- `GET /static/kangtong.css` — the UI's style sheet

Sessions are server-side (`security.sessions`); the cookie is HttpOnly, SameSite=Lax and Secure
over https. Every form POST carries a CSRF token: before login a double-submit cookie, after
login the session's synchroniser token.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kangtong.core.errors import KangtongError
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.sessions import LoginRefused, WebSession
from kangtong.web.bearer import client_address
from kangtong.web.requests import FormBody

router = APIRouter(include_in_schema=False)
# Cookie sessions, not bearer tokens (see `web/bearer.py`); `/` too must be open to browsers.
AUTHENTICATES_ITSELF = ("/", "/login", "/logout", "/me", "/static/")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "kt_session"
LOGIN_CSRF_COOKIE = "kt_login_csrf"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}
ROLE_NAMES = {
    "platform-admin": "平台管理员", "institution-admin": "机构管理员", "institution-system": "接入系统",
    "clinician": "医生", "nurse": "护士", "pharmacist": "药师", "public-health-officer": "公卫人员",
    "manager": "管理人员", "resident": "居民", "auditor": "审计员", "system": "系统",
}  # fmt: skip
WRONG = "用户名、密码或动态口令不正确。"
LOCKED = "登录失败次数过多，账户已被暂时锁定，请稍后再试。"
NO_CSRF = "请求缺少有效的安全令牌（CSRF），已被拒绝。请刷新页面后重试。"


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or _platform(request).settings.base_url.startswith("https")


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


def _session(request: Request) -> WebSession | None:
    return _platform(request).web_sessions.resolve(request.cookies.get(SESSION_COOKIE))


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@router.get("/")
def home(request: Request) -> HTMLResponse:
    return _page(request, "index.html", session=_session(request))


@router.get("/static/kangtong.css")
def style_sheet() -> FileResponse:
    return FileResponse(STATIC / "kangtong.css", media_type="text/css")


def _login_page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = _page(request, "login.html", status, csrf_token=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, httponly=True,
                        secure=_secure(request), samesite="strict")  # fmt: skip
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    if _session(request) is not None:
        return RedirectResponse("/me", status_code=303)
    return _login_page(request)


@router.post("/login")
def login(request: Request, form: FormBody) -> Response:
    if not _same(str(form.get("csrf_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _page(request, "error.html", 403, message=NO_CSRF)
    limiter, address = _platform(request).security.refusal_limits, client_address(request.scope)
    retry = limiter.retry_after("login", address)  # a flood of guesses costs no Argon2id
    if retry is not None:
        return _too_many(request, retry)
    try:
        session = _platform(request).web_sessions.login(
            str(form.get("username", "")), str(form.get("password", "")),
            str(form.get("otp", "")).strip() or None,
        )  # fmt: skip
    except LoginRefused as refused:
        retry = limiter.refused("login", address)
        if retry is not None:
            return _too_many(request, retry)
        return _login_page(request, 401, LOCKED if refused.locked else WRONG)
    response = RedirectResponse("/me", status_code=303)
    max_age = max(0, (session.expires_us - _now_us(request)) // 1_000_000)
    response.set_cookie(SESSION_COOKIE, session.token, max_age=max_age, httponly=True,
                        secure=_secure(request), samesite="lax")  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _too_many(request: Request, retry_after: int) -> Response:
    """429 with Retry-After: too many failed logins from this address (issue 13 finding 7)."""
    message = f"Too many failed logins from this address; try again in {retry_after} s"
    response = _page(request, "error.html", 429, message=message)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _now_us(request: Request) -> int:
    now = _platform(request).service.clock.now()
    return int(now.timestamp()) * 1_000_000


@router.post("/logout")
def logout(request: Request, form: FormBody) -> Response:
    session = _session(request)
    if session is None or not _same(str(form.get("csrf_token", "")), session.csrf_token):
        return _page(request, "error.html", 403, message=NO_CSRF)
    _platform(request).web_sessions.logout(session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me")
def me(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    account = session.account
    roles = [ROLE_NAMES.get(r, r) for r in account.roles]
    return _page(request, "me.html", session=session, username=account.username, roles=roles,
                 organization=_organization_name(request, account.organization))  # fmt: skip


def _organization_name(request: Request, organization: str | None) -> str | None:
    """The institution's registered name (directory data, grade 1), else its id."""
    if organization is None:
        return None
    registry = _platform(request).registries.organizations
    try:
        return registry.show(AccessContext.system("web-ui"), organization).name
    except KangtongError:
        return organization

"""The one base of every canonical URL kangtong mints: its own code systems, identifier
systems, extensions, value sets and concept maps (`{base}/CodeSystem/…`, `{base}/sid/…`).

These URLs are written into stored data and into the messages other systems keep, so they are
a name the region fixes once, before any data is loaded — not a runtime setting. It is read
as `KANGTONG_CANONICAL_BASE` from where every setting is read (the environment, then `.env`)
when kangtong starts (default `DEFAULT_BASE`); `kangtong db upgrade` records it in the
database, and a process started with a different base refuses to open that database
(`store.platform_facts`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic_settings import BaseSettings

from kangtong.core.config import SETTINGS_SOURCES

ENVIRONMENT_VARIABLE = "KANGTONG_CANONICAL_BASE"
DEFAULT_BASE = "https://kangtong.example/fhir"
# Written in shipped data files where the base goes, e.g. "{canonical}/ConceptMap/…".
PLACEHOLDER = "{canonical}"


class CanonicalBaseError(ValueError):
    """The configured base is not an absolute http(s) URL without query or fragment."""


def checked_base(value: str) -> str:
    """`value` without a trailing slash, or `CanonicalBaseError` saying what is wrong."""
    base = value.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CanonicalBaseError(
            f"{ENVIRONMENT_VARIABLE} must be an absolute http(s) URL, not {value!r}"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in base):
        raise CanonicalBaseError(
            f"{ENVIRONMENT_VARIABLE} may not carry a query, fragment or spaces: {value!r}"
        )
    return base


class _CanonicalBaseSource(BaseSettings):
    """Only the base, read exactly as `Settings` reads its fields (not one of them: ADR 0020)."""

    model_config = SETTINGS_SOURCES
    canonical_base: str = ""


def configured_base() -> str:
    """The base configured now: `KANGTONG_CANONICAL_BASE` from the environment or `.env`."""
    return checked_base(_CanonicalBaseSource().canonical_base or DEFAULT_BASE)


BASE = configured_base()


def canonical(path: str) -> str:
    """The canonical URL of `path` under the base, e.g. `canonical("sid/health-code")`."""
    return f"{BASE}/{path.lstrip('/')}"


def fill_placeholder(text: str) -> str:
    """Shipped data with `{canonical}` where the base goes, with the base put in."""
    return text.replace(PLACEHOLDER, BASE)

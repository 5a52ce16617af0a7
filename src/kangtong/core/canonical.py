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

from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings

from kangtong.core.config import SETTINGS_SOURCES

ENVIRONMENT_VARIABLE = "KANGTONG_CANONICAL_BASE"
DEFAULT_BASE = "https://kangtong.example/fhir"
# Written in shipped data files where the base goes, e.g. "{canonical}/ConceptMap/…".
PLACEHOLDER = "{canonical}"
# What kangtong wrote before the base was configurable (`git show 08db29b^`, ADR 0020): data
# stored at schema 0006 or earlier uses this base, whatever is configured now (migration 0007).
BASE_BEFORE_0007 = "https://kangtong.example/fhir"
# URLs that sat under another host before ADR 0020. Readers accept them beside the current
# URL, so labels and identifiers stored, or kept by other systems, under them still count.
LEGACY_URLS: Mapping[str, tuple[str, ...]] = {
    "CodeSystem/sensitivity": ("https://kangtong.org/fhir/CodeSystem/sensitivity",),
    "NamingSystem/guardian-of": ("https://kangtong.org/fhir/NamingSystem/guardian-of",),
}


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


def with_legacy(path: str) -> tuple[str, ...]:
    """`canonical(path)` first, then every URL an older kangtong wrote for the same thing."""
    return (canonical(path), *LEGACY_URLS.get(path.lstrip("/"), ()))

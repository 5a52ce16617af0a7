"""Wiring: builds every service once from Settings (used by the web app and the CLI)."""

from kangtong.platform.container import Platform, build_platform

__all__ = ["Platform", "build_platform"]

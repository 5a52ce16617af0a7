"""One Settings object, built once at the entry point and passed down (never read globally)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "kangtong.db"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as an environment variable `KANGTONG_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="KANGTONG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL: sqlite:///path (embedded) or postgresql+psycopg://… (production)",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = Field(
        default="",
        description="Public base URL of the FHIR endpoint; derived from the request when empty",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Zone used for FHIR dates and dateTimes that carry no offset",
    )
    default_district: str = Field(
        default="",
        description="GB/T 2260 code of the district that owns data written without an explicit one",
    )
    default_page_size: int = 20
    max_page_size: int = 1000
    validate_resources: bool = True
    outbox_poll_seconds: float = 1.0

"""What `kangtong config show` shows: secrets masked, and where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kangtong.core import settings_view
from kangtong.core.config import Settings
from kangtong.core.settings_view import mask_url_password, masked_value, shown_settings


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://kt:s3cret@db:5432/kangtong", "postgresql://kt:***@db:5432/kangtong"),
        ("postgresql+psycopg://kt:p@ss/w@db/kt", "postgresql+psycopg://kt:***@db/kt"),
        ("postgresql://kt:p?ss#w@db/kt", "postgresql://kt:***@db/kt"),
        ("postgresql://kt@db/kt?password=s3cret&sslmode=require",
         "postgresql://kt@db/kt?password=***&sslmode=require"),
        ("postgresql://kt@db/kt?sslmode=require&sslpassword=s3cret",
         "postgresql://kt@db/kt?sslmode=require&sslpassword=***"),
        ("postgresql+psycopg://kt@db/kt?%70assword=s3cret&sslmode=require",
         "postgresql+psycopg://kt@db/kt?%70assword=***&sslmode=require"),
        ("postgresql+psycopg://kt:s3cret\n@db/kt", "postgresql+psycopg://kt:***@db/kt"),
        (" postgresql://kt:s3cret@db/kt", " postgresql://kt:***@db/kt"),
        ("postgresql://kt@db/kt?application_name=password", "postgresql://kt@db/kt?application_name=password"),
        ("postgresql://kt@db/kt", "postgresql://kt@db/kt"),
        ("sqlite:///var/kangtong.db", "sqlite:///var/kangtong.db"),
        ("https://hie.example.cn/fhir", "https://hie.example.cn/fhir"),
    ],
    ids=["userinfo", "password with / and @", "password with ? and #", "query", "ssl query",
         "percent-encoded query key", "line break in password", "leading blank",
         "the word password as a value", "no password", "sqlite", "https"],
)  # fmt: skip
def test_a_password_in_a_url_is_masked(url: str, shown: str) -> None:
    assert mask_url_password(url) == shown


def test_a_declared_secret_field_is_masked_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_view, "SECRET_FIELDS", frozenset({"base_url"}))
    assert masked_value("base_url", "anything") == "***"
    assert masked_value("base_url", "") == ""
    assert masked_value("host", "anything") == "anything"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No KANGTONG_* variable from the caller, and a working folder without `.env`."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"KANGTONG_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _by_name(settings: Settings, options: frozenset[str] = frozenset()) -> dict[str, object]:
    return {s.name: (s.value, s.source) for s in shown_settings(settings, options)}


def test_values_from_the_environment_are_masked_and_say_env(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANGTONG_DATABASE_URL", "postgresql://kt:env-secret@db/kt")
    monkeypatch.setenv("kangtong_port", "9090")
    shown = _by_name(Settings())
    assert shown["database_url"] == ("postgresql://kt:***@db/kt", "env")
    assert shown["port"] == (9090, "env")
    assert shown["host"] == ("127.0.0.1", "default")
    assert "env-secret" not in repr(shown)


def test_values_from_dotenv_say_dotenv_and_an_option_wins(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text(
        "KANGTONG_DATABASE_URL=postgresql://kt:file-secret@db/kt\nKANGTONG_PORT=9191\n"
    )
    monkeypatch.setenv("KANGTONG_PORT", "9090")
    shown = _by_name(Settings())
    assert shown["database_url"] == ("postgresql://kt:***@db/kt", ".env")
    assert shown["port"] == (9090, "env")
    option = Settings(database_url="postgresql://kt:cli-secret@other/kt")
    assert _by_name(option, frozenset({"database_url"}))["database_url"] == (
        "postgresql://kt:***@other/kt",
        "option",
    )


def test_every_field_is_shown_once_in_declaration_order(clean_environment: Path) -> None:
    names = [s.name for s in shown_settings(Settings())]
    assert names == list(Settings.model_fields)

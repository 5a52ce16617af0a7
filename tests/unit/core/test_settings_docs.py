"""docs/settings.md lists every setting as `Settings` declares it now (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kangtong.core.config import NOT_SECRET_FIELDS, SECRET_FIELDS, Settings
from kangtong.core.settings_docs import (
    BEGIN,
    COMMAND,
    END,
    MarkersMissing,
    settings_table,
    with_table,
)

PAGE = Path(__file__).resolve().parents[3] / "docs" / "settings.md"


def test_the_settings_page_is_what_the_generator_renders_now() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page == with_table(page), f"docs/settings.md is out of date: run `{COMMAND}`"


def test_every_field_has_a_description() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == [], f"give these Settings fields a description: {missing}"


def test_the_table_has_one_row_per_field_with_its_variable_and_default() -> None:
    rows = [line for line in settings_table().splitlines() if line.startswith("| `KANGTONG_")]
    assert len(rows) == len(Settings.model_fields)
    port = next(row for row in rows if row.startswith("| `KANGTONG_PORT`"))
    assert f"`{Settings.model_fields['port'].default}`" in port
    hosts = next(row for row in rows if row.startswith("| `KANGTONG_ALLOWED_HOSTS`"))
    assert "comma-separated" in hosts and "(empty)" in hosts


def test_a_pipe_in_a_description_does_not_split_the_row() -> None:
    for row in settings_table().splitlines()[2:]:
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_replacing_the_table_keeps_the_text_around_it() -> None:
    page = f"# Intro\n\n{BEGIN}\nstale row\n{END}\n\nAfter.\n"
    rendered = with_table(page)
    assert rendered.startswith(f"# Intro\n\n{BEGIN}\n| variable |")
    assert rendered.endswith(f"{END}\n\nAfter.\n")
    assert "stale row" not in rendered
    assert with_table(rendered) == rendered


def test_a_page_without_markers_is_refused() -> None:
    with pytest.raises(MarkersMissing):
        with_table("# Settings\n\nno markers here\n")


def test_every_field_named_like_a_secret_is_declared_secret_or_not() -> None:
    sounds_secret = re.compile(r"secret|password|key|token")
    undeclared = [
        name
        for name in Settings.model_fields
        if sounds_secret.search(name) and name not in SECRET_FIELDS | NOT_SECRET_FIELDS
    ]
    assert undeclared == [], (
        f"declare {undeclared} in SECRET_FIELDS or NOT_SECRET_FIELDS (core/config.py)"
    )
    assert set(Settings.model_fields) >= SECRET_FIELDS
    assert not SECRET_FIELDS & NOT_SECRET_FIELDS

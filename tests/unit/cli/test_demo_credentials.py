"""The demo's passwords and client secrets are kept readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest

from kangtong.cli.demo_people import CREDENTIALS_FILE, keep_credentials


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_credentials_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / CREDENTIALS_FILE
    keep_credentials(path, {"demo-doctor": "Kt9-secret"})
    assert mode_of(path) == 0o600
    assert orjson.loads(path.read_bytes()) == {"demo-doctor": "Kt9-secret"}


def test_a_credentials_file_left_readable_by_others_is_closed_when_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / CREDENTIALS_FILE
    path.write_bytes(b"{}")
    path.chmod(0o644)  # e.g. copied back from a backup
    keep_credentials(path, {"demo-his": "client-secret"})
    assert mode_of(path) == 0o600


def test_secrets_are_never_written_through_a_symbolic_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "public.json"
    elsewhere.write_bytes(b"")
    (tmp_path / CREDENTIALS_FILE).symlink_to(elsewhere)
    with pytest.raises(OSError):
        keep_credentials(tmp_path / CREDENTIALS_FILE, {"demo-app": "client-secret"})
    assert elsewhere.read_bytes() == b""

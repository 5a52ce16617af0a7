"""The resource service cannot be built without an access policy and an audit sink."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from kangtong.core.clock import SystemClock
from kangtong.fhir.service import ResourceService
from kangtong.store.database import open_database


def test_policy_and_audit_have_no_defaults() -> None:
    parameters = inspect.signature(ResourceService).parameters
    for name in ("policy", "audit", "sealing"):
        assert parameters[name].default is inspect.Parameter.empty, name
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_building_it_without_them_fails_loudly(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    arguments: dict[str, Any] = {
        "indexer": object(),
        "parser": object(),
        "clock": SystemClock(),
        "is_resource_type": lambda _t: True,
    }
    with pytest.raises(TypeError, match="policy"):
        ResourceService(db, **arguments)  # type: ignore[call-arg]
    db.dispose()


def test_the_write_transaction_does_not_know_the_service() -> None:
    source = Path(inspect.getfile(ResourceService)).with_name("changeset.py").read_text()
    assert "ResourceService" not in source
    assert "kangtong.fhir.service" not in source

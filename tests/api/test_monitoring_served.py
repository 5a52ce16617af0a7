"""`kangtong serve` with JSON logs and a listed scraper: what an operator's tools would see."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from tests.served import served


def test_serve_logs_json_lines_and_answers_its_probes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'kangtong.db'}"
    db = open_database(url)
    upgrade(db)
    db.dispose()
    monkeypatch.setenv("KANGTONG_LOG_FORMAT", "json")
    monkeypatch.setenv("KANGTONG_METRICS_ALLOW_IPS", "127.0.0.1")
    with served(url, tmp_path) as server:
        ready = httpx.get(f"{server.base}/readyz", timeout=10)
        metrics = httpx.get(f"{server.base}/metrics", timeout=10)  # from 127.0.0.1, no token
        log = server.log.read_text(encoding="utf-8")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert metrics.status_code == 200
    assert 'route="/readyz",status="200"' in metrics.text
    lines = [json.loads(text) for text in log.splitlines() if text.strip()]
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "kangtong.access"} <= loggers  # uvicorn's own lines too
    (probe,) = [
        line for line in lines
        if line["logger"] == "kangtong.access" and line["message"].startswith("GET /readyz")
    ]  # fmt: skip
    assert probe["request_id"] == ready.headers["x-request-id"]

"""Measurement: a flood of bad bearer tokens from one address (issue 13 finding 7).

    .venv/bin/python bench/security_flood.py [--tokens 2000]

Writes ``bench/results/security-flood.json``: how many audit rows N refused tokens leave and how
long the N requests take (in-process ASGI client, SQLite), with the statuses answered. Before
the refusal limits every refused token was one audit row (2,000 tokens → 2,000 rows).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app

RESULTS = Path(__file__).parent / "results" / "security-flood.json"


def measure(tokens: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'flood.db'}"
        settings = Settings(database_url=url, security_key_dir=str(Path(folder) / "keys"))
        db = open_database(url)
        upgrade(db)
        platform = build_platform(settings, database=db)
        statuses: Counter[int] = Counter()
        with TestClient(create_app(platform), base_url="http://kangtong.bench") as client:
            before = platform.security.audit.count()
            began = time.perf_counter()
            for n in range(tokens):
                headers = {"Authorization": f"Bearer forged.{n}.token"}
                statuses[client.get("/fhir/Patient", headers=headers).status_code] += 1
            seconds = time.perf_counter() - began
            platform.security.audit_sink.close()  # reports open floods, commits the queue
            rows = platform.security.audit.count() - before
        platform.events.stop()
        db.dispose()
    return {"tokens": tokens, "audit_rows": rows, "seconds": round(seconds, 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    result = measure(parser.parse_args().tokens)
    result["measured_at"] = datetime.now(UTC).isoformat()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

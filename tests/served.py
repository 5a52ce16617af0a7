"""`kangtong serve` as a real process (optionally several workers), for tests over HTTP.

The server gets its own key folder, so tokens the test mints with the same folder verify.
Its log goes to a file, never to a pipe nobody reads (a full pipe would stall it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.security.tokens import TokenClaims


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    settings: Settings
    log: Path

    @property
    def fhir(self) -> str:
        return f"{self.base}/fhir"

    def token(self, role: str = "system", scopes: tuple[str, ...] = ("system/*.cruds",)) -> str:
        platform = build_platform(self.settings)
        try:
            claims = TokenClaims("tests/served", "kangtong-tests", scopes, (role,))
            return platform.security.tokens.issue(claims, 3600).token
        finally:
            platform.close()

    def worker_pids(self) -> list[int]:
        """The worker processes under uvicorn's supervisor (empty with a single process)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if not children.exists():
            return []
        return [pid for pid in map(int, children.read_text().split()) if _is_worker(pid)]


def _is_worker(pid: int) -> bool:
    """A spawned worker, not multiprocessing's resource tracker (also a child)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@contextmanager
def own_schema(pg_schema_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own (beside the session's), dropped at the end: the servers
    of a module leave their data there, not in the schema other tests truncate."""
    url = make_url(pg_schema_url)
    schema = f"kt_served_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(query={}))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.set(query={"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


@contextmanager
def served(
    database_url: str,
    workdir: Path,
    *,
    workers: int = 1,
    startup_seconds: float = 90,
    base_url: str = "",
) -> Iterator[Served]:
    """A server on a free port over `database_url` (already migrated); stopped at the end.

    `base_url` is the server's KANGTONG_BASE_URL, and so the issuer its tokens must name.
    """
    settings = Settings(
        database_url=database_url, security_key_dir=str(workdir / "keys"), base_url=base_url
    )
    port = free_port()
    log = workdir / f"server-{port}.log"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KANGTONG_SECURITY_KEY_DIR": settings.security_key_dir,
        "KANGTONG_OUTBOX_POLL_SECONDS": "0.2",
        "KANGTONG_BASE_URL": base_url,
    }
    command = [
        str(Path(sys.executable).with_name("kangtong")), "serve", "--database-url", database_url,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    with log.open("wb") as sink:
        # A process group of its own: stopping it stops the supervisor and every worker.
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, startup_seconds)
        _wait_for_workers(log, workers, startup_seconds)
        yield Served(base, process, settings, log)
    finally:
        _stop(process)


def _wait_for_workers(log: Path, workers: int, seconds: float) -> None:
    """Until every worker has logged uvicorn's "Application startup complete"."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"fewer than {workers} workers started")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

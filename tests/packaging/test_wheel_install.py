"""A built wheel installs into a fresh venv and serves FHIR, with no `make` and no npm (issue 14).

The whole path an operator takes: build the wheel, `pip install` it into a venv that sees no
other site-packages, migrate a new SQLite database, issue a token and start `kangtong serve`
from that venv. The generated structure model must be inside the wheel, or the first request
that validates (and the metadata built from the model) fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "kangtong"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]


def standalone_environment(**settings: str) -> dict[str, str]:
    """This process's environment without PYTHONPATH or KANGTONG_* settings: with the source
    tree on PYTHONPATH, pip would even skip installing the wheel as already satisfied."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTHONPATH" and not key.startswith("KANGTONG_")
    }
    return kept | settings


def run(
    command: list[str], environment: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=cwd,
        env=environment or standalone_environment(),
    )  # fmt: skip
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


# What a build must not see: setuptools' own `build/` of another build (a concurrent or stale
# one made this build fail with "File exists"), and what is local to this checkout.
LOCAL_ONLY = ("build", "dist", ".venv", ".cache", ".git", "var", "*.egg-info", "__pycache__")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of this checkout (with its generated structure model)."""
    source = tmp_path_factory.mktemp("source") / "kangtong"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY), symlinks=True)
    dist = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)])
    print(f"built the wheel in {time.monotonic() - started:.1f} s")
    (built,) = dist.glob("kangtong-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv (no system site-packages) with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    started = time.monotonic()
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    print(f"made the venv and installed the wheel in {time.monotonic() - started:.1f} s")
    return venv / "bin"


def test_the_wheel_carries_every_runtime_data_file(wheel: Path) -> None:
    """Every file under src/kangtong that is not Python source (model, terminology, registry,
    migrations, templates, static, MPI model) is in the wheel."""
    data_files = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    assert "kangtong/fhir/model/data/r4-model.json" in data_files  # the tree under test has it
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert data_files - in_wheel == set()


@pytest.fixture
def server(installed: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`kangtong serve` from the installed venv over a new SQLite file; (base URL, token)."""
    environment = standalone_environment(
        KANGTONG_DATABASE_URL=f"sqlite:///{tmp_path / 'kangtong.db'}",
        KANGTONG_SECURITY_KEY_DIR=str(tmp_path / "keys"),
    )
    kangtong = str(installed / "kangtong")
    run([kangtong, "db", "upgrade"], environment, tmp_path)
    issued = run([kangtong, "auth", "issue-token", "--role", "system"], environment, tmp_path)
    token = issued.stdout.strip()
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [kangtong, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=sink, stderr=subprocess.STDOUT, env=environment, cwd=tmp_path,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process, log)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kangtong serve exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"kangtong serve did not answer in 60 s:\n{log.read_text()[-3000:]}")


def test_the_installed_command_serves_a_capability_statement(
    installed: Path, server: tuple[str, str]
) -> None:
    base, token = server
    answer = httpx.get(
        f"{base}/fhir/metadata",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    statement = answer.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"].startswith("4.0")
    resources = {entry["type"] for entry in statement["rest"][0]["resource"]}
    assert {"Patient", "Observation", "Encounter"} <= resources


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed: Path) -> None:
    """The venv imports kangtong from its own site-packages: the test above proves the wheel."""
    where = "import kangtong; print(kangtong.__file__)"
    done = run([str(installed / "python"), "-c", where], cwd=installed)
    assert "site-packages" in done.stdout and str(ROOT / "src") not in done.stdout


def test_without_model_definitions_or_npm_the_build_fails_with_one_clear_message(
    tmp_path: Path,
) -> None:
    """Never a wheel without the model: it would install and then fail at the first request."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "setup.py", "README.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes((ROOT / name).read_bytes())
    ignored = shutil.ignore_patterns("__pycache__", "r4-model.json", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignored)
    no_npm = tmp_path / "empty-bin"
    no_npm.mkdir()
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(source)],
        capture_output=True, text=True, timeout=600,
        env=standalone_environment(PATH=str(no_npm)),
    )  # fmt: skip
    assert done.returncode != 0
    assert "the FHIR structure model" in done.stdout + done.stderr
    assert "npm is not installed" in done.stdout + done.stderr
    assert not list(dist.glob("*.whl"))

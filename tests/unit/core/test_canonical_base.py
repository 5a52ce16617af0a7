"""Every canonical URL kangtong mints hangs off one configurable base, fixed once data exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kangtong.core import canonical
from kangtong.core.canonical import CanonicalBaseError, checked_base
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.store.platform_facts import CanonicalBaseMismatch, require_canonical_base

SRC = Path(canonical.__file__).parents[1]

PROBE = """
from kangtong.registry import systems as registry
from kangtong.registry.antibiotic_grades import ANTIBIOTIC_GRADE_MAP, starter_concept_map
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY
from kangtong.synth import systems as synth
from kangtong.terminology import urls
for url in (registry.DOCTOR_LICENCE, registry.INSTITUTION_TYPE, ANTIBIOTIC_GRADE_MAP,
            starter_concept_map()["targetUri"], KANGTONG_SENSITIVITY,
            synth.DEFAULT_HEALTH_CODE, urls.value_set_url("icd10-cn")):
    print(url)
"""


def run_with_base(code: str, base: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, canonical.ENVIRONMENT_VARIABLE: base}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_base_is_checked() -> None:
    assert checked_base("https://fhir.gz.example/r4/") == "https://fhir.gz.example/r4"
    for bad in ("fhir.gz.example", "ftp://x.example", "https://x.example/?a=1", "https://"):
        with pytest.raises(CanonicalBaseError):
            checked_base(bad)


def test_a_configured_base_reaches_every_minted_url() -> None:
    result = run_with_base(PROBE, "https://fhir.gz.example/r4")
    assert result.returncode == 0, result.stderr
    urls = result.stdout.split()
    assert len(urls) == 7
    assert all(url.startswith("https://fhir.gz.example/r4/") for url in urls), urls


def test_a_malformed_base_stops_the_process_with_a_reason() -> None:
    result = run_with_base("import kangtong.registry.systems", "not a url")
    assert result.returncode != 0
    assert canonical.ENVIRONMENT_VARIABLE in result.stderr


def test_no_module_writes_a_base_of_its_own() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "canonical.py"
        and ("kangtong.example" in path.read_text() or "kangtong.org" in path.read_text())
    ]
    assert offenders == []


def test_a_database_keeps_the_base_its_data_was_written_under(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    upgrade(db)
    require_canonical_base(db, canonical.BASE)
    with pytest.raises(CanonicalBaseMismatch, match=canonical.ENVIRONMENT_VARIABLE):
        require_canonical_base(db, "https://fhir.other.example/r4")
    db.dispose()


def _without_kangtong_variables() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KANGTONG_")}


def test_the_base_is_read_from_dot_env_like_every_other_setting(tmp_path: Path) -> None:
    """`kangtong db upgrade` in a folder whose `.env` sets the base records that base."""
    (tmp_path / ".env").write_text(
        f"KANGTONG_DATABASE_URL=sqlite:///{tmp_path / 'k.db'}\n"
        "KANGTONG_CANONICAL_BASE=https://fhir.health.gz.example.gov.cn/fhir\n"
    )
    upgrade_here = (
        "from kangtong.cli.main import app; "
        "app(['db', 'upgrade'], prog_name='kangtong', standalone_mode=False)"
    )
    result = subprocess.run(
        [sys.executable, "-c", upgrade_here],
        cwd=tmp_path,
        env={**_without_kangtong_variables(), "PYTHONPATH": str(SRC.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    db = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    require_canonical_base(db, "https://fhir.health.gz.example.gov.cn/fhir")
    db.dispose()


def test_the_environment_outranks_dot_env_for_the_base_as_for_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KANGTONG_CANONICAL_BASE=https://from-dot-env.example/fhir\n")
    env = {**_without_kangtong_variables(), "PYTHONPATH": str(SRC.parent)}
    show = "from kangtong.core import canonical; print(canonical.BASE)"
    read = subprocess.run(
        [sys.executable, "-c", show], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert read.stdout.strip() == "https://from-dot-env.example/fhir", read.stderr
    env[canonical.ENVIRONMENT_VARIABLE] = "https://from-environment.example/fhir"
    read = subprocess.run(
        [sys.executable, "-c", show], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert read.stdout.strip() == "https://from-environment.example/fhir", read.stderr


def test_readers_get_the_current_url_first_then_the_ones_kangtong_wrote_before() -> None:
    assert canonical.with_legacy("CodeSystem/sensitivity") == (
        canonical.canonical("CodeSystem/sensitivity"),
        "https://kangtong.org/fhir/CodeSystem/sensitivity",
    )
    assert canonical.with_legacy("sid/health-code") == (canonical.canonical("sid/health-code"),)

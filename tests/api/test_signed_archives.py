"""Backups and de-identified exports carry an SM2 signature (issue 13, finding 13).

Whoever holds the file between the platform and its reader (an off-site store, a mail
gateway, a researcher's laptop) must not be able to change one byte undetected: `kangtong
backup verify` and `kangtong export verify` check the SM2 signature over the manifest with the
platform's public key and every checksum in it, and exit non-zero naming what failed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.backup_archive import sha256_of
from kangtong.security.crypto.sm3 import sm3_digest
from kangtong.security.tokens import TokenClaims

SYSTEM = AccessContext("system/test", district="520103", roles=frozenset({"system"}))


def _env(settings: Settings) -> dict[str, str]:
    return {"KANGTONG_SECURITY_KEY_DIR": settings.security_key_dir,
            "KANGTONG_BASE_URL": settings.base_url}  # fmt: skip


def _run(settings: Settings, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=_env(settings))


def _said(result: Any) -> str:
    """The command's messages as one line (the console wraps long ones)."""
    return " ".join(str(result.output).split())


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _backup(platform: Platform, settings: Settings, tmp_path: Path) -> Path:
    platform.service.create(SYSTEM, {"resourceType": "Patient", "gender": "male"})
    made = _run(settings, "backup", "--out", str(tmp_path / "b"),
                "--database-url", settings.database_url)  # fmt: skip
    assert made.exit_code == 0, made.output
    return Path(made.stdout.strip().splitlines()[-1])


def test_a_backup_verifies_and_one_changed_byte_is_refused(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    archive = _backup(platform, settings, tmp_path)
    good = _run(settings, "backup", "verify", str(archive))
    assert good.exit_code == 0, good.output
    _flip_one_byte(next(archive.glob("database.*")))
    damaged = _run(settings, "backup", "verify", str(archive))
    assert damaged.exit_code != 0 and "checksum" in _said(damaged)


def test_a_rewritten_manifest_or_another_key_is_refused_and_not_restored(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    archive = _backup(platform, settings, tmp_path)
    manifest = archive / "manifest.json"
    payload = next(archive.glob("database.*"))
    _flip_one_byte(payload)  # the attacker changes the data and writes matching checksums
    fields = orjson.loads(manifest.read_bytes())
    fields["sha256"] = sha256_of(payload)
    manifest.write_bytes(orjson.dumps(fields, option=orjson.OPT_INDENT_2))
    rewritten = _run(settings, "backup", "verify", str(archive))
    assert rewritten.exit_code == 1 and "altered after signing" in _said(rewritten)
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    refused = _run(settings, "restore", str(archive), "--database-url", target)
    assert refused.exit_code == 1 and "altered after signing" in _said(refused)
    stranger = Settings(database_url=settings.database_url,
                        security_key_dir=str(tmp_path / "other-keys"))  # fmt: skip
    other = _run(stranger, "backup", "verify", str(_backup(platform, settings, tmp_path)))
    assert other.exit_code == 1 and "not by this platform's SM2 key" in _said(other)


def test_an_unsigned_archive_is_restored_only_when_the_operator_says_so(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    archive = _backup(platform, settings, tmp_path)
    (archive / "manifest.sig.json").unlink()
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    refused = _run(settings, "restore", str(archive), "--database-url", target)
    assert refused.exit_code == 1 and "not signed" in _said(refused)
    if settings.database_url.startswith("sqlite"):
        accepted = _run(settings, "restore", str(archive), "--unsigned", "--database-url", target)
        assert accepted.exit_code == 0, accepted.output


def _token(platform: Platform, who: str, role: str) -> str:
    claims = TokenClaims(subject=who, client_id="cli", scopes=("user/*.rs",), roles=(role,),
                         fhir_user=who, district="520103")  # fmt: skip
    return platform.security.tokens.issue(claims).token


def _export(platform: Platform, settings: Settings, tmp_path: Path) -> Path:
    for n in range(5):
        platform.service.create(SYSTEM, {"resourceType": "Patient", "gender": "male",
                                         "birthDate": f"1970-05-0{n + 1}"})  # fmt: skip
    url = ["--database-url", settings.database_url]
    officer = _token(platform, "Practitioner/ph-1", "public-health-officer")
    manager = _token(platform, "Practitioner/mgr-1", "manager")
    asked = _run(settings, "export", "request", "--query", "Patient", "--purpose",
                 "慢病随访质量评估研究", "--token", officer, *url)  # fmt: skip
    request_id = asked.stdout.strip()
    approved = _run(settings, "export", "approve", request_id, "--token", manager, *url)
    out = tmp_path / "export.ndjson"
    done = _run(settings, "export", "download", request_id, "--download-token",
                approved.stdout.strip(), "--out", str(out), "--token", officer, *url)  # fmt: skip
    assert done.exit_code == 0, done.output
    return out


def test_an_export_verifies_and_one_changed_byte_is_refused(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    out = _export(platform, settings, tmp_path)
    good = _run(settings, "export", "verify", str(out))
    assert good.exit_code == 0, good.output
    _flip_one_byte(out)
    damaged = _run(settings, "export", "verify", str(out))
    assert damaged.exit_code != 0 and "checksum" in _said(damaged)
    assert orjson.loads(out.with_name(out.name + ".sig.json").read_bytes())["signature"]


def test_an_export_with_a_rewritten_manifest_is_refused(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    out = _export(platform, settings, tmp_path)
    sidecar = out.with_name(out.name + ".sig.json")
    lines = out.read_bytes().splitlines()
    forged = b"\n".join(lines[:-1]) + b"\n"  # a withheld line dropped: the counts lie now
    out.write_bytes(forged)
    record = orjson.loads(sidecar.read_bytes())
    record["manifest"] |= {"bytes": len(forged), "sha256": hashlib.sha256(forged).hexdigest(),
                           "sm3": sm3_digest(forged).hex()}  # fmt: skip
    sidecar.write_bytes(orjson.dumps(record))
    refused = _run(settings, "export", "verify", str(out))
    assert refused.exit_code == 1 and "altered after signing" in _said(refused)
    sidecar.unlink()
    missing = _run(settings, "export", "verify", str(out))
    assert missing.exit_code == 1 and "cannot be verified" in _said(missing)

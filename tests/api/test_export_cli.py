"""`kangtong export request|approve|download|list` from the operator's shell."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.tokens import TokenClaims


def token(platform: Platform, who: str, role: str) -> str:
    claims = TokenClaims(subject=who, client_id="cli", scopes=("user/*.rs",), roles=(role,),
                         fhir_user=who, district="520103")  # fmt: skip
    return platform.security.tokens.issue(claims).token


def test_the_cli_walks_the_workflow_and_writes_the_file_once(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    ctx = AccessContext("system/test", district="520103", roles=frozenset({"system"}))
    for n in range(5):
        platform.service.create(ctx, {"resourceType": "Patient", "gender": "male",
                                      "birthDate": f"1970-05-0{n + 1}"})  # fmt: skip
    env = {
        "KANGTONG_SECURITY_KEY_DIR": settings.security_key_dir,
        "KANGTONG_BASE_URL": settings.base_url,
    }  # the token issuer
    url = ["--database-url", settings.database_url]
    officer = token(platform, "Practitioner/ph-1", "public-health-officer")
    manager = token(platform, "Practitioner/mgr-1", "manager")
    runner = CliRunner()
    asked = runner.invoke(app, ["export", "request", "--query", "Patient", "--purpose",
                                "慢病随访质量评估研究", "--token", officer, *url], env=env)  # fmt: skip
    assert asked.exit_code == 0, asked.output
    request_id = asked.stdout.strip()
    own = runner.invoke(app, ["export", "approve", request_id, "--token", officer, *url], env=env)
    assert own.exit_code == 1
    approved = runner.invoke(app, ["export", "approve", request_id, "--token", manager, *url],
                             env=env)  # fmt: skip
    assert approved.exit_code == 0, approved.output
    out = tmp_path / "export.ndjson"
    args = ["export", "download", request_id, "--download-token", approved.stdout.strip(),
            "--out", str(out), "--token", officer, *url]  # fmt: skip
    assert runner.invoke(app, args, env=env).exit_code == 0
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(lines) == 5 and {p["birthDate"] for p in lines} == {"1970"}
    assert out.stat().st_mode & 0o777 == 0o600
    out.unlink()
    assert runner.invoke(app, args, env=env).exit_code == 1  # used
    listed = runner.invoke(app, ["export", "list", "--token", manager, *url], env=env)
    assert request_id[:8] in listed.stdout and "downloaded" in listed.stdout

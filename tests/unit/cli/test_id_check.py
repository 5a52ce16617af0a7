"""`kangtong id check VALUE` prints the verdict and what it derives; exit 0 valid, 1 invalid."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kangtong.cli.main import app

runner = CliRunner()


def test_a_valid_citizen_id_prints_birth_date_sex_and_province_and_exits_0() -> None:
    result = runner.invoke(app, ["id", "check", "11010519491231002X"])
    assert result.exit_code == 0, result.output
    assert "citizen ID" in result.output and "valid 有效" in result.output
    assert "1949-12-31" in result.output and "female 女" in result.output
    assert "北京市" in result.output


def test_an_invalid_citizen_id_names_the_expected_check_character_and_exits_1() -> None:
    result = runner.invoke(app, ["id", "check", "110105194912310021"])
    assert result.exit_code == 1
    assert "INVALID" in result.output
    assert "check: check character is 1, expected X" in result.output
    assert "校验码为1" in result.output


def test_a_legacy_id_is_shown_with_its_18_digit_form() -> None:
    result = runner.invoke(app, ["id", "check", " 110105491231002 "])
    assert result.exit_code == 0
    assert "11010519491231002X" in result.output and "legacy" in result.output


def test_a_credit_code_is_detected_and_explained() -> None:
    result = runner.invoke(app, ["id", "check", "91350100M000100Y43"])
    assert result.exit_code == 0
    assert "unified social credit code" in result.output and "福建省" in result.output
    assert runner.invoke(app, ["id", "check", "91350100M000100Y44"]).exit_code == 1


def test_kind_can_be_forced() -> None:
    result = runner.invoke(app, ["id", "check", "--kind", "physician-licence", "110105491231002"])
    assert result.exit_code == 0
    assert "physician licence" in result.output and "unconfirmed" in result.output
    forced = runner.invoke(app, ["id", "check", "--kind", "credit-code", "11010519491231002X"])
    assert forced.exit_code == 1


def test_today_makes_a_future_birth_date_invalid() -> None:
    value = "52010320300101011X"
    assert runner.invoke(app, ["id", "check", "--today", "2031-01-01", value]).exit_code == 0
    result = runner.invoke(app, ["id", "check", "--today", "2025-01-01", value])
    assert result.exit_code == 1 and "after today (2025-01-01)" in result.output


def test_json_output_carries_reason_codes() -> None:
    result = runner.invoke(app, ["id", "check", "--json", "990105194913310021"])
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["kind"] == "citizen-id" and verdict["valid"] is False
    assert [r["code"] for r in verdict["reasons"]] == ["area", "date", "check"]


def test_a_malformed_today_is_a_usage_error() -> None:
    result = runner.invoke(app, ["id", "check", "--today", "2025-13-01", "11010519491231002X"])
    assert result.exit_code == 2

"""`kangtong id check VALUE`: is this identifier valid, and what does it tell? (证件号码校验)

Exit code 0 when valid, 1 when invalid, so scripts can test a value.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import typer

from kangtong.core.clock import SystemClock
from kangtong.core.ids import (
    KINDS,
    CitizenIdCheck,
    CreditCodeCheck,
    IdentifierKind,
    IdentifierVerdict,
    LicenceCheck,
    Province,
    check_identifier,
)
from kangtong.core.ids.licences import DEFAULT_FORMATS

id_app = typer.Typer(
    help="Chinese identifiers: citizen ID, credit code, licence numbers.", no_args_is_help=True
)


class KindChoice(StrEnum):
    auto = "auto"
    citizen_id = "citizen-id"
    credit_code = "credit-code"
    physician_licence = "physician-licence"
    nurse_licence = "nurse-licence"


TITLES: dict[IdentifierKind, str] = {
    "citizen-id": "居民身份证号码 citizen ID number (GB 11643)",
    "credit-code": "统一社会信用代码 unified social credit code (GB 32100)",
    "physician-licence": "医师执业证书编码 physician licence number (format check only)",
    "nurse-licence": "护士执业证书编号 nurse licence number (format check only)",
}
SEXES = {"male": "male 男", "female": "female 女"}


def register(app: typer.Typer) -> None:
    """Add the `id` command group to the kangtong CLI."""
    app.add_typer(id_app, name="id")


@id_app.command("check")
def check(
    value: str = typer.Argument(..., help="A citizen ID (18 or 15), credit code or licence no."),
    kind: KindChoice = typer.Option(KindChoice.auto, "--kind", help="Which kind (auto: detect)."),
    today: str = typer.Option(
        "", "--today", help="YYYY-MM-DD for the future-birth-date rule (default: today)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
) -> None:
    """Validate an identifier, say why it is invalid, print what it tells (birth date, sex …)."""
    verdict = check_identifier(
        value.strip(),
        kind=None if kind is KindChoice.auto else _kind(kind),
        today=_today(today),
    )
    if as_json:
        typer.echo(json.dumps(verdict_json(verdict), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(verdict_lines(verdict)))
    raise typer.Exit(0 if verdict.valid else 1)


def _kind(choice: KindChoice) -> IdentifierKind:
    return next(kind for kind in KINDS if kind == choice.value)


def _today(text: str) -> dt.date:
    """The given date, or today in the configured zone (KANGTONG_TIMEZONE)."""
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError as error:
            raise typer.BadParameter(f"--today must be YYYY-MM-DD, not {text!r}") from error
    from kangtong.cli.common import settings_for  # the settings, only when the zone is needed

    return SystemClock().now().astimezone(ZoneInfo(settings_for(None).timezone)).date()


def verdict_lines(verdict: IdentifierVerdict) -> list[str]:
    """The verdict for people: title, valid or not, what the value tells, every reason."""
    mark = "valid 有效" if verdict.valid else "INVALID 无效"
    lines = [f"{TITLES[verdict.kind]}: {mark}"]
    lines.extend(f"  {_padded(label, 24)}{text}" for label, text in _facts(verdict.check))
    lines.extend(f"  ✗ {r.code}: {r.message}\n    {r.message_zh}" for r in verdict.check.reasons)
    if verdict.also_valid_as:
        lines.append(f"  note: also has the form of {', '.join(verdict.also_valid_as)}")
    elif not verdict.valid and len(verdict.tried) > 1:
        others = [kind for kind in verdict.tried if kind != verdict.kind]
        lines.append(f"  note: not valid as {', '.join(others)} either")
    return lines


def _padded(label: str, columns: int) -> str:
    """`label` padded to `columns` terminal columns; hanzi take two."""
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
    return label + " " * max(1, columns - width)


def _facts(check: CitizenIdCheck | CreditCodeCheck | LicenceCheck) -> list[tuple[str, str]]:
    facts: list[tuple[str, str | None]] = [("normalised 规范形式", check.normalised)]
    if isinstance(check, CitizenIdCheck):
        facts += [
            ("legacy 15-digit 旧版", "yes 是" if check.legacy else None),
            ("area 地址码", _area(check.area_code, check.province)),
            ("birth date 出生日期", check.birth_date.isoformat() if check.birth_date else None),
            ("sex 性别", SEXES[check.sex] if check.sex else None),
        ]
    elif isinstance(check, CreditCodeCheck):
        kind = check.kind
        facts += [
            (
                "authority 登记管理部门",
                f"{kind.authority_zh} {kind.authority_en}" if kind else None,
            ),
            ("type 机构类别", f"{kind.type_zh} {kind.type_en}" if kind and kind.type_zh else None),
            ("area 行政区划码", _area(check.area_code, check.province)),
            ("organisation 主体标识码", check.organisation_code),
        ]
    else:
        confirmed = DEFAULT_FORMATS[check.kind].confirmed
        facts += [
            ("area 行政区划码", check.area_code),
            (
                "format 格式",
                "confirmed 已确认" if confirmed else "unconfirmed 未确认 (configurable)",
            ),
        ]
    return [(label, text) for label, text in facts if text]


def _area(code: str | None, province: Province | None) -> str | None:
    if code is None:
        return None
    return f"{code} {province.name_zh} {province.name_en}" if province else code


def verdict_json(verdict: IdentifierVerdict) -> dict[str, Any]:
    """The verdict for programs: kind, valid, reasons with codes, and the derived facts."""
    check = verdict.check
    facts = {
        name: getattr(check, name, None)
        for name in ("normalised", "legacy", "area_code", "birth_date", "sex", "organisation_code")
    }
    province: Province | None = getattr(check, "province", None)
    return {
        "kind": verdict.kind,
        "valid": verdict.valid,
        "reasons": [
            {"code": r.code, "message": r.message, "message_zh": r.message_zh}
            for r in check.reasons
        ],
        **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in facts.items()},
        "province": province.name_zh if province else None,
        "tried": list(verdict.tried),
        "also_valid_as": list(verdict.also_valid_as),
    }

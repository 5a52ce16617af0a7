"""Small builders shared by the FHIR mappers (plain JSON dicts, validated by tests)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from kangtong.synth import systems
from kangtong.synth.model import Address

Resource = dict[str, Any]
CHINA_OFFSET = "+08:00"


def instant(moment: dt.datetime) -> str:
    """A FHIR dateTime in China Standard Time."""
    return moment.isoformat(timespec="seconds") + CHINA_OFFSET


def day(date: dt.date) -> str:
    return date.isoformat()


def ref(resource_type: str, resource_id: str, display: str | None = None) -> dict[str, str]:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


@functools.lru_cache(maxsize=4096)
def concept(
    system: str, code: str, display: str | None = None, text: str | None = None
) -> Resource:
    """A CodeableConcept; cached and shared, so callers must never mutate the result."""
    result: Resource = {"coding": [coding(system, code, display)]}
    if text or display:
        result["text"] = text or display
    return result


def address(value: Address, use: str = "home") -> Resource:
    """A structured address: street (街道), road and complex, then building / unit / room. Parts a
    desk left out are absent (FHIR strings may not be empty)."""
    dwelling = f"{value.building}{value.unit}{value.room}"
    parts = {
        "use": use,
        "type": "physical",
        "text": value.text,
        "line": [line for line in (value.street, value.road, dwelling) if line],
        "city": value.city,
        "district": value.district,
        "state": value.province,
        "postalCode": value.postal_code,
        "country": "CN",
    }
    return {key: part for key, part in parts.items() if part}


def sex_extension(sex: str) -> Resource:
    code, display = ("1", "男性") if sex == "male" else ("2", "女性")
    return {
        "url": systems.SEX_EXTENSION,
        "valueCodeableConcept": concept(systems.SEX_GB2261, code, display),
    }


def phone(value: str, use: str = "mobile") -> Resource:
    return {"system": "phone", "value": value, "use": use}

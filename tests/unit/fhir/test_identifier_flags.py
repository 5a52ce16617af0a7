"""The server's flag on citizen IDs that fail GB 11643: what is flagged, what is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kangtong.core.ids.gb11643 import check_character
from kangtong.fhir.identifier_flags import CHECK_FAILED, CITIZEN_ID, IdentifierFlags, is_flagged

TODAY = dt.date(2026, 12, 8)
flag = IdentifierFlags(lambda: TODAY)
VALID = "110101199003070011"


def make(first_17: str) -> str:
    return first_17 + check_character(first_17)


def person(res_type: str, *identifiers: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": res_type, "identifier": list(identifiers)}


def test_a_number_readable_as_valid_is_not_flagged() -> None:
    for written in (VALID, "１１０１０１１９９００３０７００１１", "110101 19900307 0011"):
        stored, warnings = flag(person("Patient", {"system": CITIZEN_ID, "value": written}))
        assert (is_flagged(stored["identifier"][0]), warnings) == (False, [])


def test_a_birth_date_after_today_is_flagged_only_from_that_day_on() -> None:
    born_tomorrow = make("11010120261209001")
    early = IdentifierFlags(lambda: dt.date(2026, 12, 9))
    resource = person("Patient", {"system": CITIZEN_ID, "value": born_tomorrow})
    assert is_flagged(flag(resource)[0]["identifier"][0])
    assert not is_flagged(early(resource)[0]["identifier"][0])


def test_other_systems_and_other_types_are_left_as_written() -> None:
    mrn = {"system": "urn:oid:1.2.3", "value": "110101199003070012"}
    resource = person("Patient", mrn)
    assert flag(resource) == (resource, [])
    practitioner = person("Practitioner", {"system": CITIZEN_ID, "value": "110101199003070012"})
    assert flag(practitioner)[0] is practitioner  # its registry rule refuses a bad number


def test_the_callers_resource_is_not_changed() -> None:
    identifier = {"system": CITIZEN_ID, "value": "110101199003070012"}
    resource = person("Patient", identifier)
    stored, _ = flag(resource)
    assert is_flagged(stored["identifier"][0]) and "extension" not in identifier


def test_other_extensions_on_the_identifier_are_kept() -> None:
    own = {"url": "https://hospital.test/ext", "valueString": "x"}
    forged = {"url": CHECK_FAILED, "valueCode": "check"}
    identifier = {"extension": [own, forged], "system": CITIZEN_ID, "value": VALID}
    stored, _ = flag(person("Patient", identifier))
    assert stored["identifier"][0]["extension"] == [own]

"""Which writers a care relationship may come from (issue 13, finding 1): never the reader."""

from __future__ import annotations

from kangtong.security.care_trust import (
    referral_sender,
    trusted_guardianship,
    trusted_registration,
)
from kangtong.store.records import VersionWriter


def _writer(*roles: str, org: str | None = "org-b") -> VersionWriter:
    return VersionWriter("someone", frozenset(roles), org)


def test_the_institutions_own_system_registers_its_patients() -> None:
    assert trusted_registration(_writer("institution-system"), "org-b")


def test_the_platform_registers_for_any_institution() -> None:
    assert trusted_registration(_writer("system", org=None), "org-b")


def test_a_clinician_registers_nobody() -> None:
    assert not trusted_registration(_writer("clinician"), "org-b")


def test_another_institutions_system_registers_nobody_for_b() -> None:
    assert not trusted_registration(_writer("institution-system", org="org-c"), "org-b")


def test_a_version_without_a_recorded_writer_is_trusted_by_nothing() -> None:
    assert not trusted_registration(None, "org-b")
    assert referral_sender(None, "org-b") is None


def test_a_referral_must_come_from_another_institution() -> None:
    assert referral_sender(_writer("clinician", org="org-c"), "org-b") == "org-c"
    assert referral_sender(_writer("clinician", org="org-b"), "org-b") is None


def test_only_clinicians_and_institution_systems_refer() -> None:
    assert referral_sender(_writer("nurse", org="org-c"), "org-b") is None
    assert referral_sender(_writer("institution-system", org="org-c"), "org-b") == "org-c"
    assert referral_sender(_writer("system", org=None), "org-b") == ""


def test_guardianship_is_recorded_by_the_platform_or_the_registering_institutions_system() -> None:
    def registered_at_a(org: str) -> bool:
        return org == "org-a"

    assert trusted_guardianship(_writer("institution-system", org="org-a"), registered_at_a)
    assert trusted_guardianship(_writer("system", org=None), registered_at_a)
    assert not trusted_guardianship(_writer("institution-system", org="org-b"), registered_at_a)
    assert not trusted_guardianship(_writer("clinician", org="org-a"), registered_at_a)
    assert not trusted_guardianship(None, registered_at_a)

"""RFC 6238 Appendix B and RFC 4226 Appendix D test vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.security.totp import (
    hotp,
    new_totp_secret,
    provisioning_uri,
    secret_base32,
    totp,
    verify_totp,
)

SHA1_SECRET = b"12345678901234567890"
SHA256_SECRET = b"12345678901234567890123456789012"
SHA512_SECRET = b"1234567890123456789012345678901234567890123456789012345678901234"

RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("moment", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc_6238_vectors(moment: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp(SHA1_SECRET, moment, digits=8) == sha1
    assert totp(SHA256_SECRET, moment, digits=8, algorithm="sha256") == sha256
    assert totp(SHA512_SECRET, moment, digits=8, algorithm="sha512") == sha512


def test_rfc_4226_hotp_vectors() -> None:
    expected = [
        "755224",
        "287082",
        "359152",
        "969429",
        "338314",
        "254676",
        "287922",
        "162583",
        "399871",
        "520489",
    ]
    assert [hotp(SHA1_SECRET, counter) for counter in range(10)] == expected


def test_a_code_from_the_neighbouring_step_is_accepted_but_not_older() -> None:
    code = totp(SHA1_SECRET, 1_000_000)
    assert verify_totp(SHA1_SECRET, code, 1_000_000 + 30)
    assert not verify_totp(SHA1_SECRET, code, 1_000_000 + 90)


@given(st.text(max_size=8))
def test_malformed_codes_never_verify(code: str) -> None:
    if len(code) == 6 and code.isdigit():
        return
    assert not verify_totp(SHA1_SECRET, code, 1_000_000)


def test_new_secrets_are_160_bits_and_provisioned_as_base32() -> None:
    secret = new_totp_secret()
    assert len(secret) == 20
    uri = provisioning_uri(secret, "account-1")
    assert uri.startswith("otpauth://totp/kangtong%3Aaccount-1?")
    assert f"secret={secret_base32(secret)}" in uri


def test_a_code_is_accepted_only_above_the_last_accepted_step() -> None:
    from kangtong.security.totp import accepted_step, totp

    secret = b"12345678901234567890"
    now = 59
    code = totp(secret, now)
    assert accepted_step(secret, code, now) == 1
    assert accepted_step(secret, code, now, after=1) is None  # RFC 6238 §5.2: once only
    assert accepted_step(secret, totp(secret, now - 30), now, after=1) is None  # an older one
    assert accepted_step(secret, totp(secret, now + 30), now, after=1) == 2  # the next one

"""Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226) for people's second factor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from typing import Literal
from urllib.parse import quote, urlencode

Algorithm = Literal["sha1", "sha256", "sha512"]


def hotp(secret: bytes, counter: int, *, digits: int = 6, algorithm: Algorithm = "sha1") -> str:
    """RFC 4226 §5.3: dynamic truncation of HMAC(secret, counter) to `digits` decimal digits."""
    mac = hmac.new(secret, struct.pack(">Q", counter), getattr(hashlib, algorithm)).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp(
    secret: bytes,
    unix_time: int,
    *,
    step: int = 30,
    digits: int = 6,
    algorithm: Algorithm = "sha1",
) -> str:
    """RFC 6238 §4: HOTP with counter = floor(time / step)."""
    return hotp(secret, unix_time // step, digits=digits, algorithm=algorithm)


def verify_totp(
    secret: bytes, code: str, unix_time: int, *, step: int = 30, digits: int = 6, drift: int = 1
) -> bool:
    """True when `code` is the TOTP of a time step within ±`drift` steps of `unix_time`."""
    if len(code) != digits or not code.isdigit():
        return False
    return any(
        hmac.compare_digest(totp(secret, unix_time + n * step, step=step, digits=digits), code)
        for n in range(-drift, drift + 1)
    )


def accepted_step(
    secret: bytes,
    code: str,
    unix_time: int,
    *,
    after: int | None = None,
    step: int = 30,
    digits: int = 6,
    drift: int = 1,
) -> int | None:
    """The time step whose TOTP `code` is, within ±`drift` of `unix_time` and above `after`.

    RFC 6238 §5.2: the verifier must not accept the second attempt of a code it has already
    accepted; remembering the last accepted step and refusing any step up to it does that (and
    also refuses an older code seen after a newer one).
    """
    if len(code) != digits or not code.isdigit():
        return None
    now = unix_time // step
    for counter in range(now - drift, now + drift + 1):
        if after is not None and counter <= after:
            continue
        if hmac.compare_digest(hotp(secret, counter, digits=digits), code):
            return counter
    return None


def new_totp_secret() -> bytes:
    """A 160-bit secret (RFC 4226 §4 recommends 160 bits)."""
    return secrets.token_bytes(20)


def secret_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def provisioning_uri(secret: bytes, account: str, issuer: str = "kangtong") -> str:
    """An otpauth:// URI that authenticator apps read from a QR code."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret_base32(secret), "issuer": issuer})
    return f"otpauth://totp/{label}?{query}"

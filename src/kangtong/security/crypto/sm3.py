"""SM3 (GB/T 32905-2016) digests and HMAC-SM3, through the `cryptography` package (OpenSSL)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac


def sm3_digest(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data`."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hmac(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3 as the hash: the keyed digest used for blind indexes."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()

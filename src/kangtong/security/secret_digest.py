"""How a bearer secret is kept: its SHA-256, never the secret itself.

Client secrets, refresh tokens, web-session cookies and export download tokens are random
values of 128+ bits, so a fast unsalted hash is enough (a password would need argon2) and lets
the store look a presented value up by its digest.
"""

from __future__ import annotations

import hashlib


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()

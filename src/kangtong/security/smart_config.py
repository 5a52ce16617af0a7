"""The SMART App Launch 2.x discovery document (`.well-known/smart-configuration`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kangtong.security.clients import ASSERTION_ALGORITHMS, AUTH_METHODS
from kangtong.security.oauth import GRANT_TYPES


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def token_endpoint(origin: str) -> str:
    return f"{origin}/oauth2/token"


def smart_configuration(origin: str, issuer: str) -> dict[str, Any]:
    """Fields of SMART App Launch 2.x §2.0.3 that kangtong offers.

    No authorization endpoint: apps launched in a browser (authorization code + PKCE) are not
    offered yet, so `code_challenge_methods_supported` is empty and no launch capability is
    claimed.
    """
    return {
        "issuer": issuer,
        "jwks_uri": f"{origin}/.well-known/jwks.json",
        "token_endpoint": token_endpoint(origin),
        "revocation_endpoint": f"{origin}/oauth2/revoke",
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGORITHMS,
        "grant_types_supported": list(GRANT_TYPES),
        "scopes_supported": [
            "system/*.cruds", "user/*.cruds", "patient/*.rs", "fhirUser", "offline_access",
            "online_access",
        ],
        "response_types_supported": [],
        "code_challenge_methods_supported": [],
        "capabilities": [
            "client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1",
            "permission-v2", "permission-patient", "permission-user", "permission-offline",
            "permission-online",
        ],
    }  # fmt: skip

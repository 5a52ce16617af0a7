"""How clients find kangtong's OAuth2 endpoints: SMART discovery and the CapabilityStatement.

Both `.well-known/smart-configuration` (SMART App Launch 2.x) and `rest.security` of
`GET /fhir/metadata` are built here from the same paths the routes are mounted on, so the two
cannot name different endpoints.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kangtong.security.clients import ASSERTION_ALGORITHMS, AUTH_METHODS
from kangtong.security.oauth import GRANT_TYPES

TOKEN_PATH = "/oauth2/token"
REVOKE_PATH = "/oauth2/revoke"
JWKS_PATH = "/.well-known/jwks.json"
SECURITY_SERVICES = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def token_endpoint(origin: str) -> str:
    return f"{origin}{TOKEN_PATH}"


def revocation_endpoint(origin: str) -> str:
    return f"{origin}{REVOKE_PATH}"


def capability_security(origin: str, *, cors: bool) -> dict[str, Any]:
    """`CapabilityStatement.rest.security`: SMART on FHIR, with the OAuth2 endpoints.

    The oauth-uris extension names `token` and `revoke`. Its `authorize` is left out because
    kangtong has no authorization endpoint (see `smart_configuration`): naming one that does
    not exist would send a browser app to a 404. `cors` is true only when origins are listed.
    """
    return {
        "cors": cors,
        "service": [
            {
                "coding": [{"system": SECURITY_SERVICES, "code": "SMART-on-FHIR"}],
                "text": "OAuth2 bearer tokens (SMART on FHIR)",
            }
        ],
        "description": (
            "Requests carry Authorization: Bearer <access token>, issued by the token "
            "endpoint; SMART discovery: "
            f"{origin}/.well-known/smart-configuration"
        ),
        "extension": [
            {
                "url": OAUTH_URIS,
                "extension": [
                    {"url": "token", "valueUri": token_endpoint(origin)},
                    {"url": "revoke", "valueUri": revocation_endpoint(origin)},
                ],
            }
        ],
    }


def smart_configuration(origin: str, issuer: str) -> dict[str, Any]:
    """Fields of SMART App Launch 2.x §2.0.3 that kangtong offers.

    No authorization endpoint: apps launched in a browser (authorization code + PKCE) are not
    offered yet, so `code_challenge_methods_supported` is empty and no launch capability is
    claimed.
    """
    return {
        "issuer": issuer,
        "jwks_uri": f"{origin}{JWKS_PATH}",
        "token_endpoint": token_endpoint(origin),
        "revocation_endpoint": revocation_endpoint(origin),
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

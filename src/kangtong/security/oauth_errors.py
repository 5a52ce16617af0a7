"""OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1): their own JSON shape and status."""

from __future__ import annotations


class OAuthError(Exception):
    """An error the token, revocation or resource endpoints report as `{"error": …}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_client(description: str = "Client authentication failed") -> OAuthError:
    return OAuthError("invalid_client", description, 401)


def invalid_grant(description: str = "The grant is invalid, expired or revoked") -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)

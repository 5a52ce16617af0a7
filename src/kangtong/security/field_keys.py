"""Rotation of the SM4 field keys and re-encryption of what was sealed under older versions.

`rotate` adds a key version and makes it current (`KeyFiles.rotate_field_keys`): new values
are sealed under it at once, old versions stay in the key file so every stored value remains
readable. `re_encrypt` then re-seals, through the services that own them, the stored values
still under an older version. Today that is each account's TOTP secret
(`sec_account.totp_secret`); a service that seals a new field adds its re-sealer here.
Both steps are written to the audit chain as Security Alerts (DCM 110113, security
configuration), with counts only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kangtong.core.clock import Clock
from kangtong.security.accounts import AccountService, ResealCount
from kangtong.security.audit_events import DCM, AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.keys import KeyFiles

# DICOM PS3.15 A.5.3.11: Security Alert, event type "Security Configuration".
SECURITY_ALERT = {"system": DCM, "code": "110113", "display": "Security Alert"}
SECURITY_CONFIGURATION = {"system": DCM, "code": "110129", "display": "Security Configuration"}


@dataclass(frozen=True)
class ReEncryption:
    key_version: int
    fields: Sequence[ResealCount]

    @property
    def unreadable(self) -> int:
        return sum(f.unreadable for f in self.fields)


class FieldKeyRotation:
    def __init__(
        self,
        keys: KeyFiles,
        accounts: AccountService,
        audit: AuditTrail,
        clock: Clock,
        resealers: Sequence[Callable[[], ResealCount]] = (),
    ) -> None:
        self.keys = keys
        self.audit = audit
        self.clock = clock
        self._resealers: list[Callable[[], ResealCount]] = [
            accounts.reseal_totp_secrets,
            *resealers,
        ]

    def rotate(self, principal: str) -> int:
        """Make a new key version current; old versions stay readable. Returns the version."""
        version = self.keys.rotate_field_keys()
        self._record("rotate-keys", "success", principal, (("key-version", str(version)),))
        return version

    def re_encrypt(self, principal: str) -> ReEncryption:
        """Re-seal every stored value that is not under the current key version."""
        version = self.keys.field_cipher().keyring.current
        try:
            done = ReEncryption(version, [reseal() for reseal in self._resealers])
        except Exception:
            self._record("re-encrypt", "failure", principal, (("key-version", str(version)),))
            raise
        details = [("key-version", str(version))]
        for count in done.fields:
            details += [
                (f"{count.field}:examined", str(count.examined)),
                (f"{count.field}:re-encrypted", str(count.resealed)),
                (f"{count.field}:unreadable", str(count.unreadable)),
            ]
        outcome = "failure" if done.unreadable else "success"
        self._record("re-encrypt", outcome, principal, tuple(details))
        return done

    def _record(
        self, action: str, outcome: str, principal: str, details: tuple[tuple[str, str], ...]
    ) -> None:
        facts = AuditFacts(action, outcome, principal, self.clock.now(), details=details)
        self.audit.append(action, outcome, _security_alert(build_audit_event(facts)))


def _security_alert(event: dict[str, Any]) -> dict[str, Any]:
    event["type"] = dict(SECURITY_ALERT)
    event["subtype"] = [dict(SECURITY_CONFIGURATION)]
    return event

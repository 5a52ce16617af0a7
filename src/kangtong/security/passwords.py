"""Password policy (口令策略) and hashing with Argon2id (RFC 9106, via argon2-cffi)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kangtong.core.errors import Invalid


@dataclass(frozen=True)
class PasswordPolicy:
    """GB/T 22239 (等保 2.0) asks for complex passwords: length, several character classes."""

    min_length: int = 10
    min_classes: int = 3
    forbid_username: bool = True

    def problems(self, password: str, username: str = "") -> list[str]:
        """What is wrong with `password` (empty when acceptable); never echoes the password."""
        found = []
        if len(password) < self.min_length:
            found.append(f"shorter than {self.min_length} characters")
        classes = character_classes(password)
        if classes < self.min_classes:
            found.append(
                f"uses {classes} of the 4 character classes (lower, upper, digit, symbol);"
                f" {self.min_classes} are required"
            )
        name = username.strip().casefold()
        if self.forbid_username and name and name in password.casefold():
            found.append("contains the user name")
        return found

    def require(self, password: str, username: str = "") -> None:
        found = self.problems(password, username)
        if found:
            raise Invalid("The password is " + "; ".join(found))


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters `password` uses."""
    lower = any(c in string.ascii_lowercase for c in password)
    upper = any(c in string.ascii_uppercase for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.isascii() and c.isalnum()) for c in password)
    return sum((lower, upper, digit, other))


class PasswordHasher:
    """Argon2id hashes in PHC string form (the parameters travel with each hash)."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 2):
        self._argon = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        return self._argon.check_needs_rehash(password_hash)

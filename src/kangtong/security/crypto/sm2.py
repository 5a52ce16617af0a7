"""SM2 signatures (GB/T 32918) for exported documents, with SM3 and the default user id.

`gmssl` does the curve arithmetic. Two of its habits are worked around here: it draws the
signing nonce from `random` (predictable; a known nonce reveals the private key), so the nonce
comes from `secrets`; and its constructor strips the characters '0' and '4' from the front of a
public key, so the key is assigned after construction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from gmssl import sm2

_N = int(sm2.default_ecc_table["n"], 16)


@dataclass(frozen=True)
class Sm2KeyPair:
    private_hex: str
    public_hex: str  # x ‖ y, 128 hex digits, without the 04 prefix


def _crypt(private_hex: str, public_hex: str) -> sm2.CryptSM2:
    engine = sm2.CryptSM2(private_key=private_hex, public_key="00")
    engine.public_key = public_hex
    return engine


def public_key_of(private_hex: str) -> str:
    engine = _crypt(private_hex, "00")
    return str(engine._kg(int(private_hex, 16), sm2.default_ecc_table["g"]))


def generate_sm2_keypair() -> Sm2KeyPair:
    private = secrets.randbelow(_N - 2) + 1
    private_hex = f"{private:064x}"
    return Sm2KeyPair(private_hex, public_key_of(private_hex))


class Sm2Signer:
    """Signs bytes with SM2-with-SM3; the signature is r ‖ s in 128 hex digits."""

    def __init__(self, keys: Sm2KeyPair) -> None:
        self.keys = keys
        self._engine = _crypt(keys.private_hex, keys.public_hex)

    def sign(self, data: bytes, *, nonce_hex: str | None = None) -> str:
        """`nonce_hex` is for standard test vectors only; normally a fresh secret nonce is drawn."""
        while True:
            nonce = nonce_hex or f"{secrets.randbelow(_N - 1) + 1:064x}"
            signature = self._engine.sign_with_sm3(data, nonce)
            if signature is not None:  # r = 0 or r + k = n: draw again (GB/T 32918.2 §6.1)
                return str(signature)
            if nonce_hex is not None:
                raise ValueError("The given nonce yields no signature")


def sm2_verify(public_hex: str, data: bytes, signature_hex: str) -> bool:
    """True when `signature_hex` (r ‖ s) is a valid SM2 signature of `data` under `public_hex`."""
    if len(signature_hex) != 128:
        return False
    try:
        r, s = int(signature_hex[:64], 16), int(signature_hex[64:], 16)
    except ValueError:
        return False
    if not (0 < r < _N and 0 < s < _N):  # GB/T 32918.2 §7.1 B1, B2
        return False
    return bool(_crypt("00", public_hex).verify_with_sm3(signature_hex, data))

"""国密 test vectors: SM4 from GB/T 32907-2016 Appendix A, SM3 from GB/T 32905-2016 Appendix A,
SM2 with the recommended curve (the "message digest" example of GB/T 32918 / GM/T 0003)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.security.crypto.blind_index import BlindIndex
from kangtong.security.crypto.field_cipher import FieldCipher, FieldKeyring, UndecryptableField
from kangtong.security.crypto.sm2 import (
    Sm2KeyPair,
    Sm2Signer,
    generate_sm2_keypair,
    public_key_of,
    sm2_verify,
)
from kangtong.security.crypto.sm3 import sm3_digest, sm3_hmac

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def _sm4_block(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def test_sm4_gbt_32907_example_1() -> None:
    assert _sm4_block(SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gbt_32907_example_2_one_million_encryptions() -> None:
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    block = SM4_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_sm3_gbt_32905_examples() -> None:
    assert (
        sm3_digest(b"abc").hex()
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert (
        sm3_digest(b"abcd" * 16).hex()
        == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_hmac_sm3_depends_on_key_and_message() -> None:
    assert sm3_hmac(b"k1", b"m") != sm3_hmac(b"k2", b"m") != sm3_hmac(b"k1", b"n")
    assert len(sm3_hmac(b"k1", b"m")) == 32


def _cipher(current: int = 1) -> FieldCipher:
    keys = {1: bytes(range(16)), 2: bytes(range(16, 32))}
    return FieldCipher(FieldKeyring({v: k for v, k in keys.items() if v <= current}, current))


@given(st.binary(max_size=300), st.text(max_size=20))
@settings(max_examples=50)
def test_sealed_fields_open_to_their_plaintext(plaintext: bytes, context: str) -> None:
    cipher = _cipher()
    sealed = cipher.seal(plaintext, context)
    assert len(plaintext) < 8 or plaintext not in sealed
    assert cipher.open(sealed, context) == plaintext


def test_sealing_twice_gives_different_ciphertexts() -> None:
    cipher = _cipher()
    assert cipher.seal(b"110101199003074477", "Patient.identifier") != cipher.seal(
        b"110101199003074477", "Patient.identifier"
    )


def test_an_altered_ciphertext_does_not_open() -> None:
    cipher = _cipher()
    sealed = bytearray(cipher.seal(b"secret", "Patient.identifier"))
    sealed[20] ^= 1
    with pytest.raises(UndecryptableField):
        cipher.open(bytes(sealed), "Patient.identifier")


def test_a_ciphertext_moved_to_another_field_does_not_open() -> None:
    cipher = _cipher()
    sealed = cipher.seal(b"secret", "Patient.identifier")
    with pytest.raises(UndecryptableField):
        cipher.open(sealed, "Patient.telecom")


def test_rotation_reencrypts_old_values_under_the_new_key() -> None:
    old = _cipher(1).seal(b"13800138000", "Patient.telecom")
    rotated_cipher = _cipher(2)
    assert rotated_cipher.needs_rotation(old)
    assert rotated_cipher.open(old, "Patient.telecom") == b"13800138000"
    resealed = rotated_cipher.reseal(old, "Patient.telecom")
    assert rotated_cipher.key_version(resealed) == 2
    assert rotated_cipher.reseal(resealed, "Patient.telecom") is resealed
    with pytest.raises(UndecryptableField):
        _cipher(1).open(resealed, "Patient.telecom")


def test_blind_index_tokens_are_equal_for_equal_values_and_keyed() -> None:
    index = BlindIndex({1: b"a" * 32}, 1)
    assert index.token("11010119900307447x", "id") == index.token(" 11010119900307447X", "id")
    assert index.token("11010119900307447X", "id") != index.token("11010119900307447X", "phone")
    other = BlindIndex({1: b"b" * 32}, 1)
    assert index.token("x", "id") != other.token("x", "id")


def test_blind_index_searches_every_key_version_during_rotation() -> None:
    old = BlindIndex({1: b"a" * 32}, 1)
    rotating = BlindIndex({1: b"a" * 32, 2: b"b" * 32}, 2)
    tokens = rotating.search_tokens("13800138000", "phone")
    assert tokens[0] == rotating.token("13800138000", "phone")
    assert old.token("13800138000", "phone") in tokens


SM2_PRIVATE = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
SM2_PUBLIC = (
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
SM2_NONCE = "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21"
SM2_SIGNATURE = (
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
)


def test_sm2_recommended_curve_example() -> None:
    # This public key starts with "0": gmssl would strip it; the wrapper must not.
    assert public_key_of(SM2_PRIVATE) == SM2_PUBLIC
    signer = Sm2Signer(Sm2KeyPair(SM2_PRIVATE, SM2_PUBLIC))
    assert signer.sign(b"message digest", nonce_hex=SM2_NONCE) == SM2_SIGNATURE
    assert sm2_verify(SM2_PUBLIC, b"message digest", SM2_SIGNATURE)


def test_sm2_signatures_of_exported_documents_verify_and_detect_changes() -> None:
    keys = generate_sm2_keypair()
    document = "<ClinicalDocument>出院小结</ClinicalDocument>".encode()
    signature = Sm2Signer(keys).sign(document)
    assert sm2_verify(keys.public_hex, document, signature)
    assert not sm2_verify(keys.public_hex, document + b" ", signature)
    assert not sm2_verify(generate_sm2_keypair().public_hex, document, signature)


@pytest.mark.parametrize("signature", ["", "00" * 64, "zz" * 64, SM2_SIGNATURE[:-2]])
def test_malformed_sm2_signatures_are_refused(signature: str) -> None:
    assert not sm2_verify(SM2_PUBLIC, b"message digest", signature)

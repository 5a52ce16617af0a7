"""SM4-GCM for files of any size (备份加密): the file is sealed in 1 MiB chunks.

Layout: b"KTS1" | chunk size (4 bytes) | chunks, each nonce (12) | ciphertext | tag (16).
Each chunk authenticates the header, its index and whether it is the last one, so chunks cannot
be reordered, dropped or the file truncated without `open_file` failing.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kangtong.security.crypto.field_cipher import UndecryptableField

MAGIC = b"KTS1"
CHUNK = 1 << 20
_HEADER = struct.Struct(">4sI")
_NONCE, _TAG = 12, 16


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


def seal_file(key: bytes, source: Path, target: Path, chunk: int = CHUNK) -> None:
    header = _HEADER.pack(MAGIC, chunk)
    with source.open("rb") as reader, target.open("wb") as writer:
        writer.write(header)
        index, block = 0, reader.read(chunk)
        while True:
            following = reader.read(chunk)
            last = not following
            nonce = os.urandom(_NONCE)
            encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(_aad(header, index, last))
            writer.write(nonce + encryptor.update(block) + encryptor.finalize() + encryptor.tag)
            if last:
                return
            index, block = index + 1, following


def open_file(key: bytes, source: Path, target: Path) -> None:
    """Decrypt `source` into `target`; `UndecryptableField` if anything was altered."""
    with source.open("rb") as reader, target.open("wb") as writer:
        header = reader.read(_HEADER.size)
        if len(header) != _HEADER.size or header[:4] != MAGIC:
            raise UndecryptableField("Not an SM4-sealed kangtong file")
        (_magic, chunk) = _HEADER.unpack(header)
        _open_chunks(key, header, chunk, reader, writer)


def _open_chunks(key: bytes, header: bytes, chunk: int, reader: BinaryIO, writer: BinaryIO) -> None:
    size = _NONCE + chunk + _TAG
    index, sealed = 0, reader.read(size)
    while True:
        following = reader.read(size)
        last = not following
        if len(sealed) < _NONCE + _TAG:
            raise UndecryptableField("The sealed file is truncated")
        nonce, body, tag = sealed[:_NONCE], sealed[_NONCE:-_TAG], sealed[-_TAG:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_aad(header, index, last))
        try:
            writer.write(decryptor.update(body) + decryptor.finalize())
        except InvalidTag as exc:
            raise UndecryptableField("The sealed file fails authentication") from exc
        if last:
            return
        index, sealed = index + 1, following

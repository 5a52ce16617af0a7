"""Backup archives (备份): a snapshot, its SHA-256 in a manifest, optional SM4-GCM, off-site copy.

An archive is a folder `kangtong-<dialect>-<UTC time>/` holding `manifest.json` and one payload
(`database.sqlite` or `database.pgdump`, `.sm4` when encrypted). The manifest records the
dialect, schema, migration revision, the payload's size and SHA-256 (of the file as stored)
and, when encrypted, the SHA-256 of the plaintext and a key fingerprint (SM3 of the key, first
8 bytes) so a wrong key is named before anything is restored. `restore` refuses an archive whose
checksum does not match, a wrong key and a target that is not empty.

`manifest.sig.json` holds the platform's SM2 signature over the exact bytes of `manifest.json`
(issue 13 finding 13): `verify_signed_backup` checks it against the key folder's public key,
then the checksums, so one changed byte anywhere in the archive is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from kangtong.core.clock import Clock
from kangtong.core.errors import Invalid
from kangtong.security import signed_manifest
from kangtong.security.crypto.sm2 import Sm2Signer
from kangtong.security.crypto.sm3 import sm3_digest
from kangtong.security.crypto.sm4_stream import open_file, seal_file
from kangtong.store import snapshot
from kangtong.store.database import Database
from kangtong.store.migrate import current_revision

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig.json"
FORMAT = 1


@dataclass(frozen=True)
class Manifest:
    format: int
    dialect: str
    schema: str | None
    revision: str | None
    created: str
    payload: str
    bytes: int
    sha256: str
    encryption: str | None = None  # "SM4-GCM" when sealed
    key_fingerprint: str | None = None
    plaintext_sha256: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprint(key: bytes) -> str:
    return sm3_digest(b"kangtong-backup-key\x00" + key)[:8].hex()


def backup_key(path: Path) -> tuple[bytes, bool]:
    """The SM4 key in `path` (32 hex characters); created 0600 when missing. (key, created)."""
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != 16:
            raise Invalid(f"{path} must hold a 16-byte SM4 key as 32 hex characters")
        return key, False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_bytes(16)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
    return key, True


def create_backup(
    db: Database, folder: Path, clock: Clock, signer: Sm2Signer, key: bytes | None = None
) -> Path:
    """Snapshot `db` into a new archive under `folder`, its manifest signed by `signer`."""
    moment = clock.now()
    archive = folder / f"kangtong-{db.dialect}-{moment.strftime('%Y%m%dT%H%M%S%fZ')}"
    archive.mkdir(parents=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        plain = Path(work) / "snapshot"
        schema = None
        if db.dialect == "sqlite":
            snapshot.sqlite_snapshot(db, plain)
        else:
            schema = snapshot.pg_dump(db, plain)
        name = "database.sqlite" if db.dialect == "sqlite" else "database.pgdump"
        plain_sha = sha256_of(plain)
        if key is not None:
            name += ".sm4"
            seal_file(key, plain, archive / name)
        else:
            shutil.move(plain, archive / name)
    payload = archive / name
    manifest = Manifest(
        FORMAT, db.dialect, schema, current_revision(db), moment.isoformat(), name,
        payload.stat().st_size, sha256_of(payload),
        "SM4-GCM" if key else None, key_fingerprint(key) if key else None,
        plain_sha if key else None,
    )  # fmt: skip
    manifest_bytes = (json.dumps(asdict(manifest), indent=1) + "\n").encode("utf-8")
    (archive / MANIFEST).write_bytes(manifest_bytes)
    signature = signed_manifest.sign(manifest_bytes, signer)
    (archive / SIGNATURE).write_text(json.dumps(signature, indent=1) + "\n")
    return archive


def verify_signed_backup(archive: Path, trusted_public_hex: str) -> Manifest:
    """The manifest, once its SM2 signature and then every checksum match; `Invalid` if not."""
    try:
        manifest_bytes = (archive / MANIFEST).read_bytes()
        record_bytes = (archive / SIGNATURE).read_bytes()
    except OSError as exc:
        raise Invalid(f"{archive} has no {MANIFEST} and {SIGNATURE}: it is not signed") from exc
    record = signed_manifest.read_record(record_bytes, str(archive))
    signed_manifest.check(manifest_bytes, record, trusted_public_hex)
    return verify_backup(archive)


def verify_backup(archive: Path) -> Manifest:
    """The manifest, once the payload's size and SHA-256 match it; `Invalid` otherwise."""
    try:
        manifest = Manifest(**json.loads((archive / MANIFEST).read_text()))
    except (OSError, TypeError, ValueError) as exc:
        raise Invalid(f"{archive} has no readable {MANIFEST}") from exc
    payload = archive / manifest.payload
    if not payload.is_file() or payload.stat().st_size != manifest.bytes:
        raise Invalid(f"{payload} is missing or has the wrong size")
    if sha256_of(payload) != manifest.sha256:
        raise Invalid(f"{payload} does not match its SHA-256 checksum: the archive is damaged")
    return manifest


def copy_offsite(archive: Path, offsite: Path) -> Path:
    """Copy the archive into `offsite` and verify the copy's checksum there."""
    copy = offsite / archive.name
    offsite.mkdir(parents=True, exist_ok=True)
    shutil.copytree(archive, copy)
    verify_backup(copy)
    return copy


def restore_backup(
    archive: Path, db: Database, key: bytes | None = None, *, trusted_public_hex: str | None
) -> Manifest:
    """Verify the archive and restore it into the empty database `db`.

    The signature is checked against `trusted_public_hex`; None (an archive made before
    backups were signed) skips it, and only an operator who says so passes None.
    """
    if trusted_public_hex is None:
        manifest = verify_backup(archive)
    else:
        manifest = verify_signed_backup(archive, trusted_public_hex)
    if manifest.dialect != db.dialect:
        raise Invalid(f"The archive is a {manifest.dialect} backup; the target is {db.dialect}")
    snapshot.require_empty(db)
    with tempfile.TemporaryDirectory() as work:
        plain = _plaintext(archive / manifest.payload, manifest, key, Path(work))
        if db.dialect == "sqlite":
            snapshot.sqlite_restore(plain, db)
        else:
            snapshot.pg_restore(plain, db, manifest.schema or "public")
    return manifest


def _plaintext(payload: Path, manifest: Manifest, key: bytes | None, work: Path) -> Path:
    if manifest.encryption is None:
        return payload
    if key is None:
        raise Invalid("The archive is encrypted: give --key-file")
    if key_fingerprint(key) != manifest.key_fingerprint:
        raise Invalid("That key did not encrypt this archive")
    plain = work / "snapshot"
    open_file(key, payload, plain)
    if sha256_of(plain) != manifest.plaintext_sha256:
        raise Invalid("The decrypted snapshot does not match its checksum")
    return plain

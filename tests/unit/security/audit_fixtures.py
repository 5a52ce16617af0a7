"""Audit trails for tests: keys and the anchor journal in a folder of the test's own."""

from __future__ import annotations

from pathlib import Path

from kangtong.core.clock import Clock
from kangtong.security.audit_chain import HashAlgorithm, UnkeyedSealer
from kangtong.security.audit_journal import AUDIT_JOURNAL_FILE, AnchorJournal
from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.audit_trail import AuditTrail
from kangtong.store.database import Database


def keyed_trail(database: Database, clock: Clock, folder: Path) -> AuditTrail:
    """The platform's trail, journaling every committed head (no once-a-second throttle)."""
    keys = AuditKeyring(folder)
    journal = AnchorJournal(folder / AUDIT_JOURNAL_FILE, keys, interval_seconds=0)
    return AuditTrail(database, clock, keys, journal)


def unkeyed_trail(
    database: Database, clock: Clock, folder: Path, algorithm: HashAlgorithm = "sm3"
) -> AuditTrail:
    """A trail writing the published pre-ADR 0023 form, as an installation did before keying."""
    keys = AuditKeyring(folder)
    return AuditTrail(database, clock, keys, None, sealer=UnkeyedSealer(algorithm))

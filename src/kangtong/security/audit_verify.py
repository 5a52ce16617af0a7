"""Verification of the audit chain: the first row that fails, and why.

Walks the rows in order from the purge anchor (or the genesis hash) and checks each link and
seal; compares the end with the head anchor and every journaled anchor with its row, so an
edited, deleted, inserted, re-sealed or truncated row is found even by someone who could
rewrite the database's own anchors. Rows after the journal's first entry, or after the first
keyed row, must be keyed: re-sealing them with the published unkeyed form is tampering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kangtong.security.audit_chain import KEYED, KeyLookup, hash_of
from kangtong.security.audit_journal import JournalView
from kangtong.store.audit_log import GENESIS_HASH, Anchor, AuditRow


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(
    rows: Iterable[AuditRow],
    *,
    purge: Anchor | None,
    head: Anchor | None,
    keys: KeyLookup,
    journal: JournalView,
) -> ChainReport:
    """Walk `rows` (in sequence order) and report the first broken link, if any."""
    if journal.bad_line is not None:
        return ChainReport(0, BrokenLink(0, f"anchor journal line {journal.bad_line} was altered"))
    purge_problem = _check_purge(purge, journal)
    if purge_problem is not None:
        return ChainReport(0, purge_problem)
    expected_seq = purge.seq + 1 if purge else 1
    expected_prev = purge.hash if purge else GENESIS_HASH
    must_be_keyed = journal.first_head  # the journal records where keying began
    count = 0
    for row in rows:
        count += 1
        problem = _row_problem(row, expected_seq, expected_prev, keys, journal, must_be_keyed)
        if problem is not None:
            return ChainReport(count, problem)
        if row.algorithm == KEYED and must_be_keyed is None:
            must_be_keyed = row.seq
        expected_seq, expected_prev = row.seq + 1, row.hash
    last_seq = expected_seq - 1
    broken = _check_head(head, last_seq, expected_prev, bool(count or purge))
    return ChainReport(count, broken or _check_journal_end(journal, last_seq, must_be_keyed))


def _row_problem(
    row: AuditRow, expected_seq: int, expected_prev: str, keys: KeyLookup,
    journal: JournalView, must_be_keyed: int | None,
) -> BrokenLink | None:  # fmt: skip
    if row.seq != expected_seq:
        problem = (
            f"row {expected_seq} is missing (deleted)"
            if row.seq > expected_seq
            else "sequence out of order"
        )
        return BrokenLink(min(row.seq, expected_seq), problem)
    if row.prev_hash != expected_prev:
        return BrokenLink(row.seq, "previous-hash link does not match")
    if row.algorithm != KEYED and must_be_keyed is not None and row.seq > must_be_keyed:
        return BrokenLink(row.seq, "row is not sealed with the audit key (re-sealed without it)")
    expected = hash_of(row, keys)
    if expected is None:
        return BrokenLink(row.seq, f"sealed with key id {row.key_id!r}, not in the key file")
    if expected != row.hash:
        return BrokenLink(row.seq, "row content was altered")
    journaled = journal.heads.get(row.seq)
    if journaled is not None and row.hash not in journaled:
        return BrokenLink(row.seq, "row does not match the anchor journal")
    return None


def _check_head(
    head: Anchor | None, last_seq: int, last_hash: str, any_rows: bool
) -> BrokenLink | None:
    if head is None:
        return BrokenLink(last_seq, "head anchor is missing") if any_rows else None
    if head.seq > last_seq:
        return BrokenLink(last_seq + 1, f"rows {last_seq + 1}…{head.seq} are missing (deleted)")
    if head.seq != last_seq or head.hash != last_hash:
        return BrokenLink(last_seq, "head anchor does not match the last row")
    return None


def _check_journal_end(
    journal: JournalView, last_seq: int, keyed_from: int | None
) -> BrokenLink | None:
    newest = max(journal.heads, default=0)
    if newest > last_seq:
        return BrokenLink(
            last_seq + 1,
            f"rows {last_seq + 1}…{newest} are missing: the anchor journal holds row {newest}",
        )
    if keyed_from is not None and journal.empty:
        return BrokenLink(keyed_from, "the anchor journal is missing")
    return None


def _check_purge(purge: Anchor | None, journal: JournalView) -> BrokenLink | None:
    """A purge anchor must be the journal's last purge (unless it predates the journal)."""
    if journal.purges:
        last = max(journal.purges, key=lambda a: a.seq)
        if purge is None:
            return BrokenLink(last.seq + 1, "purge anchor is missing (the journal holds one)")
        if purge != last:
            return BrokenLink(purge.seq, "purge anchor is not the anchor journal's last purge")
        return None
    first = journal.first_head
    if purge is not None and first is not None and purge.seq >= first:
        return BrokenLink(purge.seq, "purge anchor is not in the anchor journal")
    return None

"""Resolving a document's references costs time linear in its size, not entries x references:
a hostile client must not hold a worker for seconds with one large document."""

from __future__ import annotations

import gc
import time
from typing import Any

from kangtong.fhir.model.bundle_rules import document_reference_issues

SMALL, LARGE = 500, 4000  # 8 times the entries: about 8 times the time if linear, 64 if not


def _urn(number: int) -> str:
    return f"urn:uuid:00000000-0000-4000-8000-{number:012d}"


def document_entries(size: int) -> list[Any]:
    """A Composition listing `size - 1` Observations; each names the first as its subject
    (an absolute reference) and its predecessor by Type/id (a relative one)."""
    composition = {
        "resourceType": "Composition",
        "id": "c",
        "section": [{"entry": [{"reference": _urn(i)} for i in range(1, size)]}],
    }
    entries: list[Any] = [{"fullUrl": _urn(0), "resource": composition}]
    for i in range(1, size):
        observation = {
            "resourceType": "Observation",
            "id": f"o{i}",
            "subject": {"reference": _urn(1)},
            "focus": [{"reference": f"Observation/o{max(i - 1, 1)}"}],
        }
        entries.append({"fullUrl": _urn(i), "resource": observation})
    return entries


def _fastest_of(runs: int, entries: list[Any]) -> float:
    best = float("inf")
    gc.disable()  # a collection inside one run would look like a cost of size
    try:
        for _ in range(runs):
            started = time.perf_counter()
            issues = document_reference_issues(entries)
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    assert issues == []  # every reference resolves once: the whole document was checked
    return best


def test_resolving_a_document_grows_linearly_with_its_entries() -> None:
    small, large = document_entries(SMALL), document_entries(LARGE)
    ratio = _fastest_of(3, large) / _fastest_of(5, small)
    # Linear gives ~8, quadratic ~64; 24 leaves room for a noisy machine either way.
    assert ratio < 24, f"{LARGE} entries took {ratio:.1f} times as long as {SMALL}"


def test_every_reference_is_still_counted_against_every_entry() -> None:
    entries = document_entries(SMALL)
    entries.append({"fullUrl": _urn(1), "resource": {"resourceType": "Observation", "id": "x"}})
    entries.append({"fullUrl": _urn(SMALL + 1), "resource": {"resourceType": "Observation"}})
    entries[-1]["resource"]["subject"] = {"reference": "Observation/missing"}
    messages = [issue.message for issue in document_reference_issues(entries)]
    assert messages.count(f"the reference '{_urn(1)}' resolves to 2 entries of the document") == (
        SMALL  # every Observation's subject, and the Composition's first section entry
    )
    assert "the reference 'Observation/missing' resolves to no entry of the document" in messages

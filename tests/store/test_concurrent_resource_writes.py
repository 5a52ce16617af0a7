"""Racing writers on one resource or one set of criteria: every promise holds under concurrency.

Eight threads, each with its own database connection, start together behind a barrier. On
PostgreSQL they really run at once (the production case); on SQLite they take turns at the
write lock, and the same outcomes must hold.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from kangtong.core.config import Settings
from kangtong.core.errors import KangtongError, PreconditionFailed
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database

SYSTEM = AccessContext.system("race")
RACERS = 8


@pytest.fixture
def platform(settings: Settings, database: Database) -> Platform:
    return build_platform(settings, database=database)


def race(action: Callable[[int], Any], racers: int = RACERS) -> list[Any]:
    """Run `action(i)` in `racers` threads released at once; results or raised exceptions."""
    barrier = threading.Barrier(racers)
    results: list[Any] = [None] * racers

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def unexpected(results: list[Any]) -> list[BaseException]:
    """Exceptions that are not a domain answer (a 500 in HTTP terms)."""
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, KangtongError)]


def patient(res_id: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Patient", **fields}
    if res_id is not None:
        body["id"] = res_id
    return body


def count_patients(platform: Platform, *params: tuple[str, str]) -> int:
    found = platform.service.search(SYSTEM, "Patient", [*params, ("_summary", "count")])
    assert found.total is not None
    return found.total


def test_concurrent_puts_to_one_resource_all_succeed_with_one_version_each(
    platform: Platform,
) -> None:
    platform.service.update(SYSTEM, "Patient", "p1", patient("p1", gender="male"))
    results = race(
        lambda i: platform.service.update(
            SYSTEM, "Patient", "p1", patient("p1", birthDate=f"19{50 + i}")
        )
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    versions = sorted(r.resource.version for r in results)
    assert versions == list(range(2, 2 + RACERS))
    assert platform.service.read(SYSTEM, "Patient", "p1").version == 1 + RACERS


def test_concurrent_puts_with_if_match_let_exactly_one_win(platform: Platform) -> None:
    platform.service.update(SYSTEM, "Patient", "p1", patient("p1"))
    results = race(
        lambda i: platform.service.update(
            SYSTEM, "Patient", "p1", patient("p1", birthDate=f"19{50 + i}"), if_match=1
        )
    )
    wins = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(r, PreconditionFailed) for r in losers)
    assert all("current version is 2" in str(r) for r in losers)
    assert platform.service.read(SYSTEM, "Patient", "p1").version == 2


def test_concurrent_patches_to_one_resource_all_apply(platform: Platform) -> None:
    platform.service.update(SYSTEM, "Patient", "p1", patient("p1", gender="male"))
    results = race(
        lambda i: platform.service.patch(
            SYSTEM,
            "Patient",
            "p1",
            [{"op": "replace", "path": "/gender", "value": "female" if i % 2 else "male"}],
        )
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert platform.service.read(SYSTEM, "Patient", "p1").version == 1 + RACERS


def test_concurrent_puts_creating_one_new_id_make_one_resource(platform: Platform) -> None:
    results = race(
        lambda i: platform.service.update(
            SYSTEM, "Patient", "fresh", patient("fresh", birthDate=f"19{50 + i}")
        )
    )
    assert unexpected(results) == []
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.status for r in results) == [200] * (RACERS - 1) + [201]
    assert platform.service.read(SYSTEM, "Patient", "fresh").version == RACERS


def test_racing_conditional_creates_store_one_resource(platform: Platform) -> None:
    criteria = "identifier=urn:mrn|race-1"
    body = patient(identifier=[{"system": "urn:mrn", "value": "race-1"}])
    results = race(lambda i: platform.service.create(SYSTEM, dict(body), if_none_exist=criteria))
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.status for r in results) == [200] * (RACERS - 1) + [201]
    assert len({r.resource.res_id for r in results}) == 1
    assert count_patients(platform, ("identifier", "urn:mrn|race-1")) == 1


def test_racing_conditional_creates_inside_transactions_store_one_resource(
    platform: Platform,
) -> None:
    def transaction(i: int) -> Any:
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:6f1c1d0e-0000-4000-8000-00000000000" + str(i),
                    "resource": patient(identifier=[{"system": "urn:mrn", "value": "race-2"}]),
                    "request": {
                        "method": "POST",
                        "url": "Patient",
                        "ifNoneExist": "identifier=urn:mrn|race-2",
                    },
                }
            ],
        }
        return platform.bundles.process(SYSTEM, bundle)

    results = race(transaction)
    assert [r for r in results if isinstance(r, BaseException)] == []
    statuses = sorted(r["entry"][0]["response"]["status"] for r in results)
    assert statuses == ["200 OK"] * (RACERS - 1) + ["201 Created"]
    assert count_patients(platform, ("identifier", "urn:mrn|race-2")) == 1


def test_racing_conditional_updates_with_no_match_store_one_resource(platform: Platform) -> None:
    criteria = "identifier=urn:mrn|race-3"
    body = patient(identifier=[{"system": "urn:mrn", "value": "race-3"}])
    results = race(
        lambda i: platform.service.conditional_update(SYSTEM, "Patient", criteria, dict(body))
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.status for r in results) == [200] * (RACERS - 1) + [201]
    assert count_patients(platform, ("identifier", "urn:mrn|race-3")) == 1


def test_criteria_written_in_another_order_are_the_same_criteria(platform: Platform) -> None:
    body = patient(identifier=[{"system": "urn:mrn", "value": "race-4"}], birthDate="1970-01-01")
    orders = [
        "identifier=urn:mrn|race-4&birthdate=1970-01-01",
        "birthdate=1970-01-01&identifier=urn:mrn|race-4",
    ]
    results = race(
        lambda i: platform.service.create(SYSTEM, dict(body), if_none_exist=orders[i % 2])
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert count_patients(platform, ("identifier", "urn:mrn|race-4")) == 1


def test_racing_transactions_updating_the_same_resources_never_fail_unexpectedly(
    platform: Platform,
) -> None:
    for res_id in ("a", "b"):
        platform.service.update(SYSTEM, "Patient", res_id, patient(res_id))

    def transaction(i: int) -> Any:
        order = ("a", "b") if i % 2 else ("b", "a")
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": patient(res_id, birthDate=f"19{50 + i}"),
                    "request": {"method": "PUT", "url": f"Patient/{res_id}"},
                }
                for res_id in order
            ],
        }
        return platform.bundles.process(SYSTEM, bundle)

    results = race(transaction)
    assert unexpected(results) == []
    committed = [r for r in results if not isinstance(r, BaseException)]
    assert committed, "at least one transaction commits"
    for res_id in ("a", "b"):
        assert platform.service.read(SYSTEM, "Patient", res_id).version == 1 + len(committed)


def test_transactions_crossing_on_the_same_resources_all_commit(platform: Platform) -> None:
    for res_id in ("a", "b"):
        platform.service.update(SYSTEM, "Patient", res_id, patient(res_id))

    def crossing_patches(i: int) -> Any:
        order = ("a", "b") if i % 2 else ("b", "a")
        patch = orjson.dumps([{"op": "add", "path": "/birthDate", "value": f"19{50 + i}"}])
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Binary",
                        "contentType": "application/json-patch+json",
                        "data": base64.b64encode(patch).decode(),
                    },
                    "request": {"method": "PATCH", "url": f"Patient/{res_id}"},
                }
                for res_id in order
            ],
        }
        return platform.bundles.process(SYSTEM, bundle)

    results = race(crossing_patches)
    assert [r for r in results if isinstance(r, BaseException)] == []
    for res_id in ("a", "b"):
        assert platform.service.read(SYSTEM, "Patient", res_id).version == 1 + RACERS

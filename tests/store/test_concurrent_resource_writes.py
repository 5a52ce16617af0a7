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
from kangtong.core.errors import Invalid, KangtongError, PreconditionFailed
from kangtong.fhir import service as service_module
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform, build_platform
from kangtong.store import repository as repository_module
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


def lock_names_taken(monkeypatch: pytest.MonkeyPatch, module: Any) -> set[str]:
    """Every advisory-lock name `module` asks for from now on (the locks are still taken)."""
    held: set[str] = set()
    take = module.hold_until_commit

    def counting(conn: Any, names: Any) -> None:
        names = list(names)
        held.update(names)
        take(conn, names)

    monkeypatch.setattr(module, "hold_until_commit", counting)
    return held


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


@pytest.mark.parametrize(
    "spellings",
    [
        ("identifier=urn:mrn|r5a,urn:mrn|r5b", "identifier=urn:mrn|r5b,urn:mrn|r5a"),
        ("identifier=urn:mrn|r5a", "identifier=urn:mrn|r5a&_count=1"),
        ("family=Zhang&identifier=urn:mrn|r5a", "family=ZHANG&identifier=urn:mrn|r5a"),
        ("birthdate=1970-01-01&family=Li", "birthdate=eq1970-01-01&family=Li"),
    ],
    ids=["or-order", "result-parameter", "string-case", "date-prefix"],
)
def test_criteria_written_differently_with_one_meaning_are_the_same_criteria(
    platform: Platform, spellings: tuple[str, str]
) -> None:
    body = patient(
        identifier=[{"system": "urn:mrn", "value": "r5a"}],
        name=[{"family": "Zhang" if "amily=Z" in spellings[0] else "Li"}],
        birthDate="1970-01-01",
    )
    results = race(
        lambda i: platform.service.create(SYSTEM, dict(body), if_none_exist=spellings[i % 2])
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.status for r in results) == [200] * (RACERS - 1) + [201]


def test_a_conditional_create_waiting_on_a_delete_creates_the_resource(
    platform: Platform,
) -> None:
    """The match it found was deleted by the writer it waited for: it no longer counts."""
    identifier = [{"system": "urn:mrn", "value": "race-6"}]
    old = platform.service.create(SYSTEM, patient(identifier=identifier)).resource.res_id
    deleting = threading.Event()
    release = threading.Event()

    def slow_delete() -> None:
        with platform.service.changeset(SYSTEM) as changes:
            changes.delete("Patient", old)
            deleting.set()
            release.wait(10)

    deleter = threading.Thread(target=slow_delete)
    deleter.start()
    assert deleting.wait(10)
    outcome: list[Any] = []
    creator = threading.Thread(
        target=lambda: outcome.append(
            platform.service.create(
                SYSTEM, patient(identifier=identifier), if_none_exist="identifier=urn:mrn|race-6"
            )
        )
    )
    creator.start()
    creator.join(0.5)  # on PostgreSQL it now waits for the delete's row lock
    release.set()
    deleter.join(10)
    creator.join(10)
    assert outcome and outcome[0].status == 201
    assert outcome[0].resource.res_id != old
    assert count_patients(platform, ("identifier", "urn:mrn|race-6")) == 1


def test_a_transaction_with_thousands_of_conditional_entries_holds_a_bounded_number_of_locks(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's lock table is shared by the whole cluster: one bundle must not fill it."""
    held = lock_names_taken(monkeypatch, service_module)
    entries = [
        {
            "resource": patient(identifier=[{"system": "urn:mrn", "value": f"many-{n}"}]),
            "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier=urn:mrn|many-{n}"},
        }
        for n in range(3000)
    ]  # fmt: skip
    response = platform.bundles.process(
        SYSTEM, {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    )
    assert {e["response"]["status"] for e in response["entry"]} == {"201 Created"}
    assert 0 < len(held) <= service_module.CRITERIA_LOCK_BUCKETS


def test_one_transaction_asking_the_same_conditional_question_twice_is_refused(
    platform: Platform,
) -> None:
    """Both entries would find nothing and create two resources for one identity."""
    identifier = [{"system": "urn:mrn", "value": "twice"}]
    for second in (
        {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:mrn|twice"},
        {"method": "PUT", "url": "Patient?identifier=urn:mrn%7Ctwice"},
    ):
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": patient(identifier=identifier),
                    "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:mrn|twice"},
                },
                {"resource": patient(identifier=identifier), "request": second},
            ],
        }  # fmt: skip
        with pytest.raises(Invalid, match="same conditional criteria"):
            platform.bundles.process(SYSTEM, bundle)
    assert count_patients(platform, ("identifier", "urn:mrn|twice")) == 0


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_a_conditional_delete_in_a_bundle_matching_several_deletes_nothing(
    platform: Platform, kind: str
) -> None:
    for n in range(3):
        platform.service.create(SYSTEM, patient(gender="other", birthDate=f"190{n}"))
    bundle = {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"request": {"method": "DELETE", "url": "Patient?gender=other"}}],
    }
    if kind == "transaction":
        with pytest.raises(PreconditionFailed):
            platform.bundles.process(SYSTEM, bundle)
    else:
        response = platform.bundles.process(SYSTEM, bundle)
        assert response["entry"][0]["response"]["status"].startswith("412")
    assert count_patients(platform, ("gender", "other")) == 3


def test_a_transaction_of_many_conditional_updates_creating_resources_caps_its_name_locks(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each conditional update names one new id at a time; the cap counts the transaction."""
    held = lock_names_taken(monkeypatch, repository_module)
    entries = [
        {
            "resource": patient(f"cu-{n}", identifier=[{"system": "urn:mrn", "value": f"cu-{n}"}]),
            "request": {"method": "PUT", "url": f"Patient?identifier=urn:mrn%7Ccu-{n}"},
        }
        for n in range(repository_module.MAX_NAME_LOCKS + 50)
    ]  # fmt: skip
    response = platform.bundles.process(
        SYSTEM, {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    )
    assert {e["response"]["status"] for e in response["entry"]} == {"201 Created"}
    if platform.db.engine.dialect.name == "postgresql":
        assert len(held) == repository_module.MAX_NAME_LOCKS

"""The MPI service on both databases: link-on-ingest, review, link/unlink, merge/unmerge,
the health-record lifecycle, and that a refused operation changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kangtong.core.config import Settings
from kangtong.core.errors import Conflict, Invalid, NotFound
from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.mpi.default_model import default_model
from kangtong.mpi.model_checks import Check, ModelAssessment
from kangtong.mpi.person_resource import LINK_EVIDENCE, LINK_SCORE
from kangtong.mpi.service import MpiService
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.records import DeliveredEvent

CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"
HOSPITAL_A = "urn:oid:2.16.156.10011.1.11.1"
HOSPITAL_B = "urn:oid:2.16.156.10011.1.11.2"
CTX = AccessContext.system("test")


def citizen_id(first17: str) -> str:
    """A GB 11643 number with its check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def patient(
    pid: str, system: str, mrn: str, name: str, gender: str, birth: str, **more: str
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": system, "value": mrn}],
        "name": [{"use": "official", "text": name}],
        "gender": gender,
        "birthDate": birth,
    }
    if "id_number" in more:
        resource["identifier"].append({"system": CITIZEN_ID, "value": more["id_number"]})
    if "phone" in more:
        resource["telecom"] = [{"system": "phone", "value": more["phone"]}]
    if "address" in more:
        resource["address"] = [{"text": more["address"]}]
    return resource


ZHANG_ID = citizen_id("52010219800305123")
RESIDENTS = [
    patient("a1", HOSPITAL_A, "M1", "张伟", "male", "1980-03-05", id_number=ZHANG_ID,
            phone="13812345678", address="贵阳市云岩区中华北路12号3栋2单元401室"),
    patient("b1", HOSPITAL_B, "X9", "張偉", "male", "1980-03-05", phone="138 1234 5678",
            address="云岩区中华北路12号3-2-401"),
    patient("t1", HOSPITAL_A, "M2", "李明", "male", "2010-06-01", phone="13900001111",
            address="南明区花果园1栋1单元101室"),
    patient("t2", HOSPITAL_A, "M3", "李亮", "male", "2010-06-01", phone="13900001111",
            address="南明区花果园1栋1单元101室"),
    patient("c1", HOSPITAL_B, "X10", "王芳", "female", "1975-01-02",
            id_number=citizen_id("52010319750102002"), phone="13700002222", address="观山湖区"),
]  # fmt: skip
# Shares a near name and a birth date a day off with 张伟 but nothing else: between the
# thresholds.
DOUBTFUL = patient("r1", HOSPITAL_B, "X77", "张卫", "male", "1980-03-06")


def trust_shipped_weights(platform: Platform) -> None:
    """Store the shipped default weights as the region's own trusted model. These tests are about
    what the MPI does with its decisions (links, reviews, merges), not about training, and their
    handful of records is far below what a region trains on (test_untrained_model.py)."""
    saved = default_model()
    passed = ModelAssessment((Check("test", True, "stored by the test as a trained model"),))
    platform.mpi.models.save(saved.model, records=30_000, now_us=1, assessment=passed)


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    built = build_platform(settings, database=database)
    trust_shipped_weights(built)
    yield built


def ingest(platform: Platform, *patients: dict[str, Any]) -> None:
    for resource in patients:
        platform.service.update(CTX, "Patient", resource["id"], resource)
    platform.events.drain()


def person_of(mpi: MpiService, patient_id: str) -> str:
    with mpi.service.db.read() as conn:
        link = mpi.writer.index.source(conn, patient_id)
        assert link is not None
        return mpi.writer.index.person_ids(conn, [link.person_pk])[link.person_pk]


def person(platform: Platform, person_id: str) -> dict[str, Any]:
    stored = platform.service.read(CTX, "Person", person_id)
    assert stored.content is not None
    return parse_fhir_json(stored.content)


def linked_patients(platform: Platform, person_id: str) -> list[str]:
    links = person(platform, person_id).get("link") or []
    return sorted(
        link["target"]["reference"].removeprefix("Patient/")
        for link in links
        if link["target"]["reference"].startswith("Patient/")
    )


def test_two_hospitals_registrations_of_one_resident_become_one_person_with_two_links(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    assert person_of(platform.mpi, "b1") == zhang
    assert linked_patients(platform, zhang) == ["a1", "b1"]
    golden = person(platform, zhang)
    assert golden["name"][0]["text"] == "张伟"
    assert {"system": CITIZEN_ID, "value": ZHANG_ID, "use": "official"} in golden["identifier"]
    auto = next(link for link in golden["link"] if link["target"]["reference"] == "Patient/b1")
    extensions = {e["url"]: e for e in auto["extension"]}
    assert extensions[LINK_SCORE]["valueDecimal"] >= 6
    assert "name=traditional vs simplified" in extensions[LINK_EVIDENCE]["valueString"]


def test_twins_in_one_household_stay_two_persons(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    assert person_of(platform.mpi, "t1") != person_of(platform.mpi, "t2")
    assert platform.mpi.reviews(CTX) == []  # a veto, not a doubt: nothing to review


def test_redelivered_events_link_nothing_twice(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    version = platform.service.read(CTX, "Person", zhang).version
    redelivered = [
        DeliveredEvent(seq, "Patient.created", "Patient", r["id"], 1, 0, None)
        for seq, r in enumerate(RESIDENTS, start=1)
    ]
    platform.mpi.handle_events(redelivered)
    stored = platform.service.read(CTX, "Patient", "b1")
    decision = platform.mpi.link_source_record(CTX, parse_fhir_json(stored.content or b""), 1)
    assert decision.outcome == "unchanged"
    assert platform.service.read(CTX, "Person", zhang).version == version
    search = platform.service.search(CTX, "Person", [("_count", "100")])
    assert len(search.entries) == 4  # 张伟, two twins, 王芳


def test_a_doubtful_record_is_queued_and_accepting_moves_it(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    ingest(platform, DOUBTFUL)
    zhang = person_of(platform.mpi, "a1")
    provisional = person_of(platform.mpi, "r1")
    assert provisional != zhang
    [review] = platform.mpi.reviews(CTX)
    assert (review.patient_id, review.person_id) == ("r1", zhang)
    assert 0 <= review.score < 6
    accepted = platform.mpi.curation.accept(CTX, review.id)
    assert accepted.status == "accepted"
    assert person_of(platform.mpi, "r1") == zhang
    assert linked_patients(platform, zhang) == ["a1", "b1", "r1"]
    assert person(platform, provisional)["active"] is False
    # Reversible: unlinking gives the record a person of its own again.
    alone = platform.mpi.curation.unlink(CTX, "r1")
    assert linked_patients(platform, alone) == ["r1"]
    assert linked_patients(platform, zhang) == ["a1", "b1"]


def test_a_rejected_review_keeps_the_two_apart_and_is_not_asked_again(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    ingest(platform, DOUBTFUL)
    [review] = platform.mpi.reviews(CTX)
    platform.mpi.curation.reject(CTX, review.id)
    assert platform.mpi.reviews(CTX) == []
    assert [r.id for r in platform.mpi.reviews(CTX, "rejected")] == [review.id]
    assert person_of(platform.mpi, "r1") != person_of(platform.mpi, "a1")
    with pytest.raises(Conflict):
        platform.mpi.curation.accept(CTX, review.id)


def test_merge_then_unmerge_restores_the_links(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    zhang, wang = person_of(platform.mpi, "a1"), person_of(platform.mpi, "c1")
    row = platform.mpi.curation.merge(CTX, zhang, wang)
    assert row.patients == ("c1",)
    assert linked_patients(platform, zhang) == ["a1", "b1", "c1"]
    merged = person(platform, wang)
    assert merged["active"] is False
    assert merged["link"] == [{"target": {"reference": f"Person/{zhang}"}, "assurance": "level4"}]
    assert wang not in [m.person_id for m in platform.mpi.match(CTX, RESIDENTS[4])]
    platform.mpi.curation.unmerge(CTX, row.id)
    assert linked_patients(platform, zhang) == ["a1", "b1"]
    assert linked_patients(platform, wang) == ["c1"]
    assert person(platform, wang)["active"] is True
    assert person_of(platform.mpi, "c1") == wang
    with pytest.raises(Conflict):
        platform.mpi.curation.unmerge(CTX, row.id)


def test_health_record_lifecycle_transitions_keep_their_history(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    lifecycle = platform.mpi.lifecycle
    assert lifecycle.open(CTX, zhang, "520102").status == "open"
    assert lifecycle.transfer(CTX, zhang, "520103").district == "520103"
    closed = lifecycle.close(CTX, zhang, "death")
    assert (closed.status, closed.reason, closed.district) == ("closed", "death", "520103")
    states = [(e.status.status, e.status.district) for e in lifecycle.history(CTX, zhang)]
    assert states == [
        ("unopened", None),
        ("open", "520102"),
        ("open", "520103"),
        ("closed", "520103"),
    ]
    with pytest.raises(Conflict):
        lifecycle.open(CTX, zhang, "520102")  # death is final; only emigration reopens


def test_refused_operations_change_nothing(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    before = platform.service.read(CTX, "Person", zhang).version
    versions_before = platform.service.history(
        CTX, None, None, since_us=None, count=1, offset=0
    ).total
    refusals: list[tuple[type[Exception], Any]] = [
        (Invalid, lambda: platform.mpi.curation.merge(CTX, zhang, zhang)),
        (Conflict, lambda: platform.mpi.lifecycle.close(CTX, zhang, "death")),  # never opened
        (Invalid, lambda: platform.mpi.lifecycle.open(CTX, zhang, "99")),
        (Conflict, lambda: platform.mpi.curation.unlink(CTX, "c1")),  # its only record
        (NotFound, lambda: platform.mpi.curation.link(CTX, "nobody", zhang)),
        (NotFound, lambda: platform.mpi.curation.accept(CTX, "no-such-review")),
    ]
    for error, attempt in refusals:
        with pytest.raises(error):
            attempt()
    assert platform.service.read(CTX, "Person", zhang).version == before
    after = platform.service.history(CTX, None, None, since_us=None, count=1, offset=0).total
    assert after == versions_before


def test_the_trained_model_is_stored_and_reused_without_retraining(
    platform: Platform, settings: Settings, database: Database
) -> None:
    ingest(platform, *RESIDENTS)
    other = build_platform(settings, database=database)
    scorer = other.mpi.models.scorer()
    assert scorer is not None  # loaded from the database, not trained again
    assert scorer.model.prior_bits == platform.mpi.models.scorer().model.prior_bits  # type: ignore[union-attr]

"""A master index that has not learned from its own region refuses to guess.

Until a region trains a model on a population large enough to learn from (and the fit passes
its checks), the MPI scores with the shipped default weights, links automatically only on an
exact valid citizen ID and sends every other probable match to a clerk.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from tests.unit.mpi.test_service import (
    CTX,
    HOSPITAL_A,
    HOSPITAL_B,
    citizen_id,
    ingest,
    patient,
    person_of,
)

# Two different residents called 张伟, born the same day, both male; neither gave an ID number.
ZHANG_WEI_A = patient("zw-a", HOSPITAL_A, "A-1", "张伟", "male", "1985-07-12",
                      phone="13811112222", address="贵阳市云岩区中华北路12号3栋2单元401室")  # fmt: skip
ZHANG_WEI_B = patient("zw-b", HOSPITAL_B, "B-7", "张伟", "male", "1985-07-12",
                      phone="13999990000", address="贵阳市南明区花果园5栋1单元1203室")  # fmt: skip


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    yield build_platform(settings, database=database)


def test_two_different_zhang_wei_without_id_numbers_stay_two_persons(platform: Platform) -> None:
    ingest(platform, ZHANG_WEI_A, ZHANG_WEI_B)
    assert person_of(platform.mpi, "zw-a") != person_of(platform.mpi, "zw-b")


def test_with_two_records_the_index_trains_nothing(platform: Platform) -> None:
    ingest(platform, ZHANG_WEI_A, ZHANG_WEI_B)
    assert platform.mpi.models.status().trained is False


def test_an_exact_valid_citizen_id_still_links_before_any_training(platform: Platform) -> None:
    number = citizen_id("52010219850712123")
    ingest(
        platform,
        patient("id-a", HOSPITAL_A, "A-2", "李娜", "female", "1985-07-12", id_number=number),
        patient("id-b", HOSPITAL_B, "B-2", "李娜", "female", "1985-07-12", id_number=number),
    )
    assert person_of(platform.mpi, "id-a") == person_of(platform.mpi, "id-b")


def test_a_probable_match_without_an_id_goes_to_review_before_any_training(
    platform: Platform,
) -> None:
    ingest(
        platform,
        patient("p-a", HOSPITAL_A, "A-3", "王秀英", "female", "1950-02-03",
                phone="13700001111", address="贵阳市云岩区中华北路12号3栋2单元401室"),
        patient("p-b", HOSPITAL_B, "B-3", "王秀英", "female", "1950-02-03",
                phone="13700001111", address="云岩区中华北路12号3-2-401"),
    )  # fmt: skip
    assert person_of(platform.mpi, "p-a") != person_of(platform.mpi, "p-b")
    [review] = platform.mpi.reviews(CTX)
    assert {review.patient_id, review.person_id} & {"p-b", person_of(platform.mpi, "p-a")}

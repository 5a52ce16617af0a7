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
    HOSPITAL_A,
    HOSPITAL_B,
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


@pytest.mark.xfail(strict=True, reason="issue 12 finding 5: the MPI trains on two records")
def test_two_different_zhang_wei_without_id_numbers_stay_two_persons(platform: Platform) -> None:
    ingest(platform, ZHANG_WEI_A, ZHANG_WEI_B)
    assert person_of(platform.mpi, "zw-a") != person_of(platform.mpi, "zw-b")

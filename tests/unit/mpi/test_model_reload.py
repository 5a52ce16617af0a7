"""A retrain (`kangtong mpi train`, in any process) reaches running processes without a restart:
each looks at the stored model's stamp at most once per `recheck_seconds` and reloads it when
it changed; in between, a match costs no look-up at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kangtong.core.config import Settings
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.models import MODEL_NAME, ModelKeeper
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.patients import identity_of
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.mpi_curation import MpiCurationStore
from tests.unit.mpi.test_service import CTX, DOUBTFUL, RESIDENTS, ingest

NORMALISER = RecordNormaliser()


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def records(*patients: dict[str, object]) -> list[PersonRecord]:
    return [NORMALISER.normalise(identity_of(p)) for p in patients]


def keeper(database: Database, clock: FakeMonotonic) -> ModelKeeper:
    return ModelKeeper(
        database, chinese_identity_schema(), LinkerSettings(), recheck_seconds=5, monotonic=clock
    )


def test_a_retrain_elsewhere_is_picked_up_after_the_recheck_interval(database: Database) -> None:
    trainer_clock, clock = FakeMonotonic(), FakeMonotonic()
    trainer, running = keeper(database, trainer_clock), keeper(database, clock)
    trainer.train(records(*RESIDENTS), now_us=1_000)
    first = running.scorer()
    assert first is not None
    trainer.train(records(*RESIDENTS, DOUBTFUL, DOUBTFUL), now_us=1_000)  # same instant
    retrained = trainer.scorer()
    assert retrained is not None and retrained.model.prior_bits != first.model.prior_bits
    clock.now += 4.9
    assert running.scorer() is first  # within the interval: the model it holds, unchecked
    clock.now += 0.1
    reloaded = running.scorer()
    assert reloaded is not None and reloaded is not first
    assert reloaded.model.prior_bits == retrained.model.prior_bits
    clock.now += 60
    assert running.scorer() is reloaded  # unchanged stamp: nothing is loaded again


def test_every_save_stores_a_greater_stamp_even_at_the_same_instant(database: Database) -> None:
    trainer = keeper(database, FakeMonotonic())
    store = MpiCurationStore()
    stamps = []
    for _ in range(3):
        trainer.train(records(*RESIDENTS), now_us=5)
        with database.read() as conn:
            stamps.append(store.model_stamp(conn, MODEL_NAME))
    assert stamps == [5, 6, 7]


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    yield build_platform(settings, database=database)


def test_a_running_service_matches_with_the_model_trained_by_another_process(
    platform: Platform, settings: Settings, database: Database
) -> None:
    ingest(platform, *RESIDENTS)
    before = platform.mpi.match(CTX, RESIDENTS[0])[0].score
    operator = build_platform(settings, database=database)  # `kangtong mpi train` elsewhere
    ingest(operator, DOUBTFUL)
    operator.mpi.train(CTX)
    platform.mpi.models.recheck_seconds = 0  # (the interval itself is tested above)
    after = platform.mpi.match(CTX, RESIDENTS[0])[0].score
    assert after == operator.mpi.match(CTX, RESIDENTS[0])[0].score
    assert after != before

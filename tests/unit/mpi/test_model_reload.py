"""A retrain (`kangtong mpi train`, in any process) reaches running processes without a restart:
each looks at the stored model's stamp at most once per `recheck_seconds` and reloads it when
it changed; in between, a match costs no look-up at all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from kangtong.core.config import Settings
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.default_model import default_model
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.model_checks import Check, ModelAssessment
from kangtong.mpi.models import MODEL_NAME, ModelKeeper
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.patients import identity_of
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.mpi_curation import MpiCurationStore
from tests.unit.mpi.test_service import CTX, RESIDENTS, ingest

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


PASSED = ModelAssessment((Check("test", True, "stored by the test as a trained model"),))


def retrained(match_rate: float) -> FellegiSunterModel[PersonRecord]:
    """A model as a retrain would store it: the shipped weights with another prior."""
    shipped = default_model().model
    return FellegiSunterModel(
        shipped.comparisons,
        dataclasses.replace(shipped.parameters, match_rate=match_rate),
        dict(shipped.term_frequencies),
    )


def test_a_retrain_elsewhere_is_picked_up_after_the_recheck_interval(database: Database) -> None:
    trainer_clock, clock = FakeMonotonic(), FakeMonotonic()
    trainer, running = keeper(database, trainer_clock), keeper(database, clock)
    trainer.save(retrained(1e-4), 3_000, now_us=1_000, assessment=PASSED)
    first = running.scorer()
    trainer.save(retrained(2e-4), 3_100, now_us=1_000, assessment=PASSED)  # same instant
    again = trainer.scorer()
    assert again.model.prior_bits != first.model.prior_bits
    clock.now += 4.9
    assert running.scorer() is first  # within the interval: the model it holds, unchecked
    clock.now += 0.1
    reloaded = running.scorer()
    assert reloaded is not first
    assert reloaded.model.prior_bits == again.model.prior_bits
    assert running.status().trained and running.status().records == 3_100
    clock.now += 60
    assert running.scorer() is reloaded  # unchanged stamp: nothing is loaded again


def test_every_save_stores_a_greater_stamp_even_at_the_same_instant(database: Database) -> None:
    trainer = keeper(database, FakeMonotonic())
    store = MpiCurationStore()
    stamps = []
    for _ in range(3):
        trainer.save(retrained(1e-4), 3_000, now_us=5, assessment=PASSED)
        with database.read() as conn:
            stamps.append(store.model_stamp(conn, MODEL_NAME))
    assert stamps == [5, 6, 7]


def test_a_model_that_failed_its_checks_is_not_stored(database: Database) -> None:
    trainer = keeper(database, FakeMonotonic())
    summary = trainer.train(records(*RESIDENTS), now_us=5)
    assert not summary.stored and not summary.assessment.trusted
    assert "population" in [c.name for c in summary.assessment.failures]
    with database.read() as conn:
        assert MpiCurationStore().model_stamp(conn, MODEL_NAME) is None
    assert trainer.status().source == "default" and not trainer.status().trusted


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    yield build_platform(settings, database=database)


def test_a_running_service_matches_with_the_model_trained_by_another_process(
    platform: Platform, settings: Settings, database: Database
) -> None:
    ingest(platform, *RESIDENTS)
    before = platform.mpi.match(CTX, RESIDENTS[0])[0].score
    operator = build_platform(settings, database=database)  # `kangtong mpi train` elsewhere
    operator.mpi.models.save(retrained(1e-3), 3_000, now_us=10, assessment=PASSED)
    platform.mpi.models.recheck_seconds = 0  # (the interval itself is tested above)
    after = platform.mpi.match(CTX, RESIDENTS[0])[0].score
    assert after == operator.mpi.match(CTX, RESIDENTS[0])[0].score
    assert after != before
    assert platform.mpi.models.status().trained

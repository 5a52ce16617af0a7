"""What a synthetic run produces: size, seed, care window, output formats and noise rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kangtong.synth import systems
from kangtong.synth.tables.demography import DEFAULT_DISTRICT, DistrictPlace

FORMATS = ("fhir", "bundles", "hl7v2", "csv", "cda")
DEFAULT_FORMATS = ("fhir", "hl7v2", "csv")


@dataclass(frozen=True)
class NoiseRates:
    """How often registration desks make each kind of error, per source record.

    Each rate is a probability among the records the error can apply to (its eligibility is in
    docs/synth.md: e.g. a 15-digit legacy ID only for people born 1900-1999, a swapped day/month
    only when the day is 12 or less and differs from the month). Kinds of one family (name, ID,
    birth date, phone, address) exclude each other on one record.
    """

    name_typo: float = 0.02
    name_homophone: float = 0.03
    name_traditional: float = 0.01
    name_pinyin: float = 0.01
    name_shorter: float = 0.005
    name_longer: float = 0.005
    name_spaced: float = 0.01
    legacy_15_digit_id: float = 0.03
    missing_id_child: float = 0.40
    missing_id_adult: float = 0.03
    id_typo: float = 0.01
    id_transposition: float = 0.005
    swapped_day_month: float = 0.01
    birth_day_off: float = 0.01
    birth_unknown_day: float = 0.005
    phone_changed: float = 0.10
    phone_typo: float = 0.01
    phone_transposition: float = 0.005
    address_changed: float = 0.08
    address_moved: float = 0.04
    address_partial: float = 0.05

    def scaled(self, factor: float, cap: float = 0.6) -> NoiseRates:
        """Every rate times `factor` (at most `cap`)."""
        return NoiseRates(
            **{name: min(getattr(self, name) * factor, cap) for name in self.__dataclass_fields__}
        )

    @classmethod
    def none(cls) -> NoiseRates:
        return cls(**dict.fromkeys(cls.__dataclass_fields__, 0.0))


@dataclass(frozen=True)
class SynthConfig:
    people: int
    seed: int = 20240101
    as_of: dt.date = dt.date(2024, 12, 31)
    years: int = 3
    formats: tuple[str, ...] = DEFAULT_FORMATS
    noise: NoiseRates = field(default_factory=NoiseRates)
    place: DistrictPlace = DEFAULT_DISTRICT
    health_code_system: str = systems.DEFAULT_HEALTH_CODE
    bundle_size: int = 50
    chunk_size: int = 500
    workers: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.formats) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown formats {sorted(unknown)}; choose from {FORMATS}")
        if self.people < 1 or self.years < 1:
            raise ValueError("people and years must be positive")

    @property
    def window_start(self) -> dt.date:
        """The first day of the care window (`years` years up to `as_of`)."""
        day = 28 if (self.as_of.month, self.as_of.day) == (2, 29) else self.as_of.day
        return self.as_of.replace(year=self.as_of.year - self.years, day=day) + dt.timedelta(days=1)


DEMO_PEOPLE = 200

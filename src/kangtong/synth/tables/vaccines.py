"""国家免疫规划 — the national immunisation programme schedule for children (2021 edition)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledDose:
    vaccine: str  # code in the kangtong vaccine code system
    display: str
    dose_number: int
    age_months: int


_SCHEDULE = """
HepB 乙肝疫苗 0 1 6
BCG 卡介苗 0
IPV 脊灰灭活疫苗 2 3
bOPV 脊灰减毒活疫苗 4 48
DTaP 百白破疫苗 3 4 5 18
DT 白破疫苗 72
MMR 麻腮风疫苗 8 18
JE-L 乙脑减毒活疫苗 8 24
MPSV-A A群流脑多糖疫苗 6 9
MPSV-AC A群C群流脑多糖疫苗 36 72
HepA-L 甲肝减毒活疫苗 18
"""


def _parse_schedule() -> tuple[ScheduledDose, ...]:
    doses: list[ScheduledDose] = []
    for line in _SCHEDULE.strip().splitlines():
        code, display, *ages = line.split()
        doses.extend(ScheduledDose(code, display, n, int(age)) for n, age in enumerate(ages, 1))
    return tuple(sorted(doses, key=lambda dose: (dose.age_months, dose.vaccine)))


SCHEDULE = _parse_schedule()
# Share of scheduled doses actually given (reported coverage is above 95%) and the usual delay.
COVERAGE = 0.97
MAX_DELAY_DAYS = 30

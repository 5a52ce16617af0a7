"""Care over the years for one person: every visit, diagnosis, result and prescription."""

from __future__ import annotations

from kangtong.synth.care.chronic import simulate_chronic_care
from kangtong.synth.care.context import CareContext, CareSetting
from kangtong.synth.care.inpatient import simulate_admissions
from kangtong.synth.care.maternal_child import simulate_immunisations, simulate_pregnancies
from kangtong.synth.care.outpatient import simulate_outpatient
from kangtong.synth.config import SynthConfig
from kangtong.synth.model import Person, PersonCare


def simulate_care(person: Person, setting: CareSetting, config: SynthConfig) -> PersonCare:
    """All care of one person, drawn from the person's own seed (independent of batching)."""
    context = CareContext(person, setting, config)
    simulate_immunisations(context)
    simulate_chronic_care(context)
    simulate_outpatient(context)
    simulate_pregnancies(context)
    simulate_admissions(context)
    return context.care


__all__ = ["CareSetting", "simulate_care"]

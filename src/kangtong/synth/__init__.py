"""Synthetic district generator (合成辖区): residents, institutions and years of care.

Deterministic for a seed; never uses real personal data. See docs/synth.md.
"""

from kangtong.synth.config import NoiseRates, SynthConfig
from kangtong.synth.generate import SynthSummary, generate_district

__all__ = ["NoiseRates", "SynthConfig", "SynthSummary", "generate_district"]

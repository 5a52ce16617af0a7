"""Hypothesis strategies for Chinese identifiers, shared by the property tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import CHARACTERS, make_credit_code

# One county-level code per region of the country, Hong Kong/Macao/Taiwan included.
AREA_CODES = ["110101", "120101", "310101", "440106", "520103", "540102", "650102", "810000"]
TODAY = dt.date(2025, 6, 30)

areas = st.sampled_from(AREA_CODES)
births = st.dates(min_value=dt.date(1850, 1, 1), max_value=TODAY)
births_1900s = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
citizen_ids = st.builds(make_citizen_id, areas, births, sequences)

credit_prefixes = st.sampled_from(["11", "12", "51", "52", "91", "92", "93", "Y1"])
credit_areas = st.sampled_from(["100000", "110101", "520103", "350100"])
organisation_bodies = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)
credit_codes = st.builds(make_credit_code, credit_prefixes, credit_areas, organisation_bodies)
credit_characters = st.sampled_from(CHARACTERS)


@st.composite
def mistyped_citizen_ids(draw: st.DrawFn) -> str:
    """A valid ID with one character replaced by a character a keyboard may give."""
    valid = draw(citizen_ids)
    position = draw(st.integers(0, 17))
    character = draw(st.sampled_from("0123456789Xx O"))
    return valid[:position] + character + valid[position + 1 :]

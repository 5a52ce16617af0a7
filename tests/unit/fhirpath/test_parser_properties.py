"""Property: any text either compiles or fails with a FhirPathError — never another exception."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.fhir.fhirpath import FhirPathError, compile_path

from .resources import OBSERVATION

_FRAGMENTS = st.sampled_from(
    [
        "Observation", "code", "value", ".", "(", ")", "[", "]", "0", "1.5", "'x'", "'\\\\",
        "\\u12",
        "@2020-01", "@T10", "|", "=", "!=", "<", "and", "or", "is", "as", "Quantity", "where",
        "resolve()", "first()", "%v", "%'v'", "$this", "$index", "`a`", "-", "+", "*", "/", "div",
        "mod", "&", "in", "contains", "implies", "xor", "{", "}", ",", " ", "ofType", "exists",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_text_compiles_or_raises_fhirpath_error(text: str) -> None:
    try:
        path = compile_path(text)
    except FhirPathError:
        return
    with contextlib.suppress(FhirPathError):
        path.evaluate(OBSERVATION, variables={"v": 1})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    with contextlib.suppress(FhirPathError):
        compile_path(text)

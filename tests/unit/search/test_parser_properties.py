"""Any query either becomes a search plan or is rejected as `Invalid` — never a crash."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kangtong.core.errors import Invalid
from kangtong.fhir.model import StructureModel
from kangtong.fhir.search.definitions import SearchParamRegistry
from kangtong.fhir.search.params.context import SearchContext
from kangtong.fhir.search.params.escape import split_unescaped
from kangtong.fhir.search.params.token import parse_token
from kangtong.fhir.search.parser import SearchParser, SearchRequest

NAMES = [
    "name", "family", "birthdate", "gender", "identifier", "code", "date", "value-quantity",
    "subject", "patient", "subject:Patient.name", "_has:Observation:patient:code",
    "_has:Observation:subject:_has:Provenance:target:agent", "code-value-quantity", "_id",
    "_lastUpdated", "_count", "_offset", "_sort", "_include", "_revinclude", "_include:iterate",
    "_summary", "_elements", "_total", "_type", "probability", "url", "nope", "_text",
    "general-practitioner.name", "organization.partof.name", "",
]  # fmt: skip
MODIFIERS = ["", ":exact", ":contains", ":not", ":text", ":missing", ":below", ":above",
             ":Patient", ":identifier", ":in", ":iterate", ":"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        ["王", "ge2020", "eq2020-02-30", "1e2", "ap5.4|http://unitsofmeasure.org|mg", "true",
         "http://loinc.org|2345-7$gt10", "Patient/1", "Observation:subject", "-date,_id", "1",
         "x|y|z", "a\\,b", "٢٠٢٠", "9998", "9999", "²", "1e1000001", "sa", "$", "|", ",",
         "count", "1e400"]
    ),
    st.text(max_size=12),
)  # fmt: skip
TYPES = st.sampled_from(["Patient", "Observation", "Organization", "RiskAssessment", None])


@pytest.fixture(scope="module")
def parser() -> SearchParser:
    """Built as `platform.container.build_platform` builds it, without a database."""
    registry = SearchParamRegistry.load(type_model=StructureModel.load())
    ctx = SearchContext(zone=ZoneInfo("Asia/Shanghai"), base_url="http://kangtong.test/fhir")
    return SearchParser(registry, ctx, default_count=20, max_count=1000)


def parse_or_reject(
    parser: SearchParser, res_type: str | None, params: list[tuple[str, str]]
) -> SearchRequest | None:
    try:
        return parser.parse(res_type, params, strict=True)
    except Invalid:
        return None


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    TYPES,
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(MODIFIERS), VALUES), max_size=3),
)
@example("Patient", [("birthdate", ":missing", "maybe")])
@example("Observation", [("_has:Observation:patient:code", "", "x")])
def test_a_query_is_planned_or_rejected_as_invalid(
    parser: SearchParser, res_type: str | None, params: list[tuple[str, str, str]]
) -> None:
    query = [(name + modifier, value) for name, modifier, value in params]
    parse_or_reject(parser, res_type, query)


@pytest.mark.parametrize("name", ["_count", "_offset"])
def test_a_paging_number_in_superscript_digits_is_invalid(parser: SearchParser, name: str) -> None:
    with pytest.raises(Invalid):
        parser.parse("Patient", [(name, "²")])


def test_a_search_for_the_year_9999_is_planned(parser: SearchParser) -> None:
    assert parser.parse("Patient", [("birthdate", "9999")]).plan.clauses


def test_a_quantity_too_large_for_decimal_is_rejected(parser: SearchParser) -> None:
    with pytest.raises(Invalid):
        parser.parse("Observation", [("value-quantity", "1e1000001")])


@given(st.text(min_size=1, max_size=10).filter(lambda s: "." not in s and ":" not in s))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_strict_handling_rejects_unknown_parameters(parser: SearchParser, name: str) -> None:
    unknown = f"zz-{name}"
    with pytest.raises(Invalid, match="Unknown or unsupported"):
        parser.parse("Patient", [(unknown, "x")], strict=True)
    lenient = parser.parse("Patient", [(unknown, "x")])
    assert lenient.ignored == [unknown]
    assert lenient.plan.clauses == ()


@pytest.mark.parametrize("name", ["_text", "_content", "_filter", "_list", "near"])
def test_strict_handling_rejects_unsupported_standard_parameters(
    parser: SearchParser, name: str
) -> None:
    res_type = "Location" if name == "near" else "Patient"
    with pytest.raises(Invalid):
        parser.parse(res_type, [(name, "x")], strict=True)


# -- tokens --------------------------------------------------------------------------------
plain = st.text(alphabet=st.characters(exclude_characters=",|$\\"), min_size=1, max_size=10)


@given(plain, plain)
def test_system_and_code_are_split_at_the_bar(system: str, code: str) -> None:
    assert parse_token(f"{system}|{code}") == (system, code, False)
    assert parse_token(f"|{code}") == ("", code, False)
    assert parse_token(f"{system}|") == (system, None, False)
    assert parse_token(code) == (None, code, True)


@given(plain, plain)
def test_an_escaped_bar_belongs_to_the_code(system: str, code: str) -> None:
    assert parse_token(f"{system}|a\\|{code}") == (system, f"a|{code}", False)


@given(st.text(alphabet=st.sampled_from(["a", "|", "\\", ",", "王"]), max_size=10))
def test_a_token_is_parsed_or_rejected_as_invalid(value: str) -> None:
    parts = split_unescaped(value, "|")
    try:
        system, code, any_system = parse_token(value)
    except Invalid:
        assert len(parts) > 2
        return
    assert any_system == (len(parts) == 1)
    assert (system, code) == ((None, parts[0]) if any_system else (parts[0], parts[1] or None))

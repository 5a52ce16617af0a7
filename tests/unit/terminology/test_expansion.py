"""$expand and $validate-code semantics over in-memory code systems and value sets."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.core.errors import Invalid, NotFound, Unprocessable
from kangtong.terminology.code_system_index import CodeSystemIndex, StoredVersion
from kangtong.terminology.expansion import Expander, ExpandRequest
from kangtong.terminology.membership import ValueSetMembership

ICD = "urn:oid:2.16.156.10011.2.3.3.11"
CS = CodeSystemIndex(
    {
        "url": ICD,
        "concept": [
            {"code": "I10", "display": "原发性高血压"},
            {"code": "I11", "display": "高血压性心脏病"},
            {
                "code": "I11.9",
                "display": "高血压性心脏病不伴有心力衰竭",
                "property": [{"code": "parent", "valueCode": "I11"}],
            },
            {"code": "E11", "display": "2型糖尿病"},
            {
                "code": "E11.9",
                "display": "2型糖尿病不伴有并发症",
                "property": [
                    {"code": "parent", "valueCode": "E11"},
                    {"code": "status", "valueCode": "retired"},
                ],
            },
        ],
    },
    StoredVersion("icd", 1),
)
VALUE_SETS: dict[str, dict[str, Any]] = {
    "vs:all": {"url": "vs:all", "compose": {"include": [{"system": ICD}]}},
    "vs:heart": {
        "url": "vs:heart",
        "compose": {
            "include": [
                {"system": ICD, "filter": [{"property": "concept", "op": "is-a", "value": "I11"}]}
            ]
        },
    },
    "vs:no-diabetes": {
        "url": "vs:no-diabetes",
        "compose": {
            "include": [{"valueSet": ["vs:all"]}],
            "exclude": [
                {"system": ICD, "filter": [{"property": "concept", "op": "is-a", "value": "E11"}]}
            ],
        },
    },
    "vs:loop": {"url": "vs:loop", "compose": {"include": [{"valueSet": ["vs:loop"]}]}},
}


def lookup_cs(url: str, _version: str | None) -> CodeSystemIndex | None:
    return CS if url == ICD else None


def lookup_vs(url: str, _version: str | None) -> dict[str, Any] | None:
    return VALUE_SETS.get(url)


EXPANDER = Expander(lookup_cs, lookup_vs)
MEMBERSHIP = ValueSetMembership(lookup_cs, lookup_vs)


def codes(value_set: dict[str, Any], **request: Any) -> list[str]:
    return [m.code for m in EXPANDER.expand(value_set, ExpandRequest(**request)).members]


def test_a_whole_system_include_lists_every_code_in_order() -> None:
    assert codes(VALUE_SETS["vs:all"]) == ["I10", "I11", "I11.9", "E11", "E11.9"]


def test_filter_text_puts_prefix_matches_before_substring_matches() -> None:
    assert codes(VALUE_SETS["vs:all"], filter="gxy") == ["I11", "I11.9", "I10"]


def test_is_a_filter_selects_the_subtree() -> None:
    assert codes(VALUE_SETS["vs:heart"]) == ["I11", "I11.9"]


def test_a_nested_value_set_with_an_exclude() -> None:
    assert codes(VALUE_SETS["vs:no-diabetes"]) == ["I10", "I11", "I11.9"]


def test_count_and_offset_page_the_expansion_and_total_counts_all() -> None:
    result = EXPANDER.expand(VALUE_SETS["vs:all"], ExpandRequest(offset=1, count=2))
    assert result.total == 5
    assert [m.code for m in result.members] == ["I11", "I11.9"]


def test_active_only_drops_retired_codes() -> None:
    assert "E11.9" not in codes(VALUE_SETS["vs:all"], active_only=True)


def test_a_concept_list_keeps_its_own_display() -> None:
    vs = {
        "compose": {"include": [{"system": ICD, "concept": [{"code": "I10", "display": "高血压"}]}]}
    }
    assert [m.display for m in EXPANDER.expand(vs, ExpandRequest()).members] == ["高血压"]


def test_a_value_set_that_includes_itself_is_refused() -> None:
    with pytest.raises(Invalid):
        codes(VALUE_SETS["vs:loop"])


def test_an_unknown_code_system_cannot_be_expanded_by_filter() -> None:
    with pytest.raises(NotFound):
        codes({"compose": {"include": [{"system": "urn:unknown"}]}})


def test_a_too_large_expansion_without_count_is_too_costly() -> None:
    with pytest.raises(Unprocessable) as caught:
        codes(VALUE_SETS["vs:all"], max_size=3)
    assert caught.value.issues[0].code == "too-costly"
    assert len(codes(VALUE_SETS["vs:all"], max_size=3, count=3)) == 3


def test_membership_follows_is_a_without_expanding() -> None:
    assert MEMBERSHIP.find(VALUE_SETS["vs:heart"], ICD, "I11.9") is not None
    assert MEMBERSHIP.find(VALUE_SETS["vs:heart"], ICD, "I10") is None


def test_membership_respects_excludes_of_nested_value_sets() -> None:
    assert MEMBERSHIP.find(VALUE_SETS["vs:no-diabetes"], ICD, "I10") is not None
    assert MEMBERSHIP.find(VALUE_SETS["vs:no-diabetes"], ICD, "E11.9") is None


def test_membership_of_the_wrong_system_is_false() -> None:
    assert MEMBERSHIP.find(VALUE_SETS["vs:all"], "urn:other", "I10") is None


def test_active_only_with_a_filter_counts_and_pages_only_active_codes() -> None:
    found = EXPANDER.expand(
        VALUE_SETS["vs:all"], ExpandRequest(filter="tnb", active_only=True, count=1)
    )
    assert found.total == 1
    assert [m.code for m in found.members] == ["E11"]


def test_active_only_applies_to_codes_drawn_through_a_nested_value_set() -> None:
    nested = {"url": "vs:nested", "compose": {"include": [{"valueSet": ["vs:all"]}]}}
    found = EXPANDER.expand(nested, ExpandRequest(filter="tnb", active_only=True))
    assert [m.code for m in found.members] == ["E11"]


def test_a_filter_pages_in_rank_order_across_offsets() -> None:
    whole = codes(VALUE_SETS["vs:all"], filter="gxy")
    paged = [
        code
        for offset in range(len(whole))
        for code in codes(VALUE_SETS["vs:all"], filter="gxy", offset=offset, count=1)
    ]
    assert whole == ["I11", "I11.9", "I10"]
    assert paged == whole

"""The in-memory index of a CodeSystem: flattened hierarchy, filters, lookups."""

from __future__ import annotations

from kangtong.terminology.code_system_index import CodeSystemIndex, StoredVersion

CS = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs",
    "version": "1",
    "content": "complete",
    "property": [{"code": "class", "type": "code"}, {"code": "status", "type": "code"}],
    "concept": [
        {
            "code": "A",
            "display": "传染病",
            "concept": [
                {
                    "code": "A1",
                    "display": "霍乱",
                    "property": [{"code": "class", "valueCode": "甲"}],
                },
                {
                    "code": "A2",
                    "display": "肺结核",
                    "property": [{"code": "class", "valueCode": "乙"}],
                    "concept": [{"code": "A2.1", "display": "涂阳肺结核"}],
                },
            ],
        },
        {
            "code": "B",
            "display": "旧分类",
            "property": [{"code": "status", "valueCode": "retired"}],
        },
        {"code": "C", "display": "其他", "property": [{"code": "parent", "valueCode": "B"}]},
    ],
}
INDEX = CodeSystemIndex(CS, StoredVersion("cs", 1))


def test_nested_concepts_are_flattened_with_their_parents() -> None:
    assert [c.code for c in INDEX.concepts] == ["A", "A1", "A2", "A2.1", "B", "C"]
    assert INDEX.get("A2.1").parents == ("A2",)  # type: ignore[union-attr]


def test_a_parent_property_states_the_hierarchy_too() -> None:
    assert INDEX.children["B"] == ["C"]


def test_is_a_includes_the_code_and_every_descendant() -> None:
    assert INDEX.filter_codes("concept", "is-a", "A") == {"A", "A1", "A2", "A2.1"}


def test_descendent_of_leaves_the_code_out() -> None:
    assert INDEX.filter_codes("concept", "descendent-of", "A2") == {"A2.1"}


def test_is_not_a_is_everything_else() -> None:
    assert INDEX.filter_codes("concept", "is-not-a", "A") == {"B", "C"}


def test_equals_filter_on_a_property() -> None:
    assert INDEX.filter_codes("class", "=", "乙") == {"A2"}


def test_in_filter_takes_a_comma_separated_list() -> None:
    assert INDEX.filter_codes("class", "in", "甲,乙") == {"A1", "A2"}


def test_regex_filter_on_the_code() -> None:
    assert INDEX.filter_codes("code", "regex", r"A\d") == {"A1", "A2"}


def test_a_retired_concept_is_inactive() -> None:
    assert INDEX.get("B").active is False  # type: ignore[union-attr]
    assert INDEX.get("A").active is True  # type: ignore[union-attr]


def test_subsumption_walks_the_ancestors() -> None:
    assert INDEX.subsumes("A", "A2.1")
    assert not INDEX.subsumes("A1", "A2.1")

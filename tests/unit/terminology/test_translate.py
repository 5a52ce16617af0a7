"""ConceptMap indexes translate both ways."""

from __future__ import annotations

from kangtong.terminology.code_system_index import StoredVersion
from kangtong.terminology.shipped_maps import gender_maps, marital_maps
from kangtong.terminology.translate import ConceptMapIndex, TranslateRequest, translation
from kangtong.terminology.urls import ADMINISTRATIVE_GENDER, MARITAL_GB2261_2, SEX_GB2261

SEX_TO_GENDER = ConceptMapIndex(gender_maps()[0], StoredVersion("m", 1))


def test_gb_sex_1_is_male() -> None:
    (found,) = SEX_TO_GENDER.translate(TranslateRequest(SEX_GB2261, "1"))
    assert (found.system, found.code, found.equivalence) == (
        ADMINISTRATIVE_GENDER,
        "male",
        "equivalent",
    )


def test_reverse_reads_the_map_backwards_and_turns_equivalence_round() -> None:
    found = SEX_TO_GENDER.translate(
        TranslateRequest(ADMINISTRATIVE_GENDER, "unknown", reverse=True)
    )
    assert {(m.code, m.equivalence) for m in found} == {("0", "equivalent"), ("9", "narrower")}


def test_first_marriage_maps_to_married_as_wider() -> None:
    to_v3 = ConceptMapIndex(marital_maps()[0], StoredVersion("m", 1))
    (found,) = to_v3.translate(TranslateRequest(MARITAL_GB2261_2, "21"))
    assert (found.code, found.equivalence) == ("M", "wider")


def test_an_unmapped_code_gives_result_false() -> None:
    result = translation(SEX_TO_GENDER.translate(TranslateRequest(SEX_GB2261, "7")))
    assert result["parameter"][0] == {"name": "result", "valueBoolean": False}

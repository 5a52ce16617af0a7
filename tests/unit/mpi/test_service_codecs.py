"""What the MPI service stores must read back exactly: golden-record features and the model."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.core.errors import Invalid
from kangtong.mpi import IdentityRecord, Linker, RecordNormaliser, chinese_identity_schema
from kangtong.mpi.features import block_keys, decode_features, encode_features
from kangtong.mpi.model_io import dump_model, load_model
from kangtong.mpi.patients import identity_of
from tests.unit.mpi.test_service import RESIDENTS

NORMALISER = RecordNormaliser()
SCHEMA = chinese_identity_schema()
hanzi = st.text(alphabet="张王李赵刘陈伟芳娜敏静丽强磊張偉麗", min_size=0, max_size=4)
digits = st.text(alphabet="0123456789X- ", max_size=20)
addresses = st.sampled_from(
    [
        "",
        "贵阳市云岩区中华北路12号3栋2单元401室",
        "云岩区中华北路12号3-2-401",
        "观山湖区",
        "28-4-902",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.one_of(hanzi, st.sampled_from(["Zhang Wei", "WANG fang", "liming"])),
    sex=st.sampled_from(["", "1", "2", "男"]),
    birth=st.sampled_from(["", "1980-03-05", "19800305", "1990年3月5日"]),
    id_number=st.one_of(digits, st.sampled_from(["520102198003051230", "520102800305123"])),
    phone=digits,
    address=addresses,
)
def test_features_read_back_as_the_same_record(
    name: str, sex: str, birth: str, id_number: str, phone: str, address: str
) -> None:
    record = NORMALISER.normalise(
        IdentityRecord("r", "golden", name, sex, birth, id_number, phone, address)
    )
    decoded = decode_features(encode_features(record))
    # Everything the comparators read survives; data-quality findings are not kept.
    assert decoded == dataclasses.replace(record, findings=())
    assert block_keys(decoded, SCHEMA.blocking_rules) == block_keys(record, SCHEMA.blocking_rules)


def test_a_golden_record_with_aliases_reads_back_with_them() -> None:
    members = [NORMALISER.normalise(identity_of(p)) for p in RESIDENTS[:2]]
    golden = SCHEMA.golden_record(members)
    assert golden.aliases
    assert decode_features(encode_features(golden)) == golden


def test_a_stored_model_scores_exactly_as_the_trained_one() -> None:
    people = [NORMALISER.normalise(identity_of(p)) for p in RESIDENTS]
    model = Linker(SCHEMA).link(people).model
    loaded = load_model(dump_model(model), SCHEMA)
    for a in people:
        for b in people:
            levels = SCHEMA.compare(a, b)
            assert loaded.score_pair(a, b, levels) == pytest.approx(model.score_pair(a, b, levels))


def test_a_model_of_other_comparisons_is_refused() -> None:
    people = [NORMALISER.normalise(identity_of(p)) for p in RESIDENTS]
    data = orjson.loads(dump_model(Linker(SCHEMA).link(people).model))
    data["comparisons"][0]["levels"] = ["different", "same"]
    with pytest.raises(Invalid):
        load_model(orjson.dumps(data), SCHEMA)

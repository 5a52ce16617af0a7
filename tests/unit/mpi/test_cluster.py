"""Clustering never merges conflicting IDs and does not chain."""

from __future__ import annotations

import datetime as dt

import numpy as np

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.cluster import ConstrainedClusterer
from kangtong.mpi.em import FSParameters
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.normalise import IdentityRecord, PersonRecord, RecordNormaliser

SCHEMA = chinese_identity_schema()
NORMALISER = RecordNormaliser()


def model() -> FellegiSunterModel[PersonRecord]:
    """Each level twice as likely for a match as the one below, and the reverse for non-matches."""
    m = tuple(
        np.power(4.0, np.arange(c.size)) / np.power(4.0, np.arange(c.size)).sum()
        for c in SCHEMA.comparisons
    )
    u = tuple(x[::-1].copy() for x in m)
    return FellegiSunterModel(SCHEMA.comparisons, FSParameters(0.01, m, u))


def people(*rows: dict[str, str]) -> list[PersonRecord]:
    return [
        NORMALISER.normalise(IdentityRecord(record_id=str(i), **row)) for i, row in enumerate(rows)
    ]


def cluster_all_pairs(records: list[PersonRecord]) -> list[int]:
    fs = model()
    left, right, scores = [], [], []
    for i in range(len(records)):
        for j in range(i + 1, len(records)):
            levels = SCHEMA.compare(records[i], records[j])
            score = fs.score_pair(records[i], records[j], levels)
            left.append(i)
            right.append(j)
            scores.append(-np.inf if SCHEMA.veto(records[i], records[j], levels) else score)
    clusterer = ConstrainedClusterer(SCHEMA, fs, link_threshold=6.0)
    return clusterer.cluster(records, np.array(left), np.array(right), np.array(scores)).labels


BORN = dt.date(1980, 1, 1)


def test_records_with_two_valid_ids_never_merge_even_through_a_bridge() -> None:
    shared = {"name": "张伟", "birth_date": "1980-01-01", "sex": "1", "phone": "13800138000"}
    records = people(
        {**shared, "id_number": make_citizen_id("520103", BORN, 31)},
        {**shared},  # no ID: agrees with both
        {**shared, "id_number": make_citizen_id("520103", BORN, 33)},
    )
    labels = cluster_all_pairs(records)
    assert labels[0] != labels[2]
    assert labels[1] in (labels[0], labels[2])


def test_a_record_joins_the_person_not_one_member_so_no_chain_forms() -> None:
    # A~B (B lacks the birth date), B~C (same), but A and C disagree on the birth date.
    records = people(
        {
            "name": "李秀英",
            "birth_date": "1950-02-03",
            "phone": "13900001111",
            "address": "云岩区柳州路9号1栋1单元101室",
        },
        {"name": "李秀英", "phone": "13900001111", "address": "云岩区柳州路9号1栋1单元101室"},
        {
            "name": "李秀英",
            "birth_date": "1976-08-21",
            "phone": "13900001111",
            "address": "云岩区柳州路9号1栋1单元101室",
        },
    )
    labels = cluster_all_pairs(records)
    assert labels[0] != labels[2]


def test_twins_in_one_household_stay_two_persons() -> None:
    home = {
        "birth_date": "2015-06-01",
        "sex": "1",
        "phone": "13700000000",
        "address": "云岩区合山路1号2栋3单元402室",
    }
    records = people(
        {**home, "name": "王子涵"},
        {**home, "name": "王子涵"},
        {**home, "name": "王子轩"},
        {**home, "name": "王子轩"},
    )
    labels = cluster_all_pairs(records)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_one_id_typed_three_ways_is_one_person() -> None:
    full = make_citizen_id("520103", dt.date(1966, 4, 12), 57)
    slipped = full[:12] + str((int(full[12]) + 1) % 10) + full[13:]
    base = {"name": "陈丽", "sex": "2", "birth_date": "1966-04-12"}
    records = people(
        {**base, "id_number": full},
        {**base, "id_number": full[:6] + full[8:17]},
        {**base, "id_number": slipped, "name": "陳麗"},
    )
    assert len(set(cluster_all_pairs(records))) == 1

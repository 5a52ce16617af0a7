"""HL7 v2.5 feeds and the CSV files describe the same registrations as the FHIR output."""

from __future__ import annotations

from pathlib import Path

from kangtong.synth import SynthSummary
from kangtong.synth.hl7v2 import escape

from .conftest import SMALL_DISTRICT, read_csv


def messages(out: Path) -> list[str]:
    return [
        m
        for path in sorted((out / "hl7v2").glob("*.hl7"))
        for m in path.read_bytes().decode("utf-8").split("\n")
        if m
    ]


def test_every_message_is_a_well_formed_v2_5_adt_or_oru(
    district: tuple[Path, SynthSummary],
) -> None:
    out, summary = district
    found = messages(out)
    assert len(found) == summary.counts["hl7v2 messages"]
    kinds = set()
    for message in found:
        segments = message.split("\r")
        assert segments[-1] == "" and segments[0].startswith("MSH|^~\\&|")
        msh = segments[0].split("|")
        assert msh[11] == "2.5"
        kinds.add(msh[8])
        assert segments[1].startswith("EVN|") or msh[8].startswith("ORU")
    assert kinds == {"ADT^A01^ADT_A01", "ADT^A04^ADT_A01", "ADT^A08^ADT_A01", "ORU^R01^ORU_R01"}


def test_pid_carries_the_institution_mrn_from_the_truth_file(
    district: tuple[Path, SynthSummary],
) -> None:
    out, _ = district
    known = {(row["facility"], row["mrn"]) for row in read_csv(out / "csv" / "truth.csv")}
    for message in messages(out):
        pid = next(s for s in message.split("\r") if s.startswith("PID|")).split("|")
        mrn, _, _, authority = pid[3].split("~")[0].split("^")[:4]
        assert (authority.split("&")[0], mrn) in known


def test_delimiters_in_text_are_escaped() -> None:
    assert escape("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"


def test_csv_files_cover_every_resident_and_every_registration(
    district: tuple[Path, SynthSummary],
) -> None:
    out, summary = district
    residents = read_csv(out / "csv" / "residents.csv")
    truth = read_csv(out / "csv" / "truth.csv")
    source = read_csv(out / "csv" / "source_records.csv")
    assert len(residents) == SMALL_DISTRICT.people
    assert len(truth) == len(source) == summary.counts["Patient"]
    people = {row["person_id"] for row in residents}
    assert {row["person_id"] for row in truth} <= people
    mothers = {row["mother_id"] for row in residents if row["mother_id"]}
    assert mothers and mothers <= people

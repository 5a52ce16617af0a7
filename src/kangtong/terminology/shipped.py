"""The code systems, value sets and concept maps kangtong ships, stored by `install_shipped`.

The data files under `data/` were written by us from the published standards. ICD-10, GB/T 2260
and GB/T 15657 ship as small fragments (`content: fragment`) for the demo and tests; the full
national tables are loaded with `kangtong terminology import`, which replaces the fragment.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.access import AccessContext
from kangtong.terminology import urls
from kangtong.terminology.builders import all_codes_value_set
from kangtong.terminology.code_system_index import CodeSystemIndex, StoredVersion
from kangtong.terminology.concepts import CodeSystemContent, code_system_resource
from kangtong.terminology.importers import kinds
from kangtong.terminology.importers.run import ImportReport, code_systems, parse_rows
from kangtong.terminology.importers.sources import read_rows
from kangtong.terminology.notifiable import (
    disease_classes,
    icd10_to_notifiable,
    notifiable_diseases,
)
from kangtong.terminology.sensitive_rules import shipped_sensitive_value_sets
from kangtong.terminology.service import SaveResult, TerminologyService
from kangtong.terminology.shipped_maps import gender_maps, marital_maps

DATA = Path(__file__).parent / "data"


def _load(kind: kinds.CodeListKind, file: str, content: str) -> list[CodeSystemContent]:
    report = ImportReport(kind.name, file)
    candidates = parse_rows(kind, read_rows(DATA / file), report, None)
    if report.rejections:  # our own data must be clean: a rejection here is a bug
        raise ValueError(f"{file}: {report.rejections[:3]}")
    return code_systems(kind, candidates, report, version=None, content=content)


def _simple(file: str, res_id: str, url: str, title: str, oid: str) -> CodeSystemContent:
    (loaded,) = _load(kinds.SIMPLE, file, "complete")
    return replace(
        loaded,
        id=res_id,
        url=url,
        name=res_id.replace("-", "_"),
        title=title,
        identifier_oid=f"urn:oid:{oid}",
        value_set=urls.value_set_url(res_id),
    )


def shipped_code_systems() -> list[CodeSystemContent]:
    (icd10,) = _load(kinds.KINDS["icd10"], "icd10-cn-demo.csv", "fragment")
    (divisions,) = _load(kinds.KINDS["gb2260"], "gb2260-divisions.csv", "fragment")
    (tcm,) = _load(kinds.KINDS["tcm"], "gb15657-tcm-demo.csv", "fragment")
    tcm = replace(
        tcm,
        experimental=True,
        description="Illustrative codes in the shape of GB/T 15657-2021, not the standard's own: "
        "import the licensed table with `kangtong terminology import tcm FILE`.",
    )
    return [
        _simple(
            "gb2261-1-sex.csv",
            "gb2261-1-sex",
            urls.SEX_GB2261,
            "人的性别代码 (GB/T 2261.1)",
            "2.16.156.10011.2.3.3.4",
        ),
        _simple(
            "gb2261-2-marital.csv",
            "gb2261-2-marital-status",
            urls.MARITAL_GB2261_2,
            "婚姻状况代码 (GB/T 2261.2)",
            "2.16.156.10011.2.3.3.5",
        ),
        _simple(
            "gb3304-ethnicity.csv",
            "gb3304-ethnicity",
            urls.ETHNICITY_GB3304,
            "中国各民族名称的罗马字母拼写法和代码 (GB/T 3304)",
            "2.16.156.10011.2.3.3.3",
        ),
        icd10,
        divisions,
        tcm,
        *_load(kinds.KINDS["ws364"], "ws364-demo.csv", "fragment"),
        notifiable_diseases(DATA / "notifiable-diseases.csv"),
        disease_classes(),
    ]


def shipped_resources() -> list[JsonObject]:
    """Every shipped resource: code systems, their all-codes value sets, concept maps, and the
    value sets of the sensitive categories."""
    systems = shipped_code_systems()
    resources: list[JsonObject] = []
    for system in systems:
        resources += [code_system_resource(system), all_codes_value_set(system)]
    icd10 = next(s for s in systems if s.url == urls.ICD10_CN)
    diseases = next(s for s in systems if s.url == urls.NOTIFIABLE_DISEASE)
    icd10_index = CodeSystemIndex(code_system_resource(icd10), StoredVersion("", 0))
    resources += [*gender_maps(), *marital_maps(), icd10_to_notifiable(diseases, icd10_index)]
    # What the sensitive categories cover: read by the classifier from the package whether
    # installed or not; installed so that they can be read, expanded and extended (ADR 0024).
    return resources + shipped_sensitive_value_sets()


def install_shipped(
    terminology: TerminologyService, ctx: AccessContext
) -> list[tuple[str, SaveResult]]:
    """Store the shipped terminology; running it again changes nothing that is already there.

    A fragment is never written over a complete code system imported from the national table.
    """
    done: list[tuple[str, SaveResult]] = []
    for resource in shipped_resources():
        name = f"{resource['resourceType']}/{resource['id']}"
        if resource.get("content") == "fragment" and _complete_exists(terminology, ctx, resource):
            done.append((name, "unchanged"))
            continue
        done.append((name, terminology.save(ctx, resource)))
    return done


def _complete_exists(
    terminology: TerminologyService, ctx: AccessContext, resource: JsonObject
) -> bool:
    found = terminology.code_systems.by_url(ctx, str(resource["url"]))
    return found is not None and found.content == "complete"

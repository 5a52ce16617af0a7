"""Which document types an encounter's data makes: the catalogue's `applies_to` per record."""

from __future__ import annotations

from kangtong.documents.assembly import content
from kangtong.documents.assembly.catalogue import DocumentTemplate, templates
from kangtong.documents.assembly.record import EncounterRecord


def applies(template: DocumentTemplate, record: EncounterRecord) -> bool:
    """出院小结 for a finished, diagnosed inpatient stay, 门急诊病历 for a diagnosed outpatient or
    emergency visit,
    检验记录 when there are lab results, 传染病报告卡 when a diagnosis is notifiable."""
    encounter_class = str((record.encounter.get("class") or {}).get("code", ""))
    rule = template.applies_to
    # 门(急)诊病历 and 出院小结 require a coded diagnosis (WS/T 500, entry DE05.01.024.00).
    if rule == "inpatient":
        finished = record.encounter.get("status") == "finished"
        return encounter_class == "IMP" and finished and bool(content.diagnoses(record))
    if rule == "outpatient":
        return encounter_class in ("AMB", "EMER") and bool(content.diagnoses(record))
    if rule == "laboratory":
        return bool(content.observations(record, "laboratory"))
    if rule == "notifiable":
        return bool(content.notifiable(record))
    return False


def applicable_types(record: EncounterRecord) -> list[str]:
    """The type codes (newest template each) the record can be assembled into."""
    found = [t.type_code for t in templates() if applies(t, record)]
    return list(dict.fromkeys(found))

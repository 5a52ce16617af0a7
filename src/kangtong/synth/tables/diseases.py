"""The disease mix: chronic prevalence, outpatient and inpatient diagnoses, notifiable diseases.

ICD-10 codes with Chinese display names as in GB/T 14396. Rates are round numbers in line with
published Chinese surveys (hypertension in about a quarter of adults, diabetes in about a tenth,
COPD in about 14% of people over 40); they aim at plausible, not exact.
"""

from __future__ import annotations

from dataclasses import dataclass

# Age-group weights are (children < 15, adults 15-64, elderly 65+).
AgeWeights = tuple[float, float, float]


@dataclass(frozen=True)
class Diagnosis:
    code: str
    display: str


@dataclass(frozen=True)
class ChronicDisease:
    key: str
    diagnosis: Diagnosis
    # (lowest age of the band, prevalence in the band), ascending.
    prevalence: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class NotifiableDisease:
    diagnosis: Diagnosis
    disease_class: str  # 甲 / 乙 / 丙 (传染病防治法)
    incidence_per_100k: AgeWeights


HYPERTENSION = ChronicDisease(
    "hypertension",
    Diagnosis("I10", "原发性高血压"),
    ((0, 0.0), (18, 0.05), (35, 0.15), (45, 0.28), (55, 0.40), (65, 0.52), (75, 0.60)),
)
DIABETES = ChronicDisease(
    "diabetes",
    Diagnosis("E11.9", "2型糖尿病不伴有并发症"),
    ((0, 0.0), (18, 0.02), (35, 0.06), (45, 0.12), (55, 0.18), (65, 0.22)),
)
COPD = ChronicDisease(
    "copd",
    Diagnosis("J44.9", "慢性阻塞性肺病"),
    ((0, 0.0), (40, 0.04), (50, 0.08), (60, 0.14), (70, 0.20)),
)
CORONARY = ChronicDisease(
    "coronary",
    Diagnosis("I25.1", "动脉硬化性心脏病"),
    ((0, 0.0), (45, 0.02), (55, 0.05), (65, 0.09), (75, 0.13)),
)
HYPERLIPIDAEMIA = ChronicDisease(
    "hyperlipidaemia",
    Diagnosis("E78.5", "高脂血症"),
    ((0, 0.0), (18, 0.04), (40, 0.09), (60, 0.12)),
)
STROKE_SEQUELA = ChronicDisease(
    "stroke_sequela",
    Diagnosis("I69.3", "脑梗死后遗症"),
    ((0, 0.0), (55, 0.02), (65, 0.04), (75, 0.07)),
)
CHRONIC_DISEASES = (HYPERTENSION, DIABETES, COPD, CORONARY, HYPERLIPIDAEMIA, STROKE_SEQUELA)
# 基本公共卫生服务: hypertension and type 2 diabetes patients are followed up quarterly.
FOLLOWED_UP = frozenset({"hypertension", "diabetes"})

OUTPATIENT_DIAGNOSES: tuple[tuple[Diagnosis, AgeWeights], ...] = (
    (Diagnosis("J06.9", "急性上呼吸道感染"), (30, 20, 12)),
    (Diagnosis("J02.9", "急性咽炎"), (8, 8, 4)),
    (Diagnosis("J20.9", "急性支气管炎"), (10, 6, 8)),
    (Diagnosis("J18.9", "肺炎"), (4, 1.5, 4)),
    (Diagnosis("K29.7", "胃炎"), (1, 8, 6)),
    (Diagnosis("K59.0", "便秘"), (1, 2, 4)),
    (Diagnosis("M54.5", "下背痛"), (0, 6, 6)),
    (Diagnosis("N39.0", "泌尿道感染"), (0.5, 3, 3)),
    (Diagnosis("L30.9", "皮炎"), (3, 3, 2)),
    (Diagnosis("H10.9", "结膜炎"), (2, 1.5, 1)),
    (Diagnosis("R51", "头痛"), (0.5, 3, 2)),
    (Diagnosis("S93.4", "踝扭伤和劳损"), (1, 2, 0.5)),
    (Diagnosis("K02.9", "龋病"), (3, 2, 1)),
    (Diagnosis("M17.9", "膝关节病"), (0, 1, 5)),
    (Diagnosis("J30.4", "变应性鼻炎"), (3, 3, 1)),
)
# Diagnoses for which an outpatient antibiotic is plausible (and over-prescribed).
BACTERIAL_OR_RESPIRATORY = frozenset({"J06.9", "J02.9", "J20.9", "J18.9", "N39.0", "A09"})

NOTIFIABLE_DISEASES = (
    NotifiableDisease(Diagnosis("J11.1", "流行性感冒"), "丙", (1500, 400, 600)),
    NotifiableDisease(Diagnosis("B08.4", "手足口病"), "丙", (1200, 2, 0)),
    NotifiableDisease(Diagnosis("A09", "其他感染性腹泻病"), "丙", (600, 150, 200)),
    NotifiableDisease(Diagnosis("B26.9", "流行性腮腺炎"), "丙", (40, 2, 0)),
    NotifiableDisease(Diagnosis("A16.2", "肺结核"), "乙", (5, 50, 120)),
    NotifiableDisease(Diagnosis("B18.1", "慢性乙型病毒性肝炎"), "乙", (2, 80, 40)),
    NotifiableDisease(Diagnosis("A53.9", "梅毒"), "乙", (1, 35, 20)),
    NotifiableDisease(Diagnosis("A38", "猩红热"), "乙", (30, 0.5, 0)),
    NotifiableDisease(Diagnosis("A01.0", "伤寒"), "乙", (1, 1, 1)),
)
NOTIFIABLE_CLASS = {
    disease.diagnosis.code: disease.disease_class for disease in NOTIFIABLE_DISEASES
}

INPATIENT_DIAGNOSES: tuple[tuple[Diagnosis, AgeWeights], ...] = (
    (Diagnosis("J18.9", "肺炎"), (20, 8, 15)),
    (Diagnosis("J44.1", "慢性阻塞性肺病伴有急性加重"), (0, 1, 10)),
    (Diagnosis("I63.9", "脑梗死"), (0, 2, 10)),
    (Diagnosis("I20.0", "不稳定性心绞痛"), (0, 3, 8)),
    (Diagnosis("K35.8", "急性阑尾炎"), (3, 4, 1)),
    (Diagnosis("K80.2", "胆囊结石不伴有胆囊炎"), (0, 4, 3)),
    (Diagnosis("S72.0", "股骨颈骨折"), (0, 0.5, 4)),
    (Diagnosis("N20.0", "肾结石"), (0, 3, 1)),
    (Diagnosis("C34.9", "支气管或肺恶性肿瘤"), (0, 1, 3)),
    (Diagnosis("I50.9", "心力衰竭"), (0, 0.5, 5)),
)
DELIVERY_SPONTANEOUS = Diagnosis("O80.0", "头位顺产")
DELIVERY_CAESAREAN = Diagnosis("O82.0", "择期剖宫产术的分娩")
SUPERVISED_PREGNANCY = Diagnosis("Z34.9", "正常妊娠监督")

# Yearly rates: outpatient acute visits and hospital admissions per person, by age group.
OUTPATIENT_VISITS_PER_YEAR: AgeWeights = (2.5, 1.2, 2.0)
ADMISSIONS_PER_YEAR: AgeWeights = (0.06, 0.06, 0.20)
CAESAREAN_SHARE = 0.36


def age_group(age: int) -> int:
    """Index into AgeWeights: 0 children (< 15), 1 adults (15-64), 2 elderly (65+)."""
    return 0 if age < 15 else 1 if age < 65 else 2


def prevalence_at(disease: ChronicDisease, age: int) -> float:
    """The share of people of this age living with the disease."""
    return [rate for lowest, rate in disease.prevalence if age >= lowest][-1]

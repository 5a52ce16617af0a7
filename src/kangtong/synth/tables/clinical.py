"""Laboratory tests (LOINC, UCUM), imaging studies and medicines used by the synthetic care."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabTest:
    loinc: str
    display: str
    unit: str  # UCUM
    low: float
    high: float
    mean: float
    sd: float
    decimals: int = 1


@dataclass(frozen=True)
class LabPanel:
    key: str
    loinc: str
    display: str
    tests: tuple[LabTest, ...]


@dataclass(frozen=True)
class ImagingStudy:
    loinc: str
    display: str
    normal_finding: str
    abnormal_finding: str


@dataclass(frozen=True)
class Medicine:
    code: str
    display: str
    dose: str
    per_day: int
    days: int
    antibiotic: bool = False
    essential: bool = True  # 国家基本药物目录


WBC = LabTest("6690-2", "白细胞计数", "10*9/L", 3.5, 9.5, 6.5, 1.6)
RBC = LabTest("789-8", "红细胞计数", "10*12/L", 3.8, 5.8, 4.7, 0.45, 2)
HAEMOGLOBIN = LabTest("718-7", "血红蛋白", "g/L", 115, 175, 138, 14, 0)
PLATELETS = LabTest("777-3", "血小板计数", "10*9/L", 125, 350, 230, 50, 0)
GLUCOSE = LabTest("1558-6", "空腹血糖", "mmol/L", 3.9, 6.1, 5.1, 0.5)
HBA1C = LabTest("4548-4", "糖化血红蛋白", "%", 4.0, 6.0, 5.4, 0.35)
CHOLESTEROL = LabTest("2093-3", "总胆固醇", "mmol/L", 2.8, 5.2, 4.6, 0.8, 2)
TRIGLYCERIDES = LabTest("2571-8", "甘油三酯", "mmol/L", 0.56, 1.7, 1.4, 0.6, 2)
HDL = LabTest("2085-9", "高密度脂蛋白胆固醇", "mmol/L", 1.04, 2.0, 1.3, 0.3, 2)
LDL = LabTest("2089-1", "低密度脂蛋白胆固醇", "mmol/L", 1.0, 3.4, 2.7, 0.7, 2)
ALT = LabTest("1742-6", "丙氨酸氨基转移酶", "U/L", 9, 50, 24, 10, 0)
CREATININE = LabTest("2160-0", "肌酐", "umol/L", 57, 111, 78, 16, 0)

CBC = LabPanel("cbc", "58410-2", "血常规", (WBC, RBC, HAEMOGLOBIN, PLATELETS))
LIPIDS = LabPanel("lipids", "57698-3", "血脂四项", (CHOLESTEROL, TRIGLYCERIDES, HDL, LDL))
FASTING_GLUCOSE = LabPanel("glucose", "1558-6", "空腹血糖", (GLUCOSE,))
GLYCATED = LabPanel("hba1c", "4548-4", "糖化血红蛋白", (HBA1C,))
LIVER_RENAL = LabPanel("chemistry", "24323-8", "肝肾功能", (ALT, CREATININE))

# Shifted means for people living with the disease that moves the value.
DIABETIC_GLUCOSE = LabTest("1558-6", "空腹血糖", "mmol/L", 3.9, 6.1, 8.2, 2.0)
DIABETIC_HBA1C = LabTest("4548-4", "糖化血红蛋白", "%", 4.0, 6.0, 7.4, 1.1)
INFECTED_WBC = LabTest("6690-2", "白细胞计数", "10*9/L", 3.5, 9.5, 11.5, 3.0)

BLOOD_PRESSURE_LOINC = ("85354-9", "血压")
SYSTOLIC_LOINC = ("8480-6", "收缩压")
DIASTOLIC_LOINC = ("8462-4", "舒张压")

CHEST_XRAY = ImagingStudy(
    "36643-5", "胸部X线正侧位", "双肺纹理清晰，心影大小正常。", "右下肺野见片状模糊影，考虑炎症。"
)
CHEST_CT = ImagingStudy(
    "24627-2",
    "胸部CT平扫",
    "双肺未见明显实质性病变。",
    "双肺多发斑片状影，考虑感染性病变；肺气肿。",
)
HEAD_CT = ImagingStudy(
    "24725-4", "头颅CT平扫", "颅内未见明显异常密度影。", "左侧基底节区低密度灶，考虑脑梗死。"
)

RESPIRATORY_CODES = frozenset({"J18.9", "J44.1", "J20.9", "A16.2", "C34.9", "J11.1"})

MEDICINES = {
    "amoxicillin": Medicine(
        "KT-M001", "阿莫西林胶囊 0.25g", "0.5g 口服 每日3次", 3, 5, antibiotic=True
    ),
    "cefuroxime": Medicine(
        "KT-M002", "头孢呋辛酯片 0.25g", "0.25g 口服 每日2次", 2, 5, antibiotic=True
    ),
    "levofloxacin": Medicine(
        "KT-M003", "左氧氟沙星片 0.5g", "0.5g 口服 每日1次", 1, 7, antibiotic=True
    ),
    "azithromycin": Medicine(
        "KT-M004", "阿奇霉素片 0.25g", "0.5g 口服 每日1次", 1, 3, antibiotic=True
    ),
    "ceftriaxone": Medicine(
        "KT-M005", "注射用头孢曲松钠 1g", "2g 静脉滴注 每日1次", 1, 7, antibiotic=True
    ),
    "amlodipine": Medicine("KT-M010", "苯磺酸氨氯地平片 5mg", "5mg 口服 每日1次", 1, 30),
    "nifedipine": Medicine("KT-M011", "硝苯地平缓释片 20mg", "20mg 口服 每日2次", 2, 30),
    "metformin": Medicine("KT-M012", "盐酸二甲双胍片 0.5g", "0.5g 口服 每日3次", 3, 30),
    "acarbose": Medicine("KT-M013", "阿卡波糖片 50mg", "50mg 口服 每日3次", 3, 30),
    "atorvastatin": Medicine("KT-M014", "阿托伐他汀钙片 20mg", "20mg 口服 每晚1次", 1, 30),
    "aspirin": Medicine("KT-M015", "阿司匹林肠溶片 100mg", "100mg 口服 每日1次", 1, 30),
    "tiotropium": Medicine("KT-M016", "噻托溴铵粉吸入剂 18μg", "18μg 吸入 每日1次", 1, 30),
    "salbutamol": Medicine("KT-M017", "硫酸沙丁胺醇吸入气雾剂", "100μg 吸入 必要时", 4, 10),
    "ibuprofen": Medicine("KT-M020", "布洛芬缓释胶囊 0.3g", "0.3g 口服 每日2次", 2, 3),
    "paracetamol": Medicine("KT-M021", "对乙酰氨基酚片 0.5g", "0.5g 口服 必要时", 3, 3),
    "omeprazole": Medicine("KT-M022", "奥美拉唑肠溶胶囊 20mg", "20mg 口服 每日1次", 1, 14),
    "montmorillonite": Medicine("KT-M023", "蒙脱石散 3g", "3g 口服 每日3次", 3, 3),
    "ambroxol": Medicine("KT-M024", "盐酸氨溴索片 30mg", "30mg 口服 每日3次", 3, 5),
    "lianhua": Medicine("KT-M025", "连花清瘟胶囊", "4粒 口服 每日3次", 3, 5),
    "oseltamivir": Medicine("KT-M026", "磷酸奥司他韦胶囊 75mg", "75mg 口服 每日2次", 2, 5),
    "isoniazid": Medicine("KT-M030", "异烟肼片 0.1g", "0.3g 口服 每日1次", 1, 30),
    "rifampicin": Medicine(
        "KT-M031", "利福平胶囊 0.15g", "0.45g 口服 每日1次", 1, 30, antibiotic=True
    ),
    "entecavir": Medicine("KT-M032", "恩替卡韦片 0.5mg", "0.5mg 口服 每日1次", 1, 30),
    "benzathine": Medicine(
        "KT-M033", "注射用苄星青霉素 120万U", "240万U 肌内注射 每周1次", 1, 21, antibiotic=True
    ),
    "loratadine": Medicine("KT-M034", "氯雷他定片 10mg", "10mg 口服 每日1次", 1, 7),
    "diclofenac": Medicine(
        "KT-M035", "双氯芬酸钠缓释片 75mg", "75mg 口服 每日1次", 1, 7, essential=False
    ),
}

# What a diagnosis is usually treated with (first choice first).
TREATMENT_OF = {
    "J06.9": ("paracetamol", "lianhua"),
    "J02.9": ("lianhua",),
    "J20.9": ("ambroxol",),
    "J18.9": ("ambroxol",),
    "K29.7": ("omeprazole",),
    "A09": ("montmorillonite",),
    "M54.5": ("diclofenac",),
    "M17.9": ("ibuprofen",),
    "R51": ("ibuprofen",),
    "J30.4": ("loratadine",),
    "L30.9": ("loratadine",),
    "J11.1": ("oseltamivir",),
    "A16.2": ("isoniazid", "rifampicin"),
    "B18.1": ("entecavir",),
    "A53.9": ("benzathine",),
    "B08.4": ("paracetamol",),
    "J44.1": ("salbutamol",),
    "I20.0": ("aspirin", "atorvastatin"),
    "I63.9": ("aspirin", "atorvastatin"),
    "hypertension": ("amlodipine", "nifedipine"),
    "diabetes": ("metformin", "acarbose"),
    "copd": ("tiotropium",),
    "coronary": ("aspirin",),
    "hyperlipidaemia": ("atorvastatin",),
}
ANTIBIOTIC_CHOICES = ("amoxicillin", "cefuroxime", "levofloxacin", "azithromycin")

"""Chinese identifiers: citizen ID numbers (GB 11643), unified social credit codes (GB 32100)
and practitioner licence numbers, each with an explaining check and a fast boolean path."""

from kangtong.core.ids.areas import PROVINCES, Province
from kangtong.core.ids.citizen_id_fast import citizen_id_validator, is_valid_citizen_id
from kangtong.core.ids.detect import (
    KINDS,
    IdentifierKind,
    IdentifierVerdict,
    candidate_kinds,
    check_identifier,
)
from kangtong.core.ids.gb11643 import CitizenIdCheck, citizen_id_check, upgrade_legacy_15
from kangtong.core.ids.gb32100 import CreditCodeCheck, credit_code_check, credit_code_validator
from kangtong.core.ids.licences import (
    NURSE_LICENCE,
    PHYSICIAN_LICENCE,
    LicenceCheck,
    LicenceFormat,
    licence_check,
)
from kangtong.core.ids.reasons import Reason, ReasonCode

__all__ = [
    "KINDS",
    "NURSE_LICENCE",
    "PHYSICIAN_LICENCE",
    "PROVINCES",
    "CitizenIdCheck",
    "CreditCodeCheck",
    "IdentifierKind",
    "IdentifierVerdict",
    "LicenceCheck",
    "LicenceFormat",
    "Province",
    "Reason",
    "ReasonCode",
    "candidate_kinds",
    "check_identifier",
    "citizen_id_check",
    "citizen_id_validator",
    "credit_code_check",
    "credit_code_validator",
    "is_valid_citizen_id",
    "licence_check",
    "upgrade_legacy_15",
]

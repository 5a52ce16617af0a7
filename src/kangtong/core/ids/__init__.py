"""Chinese identifiers: citizen ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from kangtong.core.ids.gb11643 import CitizenIdCheck, citizen_id_check
from kangtong.core.ids.gb32100 import CreditCodeCheck, credit_code_check

__all__ = ["CitizenIdCheck", "CreditCodeCheck", "citizen_id_check", "credit_code_check"]

"""What the worklist asks an agent to do about a farmer, a claim or a refund.

Its own module: the worklist's answer model names these, and the register function loads that
model at every cold start, while the rules that place farmers on the list (domain/worklist.py)
are loaded by the worklist route only.
"""

from __future__ import annotations

from enum import StrEnum


class WorklistAction(StrEnum):
    COLLECT_DUE = "COLLECT_DUE"
    COLLECT_FIRST_PAYMENT = "COLLECT_FIRST_PAYMENT"
    COLLECT_ARREARS = "COLLECT_ARREARS"
    COLLECT_BEFORE_LAPSE = "COLLECT_BEFORE_LAPSE"
    COMPLETE_CLAIM_DOCUMENTS = "COMPLETE_CLAIM_DOCUMENTS"
    RETURN_REFUND = "RETURN_REFUND"
    REFILE_CLAIM = "REFILE_CLAIM"

"""Operations owed to BPJS (docs/bpjs-h2h.md), written in the same transaction as the change
they report and handed to the queue after it (the outbox)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from sutasoma.domain.records import Versioned


class OpType(StrEnum):
    PARTICIPANT_REGISTRATION = "PARTICIPANT_REGISTRATION"
    PARTICIPANT_UPDATE = "PARTICIPANT_UPDATE"
    CONTRIBUTION_POSTING = "CONTRIBUTION_POSTING"
    CLAIM_SUBMISSION = "CLAIM_SUBMISSION"
    PARTICIPANT_LOOKUP = "PARTICIPANT_LOOKUP"  # an imported member's KPJ and NIK checked with BPJS


class OutboxEntry(Versioned):
    """One operation for BPJS. The payload holds ids only: the consumer reads the records, so
    no personal data travels through the queue."""

    op_id: str
    op_type: OpType
    farmer_id: str
    created_at: str
    payload: dict[str, Any] = Field(default_factory=dict)
    sent_at: str | None = None  # handed to the queue
    delivered_at: str | None = None  # BPJS's answer recorded
    outcome: str | None = None

    def message(self) -> dict[str, Any]:
        """The queue message: the operation's identity, never its data."""
        return {
            "op_id": self.op_id,
            "op_type": self.op_type.value,
            "farmer_id": self.farmer_id,
            "created_at": self.created_at,
            "payload": self.payload,
        }

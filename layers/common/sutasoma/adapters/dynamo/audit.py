"""The audit trail in the domain table: `AUDIT#<subject>` partitions, in time order."""

from __future__ import annotations

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.domain.audit import AuditRecord


class AuditRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, audit: AuditRecord) -> None:
        """A read's audit record (a write's goes into the write's own transaction)."""
        kind, key = keys.item_keys(audit)
        self.table.put({**audit.stored(), **key, "type": kind.type}, "attribute_not_exists(PK)")

    def trail(self, subject_id: str, limit: int = 100) -> list[AuditRecord]:
        """A farmer's or claim's audit records, oldest first."""
        page, _ = next(
            self.table.pages(
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=to_dynamo({":pk": keys.audit_trail(subject_id)}),
                Limit=limit,
                ConsistentRead=True,
            )
        )
        return [AuditRecord.model_validate(without_keys(item)) for item in page]

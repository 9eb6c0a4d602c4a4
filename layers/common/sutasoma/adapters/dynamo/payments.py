"""Payments: items under their farmer's partition, newest first by ULID."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.domain.payment import PaymentRecord


class PaymentRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, farmer_id: str, payment_id: str) -> PaymentRecord | None:
        item = self.table.get(keys.payment(farmer_id, payment_id))
        return PaymentRecord.model_validate(without_keys(item)) if item else None

    def page(
        self, farmer_id: str, limit: int, before_payment_id: str | None = None
    ) -> tuple[list[PaymentRecord], bool]:
        """A farmer's payments, newest first, and whether more may follow."""
        params = self._query(farmer_id)
        params["Limit"] = limit
        if before_payment_id:
            params["ExclusiveStartKey"] = to_dynamo(keys.payment(farmer_id, before_payment_id))
        items, more = next(self.table.pages(**params))
        return [PaymentRecord.model_validate(without_keys(i)) for i in items], more

    def all_of(self, farmer_id: str) -> list[PaymentRecord]:
        return [
            PaymentRecord.model_validate(without_keys(i))
            for i in self.table.query_all(**self._query(farmer_id))
        ]

    @staticmethod
    def _query(farmer_id: str) -> dict[str, Any]:
        partition, prefix = keys.payments_of(farmer_id)
        return {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_dynamo({":pk": partition, ":prefix": prefix}),
            "ScanIndexForward": False,
        }

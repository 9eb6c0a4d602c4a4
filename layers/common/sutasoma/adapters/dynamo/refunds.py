"""Refund cases: the case item, and a kecamatan's cases (GSI1, newest first)."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.ports import RefundQuery
from sutasoma.domain.refund import RefundRecord


class RefundRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, refund_id: str) -> RefundRecord | None:
        item = self.table.get(keys.refund(refund_id))
        return RefundRecord.model_validate(without_keys(item)) if item else None

    def page(self, query: RefundQuery, limit: int) -> tuple[list[RefundRecord], bool]:
        names = {"#pk": "GSI1PK"}
        values: dict[str, Any] = {":pk": keys.refunds_of(query.kecamatan_code)}
        filters = []
        if query.status:
            names["#status"], values[":status"] = "status", query.status
            filters.append("#status = :status")
        if query.farmer_id:
            names["#farmer"], values[":farmer"] = "farmer_id", query.farmer_id
            filters.append("#farmer = :farmer")
        params: dict[str, Any] = {
            "IndexName": keys.GSI_BY_KECAMATAN,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
            "ScanIndexForward": False,
            "Limit": max(limit * 2, 20),
        }
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        if query.start_after:
            start = keys.refund(query.start_after) | keys.refund_list_position(
                query.kecamatan_code, query.start_after
            )
            params["ExclusiveStartKey"] = to_dynamo(start)
        found: list[RefundRecord] = []
        for page, more in self.table.pages(**params):
            for index, item in enumerate(page):
                found.append(RefundRecord.model_validate(without_keys(item)))
                if len(found) == limit:
                    return found, more or index < len(page) - 1
        return found, False

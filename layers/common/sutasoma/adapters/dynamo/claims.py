"""Claims: the claim item, and a kecamatan's claims (GSI1, newest first)."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.ports import ClaimQuery
from sutasoma.domain.claim import ClaimRecord


class ClaimRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, claim_id: str) -> ClaimRecord | None:
        item = self.table.get(keys.claim(claim_id))
        return ClaimRecord.model_validate(without_keys(item)) if item else None

    def page(self, query: ClaimQuery, limit: int) -> tuple[list[ClaimRecord], bool]:
        names = {"#pk": "GSI1PK"}
        values: dict[str, Any] = {":pk": keys.claims_of(query.kecamatan_code)}
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
            start = keys.claim(query.start_after) | keys.claim_list_position(
                query.kecamatan_code, query.start_after
            )
            params["ExclusiveStartKey"] = to_dynamo(start)
        found: list[ClaimRecord] = []
        for page, more in self.table.pages(**params):
            for index, item in enumerate(page):
                found.append(ClaimRecord.model_validate(without_keys(item)))
                if len(found) == limit:
                    return found, more or index < len(page) - 1
        return found, False

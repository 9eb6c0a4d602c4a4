"""Farmers: the profile item, the NIK claim, and a kecamatan's list (GSI1, by village)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import Expression, to_dynamo
from sutasoma.adapters.dynamo.table import FILTERED_PAGE_MAX, Table, without_keys
from sutasoma.app.queries import FarmerQuery
from sutasoma.domain.farmer import FarmerRecord, NikClaim


class FarmerRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, farmer_id: str) -> FarmerRecord | None:
        item = self.table.get(keys.farmer(farmer_id))
        return FarmerRecord.model_validate(without_keys(item)) if item else None

    def id_for_nik(self, nik_hash: str) -> str | None:
        claim = self.nik_claim(nik_hash)
        return claim.farmer_id if claim else None

    def nik_claim(self, nik_hash: str) -> NikClaim | None:
        item = self.table.get(keys.nik_claim(nik_hash), consistent=True)
        return NikClaim.model_validate(without_keys(item)) if item else None

    def nik_release_pending(self, nik_hash: str) -> bool:
        return self.table.get(keys.nik_release(nik_hash), consistent=True) is not None

    def page(self, query: FarmerQuery, limit: int) -> tuple[list[FarmerRecord], bool]:
        """Up to `limit` farmers of one kecamatan in list order, and whether more may follow."""
        expression = Expression()
        partition, prefix = keys.farmers_of(query.kecamatan_code, query.village_code)
        key_condition = Key("GSI1PK").eq(partition) & Key("GSI1SK").begins_with(prefix)
        params: dict[str, Any] = {
            "IndexName": keys.GSI_BY_KECAMATAN,
            "KeyConditionExpression": expression.render(key_condition, is_key_condition=True),
        }
        condition = _filter(query)
        if condition is not None:
            params["FilterExpression"] = expression.render(condition)
        params["ExpressionAttributeNames"] = expression.names
        params["ExpressionAttributeValues"] = expression.values
        # Filters apply after the read: read pages larger than what is left to fill.
        params["Limit"] = max(limit, 10) if condition is None else max(limit * 2, 50)
        if query.start_after:
            village_code, farmer_id = query.start_after
            start = keys.farmer(farmer_id) | keys.farmer_list_position(
                query.kecamatan_code, village_code, farmer_id
            )
            params["ExclusiveStartKey"] = to_dynamo(start)
        found: list[FarmerRecord] = []
        for page, more in self.table.pages(
            grow_to=FILTERED_PAGE_MAX if condition is not None else None, **params
        ):
            for index, item in enumerate(page):
                found.append(FarmerRecord.model_validate(without_keys(item)))
                if len(found) == limit:
                    return found, more or index < len(page) - 1
        return found, False


def _filter(query: FarmerQuery) -> ConditionBase | None:
    conditions: list[ConditionBase] = []
    if query.registration_status:
        conditions.append(Attr("registration_status").eq(query.registration_status))
    if query.name_contains:
        conditions.append(Attr("name_search").contains(query.name_contains))
    if query.paid_through_missing:
        conditions.append(Attr("paid_through").not_exists())
    if query.paid_through_min:
        conditions.append(Attr("paid_through").gte(query.paid_through_min))
    if query.paid_through_max:
        conditions.append(Attr("paid_through").lte(query.paid_through_max))
    if query.ended is True:
        conditions.append(Attr("registration_status").eq("REJECTED") | Attr("deceased_on").exists())
    if query.ended is False:
        conditions.append(Attr("registration_status").ne("REJECTED") & Attr("deceased_on").not_exists())
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined

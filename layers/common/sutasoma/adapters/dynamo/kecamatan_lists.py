"""A kecamatan's items on GSI1, newest first, filtered by exact attribute values: the one list
query of the claim and refund repositories."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.keys import Key
from sutasoma.adapters.dynamo.table import FILTERED_PAGE_MAX, Table, without_keys


def newest_page(
    table: Table, partition: str, equal: dict[str, str | None], start_key: Key | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` items (keys removed) of the GSI1 `partition` whose attributes equal the
    given values (a None value filters nothing), after `start_key`; and whether more follow."""
    names = {"#pk": "GSI1PK"}
    values: dict[str, Any] = {":pk": partition}
    filters = []
    for number, (attribute, value) in enumerate(equal.items()):
        if value:
            names[f"#a{number}"], values[f":v{number}"] = attribute, value
            filters.append(f"#a{number} = :v{number}")
    params: dict[str, Any] = {
        "IndexName": keys.GSI_BY_KECAMATAN,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_dynamo(values),
        "ScanIndexForward": False,
        "Limit": max(limit * 2, 20),  # filtered out items still count against Limit
    }
    if filters:
        params["FilterExpression"] = " AND ".join(filters)
    if start_key:
        params["ExclusiveStartKey"] = to_dynamo(start_key)
    found: list[dict[str, Any]] = []
    for page, more in table.pages(grow_to=FILTERED_PAGE_MAX if filters else None, **params):
        for index, item in enumerate(page):
            found.append(without_keys(item))
            if len(found) == limit:
                return found, more or index < len(page) - 1
    return found, False

"""The domain table through the low-level client: reads, paged queries, transactions.

Shared by every repository; items come out decoded and without their key attributes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters import aws
from sutasoma.adapters.dynamo.codec import from_dynamo, to_dynamo
from sutasoma.adapters.dynamo.keys import KEY_ATTRIBUTES, Key

# The most items a filtered list query reads per page once it grows (`Table.pages`): well under
# DynamoDB's 1 MB page of our items (a farmer is ~1-2 KB).
FILTERED_PAGE_MAX = 800


def without_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in KEY_ATTRIBUTES}


class TransactionCancelled(Exception):
    """A transaction refused as a whole: `reasons` has one code per item ("None" for the
    items that were fine) and `items` the stored item a failed condition met, if returned."""

    def __init__(self, reasons: list[str], items: list[dict[str, Any] | None]) -> None:
        super().__init__("transaction cancelled: " + ", ".join(r for r in reasons if r != "None"))
        self.reasons = reasons
        self.items = items

    def first_failure(self) -> int | None:
        return next((i for i, code in enumerate(self.reasons) if code != "None"), None)


class Table:
    client = aws.LazyClient("dynamodb")

    def __init__(self, name: str, client: Any | None = None) -> None:
        self.name = name
        self._client = client

    def get(self, key: Key, *, consistent: bool = False) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.name, Key=to_dynamo(dict(key)), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_dynamo(item) if item else None

    def get_many(self, item_keys: list[Key], *, consistent: bool = False) -> list[dict[str, Any]]:
        """The items of `item_keys` that exist, in no particular order (BatchGetItem, 100 keys a
        request; keys DynamoDB leaves unprocessed asked again)."""
        found: list[dict[str, Any]] = []
        unique = list({(k["PK"], k["SK"]): k for k in item_keys}.values())
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self.name: {
                    "Keys": [to_dynamo({"PK": k["PK"], "SK": k["SK"]}) for k in unique[start : start + 100]],
                    "ConsistentRead": consistent,
                }
            }
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                found.extend(from_dynamo(raw) for raw in response.get("Responses", {}).get(self.name, []))
                request = response.get("UnprocessedKeys") or {}
                if request:
                    time.sleep(0.05)  # throttled: a short pause before the rest
        return found

    def put(self, item: dict[str, Any], condition: str | None = None) -> None:
        params: dict[str, Any] = {"TableName": self.name, "Item": to_dynamo(item)}
        if condition:
            params["ConditionExpression"] = condition
        self.client.put_item(**params)

    def update(
        self, key: Key, expression: str, names: dict[str, str], values: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": to_dynamo(dict(key)),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            **extra,
        }
        if values:
            params["ExpressionAttributeValues"] = values
        response = self.client.update_item(**params)
        return from_dynamo(response.get("Attributes") or {})

    def pages(self, grow_to: int | None = None, **params: Any) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """Query pages, decoded: (items, whether more may follow). With `grow_to`, each page reads
        twice the items of the one before, up to that many: a filter that matches little (a name
        search) then costs a few round trips, not one per `Limit` items."""
        request = {"TableName": self.name, **params}
        while True:
            response = self.client.query(**request)
            last = response.get("LastEvaluatedKey")
            yield [from_dynamo(raw) for raw in response.get("Items", [])], last is not None
            if last is None:
                return
            request["ExclusiveStartKey"] = last
            if grow_to and "Limit" in request:
                request["Limit"] = max(request["Limit"], min(grow_to, request["Limit"] * 2))

    def query_all(self, **params: Any) -> list[dict[str, Any]]:
        return [item for page, _ in self.pages(**params) for item in page]

    def transact(self, items: list[dict[str, Any]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            raise TransactionCancelled(
                [str(r.get("Code", "None")) for r in reasons],
                [from_dynamo(dict(r["Item"])) if r.get("Item") else None for r in reasons],
            ) from None

    def scan_page(
        self, segment: int, total: int, start_key: dict[str, Any] | None = None, limit: int | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a segment, decoded, and DynamoDB's LastEvaluatedKey (None at the end)."""
        params: dict[str, Any] = {"TableName": self.name, "Segment": segment, "TotalSegments": total}
        if start_key:
            params["ExclusiveStartKey"] = start_key
        if limit:
            params["Limit"] = limit
        response = self.client.scan(**params)
        return [from_dynamo(raw) for raw in response.get("Items", [])], response.get("LastEvaluatedKey")

    def scan_segment(self, segment: int, total: int) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"TableName": self.name, "Segment": segment, "TotalSegments": total}
        while True:
            response = self.client.scan(**params)
            yield from (from_dynamo(raw) for raw in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

"""Claims in the single table (docs/data-model.md): the claim item, its uniqueness key, and
status transitions that append to the claim's audit trail."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters.dynamo import from_dynamo, key, to_dynamo
from sutasoma.adapters.store import (
    GSI_BY_KECAMATAN,
    CounterIncrement,
    DomainStore,
    OutboxEntry,
    _cancellation_codes,
    _strip_keys,
    kecamatan_pk,
)
from sutasoma.domain.audit import AuditRecord
from sutasoma.domain.errors import ConcurrentUpdate

CLAIM = "CLAIM"


def claim_pk(claim_id: str) -> str:
    return f"CLAIM#{claim_id}"


def claims_pk(kecamatan_code: str) -> str:
    return f"CLAIMS#{kecamatan_code}"


class DuplicateClaim(Exception):
    def __init__(self, claim_id: str | None) -> None:
        super().__init__("duplicate claim")
        self.claim_id = claim_id


class ClaimStore(DomainStore):
    def put_claim(
        self,
        claim: dict[str, Any],
        uniqueness: str,
        counters: list[CounterIncrement],
        audit: AuditRecord,
    ) -> None:
        """Uniqueness key, claim, counters and audit record: all or nothing."""
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_dynamo(
                        {
                            "PK": uniqueness,
                            "SK": "CLAIMKEY",
                            "type": "CLAIMKEY",
                            "claim_id": claim["claim_id"],
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_dynamo(
                        {
                            "PK": claim_pk(claim["claim_id"]),
                            "SK": CLAIM,
                            "type": "CLAIM",
                            "GSI1PK": claims_pk(claim["kecamatan_code"]),
                            "GSI1SK": claim["claim_id"],
                            **claim,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *(self._counter_update(c) for c in counters),
            audit.put(self.table_name),
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if codes[:1] in (["ConditionalCheckFailed"], ["TransactionConflict"]):
                reasons = error.response.get("CancellationReasons") or []
                old = reasons[0].get("Item") if reasons else None
                raise DuplicateClaim(from_dynamo(dict(old))["claim_id"] if old else None) from None
            raise

    def get_claim(self, claim_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=self.table_name, Key=key(claim_pk(claim_id), CLAIM))
        item = response.get("Item")
        return _strip_keys(from_dynamo(item)) if item else None

    def transition(
        self, claim_id: str, from_statuses: tuple[str, ...], changes: dict[str, Any], event: dict[str, Any]
    ) -> dict[str, Any]:
        """An Update that moves a claim on only from one of `from_statuses`, logging the event."""
        names = {f"#f{i}": field for i, field in enumerate(changes)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(changes.values())}
        allowed = {f":from{i}": status for i, status in enumerate(from_statuses)}
        values.update(allowed)
        values[":event"] = [event]
        values[":updated_at"] = event["at"]
        assignments = [f"#f{i} = :v{i}" for i in range(len(changes))]
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key(claim_pk(claim_id), CLAIM),
                "UpdateExpression": "SET "
                + ", ".join(
                    [*assignments, "#history = list_append(#history, :event)", "#updated_at = :updated_at"]
                ),
                "ConditionExpression": f"#status IN ({', '.join(allowed)})",
                "ExpressionAttributeNames": {
                    **names,
                    "#history": "history",
                    "#status": "status",
                    "#updated_at": "updated_at",
                },
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }

    def verify_claim(
        self,
        transition: dict[str, Any],
        outbox: OutboxEntry,
        counters: list[CounterIncrement],
        audit: AuditRecord,
    ) -> None:
        try:
            self.client.transact_write_items(
                TransactItems=[
                    transition,
                    self._outbox_put(outbox),
                    *(self._counter_update(c) for c in counters),
                    audit.put(self.table_name),
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise ConcurrentUpdate("Status klaim baru saja berubah; muat ulang.") from None
            raise

    def query_claims(
        self,
        kecamatan_code: str,
        limit: int,
        start_after: str | None,
        status: str | None,
        farmer_id: str | None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Claims of a kecamatan, newest first."""
        names = {"#pk": "GSI1PK"}
        values: dict[str, Any] = {":pk": claims_pk(kecamatan_code)}
        filters = []
        if status:
            names["#status"] = "status"
            values[":status"] = status
            filters.append("#status = :status")
        if farmer_id:
            names["#farmer"] = "farmer_id"
            values[":farmer"] = farmer_id
            filters.append("#farmer = :farmer")
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": GSI_BY_KECAMATAN,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
            "ScanIndexForward": False,
        }
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        if start_after:
            params["ExclusiveStartKey"] = to_dynamo(
                {
                    "PK": claim_pk(start_after),
                    "SK": CLAIM,
                    "GSI1PK": claims_pk(kecamatan_code),
                    "GSI1SK": start_after,
                }
            )
        found: list[dict[str, Any]] = []
        while True:
            params["Limit"] = max(limit * 2, 20)
            response = self.client.query(**params)
            page = response.get("Items", [])
            for index, raw in enumerate(page):
                found.append(_strip_keys(from_dynamo(raw)))
                if len(found) == limit:
                    last = index == len(page) - 1 and "LastEvaluatedKey" not in response
                    return found, not last
            if "LastEvaluatedKey" not in response:
                return found, False
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


__all__ = ["ClaimStore", "DuplicateClaim", "claim_pk", "kecamatan_pk"]

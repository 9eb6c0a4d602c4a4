"""The single-table store (see docs/data-model.md for the key design).

The only module (with queue/secrets/idempotency) that talks to DynamoDB. Items in and out
are plain dicts; rules live in the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from sutasoma.adapters import aws
from sutasoma.adapters.dynamo import Expression, from_dynamo, key, to_dynamo
from sutasoma.domain.audit import BPJS, SYSTEM, AuditAction, AuditRecord, by_party
from sutasoma.domain.errors import ConcurrentUpdate
from sutasoma.domain.population import population_delta

PROFILE = "PROFILE"
GSI_BY_KECAMATAN = "GSI1"
GSI_OUTBOX_PENDING = "GSI2"
OUTBOX_PENDING_PK = "OUTBOX#PENDING"


def farmer_pk(farmer_id: str) -> str:
    return f"FARMER#{farmer_id}"


def kecamatan_pk(kecamatan_code: str) -> str:
    return f"KEC#{kecamatan_code}"


def farmer_list_sk(village_code: str, farmer_id: str) -> str:
    # Village first so one kecamatan's list can be narrowed to a village with begins_with.
    return f"FARMER#{village_code}#{farmer_id}"


def payment_sk(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def nik_pk(nik_hash: str) -> str:
    return f"NIK#{nik_hash}"


def counter_pk(period: str) -> str:
    return f"COUNTER#{period}"


@dataclass(frozen=True)
class OutboxEntry:
    """A message owed to BPJS, written in the same transaction as the change it reports."""

    op_id: str
    op_type: str
    farmer_id: str
    created_at: str
    payload: dict[str, Any]

    def message(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "op_type": self.op_type,
            "farmer_id": self.farmer_id,
            "created_at": self.created_at,
            "payload": self.payload,
        }


@dataclass(frozen=True)
class CounterIncrement:
    """`ADD` to a monthly counter item, e.g. registrations of one kecamatan in one month."""

    period: str
    scope: str  # "KEC#73.12.04" or "AGENT#73.12.04#<username>"
    amounts: dict[str, int]

    def item_key(self) -> tuple[str, str]:
        return counter_pk(self.period), self.scope


@dataclass(frozen=True)
class PopulationDelta(CounterIncrement):
    """`ADD` to a kecamatan's population deltas of a month (see population.py)."""

    def item_key(self) -> tuple[str, str]:
        return population_pk(self.scope), self.period


def population_pk(kecamatan_code: str) -> str:
    return f"POP#{kecamatan_code}"


def population_change(
    kecamatan_code: str, period: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[CounterIncrement]:
    delta = population_delta(before, after)
    return [PopulationDelta(period, kecamatan_code, delta)] if delta else []


@dataclass(frozen=True)
class FarmerQuery:
    kecamatan_code: str
    village_code: str | None = None
    registration_status: str | None = None
    name_contains: str | None = None  # lower-case
    paid_through_missing: bool = False
    paid_through_min: str | None = None  # inclusive, YYYY-MM
    paid_through_max: str | None = None  # inclusive, YYYY-MM
    start_after: tuple[str, str] | None = None  # (village_code, farmer_id) of the last item seen


class NikTaken(Exception):
    def __init__(self, farmer_id: str | None) -> None:
        super().__init__("NIK already registered")
        self.farmer_id = farmer_id


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


class DomainStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    client = aws.LazyClient("dynamodb")

    # ------------------------------------------------------------------ farmers
    def put_registration(
        self,
        farmer: dict[str, Any],
        nik_hash: str,
        outbox: OutboxEntry,
        counters: list[CounterIncrement],
        audit: AuditRecord,
    ) -> None:
        """Farmer, NIK claim, outbox entry, counters and audit record: all or nothing."""
        farmer_id = farmer["farmer_id"]
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_dynamo(
                        {
                            "PK": nik_pk(nik_hash),
                            "SK": "NIK",
                            "type": "NIK_CLAIM",
                            "farmer_id": farmer_id,
                            "created_at": farmer["registered_at"],
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
                            "PK": farmer_pk(farmer_id),
                            "SK": PROFILE,
                            "type": "FARMER",
                            "GSI1PK": kecamatan_pk(farmer["kecamatan_code"]),
                            "GSI1SK": farmer_list_sk(farmer["village_code"], farmer_id),
                            **farmer,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            self._outbox_put(outbox),
            *(self._counter_update(c) for c in counters),
            audit.put(self.table_name),
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                reasons = error.response.get("CancellationReasons") or []
                old = reasons[0].get("Item") if reasons else None
                existing = from_dynamo(dict(old))["farmer_id"] if old else self.farmer_id_for_nik(nik_hash)
                raise NikTaken(existing) from None
            if "TransactionConflict" in codes:
                # Another registration of the same NIK is committing right now.
                raise NikTaken(self.farmer_id_for_nik(nik_hash)) from None
            raise

    def farmer_id_for_nik(self, nik_hash: str) -> str | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=key(nik_pk(nik_hash), "NIK"), ConsistentRead=True
        )
        item = response.get("Item")
        return str(from_dynamo(item)["farmer_id"]) if item else None

    def get_farmer(self, farmer_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=self.table_name, Key=key(farmer_pk(farmer_id), PROFILE))
        item = response.get("Item")
        return _strip_keys(from_dynamo(item)) if item else None

    def query_farmers(self, query: FarmerQuery, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to `limit` farmers of one kecamatan in list order, and whether more may follow."""
        expression = Expression()
        key_condition: ConditionBase = Key("GSI1PK").eq(kecamatan_pk(query.kecamatan_code))
        if query.village_code:
            key_condition = key_condition & Key("GSI1SK").begins_with(f"FARMER#{query.village_code}#")
        else:
            key_condition = key_condition & Key("GSI1SK").begins_with("FARMER#")
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": GSI_BY_KECAMATAN,
            "KeyConditionExpression": expression.render(key_condition, is_key_condition=True),
        }
        filter_condition = _farmer_filter(query)
        if filter_condition is not None:
            params["FilterExpression"] = expression.render(filter_condition)
        params["ExpressionAttributeNames"] = expression.names
        params["ExpressionAttributeValues"] = expression.values
        if query.start_after:
            village_code, farmer_id = query.start_after
            params["ExclusiveStartKey"] = to_dynamo(
                {
                    "PK": farmer_pk(farmer_id),
                    "SK": PROFILE,
                    "GSI1PK": kecamatan_pk(query.kecamatan_code),
                    "GSI1SK": farmer_list_sk(village_code, farmer_id),
                }
            )
        found: list[dict[str, Any]] = []
        # Filters apply after the read, so keep reading pages until the page is full.
        while True:
            params["Limit"] = max(limit - len(found), 10) if filter_condition is None else max(limit * 2, 50)
            response = self.client.query(**params)
            for raw in response.get("Items", []):
                found.append(_strip_keys(from_dynamo(raw)))
                if len(found) == limit:
                    # More may follow unless this was the very last item of the index.
                    is_last = raw is response["Items"][-1] and "LastEvaluatedKey" not in response
                    return found, not is_last
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return found, False
            params["ExclusiveStartKey"] = last_key

    def update_farmer(
        self,
        current: dict[str, Any],
        changes: dict[str, Any],
        updated_at: str,
        outbox: OutboxEntry,
        *,
        audit: AuditRecord,
        remove: tuple[str, ...] = (),
        counters: tuple[CounterIncrement, ...] = (),
    ) -> dict[str, Any]:
        """Apply `changes` (and remove `remove`) with the outbox entry, counters and audit
        record, if nobody changed the farmer since `current` was read (optimistic locking on
        `version`)."""
        farmer_id = current["farmer_id"]
        fields = dict(changes)
        if "village_code" in changes:
            fields["GSI1SK"] = farmer_list_sk(changes["village_code"], farmer_id)
        update = self._versioned_update(farmer_id, current["version"], fields, updated_at, remove)
        items = [
            update,
            self._outbox_put(outbox),
            *(self._counter_update(c) for c in counters),
            audit.put(self.table_name),
        ]
        self._transact_versioned(items, "Data petani baru saja diubah orang lain; muat ulang lalu coba lagi.")
        updated = {**current, **changes, "version": current["version"] + 1, "updated_at": updated_at}
        for name in remove:
            updated.pop(name, None)
        return updated

    def _transact_versioned(self, items: list[dict[str, Any]], conflict_message: str) -> None:
        """A transaction whose first item is a versioned farmer update: losing the race on the
        version (or to a concurrent transaction) is a 409 CONCURRENT_UPDATE, nothing written."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException" and _cancellation_codes(
                error
            )[:1] in (["ConditionalCheckFailed"], ["TransactionConflict"]):
                raise ConcurrentUpdate(conflict_message) from None
            raise

    def _versioned_update(
        self,
        farmer_id: str,
        version: int,
        fields: dict[str, Any],
        updated_at: str,
        remove: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        names: dict[str, str] = {"#version": "version", "#updated_at": "updated_at"}
        values: dict[str, Any] = {":expected": version, ":next": version + 1, ":updated_at": updated_at}
        assignments = ["#updated_at = :updated_at", "#version = :next"]
        for index, (field, value) in enumerate(fields.items()):
            names[f"#f{index}"] = field
            values[f":v{index}"] = value
            assignments.append(f"#f{index} = :v{index}")
        expression = "SET " + ", ".join(assignments)
        if remove:
            names.update({f"#r{i}": name for i, name in enumerate(remove)})
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key(farmer_pk(farmer_id), PROFILE),
                "UpdateExpression": expression,
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }

    # ------------------------------------------------------------------ payments
    def next_receipt_sequence(self, kecamatan_code: str, year: int) -> int:
        """The next number of a BPP's receipts in a year (atomic; a failed payment leaves a gap)."""
        response = self.client.update_item(
            TableName=self.table_name,
            Key=key(f"SEQ#RECEIPT#{kecamatan_code}#{year}", "SEQ"),
            UpdateExpression="ADD #seq :one",
            ExpressionAttributeNames={"#seq": "seq"},
            ExpressionAttributeValues=to_dynamo({":one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        return int(from_dynamo(response["Attributes"])["seq"])

    def record_payment(
        self,
        current: dict[str, Any],
        payment: dict[str, Any],
        farmer_changes: dict[str, Any],
        outbox: OutboxEntry,
        counters: list[CounterIncrement],
        audit: AuditRecord,
    ) -> None:
        """Payment, the farmer's paid-through, the outbox entry, the counters and the audit
        record: all or nothing."""
        farmer_id = current["farmer_id"]
        items = [
            self._versioned_update(farmer_id, current["version"], farmer_changes, payment["recorded_at"]),
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_dynamo(
                        {
                            "PK": farmer_pk(farmer_id),
                            "SK": payment_sk(payment["payment_id"]),
                            "type": "PAYMENT",
                            **payment,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            self._outbox_put(outbox),
            *(self._counter_update(c) for c in counters),
            audit.put(self.table_name),
        ]
        self._transact_versioned(
            items,
            "Pembayaran lain untuk petani ini baru saja tercatat; minta rincian iuran lagi lalu ulangi.",
        )

    def get_payment(self, farmer_id: str, payment_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=key(farmer_pk(farmer_id), payment_sk(payment_id))
        )
        item = response.get("Item")
        return _strip_keys(from_dynamo(item)) if item else None

    def list_payments(
        self, farmer_id: str, limit: int, before_payment_id: str | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """A farmer's payments, newest first."""
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_dynamo({":pk": farmer_pk(farmer_id), ":prefix": "PAYMENT#"}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if before_payment_id:
            params["ExclusiveStartKey"] = to_dynamo(
                {"PK": farmer_pk(farmer_id), "SK": payment_sk(before_payment_id)}
            )
        response = self.client.query(**params)
        items = [_strip_keys(from_dynamo(i)) for i in response.get("Items", [])]
        return items, "LastEvaluatedKey" in response

    # ------------------------------------------------------------------ outbox
    def _outbox_put(self, entry: OutboxEntry) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": to_dynamo(
                    {
                        "PK": farmer_pk(entry.farmer_id),
                        "SK": f"OUTBOX#{entry.op_id}",
                        "type": "OUTBOX",
                        # Sparse index: present until the message is handed to SQS.
                        "GSI2PK": OUTBOX_PENDING_PK,
                        "GSI2SK": f"{entry.created_at}#{entry.op_id}",
                        **entry.message(),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def mark_outbox_sent(self, entry: OutboxEntry, sent_at: str) -> None:
        self.client.update_item(
            TableName=self.table_name,
            Key=key(farmer_pk(entry.farmer_id), f"OUTBOX#{entry.op_id}"),
            UpdateExpression="SET sent_at = :sent_at REMOVE GSI2PK, GSI2SK",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_dynamo({":sent_at": sent_at}),
        )

    def get_outbox(self, farmer_id: str, op_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=key(farmer_pk(farmer_id), f"OUTBOX#{op_id}"), ConsistentRead=True
        )
        item = response.get("Item")
        return _strip_keys(from_dynamo(item)) if item else None

    def complete_operation(
        self,
        farmer_id: str,
        op_id: str,
        outcome: str,
        at: str,
        farmer_changes: dict[str, Any] | None = None,
        payment_changes: tuple[str, dict[str, Any]] | None = None,
        extra_items: tuple[dict[str, Any], ...] = (),
        farmer_version: int | None = None,
    ) -> bool:
        """Record a BPJS outcome once: the outbox entry is marked delivered and the farmer
        changed in one transaction. False if the operation had already been completed."""
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": key(farmer_pk(farmer_id), f"OUTBOX#{op_id}"),
                    "UpdateExpression": "SET delivered_at = :at, outcome = :outcome",
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(delivered_at)",
                    "ExpressionAttributeValues": to_dynamo({":at": at, ":outcome": outcome}),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        if farmer_changes:
            items.append(self._farmer_change(farmer_id, farmer_changes, at, farmer_version))
        if payment_changes:
            payment_id, changes = payment_changes
            names = {f"#f{i}": field for i, field in enumerate(changes)}
            values = {f":v{i}": value for i, value in enumerate(changes.values())}
            items.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": key(farmer_pk(farmer_id), payment_sk(payment_id)),
                        "UpdateExpression": "SET "
                        + ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True)),
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": to_dynamo(values),
                    }
                }
            )
        items.extend(extra_items)
        changed = tuple(farmer_changes or ()) + tuple(payment_changes[1] if payment_changes else ())
        items.append(
            by_party(
                SYSTEM,
                AuditAction.BPJS_OPERATION_COMPLETED,
                _subject_of(extra_items, farmer_id),
                _resource_of(extra_items, farmer_id),
                at,
                farmer_id=farmer_id,
                fields=changed,
                detail={"op_id": op_id, "outcome": outcome},
            ).put(self.table_name)
        )
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            if _cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def apply_callback(
        self,
        event_id: str,
        event_type: str,
        received_at: str,
        farmer_id: str,
        farmer_changes: dict[str, Any] | None = None,
        change_items: tuple[dict[str, Any], ...] = (),
        farmer_version: int | None = None,
    ) -> bool:
        """Apply a BPJS callback once: the event id is claimed in the same transaction as the
        change. False if that event had already been applied."""
        changes = (
            (self._farmer_change(farmer_id, farmer_changes, received_at, farmer_version),)
            if farmer_changes
            else ()
        )
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": to_dynamo(
                                {
                                    "PK": f"CALLBACK#{event_id}",
                                    "SK": "CALLBACK",
                                    "type": "CALLBACK",
                                    "event_type": event_type,
                                    "farmer_id": farmer_id,
                                    "received_at": received_at,
                                }
                            ),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    *changes,
                    *change_items,
                    by_party(
                        BPJS,
                        AuditAction.BPJS_CALLBACK_APPLIED,
                        _subject_of(change_items, farmer_id),
                        _resource_of(change_items, farmer_id),
                        received_at,
                        farmer_id=farmer_id,
                        fields=tuple(farmer_changes or ()),
                        detail={"event_id": event_id, "event_type": event_type},
                    ).put(self.table_name),
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                return False
            if "ConditionalCheckFailed" in codes[1:]:
                raise ConcurrentUpdate("Status berubah sebelum callback diterapkan.") from None
            raise
        return True

    def callback_seen(self, event_id: str) -> bool:
        response = self.client.get_item(
            TableName=self.table_name, Key=key(f"CALLBACK#{event_id}", "CALLBACK"), ConsistentRead=True
        )
        return "Item" in response

    def counter_update(self, increment: CounterIncrement) -> dict[str, Any]:
        return self._counter_update(increment)

    def _farmer_change(
        self, farmer_id: str, changes: dict[str, Any], at: str, expected_version: int | None = None
    ) -> dict[str, Any]:
        names = {f"#f{i}": field for i, field in enumerate(changes)}
        values = {f":v{i}": value for i, value in enumerate(changes.values())}
        assignments = [f"#f{i} = :v{i}" for i in range(len(changes))]
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key(farmer_pk(farmer_id), PROFILE),
                # The version moves too, so a PATCH based on an older read is refused.
                "UpdateExpression": "SET "
                + ", ".join([*assignments, "#updated_at = :updated_at"])
                + " ADD #version :one",
                # With a version: the change was computed from that read (population counters).
                "ConditionExpression": "attribute_exists(PK)"
                + ("" if expected_version is None else " AND #version = :expected"),
                "ExpressionAttributeNames": {**names, "#updated_at": "updated_at", "#version": "version"},
                "ExpressionAttributeValues": to_dynamo(
                    {**values, ":updated_at": at, ":one": 1}
                    | ({} if expected_version is None else {":expected": expected_version})
                ),
            }
        }

    def pending_outbox(self, created_up_to: str, limit: int = 100) -> list[OutboxEntry]:
        """Entries written at or before `created_up_to` and not yet marked sent, oldest first."""
        response = self.client.query(
            TableName=self.table_name,
            IndexName=GSI_OUTBOX_PENDING,
            KeyConditionExpression="GSI2PK = :pk AND GSI2SK <= :upto",
            # "~" sorts after every ULID character: the whole last second is included.
            ExpressionAttributeValues=to_dynamo({":pk": OUTBOX_PENDING_PK, ":upto": f"{created_up_to}#~"}),
            Limit=limit,
        )
        return [
            OutboxEntry(
                op_id=item["op_id"],
                op_type=item["op_type"],
                farmer_id=item["farmer_id"],
                created_at=item["created_at"],
                payload=item.get("payload") or {},
            )
            for item in map(from_dynamo, response.get("Items", []))
        ]

    # ------------------------------------------------------------------ counters
    def _counter_update(self, increment: CounterIncrement) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(increment.amounts)}
        values = {f":c{i}": amount for i, amount in enumerate(increment.amounts.values())}
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key(*increment.item_key()),
                "UpdateExpression": "ADD "
                + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }

    def counters_of(self, period: str) -> dict[str, dict[str, int]]:
        """Every counter item of a month, by scope (KEC#…, AGENT#…)."""
        return self._numbers_by_sk("PK = :pk", {":pk": counter_pk(period)})

    def population_deltas(self, kecamatan_code: str, up_to: str) -> dict[str, dict[str, int]]:
        """A kecamatan's population deltas by month, for the months up to `up_to`."""
        return self._numbers_by_sk(
            "PK = :pk AND SK <= :upto", {":pk": population_pk(kecamatan_code), ":upto": up_to}
        )

    def _numbers_by_sk(self, key_condition: str, values: dict[str, Any]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": to_dynamo(values),
        }
        while True:
            response = self.client.query(**params)
            for item in map(from_dynamo, response.get("Items", [])):
                found[item["SK"]] = {k: int(v) for k, v in item.items() if k not in ("PK", "SK")}
            if "LastEvaluatedKey" not in response:
                return found
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ reports
    def put_report(self, period: str, report_json: str, generated_at: str) -> None:
        self.client.put_item(
            TableName=self.table_name,
            Item=to_dynamo(
                {
                    "PK": f"REPORT#{period}",
                    "SK": "REPORT",
                    "type": "REPORT",
                    "report": report_json,
                    "generated_at": generated_at,
                }
            ),
        )

    def get_report(self, period: str) -> str | None:
        response = self.client.get_item(TableName=self.table_name, Key=key(f"REPORT#{period}", "REPORT"))
        item = response.get("Item")
        return str(from_dynamo(item)["report"]) if item else None

    def scan_all(self, segments: int = 4) -> list[dict[str, Any]]:
        """Every item, read by a parallel scan. Only the explicit reconcile uses this."""
        from concurrent.futures import ThreadPoolExecutor

        def segment(number: int) -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = []
            params: dict[str, Any] = {
                "TableName": self.table_name,
                "Segment": number,
                "TotalSegments": segments,
            }
            while True:
                response = self.client.scan(**params)
                items.extend(from_dynamo(i) for i in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    return items
                params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

        with ThreadPoolExecutor(max_workers=segments) as pool:
            return [item for part in pool.map(segment, range(segments)) for item in part]

    # ------------------------------------------------------------------ audit
    def put_audit(self, audit: AuditRecord) -> None:
        """A read's audit record (a write's goes into the write's transaction)."""
        self.client.put_item(
            TableName=self.table_name,
            Item=to_dynamo(audit.item()),
            ConditionExpression="attribute_not_exists(PK)",
        )

    def audit_trail(self, subject_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """A farmer's or claim's audit records, oldest first."""
        response = self.client.query(
            TableName=self.table_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_dynamo({":pk": f"AUDIT#{subject_id}"}),
            Limit=limit,
            ConsistentRead=True,
        )
        return [_strip_keys(from_dynamo(i)) for i in response.get("Items", [])]

    def get_counter(self, period: str, scope: str) -> dict[str, int]:
        response = self.client.get_item(TableName=self.table_name, Key=key(counter_pk(period), scope))
        item = response.get("Item")
        if not item:
            return {}
        return {k: int(v) for k, v in from_dynamo(item).items() if k not in ("PK", "SK")}


def _farmer_filter(query: FarmerQuery) -> ConditionBase | None:
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
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def _claim_id_in(items: tuple[dict[str, Any], ...]) -> str | None:
    """The claim an Update among `items` changes, if any (claims' audit trail is the claim's)."""
    for item in items:
        pk = item.get("Update", {}).get("Key", {}).get("PK", {}).get("S", "")
        if isinstance(pk, str) and pk.startswith("CLAIM#"):
            return pk.removeprefix("CLAIM#")
    return None


def _subject_of(items: tuple[dict[str, Any], ...], farmer_id: str) -> str:
    return _claim_id_in(items) or farmer_id


def _resource_of(items: tuple[dict[str, Any], ...], farmer_id: str) -> str:
    claim_id = _claim_id_in(items)
    return f"claim/{claim_id}" if claim_id else f"farmer/{farmer_id}"


def _strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in item.items() if k not in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "type")
    }

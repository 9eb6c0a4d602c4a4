"""bench/moto_fast.py: the benchmarks' moto speed-ups change no answer. The same script of writes,
failed writes and filtered reads runs against moto as shipped and under `faster_writes` (twice,
so that every cache is hit and the update checks skipped where they may be); every answer, every
error and the table left behind must be the same."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from botocore.exceptions import ClientError

from bench.moto_fast import PlainJsonRequests, faster_writes
from tests.local.conftest import Moto

KEY = {"PK": {"S": "FARMER#1"}, "SK": {"S": "PROFILE"}}
VERSIONED = "SET #v = :next, #s = :s"
ONLY_AT = "#v = :at"


def _table(dynamodb: Any) -> str:
    name = f"fast-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("PK", "SK", "gsi1")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByGsi1",
                "KeySchema": [{"AttributeName": "gsi1", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name


def _update(
    table: str, expression: str, names: dict[str, str], values: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    params = {
        "TableName": table,
        "Key": KEY,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
    }
    return params | ({"ExpressionAttributeValues": values} if values else {}) | extra


def _versioned(table: str, at: int, status: str) -> dict[str, Any]:
    return _update(
        table,
        VERSIONED,
        {"#v": "version", "#s": "status"},
        {":next": {"N": str(at + 1)}, ":s": {"S": status}, ":at": {"N": str(at)}},
        ConditionExpression=ONLY_AT,
        ReturnValues="ALL_NEW",
    )


def _with_condition(put: dict[str, Any], names: dict[str, str], condition: str = "#x = :v") -> dict[str, Any]:
    """The Put of a transaction under `condition` (values: `:v`)."""
    return {
        "Put": put["Put"]
        | {
            "Item": {**put["Put"]["Item"], "SK": {"S": "conditional"}},
            "ConditionExpression": f"attribute_not_exists(PK) OR {condition}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":v": {"S": "confirmed"}},
        }
    }


def _plain_updates(call: Any, table: str) -> list[Any]:
    def plain(expression: str, names: dict[str, str], values: dict[str, Any]) -> Any:
        params = _update(table, expression, names, values, ReturnValues="ALL_NEW")
        return call("update_item", **params | {"Key": {**KEY, "PK": {"S": "FARMER#2"}}})

    grow, shrink = "SET #n = :n REMOVE #o", "REMOVE #o SET #n = :n"
    keyed, keyed_names = "SET #g = :g, #h = :h REMOVE #t", {"#g": "gsi1", "#h": "hits", "#t": "tags"}
    big, small = {"S": "x" * 300_000}, {"S": "x"}
    return [
        plain(keyed, keyed_names, {":g": {"S": "a"}, ":h": {"N": "5"}}),
        plain(keyed, keyed_names, {":g": {"N": "1"}, ":h": {"N": "6"}}),
        plain(keyed, keyed_names, {":g": {"S": ""}, ":h": {"N": "6"}}),
        plain(
            "SET #h = :h, #m = :m",
            {"#h": "hits", "#m": "meta"},
            {":h": {"N": "7"}, ":m": {"M": {"k": {"L": [{"S": "v"}]}}}},
        ),
        plain("SET #h = :h, #m = :m", {"#h": "hits", "#m": "meta"}, {":h": {"N": "8"}}),
        plain(
            "SET #h = :h, #m = :m", {"#h": "hits", "#m": "meta"}, {":h": {"N": "9"}, ":m": {"SS": ["a", "b"]}}
        ),
        plain(grow, {"#n": "new", "#o": "old"}, {":n": small}),
        plain("SET #o = :o", {"#o": "old"}, {":o": big}),
        plain(grow, {"#n": "new", "#o": "old"}, {":n": big}),  # the set comes first: too large
        plain(shrink, {"#n": "new", "#o": "old"}, {":n": small}),
        plain("SET #o = :o", {"#o": "old"}, {":o": big}),
        plain(shrink, {"#n": "new", "#o": "old"}, {":n": big}),  # the remove comes first: fits
    ]


def _script(dynamodb: Any, table: str) -> list[Any]:
    """Every answer (without request metadata) or error (code, message, cancellation reasons)."""

    def call(operation: str, **params: Any) -> Any:
        try:
            answer = getattr(dynamodb, operation)(**params)
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            message = error.response["Error"].get("Message", "").replace(table, "TABLE")
            return ("error", error.response["Error"]["Code"], message, reasons)
        answer.pop("ResponseMetadata", None)
        text = json.dumps(answer, default=lambda blob: base64.b64encode(blob).decode())  # B: bytes
        return json.loads(text.replace(table, "TABLE"))

    farmer = {**KEY, "version": {"N": "1"}, "status": {"S": "PENDING"}, "tags": {"L": []}, "hits": {"N": "0"}}
    audit = {"PK": {"S": "AUDIT#1"}, "SK": {"S": "1"}, "what": {"S": "confirmed"}}
    outbox = {"PK": {"S": "FARMER#1"}, "SK": {"S": "OUTBOX#1"}, "version": {"N": "1"}}
    transaction = [
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": outbox["PK"], "SK": outbox["SK"]},
                "UpdateExpression": "SET #v = :next",
                "ConditionExpression": "attribute_exists(PK) AND #v = :at",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":next": {"N": "2"}, ":at": {"N": "1"}},
            }
        },
        {"Put": {"TableName": table, "Item": audit, "ConditionExpression": "attribute_not_exists(PK)"}},
    ]
    below_cap = _update(
        table, "SET #h = #h + :one", {"#h": "hits"}, {":one": {"N": "1"}, ":cap": {"N": "2"}},
        ConditionExpression="#h < :cap", ReturnValues="UPDATED_NEW",
    )  # fmt: skip
    return [
        call("put_item", TableName=table, Item=farmer),
        call("put_item", TableName=table, Item=outbox),
        call("update_item", **_versioned(table, 1, "CONFIRMED")),  # the condition holds
        call("update_item", **_versioned(table, 1, "REJECTED")),  # same text, the condition fails
        call("update_item", **_versioned(table, 2, "REJECTED")),  # same text, holds again
        call("transact_write_items", TransactItems=transaction),
        call("transact_write_items", TransactItems=transaction),  # cancelled: both conditions fail
        # The same expression text with names that change the key: refused every time.
        call("update_item", **_update(table, "SET #f = :v", {"#f": "status"}, {":v": {"S": "X"}})),
        call("update_item", **_update(table, "SET #f = :v", {"#f": "SK"}, {":v": {"S": "X"}})),
        call("update_item", **_update(table, "SET #f = :v", {"#f": "SK"}, {":v": {"S": "X"}})),
        call(
            "update_item",
            **_update(table, "SET #a = :a, #a = :b", {"#a": "status"}, {":a": {"S": "A"}, ":b": {"S": "B"}}),
        ),
        call(
            "update_item",
            **_update(
                table,
                "SET #l = list_append(if_not_exists(#l, :none), :more) ADD #h :one REMOVE #gone",
                {"#l": "tags", "#h": "hits", "#gone": "status"},
                {":none": {"L": []}, ":more": {"L": [{"S": "padi"}]}, ":one": {"N": "1"}},
                ReturnValues="ALL_NEW",
            ),
        ),
        call("update_item", **below_cap),  # hits 1 -> 2
        call("update_item", **below_cap),  # the same update: at the cap now, refused
        # Items near DynamoDB's size limit: one under it stored, one over it refused.
        call("put_item", TableName=table, Item={**audit, "SK": {"S": "big"}, "blob": {"S": "x" * 404_000}}),
        call(
            "put_item",
            TableName=table,
            Item={**audit, "SK": {"S": "huge"}, "a": {"S": "x" * 300_000}, "b": {"S": "y" * 200_000}},
        ),
        # A transaction's condition naming a placeholder it was not given, then one given a name
        # it does not use: both refused (the second after the same text was parsed), then done.
        call(
            "transact_write_items", TransactItems=[_with_condition(transaction[1], {"#x": "what"}, "#y = :v")]
        ),
        call(
            "transact_write_items", TransactItems=[_with_condition(transaction[1], {"#x": "what", "#z": "a"})]
        ),
        call("transact_write_items", TransactItems=[_with_condition(transaction[1], {"#x": "what"})]),
        # Plain updates (SET #n = :v, REMOVE #n), each text first validated by moto, then again
        # with what only the values decide: a value not given, an index key of the wrong type or
        # empty, an item grown past the limit set before or after a remove.
        *_plain_updates(call, table),
        # A binary attribute (base64 on the wire): stored and read back as bytes.
        call(
            "put_item", TableName=table, Item={**audit, "SK": {"S": "seal"}, "seal": {"B": b"\x00\xffseal"}}
        ),
        call("get_item", TableName=table, Key={"PK": audit["PK"], "SK": {"S": "seal"}}),
        call(
            "query",
            TableName=table,
            KeyConditionExpression="PK = :pk",
            FilterExpression="#v >= :v",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":pk": {"S": "FARMER#1"}, ":v": {"N": "2"}},
        ),
        call(
            "query",
            TableName=table,
            KeyConditionExpression="PK = :pk",
            FilterExpression="#v >= :v",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":pk": {"S": "FARMER#1"}, ":v": {"N": "3"}},
        ),
        sorted(call("scan", TableName=table)["Items"], key=lambda item: (item["PK"]["S"], item["SK"]["S"])),
    ]


def test_every_answer_and_the_table_left_are_moto_s_own(moto: Moto) -> None:
    dynamodb = moto("dynamodb")
    shipped = _script(dynamodb, _table(dynamodb))
    with faster_writes():
        fast = [_script(dynamodb, _table(dynamodb)) for _ in range(2)]
    assert fast == [shipped, shipped]
    # The script is worth comparing: it met each kind of answer.
    codes = {step[1] for step in shipped if isinstance(step, tuple)}
    assert {"ConditionalCheckFailedException", "TransactionCanceledException", "ValidationException"} <= codes
    assert shipped[6][3] == ["ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert shipped[14:19] == [
        {},
        ("error", "ValidationException", "Item size has exceeded the maximum allowed size", []),
        shipped[16],
        shipped[17],
        shipped[5],  # as the first transaction: done
    ]
    # moto answers the unknown placeholder with a 500 (a KeyError of its own), the unused name with
    # a ValidationException: either way the fast path must answer the same.
    assert shipped[16][:2] == ("error", "500") and shipped[17][:2] == ("error", "ValidationException")
    profile, plain_profile = (
        next(item for item in shipped[-1] if item["PK"] == {"S": pk} and item["SK"] == {"S": "PROFILE"})
        for pk in ("FARMER#1", "FARMER#2")
    )
    assert (
        profile["tags"] == {"L": [{"S": "padi"}]}
        and profile["hits"] == {"N": "2"}
        and "status" not in profile
    )
    # The plain updates: each refusal moto's own, and the item as the accepted ones left it.
    plain = shipped[19:31]
    # moto refuses the value not given and the item grown past the limit (it lets an index key of
    # the wrong type or empty through: the fast path sends those to moto, which answers as it does).
    errors = [(n, step[2][:40]) for n, step in enumerate(plain) if isinstance(step, tuple)]
    assert errors == [
        (4, "Invalid UpdateExpression: An expression "),
        (8, "Item size to update has exceeded the max"),
    ]
    assert plain_profile["hits"] == {"N": "9"} and plain_profile["meta"] == {"SS": ["a", "b"]}
    assert plain_profile["gsi1"] == {"S": ""} and plain_profile["new"] == {"S": "x" * 300_000}
    assert "old" not in plain_profile and "tags" not in plain_profile


def test_requests_read_as_plain_json_are_the_same_requests(moto: Moto) -> None:
    dynamodb = moto("dynamodb")
    shipped = _script(dynamodb, _table(dynamodb))
    requests = PlainJsonRequests()
    requests.CHECKS = 1000  # every request parsed both ways and compared
    with requests.active():
        plain = _script(dynamodb, _table(dynamodb))
    assert plain == shipped
    assert requests.same
    # Every operation was read as plain JSON but the binary ones, which went to moto's parser.
    assert {"PutItem", "UpdateItem", "TransactWriteItems", "Query", "GetItem"} <= set(requests.checked)
    (seal,) = [step for step in plain if isinstance(step, dict) and "seal" in step.get("Item", {})]
    assert seal["Item"]["seal"] == {"B": "AP9zZWFs"}

"""local/aws/moto_reads.py: Queries read their partition and reads are sent as plain JSON, with
every answer the same as moto's own (moto_as_shipped) — pages, order, filters, counts, types."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from local.aws.moto_reads import moto_as_shipped
from tests.local.conftest import Moto


@pytest.fixture(scope="module")
def table(moto: Moto) -> tuple[Any, str]:
    """Two partitions' worth of farmers in several "kecamatan" of an index, some without the
    index's keys (not in the index), one with a Binary attribute and one of every other type."""
    dynamodb = moto("dynamodb")
    name = f"reads-{uuid.uuid4().hex[:8]}"
    keys = ["PK", "SK", "GSI1PK", "GSI1SK"]
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [
                    {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                    {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(120):
        item: dict[str, Any] = {
            "PK": {"S": f"FARMER#{n % 40:03d}"},
            "SK": {"S": f"PAYMENT#{n:03d}" if n >= 40 else "FARMER"},
            "name": {"S": f"Petani {n}"},
            "income": {"N": str(1_000_000 + 500_000 * (n % 3))},
            "tags": {"SS": ["padi", f"t{n % 4}"]},
            "heirs": {"L": [{"M": {"full_name": {"S": "Ahli"}, "phone": {"NULL": True}}}]},
            "confirmed": {"BOOL": n % 2 == 0},
        }
        if n < 40 and n % 7:  # farmers in the index; every seventh not (no index keys)
            item["GSI1PK"] = {"S": f"KEC#73.12.0{n % 3 + 1}"}
            item["GSI1SK"] = {"S": f"FARMER#73.12.0{n % 3 + 1}.100{n % 2}#{n:03d}"}
        if n == 12:
            item["photo"] = {"B": b"\xff\xd8\xff"}
        dynamodb.put_item(TableName=name, Item=item)
    return dynamodb, name


def _all_pages(dynamodb: Any, **params: Any) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = dynamodb.query(**params) if "KeyConditionExpression" in params else dynamodb.scan(**params)
        page.pop("ResponseMetadata")
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}


QUERIES: list[dict[str, Any]] = [
    # a kecamatan's list, in pages, with a filter that keeps some of each page
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :k AND begins_with(GSI1SK, :p)",
        "FilterExpression": "contains(tags, :t)",
        "ExpressionAttributeValues": {":k": {"S": "KEC#73.12.01"}, ":p": {"S": "FARMER#"}, ":t": {"S": "t0"}},
        "Limit": 3,
    },
    {  # a village, newest first
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :k AND begins_with(GSI1SK, :p)",
        "ExpressionAttributeValues": {":k": {"S": "KEC#73.12.02"}, ":p": {"S": "FARMER#73.12.02.1001#"}},
        "ScanIndexForward": False,
        "Limit": 2,
    },
    {  # a kecamatan nobody lives in
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :k",
        "ExpressionAttributeValues": {":k": {"S": "KEC#73.12.08"}},
    },
    {  # a farmer's partition: the farmer and its payments, in pages, counted
        "KeyConditionExpression": "PK = :f",
        "ExpressionAttributeValues": {":f": {"S": "FARMER#012"}},
        "Limit": 1,
    },
    {
        "KeyConditionExpression": "PK = :f AND begins_with(SK, :s)",
        "ExpressionAttributeValues": {":f": {"S": "FARMER#007"}, ":s": {"S": "PAYMENT#"}},
        "Select": "COUNT",
    },
    {  # an unknown partition
        "KeyConditionExpression": "PK = :f",
        "ExpressionAttributeValues": {":f": {"S": "FARMER#999"}},
    },
]


# Farmers 0-39 (index keys unless n % 7 == 0, kecamatan n % 3 + 1, village n % 2), payments 40-119
# in partition n % 40; tagged t0 when n % 4 == 0.
EXPECTED_COUNTS = [3, 6, 0, 3, 2, 0]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_a_query_answers_as_moto_does(table: tuple[Any, str], query: dict[str, Any]) -> None:
    dynamodb, name = table
    patched = _all_pages(dynamodb, TableName=name, **query)
    with moto_as_shipped():
        shipped = _all_pages(dynamodb, TableName=name, **query)
    assert patched == shipped
    assert sum(page["Count"] for page in patched) == EXPECTED_COUNTS[QUERIES.index(query)]


def test_index_queries_keep_only_the_indexed_items_of_their_partition(table: tuple[Any, str]) -> None:
    dynamodb, name = table
    pages = _all_pages(
        dynamodb,
        TableName=name,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :k",
        ExpressionAttributeValues={":k": {"S": "KEC#73.12.01"}},
        Limit=4,
    )
    found = [item["PK"]["S"] for page in pages for item in page["Items"]]
    expected = [f"FARMER#{n:03d}" for n in range(40) if n % 7 and n % 3 == 0]
    assert sorted(found) == expected and len(found) == len(set(found))


def test_reads_of_every_type_are_the_same_document(table: tuple[Any, str]) -> None:
    """GetItem, BatchGetItem and Scan as plain JSON, a Binary attribute through moto's serializer."""
    dynamodb, name = table
    keys = [{"PK": {"S": f"FARMER#{n:03d}"}, "SK": {"S": "FARMER"}} for n in (3, 12, 25)]

    def reads() -> list[Any]:
        got = [dynamodb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"] for key in keys]
        batch = dynamodb.batch_get_item(RequestItems={name: {"Keys": keys, "ConsistentRead": True}})
        scanned = _all_pages(dynamodb, TableName=name, Limit=50)
        return [got, sorted(batch["Responses"][name], key=lambda i: i["PK"]["S"]), scanned]

    patched = reads()
    with moto_as_shipped():
        assert reads() == patched
    assert patched[0][1]["photo"] == {"B": b"\xff\xd8\xff"}
    assert patched[0][0]["heirs"] == {"L": [{"M": {"full_name": {"S": "Ahli"}, "phone": {"NULL": True}}}]}
    assert sum(len(page["Items"]) for page in patched[2]) == 120

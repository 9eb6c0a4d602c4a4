"""The DynamoDB stream poller does what Lambda's stream event source mapping does: the filter
subset (exact values, prefix), the event's shape, retries from the first failed record, bisection,
and the OnFailure record; on a real moto server, whose transactions stream only what commits."""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from botocore.exceptions import ClientError

from local.pollers.stream_events import (
    StreamEventSource,
    build_stream_event,
    done_before,
    dynamodb_event_sources,
    stream_record,
)
from local.pollers.stream_filters import FilterPatternError, parse_filter_criteria, passes_filters
from local.pollers.streams import StreamPoller
from local.template.specs import Physical
from local.template.template import Template
from tests.local.conftest import Moto

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-3"
AUDIT_FILTER = {
    "Filters": [
        {"Pattern": '{"eventName": ["INSERT"], "dynamodb": {"Keys": {"PK": {"S": [{"prefix": "AUDIT#"}]}}}}'}
    ]
}
_names = itertools.count(1)


def change(event_name: str, pk: str, sk: str = "1", **image: Any) -> dict[str, Any]:
    keys = {"PK": {"S": pk}, "SK": {"S": sk}}
    return {"eventName": event_name, "dynamodb": {"Keys": keys, "NewImage": {**keys, **image}}}


# ---------------------------------------------------------------------------------- filters


def test_the_audit_filter_keeps_inserts_of_audit_items_only() -> None:
    patterns = parse_filter_criteria(AUDIT_FILTER)
    assert passes_filters(patterns, change("INSERT", "AUDIT#01J0000000000000000000000"))
    assert not passes_filters(patterns, change("MODIFY", "AUDIT#01J0000000000000000000000"))
    assert not passes_filters(patterns, change("REMOVE", "AUDIT#01J0000000000000000000000"))
    assert not passes_filters(patterns, change("INSERT", "FARMER#01J0000000000000000000000"))
    assert not passes_filters(patterns, change("INSERT", "XAUDIT#1"))  # a prefix, not a substring
    assert not passes_filters(patterns, {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"N": "1"}}}})
    assert not passes_filters(patterns, {"eventName": "INSERT"})  # a field the pattern names is missing


@pytest.mark.parametrize(
    ("pattern", "data", "kept"),
    [
        ({"a": ["x", "y"]}, {"a": "y"}, True),  # alternatives: OR
        ({"a": ["x"], "b": ["z"]}, {"a": "x", "b": "q"}, False),  # fields: AND
        ({"a": [5]}, {"a": 5.0}, True),  # numbers compare as numbers
        ({"a": ["5"]}, {"a": 5}, False),  # ... and never equal a string
        ({"a": [True]}, {"a": 1}, False),  # a boolean is not a number
        ({"a": [None]}, {"a": None}, True),
        ({"a": [None]}, {}, False),
        ({"a": ["x"]}, {"a": ["w", "x"]}, True),  # an array matches if one element does
        ({"a": [{"prefix": "ab"}]}, {"a": "abc"}, True),
        ({"a": [{"prefix": "ab"}]}, {"a": 123}, False),
        ({"a": {"b": ["x"]}}, {"a": "x"}, False),  # an object pattern needs an object
    ],
)
def test_exact_values_and_prefix(pattern: dict[str, Any], data: dict[str, Any], kept: bool) -> None:
    (parsed,) = parse_filter_criteria({"Filters": [{"Pattern": json.dumps(pattern)}]})
    assert passes_filters([parsed], data) is kept


def test_several_filters_keep_what_any_keeps_and_none_keeps_all() -> None:
    patterns = parse_filter_criteria(
        {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}, {"Pattern": '{"eventName": ["REMOVE"]}'}]}
    )
    assert passes_filters(patterns, {"eventName": "REMOVE"})
    assert not passes_filters(patterns, {"eventName": "MODIFY"})
    assert passes_filters(parse_filter_criteria(None), {"eventName": "MODIFY"})


@pytest.mark.parametrize(
    "pattern",
    [
        '{"eventName": [{"anything-but": ["REMOVE"]}]}',
        '{"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 0]}]}}}}',
        '{"dynamodb": {"NewImage": {"x": [{"exists": true}]}}}',
        '{"eventName": [{"suffix": "T"}]}',
        '{"eventName": [{"prefix": "IN", "suffix": "T"}]}',
        '{"$or": [{"eventName": ["INSERT"]}]}',
        '{"eventName": []}',
        '{"eventName": "INSERT"}',
        "{}",
        "not json",
    ],
)
def test_patterns_beyond_the_subset_stop_the_stack(pattern: str) -> None:
    with pytest.raises(FilterPatternError):
        parse_filter_criteria({"Filters": [{"Pattern": pattern}]})


def test_the_real_template_declares_the_audit_archive_stream() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    refs = {
        lid: Physical(
            ref=f"ref-{lid}",
            attrs={
                "Arn": f"arn:aws:sqs:{REGION}:123456789012:{lid}",
                "StreamArn": f"arn:aws:dynamodb:{REGION}:123456789012:table/{lid}/stream/2026-01-01T00:00:00.000",
            },
        )
        for lid in template.resources()
    }
    (source,) = dynamodb_event_sources(template.functions(refs))
    assert (source.function_id, source.table_name) == ("AuditArchiveFunction", "DomainTable")
    assert source.starting_position == "TRIM_HORIZON" and source.report_batch_item_failures
    assert source.bisect_on_error and 0 <= source.maximum_retry_attempts <= 100
    assert source.on_failure_arn == refs["AuditArchiveFailureQueue"].attrs["Arn"]
    assert passes_filters(source.filters, change("INSERT", "AUDIT#x"))
    assert not passes_filters(source.filters, change("INSERT", "FARMER#x"))


# ---------------------------------------------------------------------------------- the event

STREAM_ARN = f"arn:aws:dynamodb:{REGION}:123456789012:table/t/stream/2026-11-29T00:00:00.000"


def test_the_event_has_lambdas_shape_and_powertools_reads_it() -> None:
    created = datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC)
    got = {  # a GetRecords record, as boto3 returns it (moto writes us-east-1)
        "eventID": "e1",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": {"PK": {"S": "AUDIT#a"}, "SK": {"S": "s"}},
            "NewImage": {
                "PK": {"S": "AUDIT#a"},
                "SK": {"S": "s"},
                "blob": {"B": b"\x00\x01"},
                "m": {"M": {"b": {"BS": [b"x"]}}},
            },
            "SequenceNumber": "1100000000000000000001",
            "SizeBytes": 42,
            "StreamViewType": "NEW_IMAGE",
        },
    }
    event = build_stream_event([got], STREAM_ARN)
    (record,) = event["Records"]
    assert list(record) == [
        "eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN",
    ]  # fmt: skip
    assert record["awsRegion"] == REGION and record["eventSourceARN"] == STREAM_ARN
    assert record["dynamodb"]["ApproximateCreationDateTime"] == created.timestamp()
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"\x00\x01").decode()}
    assert record["dynamodb"]["NewImage"]["m"]["M"]["b"] == {"BS": [base64.b64encode(b"x").decode()]}
    json.dumps(event)  # what Lambda hands over is JSON

    parsed = next(iter(DynamoDBStreamEvent(event).records))
    assert parsed.event_name is not None and parsed.event_name.name == "INSERT"
    assert parsed.dynamodb is not None and parsed.dynamodb.sequence_number == "1100000000000000000001"
    assert parsed.dynamodb.keys == {"PK": "AUDIT#a", "SK": "s"}
    assert stream_record(got, STREAM_ARN) == record


@pytest.mark.parametrize(
    ("result", "report", "done"),
    [
        (None, True, 3),
        ({}, True, 3),
        ({"batchItemFailures": []}, True, 3),
        ({"batchItemFailures": [{"itemIdentifier": "12"}]}, True, 1),
        ({"batchItemFailures": [{"itemIdentifier": "13"}, {"itemIdentifier": "12"}]}, True, 1),  # the lowest
        ({"batchItemFailures": [{"itemIdentifier": "11"}]}, True, 0),
        ({"batchItemFailures": [{"itemIdentifier": "99"}]}, True, 0),  # unknown: the whole batch
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, 0),
        ({"batchItemFailures": [{"id": "12"}]}, True, 0),
        ({"batchItemFailures": [{"itemIdentifier": "12"}]}, False, 3),  # not enabled: ignored
    ],
)
def test_what_an_answer_settles(result: Any, report: bool, done: int) -> None:
    assert done_before(result, ["11", "12", "13"], report) == done


# ---------------------------------------------------------------------------------- on moto


def make_table(clients: Moto) -> tuple[str, str]:
    name = f"streamed-{next(_names)}"
    table = clients("dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    return name, table["LatestStreamArn"]


def put(clients: Moto, table: str, pk: str, sk: str = "1") -> None:
    clients("dynamodb").put_item(TableName=table, Item={"PK": {"S": pk}, "SK": {"S": sk}})


class Recorder:
    """A function that remembers what it got and fails as told."""

    name = "recorder"

    def __init__(self, fail: dict[str, int] | None = None, raises: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.fail = dict(fail or {})  # SK -> how many more times to report it failed
        self.raises = raises

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        records = event["Records"]
        self.batches.append([r["dynamodb"]["Keys"]["SK"]["S"] for r in records])
        if self.raises:
            self.raises -= 1
            raise RuntimeError("boom")
        for record in records:
            sk = record["dynamodb"]["Keys"]["SK"]["S"]
            if self.fail.get(sk, 0) > 0:
                self.fail[sk] -= 1
                return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}


def source(stream_arn: str, **overrides: Any) -> StreamEventSource:
    props: dict[str, Any] = {
        "Stream": stream_arn,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 3,
        "FilterCriteria": AUDIT_FILTER,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        **overrides,
    }
    return StreamEventSource.from_event("Fn", "Stream", props)


def test_a_cancelled_transaction_streams_nothing(moto: Moto) -> None:
    table, stream_arn = make_table(moto)
    put(moto, table, "FARMER#1")
    ddb = moto("dynamodb")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": "AUDIT#1"}, "SK": {"S": "phantom"}}}},
                {"Put": {"TableName": table, "Item": {"PK": {"S": "FARMER#1"}, "SK": {"S": "1"}},
                         "ConditionExpression": "attribute_not_exists(PK)"}},
            ]
        )  # fmt: skip
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"PK": {"S": "AUDIT#1"}, "SK": {"S": "real"}}}}]
    )
    function = Recorder()
    poller = StreamPoller(source(stream_arn), function, moto("dynamodbstreams"))
    poller.drain()
    assert function.batches == [["real"]]
    assert poller.records_seen == 2 and poller.records_filtered_out == 1


def test_a_partial_failure_is_retried_from_the_first_failed_record(moto: Moto) -> None:
    table, stream_arn = make_table(moto)
    for n in range(1, 6):
        put(moto, table, "AUDIT#1", f"r{n}")
        put(moto, table, "FARMER#1", f"f{n}")  # filtered out between them
    function = Recorder(fail={"r2": 1})
    poller = StreamPoller(source(stream_arn), function, moto("dynamodbstreams"), retry_delay_s=0)
    poller.drain()
    # r1 done; r2 failed: the retry starts at r2 with the rest of that batch, then goes on.
    assert function.batches == [["r1", "r2", "r3"], ["r2", "r3"], ["r4", "r5"]]
    put(moto, table, "AUDIT#1", "r6")
    poller.drain()
    assert function.batches[-1] == ["r6"]  # nothing delivered twice once done


def test_an_error_bisects_the_batch_and_exhausted_retries_go_to_the_failure_queue(moto: Moto) -> None:
    table, stream_arn = make_table(moto)
    sqs = moto("sqs")
    queue_url = sqs.create_queue(QueueName=f"failures-{next(_names)}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for n in range(1, 5):
        put(moto, table, "AUDIT#1", f"r{n}")
    failing = StreamEventSource.from_event(
        "Fn", "Stream",
        {
            "Stream": stream_arn, "StartingPosition": "TRIM_HORIZON", "BatchSize": 4, "FilterCriteria": AUDIT_FILTER,
            "FunctionResponseTypes": ["ReportBatchItemFailures"], "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 1, "DestinationConfig": {"OnFailure": {"Destination": queue_arn}},
        },
    )  # fmt: skip
    function = Recorder(raises=2)
    poller = StreamPoller(failing, function, moto("dynamodbstreams"), sqs=sqs, retry_delay_s=0)
    poller.drain()
    # Raised on 4, retried as 2 (bisected), raised again: retries exhausted for r1-r2; then on.
    assert function.batches == [["r1", "r2", "r3", "r4"], ["r1", "r2"], ["r3", "r4"]]
    assert poller.records_given_up == 2
    (message,) = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    info = record["DDBStreamBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert info["batchSize"] == 2 and info["streamArn"] == stream_arn
    assert int(info["startSequenceNumber"]) < int(info["endSequenceNumber"])
    # The range names exactly r1 and r2 on the stream.
    streams = moto("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    assert shard == info["shardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]  # fmt: skip
    named = [
        r["dynamodb"]["Keys"]["SK"]["S"]
        for r in streams.get_records(ShardIterator=iterator)["Records"]
        if int(r["dynamodb"]["SequenceNumber"]) <= int(info["endSequenceNumber"])
    ]
    assert named == ["r1", "r2"]


def test_a_batching_window_waits_for_more_records(moto: Moto) -> None:
    table, stream_arn = make_table(moto)
    function = Recorder()
    poller = StreamPoller(
        source(stream_arn, MaximumBatchingWindowInSeconds=60, BatchSize=2), function, moto("dynamodbstreams")
    )
    put(moto, table, "AUDIT#1", "r1")
    assert poller.poll_once() is False and function.batches == []  # one record, window open
    put(moto, table, "AUDIT#1", "r2")
    assert poller.poll_once() is True and function.batches == [["r1", "r2"]]  # the batch is full

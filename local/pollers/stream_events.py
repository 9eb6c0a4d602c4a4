"""A DynamoDB stream event source as Lambda reads it: the `DynamoDB` event of a function
(`StreamEventSource`), the event Lambda builds from GetRecords, what a batch's answer settles,
and the invocation record sent to an OnFailure destination."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.functions import new_lambda_request_id
from local.pollers.stream_filters import parse_filter_criteria
from local.template.cfn_yaml import TemplateError
from local.template.specs import FunctionSpec

log = logging.getLogger("local.pollers.streams")

# Lambda's default batch size for a DynamoDB event source.
DEFAULT_BATCH_SIZE = 100


# ---------------------------------------------------------------------------------- the event


def epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _attribute_json(value: Any) -> Any:
    """An AttributeValue as Lambda's event carries it: binary as base64 text."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for kind, inner in value.items():
        if kind == "B":
            out[kind] = (
                base64.b64encode(inner).decode("ascii") if isinstance(inner, bytes | bytearray) else inner
            )
        elif kind == "BS":
            out[kind] = [
                base64.b64encode(b).decode("ascii") if isinstance(b, bytes | bytearray) else b for b in inner
            ]
        elif kind == "M":
            out[kind] = {k: _attribute_json(v) for k, v in inner.items()}
        elif kind == "L":
            out[kind] = [_attribute_json(v) for v in inner]
        else:
            out[kind] = inner
    return out


def _item_json(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _attribute_json(value) for name, value in item.items()}


def stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One record of the Lambda event, from one record of a GetRecords answer."""
    change = dict(record["dynamodb"])
    dynamodb: dict[str, Any] = {}
    if "ApproximateCreationDateTime" in change:
        dynamodb["ApproximateCreationDateTime"] = epoch_seconds(change["ApproximateCreationDateTime"])
    for name in ("Keys", "NewImage", "OldImage"):
        if name in change:
            dynamodb[name] = _item_json(change[name])
    for name in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if name in change:
            dynamodb[name] = change[name]
    event_record: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": record.get("eventSource", "aws:dynamodb"),
        # moto writes us-east-1 whatever its region; Lambda's event names the stream's region.
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions
        event_record["userIdentity"] = dict(record["userIdentity"])
    return event_record


def build_stream_event(records: Sequence[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The event Lambda's DynamoDB event source hands a function: `{"Records": [...]}`."""
    return {"Records": [stream_record(r, stream_arn) for r in records]}


def sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def done_before(result: Any, sequence_numbers: Sequence[str], report_batch_item_failures: bool) -> int:
    """How many records of the batch (in order) the function's answer `result` settles: all of
    them (len), or those before the first one to retry (0: the whole batch)."""
    everything = len(sequence_numbers)
    if not report_batch_item_failures or result is None or not isinstance(result, Mapping):
        return everything
    failures = result.get("batchItemFailures")
    if not failures:
        return everything
    if not isinstance(failures, list):
        return 0
    position = {number: index for index, number in enumerate(sequence_numbers)}
    first = everything
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in position:
            return 0  # empty, null or unknown: Lambda fails the whole batch
        first = min(first, position[identifier])
    return first


# ---------------------------------------------------------------------------------- the source


@dataclass(frozen=True)
class StreamEventSource:
    """One `Type: DynamoDB` event of a function, as SAM turns it into an event source mapping."""

    function_id: str
    event_name: str
    stream_arn: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_s: float = 0.0
    filters: tuple[dict[str, Any], ...] = ()
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_s: int = -1
    on_failure_arn: str | None = None
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function_id}.{self.event_name}"

    @property
    def table_name(self) -> str:
        return self.stream_arn.split(":", 5)[5].split("/")[1]

    @classmethod
    def from_event(cls, function_id: str, event_name: str, props: Mapping[str, Any]) -> StreamEventSource:
        where = f"{function_id}.{event_name}"
        stream_arn = props.get("Stream")
        if not isinstance(stream_arn, str) or ":dynamodb:" not in stream_arn or "/stream/" not in stream_arn:
            raise TemplateError(f"{where}: Stream must resolve to a DynamoDB stream ARN, got {stream_arn!r}")
        position = str(props.get("StartingPosition", "TRIM_HORIZON"))
        if position not in ("TRIM_HORIZON", "LATEST"):
            raise TemplateError(f"{where}: StartingPosition {position} is not supported locally")
        for key in ("ParallelizationFactor", "TumblingWindowInSeconds", "StartingPositionTimestamp",
                    "MetricsConfig", "KmsKeyArn"):  # fmt: skip
            if key in props:
                log.warning("%s: %s is not applied by the local stream poller", where, key)
        on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure")) or {}
        destination = on_failure.get("Destination")
        if destination is not None and ":sqs:" not in str(destination):
            log.warning("%s: only an SQS OnFailure destination is used locally", where)
            destination = None
        return cls(
            function_id=function_id,
            event_name=event_name,
            stream_arn=stream_arn,
            starting_position=position,
            batch_size=int(props.get("BatchSize", DEFAULT_BATCH_SIZE)),
            batching_window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            filters=parse_filter_criteria(props.get("FilterCriteria"), f"{where}.FilterCriteria"),
            report_batch_item_failures="ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
            bisect_on_error=str(props.get("BisectBatchOnFunctionError", False)).lower() == "true",
            maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
            maximum_record_age_s=int(props.get("MaximumRecordAgeInSeconds", -1)),
            on_failure_arn=str(destination) if destination else None,
            enabled=str(props.get("Enabled", True)).lower() != "false",
        )


def dynamodb_event_sources(specs: Iterable[FunctionSpec]) -> list[StreamEventSource]:
    return [
        StreamEventSource.from_event(spec.logical_id, name, props)
        for spec in specs
        for name, props in spec.events_of_type("DynamoDB").items()
    ]


def _iso(value: Any) -> str:
    moment = datetime.fromtimestamp(epoch_seconds(value), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def invocation_record(
    source: StreamEventSource,
    shard_id: str,
    records: Sequence[Mapping[str, Any]],
    condition: str,
    attempts: int,
    raised: bool,
) -> dict[str, Any]:
    """What Lambda sends an OnFailure destination for a stream batch it gave up on."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if raised:
        response["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": new_lambda_request_id(),
            "functionArn": f"arn:aws:lambda:{source.stream_arn.split(':')[3]}:{source.stream_arn.split(':')[4]}"
            f":function:{source.function_id}",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": str(first["SequenceNumber"]),
            "endSequenceNumber": str(last["SequenceNumber"]),
            "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime", 0)),
            "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime", 0)),
            "batchSize": len(records),
            "streamArn": source.stream_arn,
        },
    }

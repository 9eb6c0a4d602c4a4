"""DynamoDB stream event sources: what Lambda's event source mapping does for each `DynamoDB` event.

For every function with a `DynamoDB` event in template.yaml, a poller reads the table's stream
from moto (DescribeStream, GetShardIterator at the event's StartingPosition, GetRecords), keeps
the records the event's FilterCriteria let through, gathers them into batches (BatchSize,
MaximumBatchingWindowInSeconds), builds the event Lambda builds, invokes the function in-process
(as local/poller.py does for SQS), and then moves on as Lambda does for a stream:

- the function answered without `batchItemFailures` (or an empty list) -> the whole batch is done;
- with `FunctionResponseTypes: [ReportBatchItemFailures]`, `batchItemFailures` -> the records
  before the lowest sequence number named are done; the batch is retried from that record, so
  no record after a failure is skipped. An item without a known sequence number fails the whole
  batch, as with Lambda;
- the function raised -> the whole batch is retried; with `BisectBatchOnFunctionError`, the
  retry takes its first half;
- after `MaximumRetryAttempts` retries of a batch (-1: until the record expires), or once its
  oldest record is older than `MaximumRecordAgeInSeconds`, the batch is given up: Lambda's
  invocation record (`DDBStreamBatchInfo`: shard, first and last sequence numbers) goes to
  `DestinationConfig.OnFailure` (an SQS queue here), and the poller moves past it.

Filtered-out records are passed over, as Lambda does (they never reach the function).
FilterCriteria patterns: the part of Lambda's (EventBridge) pattern language this template uses
- a JSON object whose leaves are arrays of alternatives, each an exact value (string, number,
boolean, null) or `{"prefix": "..."}`; nested objects match nested fields; every field of a
pattern must match (AND), any alternative of a field (OR), any pattern of the list (OR); an
array in the record matches when one of its elements does. Any other operator (`anything-but`,
`numeric`, `exists`, `suffix`, `equals-ignore-case`, `wildcard`, `$or`...) stops the stack with a
clear error rather than being applied differently from Lambda.

Locally: moto's stream has one shard; one batch at a time (ParallelizationFactor 1); retries
come `retry_delay_s` apart. Logs name the function, counts and sequence numbers; never an image.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.functions import Invocable, new_lambda_request_id
from local.template.cfn_yaml import TemplateError
from local.template.specs import FunctionSpec

log = logging.getLogger("local.streams")

# Lambda's defaults for a DynamoDB event source.
DEFAULT_BATCH_SIZE = 100
GET_RECORDS_LIMIT = 1000  # DynamoDB Streams' most per GetRecords
# Lambda polls a shard four times a second; locally twice is plenty.
DEFAULT_POLL_INTERVAL_S = 0.5
DEFAULT_RETRY_DELAY_S = 1.0

_SUPPORTED_OPERATORS = ("prefix",)


class FilterPatternError(TemplateError):
    """A FilterCriteria pattern outside the subset the local stack implements."""


# ---------------------------------------------------------------------------------- filters


def parse_filter_criteria(
    criteria: Mapping[str, Any] | None, where: str = "FilterCriteria"
) -> tuple[dict[str, Any], ...]:
    """The patterns of a FilterCriteria (`{"Filters": [{"Pattern": "<json>"}]}`), checked."""
    patterns = []
    for n, entry in enumerate((criteria or {}).get("Filters") or []):
        text = entry.get("Pattern") if isinstance(entry, Mapping) else None
        if not isinstance(text, str):
            raise FilterPatternError(f"{where}.Filters[{n}]: Pattern must be a JSON string")
        try:
            pattern = json.loads(text)
        except ValueError as error:
            raise FilterPatternError(f"{where}.Filters[{n}]: Pattern is not JSON ({error})") from None
        _check_pattern(pattern, f"{where}.Filters[{n}]")
        patterns.append(pattern)
    return tuple(patterns)


def _check_pattern(node: Any, path: str) -> None:
    if not isinstance(node, dict) or not node:
        raise FilterPatternError(f"{path}: a pattern is a non-empty JSON object")
    for name, value in node.items():
        if name.startswith("$"):
            raise FilterPatternError(f"{path}.{name}: {name} is not supported locally")
        if isinstance(value, dict):
            _check_pattern(value, f"{path}.{name}")
        elif isinstance(value, list) and value:
            for alternative in value:
                _check_alternative(alternative, f"{path}.{name}")
        else:
            raise FilterPatternError(f"{path}.{name}: a field matches an object or a non-empty array")


def _check_alternative(alternative: Any, path: str) -> None:
    if isinstance(alternative, dict):
        if len(alternative) != 1 or next(iter(alternative)) not in _SUPPORTED_OPERATORS:
            raise FilterPatternError(
                f'{path}: {json.dumps(alternative)} - only exact values and {{"prefix": ...}} are '
                "supported locally (local/streams.py)"
            )
        if not isinstance(alternative["prefix"], str):
            raise FilterPatternError(f"{path}: prefix takes a string")
    elif not (alternative is None or isinstance(alternative, str | int | float | bool)):
        raise FilterPatternError(f"{path}: {alternative!r} is not a value")


def pattern_matches(pattern: Mapping[str, Any], data: Any) -> bool:
    """Does `data` (a record, or part of one) match `pattern` (checked by parse_filter_criteria)?"""
    if not isinstance(data, Mapping):
        return False
    for name, expected in pattern.items():
        if name not in data:
            return False
        value = data[name]
        if isinstance(expected, dict):
            if not pattern_matches(expected, value):
                return False
        elif not any(_alternative_matches(alternative, value) for alternative in expected):
            return False
    return True


def _alternative_matches(alternative: Any, value: Any) -> bool:
    if isinstance(value, list):
        return any(_alternative_matches(alternative, element) for element in value)
    if isinstance(alternative, dict):
        return isinstance(value, str) and value.startswith(alternative["prefix"])
    if isinstance(alternative, bool) or isinstance(value, bool) or alternative is None or value is None:
        return alternative is value
    if isinstance(alternative, int | float) and isinstance(value, int | float):
        return float(alternative) == float(value)
    return type(alternative) is type(value) and alternative == value


def passes_filters(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """No filter keeps everything; otherwise a record is kept when one pattern matches it."""
    return not patterns or any(pattern_matches(p, record) for p in patterns)


# ---------------------------------------------------------------------------------- the event


def _epoch_seconds(value: Any) -> float:
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
        dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(change["ApproximateCreationDateTime"])
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


# ---------------------------------------------------------------------------------- the poller


@dataclass
class BatchOutcome:
    size: int
    done: int  # records settled (the first `done` of the batch)
    raised: bool = False
    given_up: int = 0  # records sent to the OnFailure destination
    request_id: str = ""


@dataclass
class _Pending:
    records: list[dict[str, Any]] = field(default_factory=list)
    since: float | None = None  # when the oldest pending record arrived (batching window)
    attempts: int = 0  # failed invocations of the batch at the head
    limit: int | None = None  # a bisected batch's size


class StreamPoller:
    """Feeds one function from one DynamoDB stream, like one event source mapping.

    `poll_once()` does one round (read, maybe invoke) and is what tests drive; `start()` runs
    rounds in a thread until `stop()`.
    """

    def __init__(
        self,
        source: StreamEventSource,
        invoker: Invocable,
        streams: Any,
        *,
        sqs: Any | None = None,
        queue_urls: Mapping[str, str] | None = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        retry_delay_s: float = DEFAULT_RETRY_DELAY_S,
        on_batch: Callable[[BatchOutcome], None] | None = None,
    ) -> None:
        self.source = source
        self.invoker = invoker
        self.streams = streams
        self.sqs = sqs
        self.queue_urls = dict(queue_urls or {})
        self.poll_interval_s = poll_interval_s
        self.retry_delay_s = retry_delay_s
        self.on_batch = on_batch
        self._pending = _Pending()
        self._iterator: str | None = None
        self._shard_id: str | None = None
        self._last_read: str | None = None  # where to pick up after an error: no record twice
        self._shard_closed = False
        self._retry_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.records_seen = 0
        self.records_filtered_out = 0
        self.records_given_up = 0

    @property
    def name(self) -> str:
        return self.source.name

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"stream-poller-{self.name}", daemon=True)
        self._thread.start()
        log.info(
            "polling the stream of %s for %s (batch %d, window %gs, %d filter(s)%s)",
            self.source.table_name, self.source.function_id, self.source.batch_size,
            self.source.batching_window_s, len(self.source.filters),
            ", partial batch failures" if self.source.report_batch_item_failures else "",
        )  # fmt: skip

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            if self._thread.is_alive():
                log.warning("%s: a batch was still running at shutdown", self.name)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll_once()
            except Exception as error:  # moto going away at shutdown, or a transient error
                if self._stop.is_set():
                    return
                log.warning("%s: reading the stream failed (%s); retrying", self.name, type(error).__name__)
                self._iterator = None
                busy = False
                self._stop.wait(1.0)
            if not busy:
                self._stop.wait(self.poll_interval_s)

    # ------------------------------------------------------------------ one round

    def poll_once(self, now: float | None = None) -> bool:
        """Read what the stream has; invoke the function if a batch is due. True if it invoked
        (more may be waiting), False if there was nothing to do yet."""
        self._read()
        now = time.monotonic() if now is None else now
        pending = self._pending
        if not pending.records or now < self._retry_at:
            return False
        self._give_up_expired()
        if not pending.records:
            return False
        full = len(pending.records) >= self.source.batch_size
        window_over = pending.since is not None and now - pending.since >= self.source.batching_window_s
        if not (full or window_over or pending.attempts):
            return False
        self._invoke(now)
        return True

    def drain(self, max_rounds: int = 1000) -> int:
        """Rounds until nothing is pending (tests: no window, no retry delay). Returns batches."""
        before = self.batches
        for _ in range(max_rounds):
            self._read()
            if not self._pending.records:
                break
            self.poll_once(now=float("inf"))
        return self.batches - before

    def _read(self) -> None:
        if self._shard_closed:
            return
        if self._iterator is None:
            self._iterator = self._first_iterator()
        while self._iterator is not None:
            answer = self.streams.get_records(ShardIterator=self._iterator, Limit=GET_RECORDS_LIMIT)
            self._iterator = answer.get("NextShardIterator")
            self._shard_closed = self._iterator is None  # DynamoDB closes a shard after ~4 h (moto never)
            records = answer.get("Records", [])
            if not records:
                break
            self._last_read = sequence_number(records[-1])
            self.records_seen += len(records)
            kept = [r for r in records if passes_filters(self.source.filters, r)]
            self.records_filtered_out += len(records) - len(kept)
            if kept and not self._pending.records:
                self._pending.since = time.monotonic()
            self._pending.records.extend(kept)

    def _first_iterator(self) -> str:
        description = self.streams.describe_stream(StreamArn=self.source.stream_arn)["StreamDescription"]
        shards = description.get("Shards") or []
        if not shards:
            raise RuntimeError(f"{self.name}: the stream has no shard")
        if len(shards) > 1:
            log.warning("%s: %d shards; the local poller reads the first only", self.name, len(shards))
        self._shard_id = shards[0]["ShardId"]
        where: dict[str, str] = {"ShardIteratorType": self.source.starting_position}
        if self._last_read is not None:  # after an error: on from the last record read
            where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._last_read}
        iterator: str = self.streams.get_shard_iterator(
            StreamArn=self.source.stream_arn, ShardId=self._shard_id, **where
        )["ShardIterator"]
        return iterator

    def _invoke(self, now: float) -> BatchOutcome:
        source, pending = self.source, self._pending
        size = min(len(pending.records), pending.limit or source.batch_size, source.batch_size)
        batch = pending.records[:size]
        numbers = [sequence_number(r) for r in batch]
        request_id = new_lambda_request_id()
        self.batches += 1
        outcome = BatchOutcome(size=size, done=0, request_id=request_id)
        try:
            result = self.invoker.invoke(build_stream_event(batch, source.stream_arn), request_id)
        except Exception:
            outcome.raised = True
            log.error(
                "%s failed on a batch of %d (request %s, from sequence number %s): the batch is retried\n%s",
                source.function_id, size, request_id, numbers[0], traceback.format_exc(),
            )  # fmt: skip
        else:
            outcome.done = done_before(result, numbers, source.report_batch_item_failures)
        del pending.records[: outcome.done]
        if outcome.done == size:
            pending.attempts, pending.limit = 0, None
            log.info("%s: batch of %d (request %s) done", source.function_id, size, request_id)
        else:
            pending.attempts += 1
            remaining = size - outcome.done
            if outcome.raised and source.bisect_on_error and remaining > 1:
                pending.limit = max(1, remaining // 2)
            elif outcome.done:
                pending.limit = remaining  # retried from the failed record: the rest of that batch
            if not outcome.raised:
                log.warning(
                    "%s: batch of %d (request %s): %d done, retried from sequence number %s",
                    source.function_id, size, request_id, outcome.done, numbers[outcome.done],
                )  # fmt: skip
            exhausted = 0 <= source.maximum_retry_attempts < pending.attempts
            if exhausted:
                outcome.given_up = self._give_up(
                    pending.records[:remaining], "RetryAttemptsExhausted", pending.attempts, outcome.raised
                )
            else:
                self._retry_at = now + self.retry_delay_s
        if not pending.records:
            pending.since = None
        if self.on_batch:
            self.on_batch(outcome)
        return outcome

    def _give_up_expired(self) -> None:
        max_age = self.source.maximum_record_age_s
        if max_age < 0:
            return
        oldest_allowed = datetime.now(UTC).timestamp() - max_age
        expired = 0
        for record in self._pending.records:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if created is None or _epoch_seconds(created) >= oldest_allowed:
                break
            expired += 1
        if expired:
            self._give_up(self._pending.records[:expired], "RecordAgeExceeded", self._pending.attempts, False)

    def _give_up(self, records: list[dict[str, Any]], condition: str, attempts: int, raised: bool) -> int:
        """Drop `records` (the head of pending) and report them where the event says."""
        pending = self._pending
        del pending.records[: len(records)]
        pending.attempts, pending.limit = 0, None
        self.records_given_up += len(records)
        destination = self.source.on_failure_arn
        sent = False
        if destination and self.sqs is not None:
            queue_url = (
                self.queue_urls.get(destination)
                or self.sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            )
            body = invocation_record(self.source, self._shard_id or "", records, condition, attempts, raised)
            self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
            sent = True
        log.error(
            "%s: gave up on %d record(s) from sequence number %s (%s)%s",
            self.source.function_id, len(records), sequence_number(records[0]), condition,
            "; their batch is described in the OnFailure queue" if sent else "; no OnFailure destination: dropped",
        )  # fmt: skip
        return len(records)


def _iso(value: Any) -> str:
    moment = datetime.fromtimestamp(_epoch_seconds(value), UTC)
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


def start_stream_pollers(
    sources: Iterable[StreamEventSource],
    invoker_of: Callable[[str], Invocable | None],
    streams: Any,
    *,
    sqs: Any | None = None,
    queue_urls: Mapping[str, str] | None = None,
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
) -> list[StreamPoller]:
    """Start a poller per enabled event source; `invoker_of(function_id)` gives the function."""
    pollers = []
    for source in sources:
        if not source.enabled:
            log.info("%s is disabled (Enabled: false)", source.name)
            continue
        invoker = invoker_of(source.function_id)
        if invoker is None:
            log.error("%s: the function is not loaded; its stream is not read", source.name)
            continue
        poller = StreamPoller(
            source, invoker, streams, sqs=sqs, queue_urls=queue_urls, poll_interval_s=poll_interval_s
        )
        poller.start()
        pollers.append(poller)
    return pollers

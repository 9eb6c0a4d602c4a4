"""DynamoDB stream event sources: what Lambda's event source mapping does for each `DynamoDB` event.

For every function with a `DynamoDB` event in template.yaml, a poller reads the table's stream
from moto (DescribeStream, GetShardIterator at the event's StartingPosition, GetRecords), keeps
the records the event's FilterCriteria let through, gathers them into batches (BatchSize,
MaximumBatchingWindowInSeconds), builds the event Lambda builds, invokes the function in-process
(as local/pollers/sqs.py does for SQS), and then moves on as Lambda does for a stream:

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

import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.functions import Invocable, new_lambda_request_id
from local.pollers.stream_events import (
    StreamEventSource,
    build_stream_event,
    done_before,
    epoch_seconds,
    invocation_record,
    sequence_number,
)
from local.pollers.stream_filters import passes_filters

log = logging.getLogger("local.pollers.streams")

GET_RECORDS_LIMIT = 1000  # DynamoDB Streams' most per GetRecords
# Lambda polls a shard four times a second; locally twice is plenty.
DEFAULT_POLL_INTERVAL_S = 0.5
DEFAULT_RETRY_DELAY_S = 1.0


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
            if created is None or epoch_seconds(created) >= oldest_allowed:
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

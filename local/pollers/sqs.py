"""SQS event sources: what Lambda's event source mapping does for each `SQS` event of template.yaml.

For every function with an `SQS` event, a poller long-polls the queue (`ReceiveMessage` with
all attributes), builds the SQS Lambda event Lambda would build, invokes the function in-process
(as the gateway does), and then settles the batch as Lambda does:

- the function raised (or timed out) -> nothing is deleted; every message comes back after its
  visibility timeout, and after `maxReceiveCount` receives SQS moves it to the DLQ;
- with `FunctionResponseTypes: [ReportBatchItemFailures]` and a `batchItemFailures` answer ->
  every other message is deleted (an answer naming an unknown or empty id fails the whole batch);
- otherwise -> every message is deleted.

Up to `ScalingConfig.MaximumConcurrency` batches run at once, each in its own instance of the
function (its own copy of the module, as Lambda's execution environments are separate).
A function may change the visibility of its failed messages (backoff): nothing here resets it.
Logs name the function, counts and message ids; never a body.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from local.functions import Invocable, new_lambda_request_id
from local.template.specs import FunctionSpec

log = logging.getLogger("local.pollers.sqs")

# Lambda's defaults for an SQS event source.
DEFAULT_BATCH_SIZE = 10
# Lambda scales an SQS event source without ScalingConfig far beyond this; locally, two.
DEFAULT_CONCURRENCY = 2
# Local long polls are short so that Ctrl-C is prompt; a message still ends a poll at once.
DEFAULT_WAIT_SECONDS = 2
RECEIVE_MAX = 10  # SQS's limit per ReceiveMessage

# The system attributes a record carries, in the order Lambda writes them.
_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount", "AWSTraceHeader", "SentTimestamp", "SequenceNumber", "MessageGroupId",
    "SenderId", "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp", "DeadLetterQueueSourceArn",
)  # fmt: skip


@dataclass(frozen=True)
class SqsEventSource:
    """One `Type: SQS` event of a function, as SAM turns it into an event source mapping."""

    function_id: str
    event_name: str
    queue_arn: str
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_s: int = 0
    report_batch_item_failures: bool = False
    maximum_concurrency: int = DEFAULT_CONCURRENCY
    enabled: bool = True

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]

    @property
    def region(self) -> str:
        return self.queue_arn.split(":")[3]

    @classmethod
    def from_event(cls, function_id: str, event_name: str, props: Mapping[str, Any]) -> SqsEventSource:
        queue_arn = props.get("Queue")
        if not isinstance(queue_arn, str) or not queue_arn.startswith("arn:"):
            raise ValueError(
                f"{function_id}.{event_name}: Queue must resolve to a queue ARN, got {queue_arn!r}"
            )
        for key in ("FilterCriteria", "MetricsConfig", "KmsKeyArn"):
            if key in props:
                log.warning("%s.%s: %s is not applied by the local poller", function_id, event_name, key)
        scaling = props.get("ScalingConfig") or {}
        return cls(
            function_id=function_id,
            event_name=event_name,
            queue_arn=queue_arn,
            batch_size=int(props.get("BatchSize", DEFAULT_BATCH_SIZE)),
            batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
            report_batch_item_failures="ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
            maximum_concurrency=int(scaling.get("MaximumConcurrency", DEFAULT_CONCURRENCY)),
            enabled=str(props.get("Enabled", True)).lower() != "false",
        )


def sqs_event_sources(specs: Iterable[FunctionSpec]) -> list[SqsEventSource]:
    return [
        SqsEventSource.from_event(spec.logical_id, name, props)
        for spec in specs
        for name, props in spec.events_of_type("SQS").items()
    ]


# ---------------------------------------------------------------------------------- the event


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the SQS event, from one message of a ReceiveMessage answer."""
    received = message.get("Attributes") or {}
    attributes = {name: str(received[name]) for name in _RECORD_ATTRIBUTES if name in received}
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        binary = value.get("BinaryValue")
        attribute: dict[str, Any] = {}
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if binary is not None:
            attribute["binaryValue"] = (
                base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary
            )
        attribute["stringListValues"] = list(value.get("StringListValues") or [])
        attribute["binaryListValues"] = [
            base64.b64encode(b).decode() if isinstance(b, bytes) else b
            for b in value.get("BinaryListValues") or []
        ]
        attribute["dataType"] = value["DataType"]
        message_attributes[name] = attribute
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
    }
    if message_attributes and "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(
        {
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
    )
    return record


def build_sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source hands a function: `{"Records": [...]}`."""
    return {"Records": [sqs_record(m, queue_arn, region) for m in messages]}


@dataclass(frozen=True)
class Settlement:
    delete: frozenset[str]  # message ids done
    failed: frozenset[str]  # message ids that go back to the queue
    note: str = ""


def settle(result: Any, message_ids: Sequence[str], report_batch_item_failures: bool) -> Settlement:
    """Which messages Lambda deletes after the function returned `result` (it did not raise)."""
    everything = frozenset(message_ids)
    if not report_batch_item_failures:
        return Settlement(everything, frozenset())
    if result is None or (isinstance(result, Mapping) and not result):
        return Settlement(everything, frozenset())
    if not isinstance(result, Mapping):
        return Settlement(frozenset(), everything, "response is not an object: whole batch failed")
    failures = result.get("batchItemFailures")
    if failures is None:
        return Settlement(everything, frozenset())
    if not isinstance(failures, list):
        return Settlement(frozenset(), everything, "batchItemFailures is not a list: whole batch failed")
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in everything:
            return Settlement(
                frozenset(), everything, "an itemIdentifier is missing or unknown: whole batch failed"
            )
        failed.add(identifier)
    return Settlement(everything - failed, frozenset(failed))


# ---------------------------------------------------------------------------------- the poller


class SqsPoller:
    """Feeds one function from one queue, like one event source mapping."""

    def __init__(
        self,
        source: SqsEventSource,
        invokers: Sequence[Invocable],
        sqs: Any,
        *,
        queue_url: str | None = None,
        wait_seconds: int = DEFAULT_WAIT_SECONDS,
        on_batch: Callable[[int, Settlement | None], None] | None = None,
    ) -> None:
        if not invokers:
            raise ValueError("a poller needs at least one function instance")
        self.source = source
        self.sqs = sqs
        self.queue_url = queue_url or sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"]
        self.wait_seconds = wait_seconds
        self.on_batch = on_batch
        self._idle: queue.Queue[Invocable] = queue.Queue()
        for invoker in invokers:
            self._idle.put(invoker)
        self.concurrency = len(invokers)
        self._stop = threading.Event()
        self._receiver: threading.Thread | None = None
        self._workers: set[threading.Thread] = set()
        self._workers_lock = threading.Lock()
        self.batches = 0

    @property
    def name(self) -> str:
        return f"{self.source.function_id}.{self.source.event_name}"

    def start(self) -> None:
        self._receiver = threading.Thread(target=self._run, name=f"sqs-poller-{self.name}", daemon=True)
        self._receiver.start()
        log.info(
            "polling %s for %s (batch %d, concurrency %d%s)",
            self.source.queue_name, self.source.function_id, self.source.batch_size, self.concurrency,
            ", partial batch failures" if self.source.report_batch_item_failures else "",
        )  # fmt: skip

    def stop(self, timeout: float = 15.0) -> None:
        """Stop receiving; wait (up to `timeout`) for the batches being processed."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        if self._receiver is not None:
            self._receiver.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._workers_lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(w.is_alive() for w in workers):
            log.warning("%s: a batch was still running at shutdown", self.name)

    # ------------------------------------------------------------------ receiving

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                invoker = self._idle.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                messages = self._receive()
            except Exception as error:  # moto going away at shutdown, or a transient error
                self._idle.put(invoker)
                if not self._stop.is_set():
                    log.warning("%s: ReceiveMessage failed (%s); retrying", self.name, type(error).__name__)
                    self._stop.wait(1.0)
                continue
            if not messages:
                self._idle.put(invoker)
                continue
            worker = threading.Thread(
                target=self._work, args=(invoker, messages), name=f"sqs-batch-{self.name}", daemon=True
            )
            with self._workers_lock:
                self._workers = {w for w in self._workers if w.is_alive()}
                self._workers.add(worker)
            worker.start()

    def _receive(self) -> list[dict[str, Any]]:
        wanted = max(1, self.source.batch_size)
        window_ends = time.monotonic() + self.source.batching_window_s
        messages: list[dict[str, Any]] = []
        while len(messages) < wanted and not self._stop.is_set():
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(RECEIVE_MAX, wanted - len(messages)),
                WaitTimeSeconds=self.wait_seconds if not messages else 0,
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(got)
            # A batching window keeps gathering (BatchSize above 10 needs one); without one, the
            # first non-empty receive is the batch, as with Lambda's default.
            if not messages or time.monotonic() >= window_ends:
                break
            if not got:
                self._stop.wait(0.2)
        return messages

    # ------------------------------------------------------------------ one batch

    def _work(self, invoker: Invocable, messages: list[dict[str, Any]]) -> None:
        try:
            self._process(invoker, messages)
        except Exception:  # a bug here must not kill the worker silently
            log.exception("%s: error settling a batch", self.name)
        finally:
            self._idle.put(invoker)

    def _process(self, invoker: Invocable, messages: list[dict[str, Any]]) -> Settlement | None:
        source = self.source
        ids = [m["MessageId"] for m in messages]
        event = build_sqs_event(messages, source.queue_arn, source.region)
        request_id = new_lambda_request_id()
        self.batches += 1
        try:
            result = invoker.invoke(event, request_id)
        except Exception:
            log.error(
                "%s failed on a batch of %d (request %s, messages %s): none deleted, they come back "
                "after their visibility timeout\n%s",
                source.function_id, len(ids), request_id, ", ".join(ids), traceback.format_exc(),
            )  # fmt: skip
            if self.on_batch:
                self.on_batch(len(ids), None)
            return None
        settlement = settle(result, ids, source.report_batch_item_failures)
        handles = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
        self._delete([handles[i] for i in ids if i in settlement.delete])
        log.info(
            "%s: batch of %d (request %s): %d done, %d failed%s%s",
            source.function_id, len(ids), request_id, len(settlement.delete), len(settlement.failed),
            f" ({', '.join(i for i in ids if i in settlement.failed)})" if settlement.failed else "",
            f"; {settlement.note}" if settlement.note else "",
        )  # fmt: skip
        if self.on_batch:
            self.on_batch(len(ids), settlement)
        return settlement

    def _delete(self, receipt_handles: list[str]) -> None:
        for start in range(0, len(receipt_handles), RECEIVE_MAX):
            chunk = receipt_handles[start : start + RECEIVE_MAX]
            answer = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": handle} for n, handle in enumerate(chunk)],
            )
            for failure in answer.get("Failed", []):
                log.warning("%s: a message could not be deleted (%s)", self.name, failure.get("Code"))


def start_pollers(
    sources: Iterable[SqsEventSource],
    instances: Callable[[str, int], Sequence[Invocable]],
    sqs: Any,
    *,
    queue_urls: Mapping[str, str] | None = None,
    concurrency_override: int | None = None,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
) -> list[SqsPoller]:
    """Start a poller per enabled event source; `instances(function_id, n)` gives n invokers."""
    pollers = []
    for source in sources:
        if not source.enabled:
            log.info("%s.%s is disabled (Enabled: false)", source.function_id, source.event_name)
            continue
        concurrency = max(1, concurrency_override or source.maximum_concurrency)
        invokers = instances(source.function_id, concurrency)
        if not invokers:
            log.error(
                "%s.%s: the function is not loaded; its queue is not polled",
                source.function_id,
                source.event_name,
            )
            continue
        poller = SqsPoller(
            source,
            invokers,
            sqs,
            queue_url=(queue_urls or {}).get(source.queue_arn),
            wait_seconds=wait_seconds,
        )
        poller.start()
        pollers.append(poller)
    return pollers

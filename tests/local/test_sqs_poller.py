"""The SQS poller does what Lambda's SQS event source mapping does, on a real moto server:
the event's shape, batch settlement (partial failures, exceptions), the DLQ, concurrency, and
the function's own visibility changes."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.functions import LocalFunction
from local.pollers.sqs import SqsEventSource, SqsPoller, build_sqs_event, settle, sqs_event_sources
from local.template.specs import FunctionSpec, Physical
from local.template.template import Template
from tests.local.conftest import Moto

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-3"
_names = itertools.count(1)


@pytest.fixture
def sqs(moto: Moto) -> Any:
    return moto("sqs")


def make_queue(
    sqs: Any, *, fifo: bool = False, visibility: int = 30, max_receives: int | None = None
) -> tuple[str, str, str | None]:
    """A fresh queue (and DLQ if max_receives): (url, arn, dlq url)."""
    n = next(_names)
    suffix = ".fifo" if fifo else ""
    fifo_attrs = {"FifoQueue": "true"} if fifo else {}
    attributes = {"VisibilityTimeout": str(visibility), **fifo_attrs}
    dlq_url = None
    if max_receives is not None:
        dlq_url = sqs.create_queue(QueueName=f"dlq-{n}{suffix}", Attributes=fifo_attrs)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
        )
    url = sqs.create_queue(QueueName=f"queue-{n}{suffix}", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq_url


def counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


# A fake consumer, loaded by path as the stack loads functions. Each message body says what to do:
# "ok", "fail" (reported in batchItemFailures), "raise" (the whole invocation raises),
# "retry-now" (fail and set its own visibility to 0, as a backoff would), "slow" (sleep 0.5 s).
HANDLER = """
import json, os, threading, time
import boto3

EVENTS = []
SPANS = []
SQS = boto3.client("sqs", endpoint_url=os.environ["MOTO_URL"], region_name="ap-southeast-3",
                   aws_access_key_id="testing", aws_secret_access_key="testing")

def lambda_handler(event, context):
    started = time.monotonic()
    EVENTS.append(event)
    failures = []
    for record in event["Records"]:
        action = record["body"]
        if action == "raise":
            raise RuntimeError("the whole batch fails")
        if action == "slow":
            time.sleep(0.5)
        if action in ("fail", "retry-now"):
            failures.append({"itemIdentifier": record["messageId"]})
        if action == "retry-now":
            url = SQS.get_queue_url(QueueName=record["eventSourceARN"].rsplit(":", 1)[1])["QueueUrl"]
            SQS.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
    SPANS.append((started, time.monotonic()))
    return os.environ.get("ANSWER_OVERRIDE") and json.loads(os.environ["ANSWER_OVERRIDE"]) or {"batchItemFailures": failures}
"""


def fake_function(tmp_path: Path, moto_url: str, name: str = "Consumer", **env: str) -> FunctionSpec:
    directory = tmp_path / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(HANDLER, encoding="utf-8")
    return FunctionSpec(
        logical_id=name,
        function_name=f"sutasoma-local-{name}",
        code_uri=directory,
        handler="app.lambda_handler",
        timeout_s=30,
        memory_mb=256,
        environment={"MOTO_URL": moto_url, **env},
        layer_dirs=(),
        log_group_name=f"/aws/lambda/{name}",
        routes=(),
        other_events={"Queue": "SQS"},
    )


def instances(spec: FunctionSpec, count: int) -> list[LocalFunction]:
    loaded = []
    for n in range(count):
        function = LocalFunction(spec, instance=n)
        function.load()
        assert function.load_error is None, function.load_error
        loaded.append(function)
    return loaded


def events_of(functions: list[LocalFunction]) -> list[dict[str, Any]]:
    return [event for f in functions for event in f.module.EVENTS]  # type: ignore[union-attr]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def run_poller() -> Iterator[Callable[..., SqsPoller]]:
    started: list[SqsPoller] = []

    def run(source: SqsEventSource, functions: list[LocalFunction], sqs: Any) -> SqsPoller:
        poller = SqsPoller(source, functions, sqs, wait_seconds=1)
        poller.start()
        started.append(poller)
        return poller

    yield run
    for poller in started:
        poller.stop()


def source_for(arn: str, **kwargs: Any) -> SqsEventSource:
    return SqsEventSource(function_id="Consumer", event_name="Queue", queue_arn=arn, **kwargs)


# ---------------------------------------------------------------------------------- the event


def test_the_event_is_the_sqs_event_lambda_builds_and_a_good_batch_is_deleted(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, _ = make_queue(sqs, fifo=True)
    sqs.send_message(
        QueueUrl=url,
        MessageBody="ok",
        MessageGroupId="farmer-1",
        MessageDeduplicationId="op-1",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "registration"}},
    )
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=True), functions, sqs)
    wait_for(lambda: len(events_of(functions)) == 1 and counts(sqs, url) == (0, 0))

    (record,) = events_of(functions)[0]["Records"]
    assert list(record) == [
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfMessageAttributes",
        "md5OfBody", "eventSource", "eventSourceARN", "awsRegion",
    ]  # fmt: skip
    assert record["body"] == "ok"
    assert record["md5OfBody"] == hashlib.md5(b"ok").hexdigest()  # noqa: S324 - SQS's checksum
    assert (
        record["eventSource"] == "aws:sqs"
        and record["eventSourceARN"] == arn
        and record["awsRegion"] == REGION
    )
    attributes = record["attributes"]
    assert set(attributes) == {
        "ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
        "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp",
    }  # fmt: skip
    assert attributes["ApproximateReceiveCount"] == "1"
    assert (attributes["MessageGroupId"], attributes["MessageDeduplicationId"]) == ("farmer-1", "op-1")
    assert all(isinstance(v, str) for v in attributes.values())
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "registration",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }


def test_build_sqs_event_without_message_attributes_and_with_binary_ones() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "SenderId": "AIDA"},
    }
    (record,) = build_sqs_event([message], "arn:aws:sqs:ap-southeast-3:123456789012:q", REGION)["Records"]
    assert record["messageAttributes"] == {} and "md5OfMessageAttributes" not in record
    binary = {**message, "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}}
    (record,) = build_sqs_event([binary], "arn:aws:sqs:ap-southeast-3:123456789012:q", REGION)["Records"]
    assert record["messageAttributes"]["b"]["binaryValue"] == "AAE="


# ---------------------------------------------------------------------------------- settlement


IDS = ("a", "b", "c")


@pytest.mark.parametrize(
    ("result", "report", "deleted"),
    [
        (None, True, IDS),
        ({}, True, IDS),
        ({"batchItemFailures": []}, True, IDS),
        ({"batchItemFailures": None}, True, IDS),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, True, ("a", "c")),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, False, IDS),  # not reported: ignored
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, ()),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, True, ()),
        ({"batchItemFailures": [{"itemIdentifer": "b"}]}, True, ()),  # misspelt key
        ({"batchItemFailures": [{"itemIdentifier": "z"}]}, True, ()),  # not in the batch
        ("not an object", True, ()),
    ],
)
def test_settlement_follows_lambdas_rules(result: Any, report: bool, deleted: tuple[str, ...]) -> None:
    settlement = settle(result, IDS, report)
    assert settlement.delete == frozenset(deleted)
    assert settlement.failed == frozenset(IDS) - frozenset(deleted)


def test_a_partial_failure_deletes_only_the_others(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, _ = make_queue(sqs, visibility=30)
    for body in ("ok", "fail", "ok"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=True), functions, sqs)
    wait_for(lambda: counts(sqs, url) == (0, 1))  # two deleted; the failed one waits out its visibility
    assert len(events_of(functions)) == 1
    assert [r["body"] for r in events_of(functions)[0]["Records"]] == ["ok", "fail", "ok"]


def test_an_exception_deletes_nothing(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, _ = make_queue(sqs, visibility=30)
    for body in ("ok", "raise", "ok"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=True), functions, sqs)
    wait_for(lambda: len(events_of(functions)) == 1)
    time.sleep(0.3)
    assert counts(sqs, url) == (0, 3)  # all in flight, none deleted: back after the visibility timeout


def test_without_report_batch_item_failures_a_failure_answer_is_ignored(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, _ = make_queue(sqs)
    for body in ("ok", "fail"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=False), functions, sqs)
    wait_for(lambda: counts(sqs, url) == (0, 0))


def test_after_max_receive_count_the_message_is_in_the_dlq(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, dlq_url = make_queue(sqs, fifo=True, visibility=1, max_receives=2)
    assert dlq_url is not None
    sqs.send_message(
        QueueUrl=url, MessageBody="raise", MessageGroupId="farmer-9", MessageDeduplicationId="op-9"
    )
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=True), functions, sqs)
    wait_for(lambda: counts(sqs, dlq_url)[0] == 1, timeout=15)
    assert counts(sqs, url) == (0, 0)
    receive_counts = [e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in events_of(functions)]
    assert receive_counts == ["1", "2"]  # delivered maxReceiveCount times, then moved
    (dead,) = sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"])["Messages"]
    assert dead["Body"] == "raise" and dead["Attributes"]["MessageGroupId"] == "farmer-9"


def test_the_functions_own_visibility_change_is_respected(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    """A function that sets a failed message's visibility (a backoff; here 0) decides when it comes
    back, not the queue's 30 s: the poller does not reset it."""
    url, arn, _ = make_queue(sqs, fifo=True, visibility=30)
    sqs.send_message(QueueUrl=url, MessageBody="retry-now", MessageGroupId="g", MessageDeduplicationId="d")
    functions = instances(fake_function(tmp_path, moto.url), 1)
    run_poller(source_for(arn, report_batch_item_failures=True), functions, sqs)
    wait_for(lambda: len(events_of(functions)) >= 3, timeout=10)
    receive_counts = [
        e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in events_of(functions)[:3]
    ]
    assert receive_counts == ["1", "2", "3"]


def test_up_to_maximum_concurrency_batches_run_at_once_in_separate_instances(
    sqs: Any, moto: Moto, tmp_path: Path, run_poller: Callable[..., SqsPoller]
) -> None:
    url, arn, _ = make_queue(sqs)
    for _ in range(4):
        sqs.send_message(QueueUrl=url, MessageBody="slow")
    functions = instances(fake_function(tmp_path, moto.url), 2)
    assert functions[0].module is not functions[1].module
    poller = run_poller(source_for(arn, batch_size=1, maximum_concurrency=2), functions, sqs)
    wait_for(lambda: counts(sqs, url) == (0, 0), timeout=15)
    assert poller.concurrency == 2
    spans = sorted(span for f in functions for span in f.module.SPANS)  # type: ignore[union-attr]
    assert len(spans) == 4
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))  # overlapped
    assert all(len(f.module.SPANS) >= 1 for f in functions)  # type: ignore[union-attr]


def test_a_long_poll_waits_without_blocking_senders_and_wakes_on_a_message(sqs: Any) -> None:
    """moto's long poll, as the stack patches it: a sender is not held up by a waiting receive,
    and the receive returns as soon as the message is there."""
    import threading

    url, _, _ = make_queue(sqs)
    got: list[float] = []

    def receive() -> None:
        started = time.monotonic()
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
        got.append(time.monotonic() - started)

    waiter = threading.Thread(target=receive)
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert time.monotonic() - started < 0.5
    waiter.join(timeout=5)
    assert got and got[0] < 1.5


# ---------------------------------------------------------------------------------- from the template


def test_the_templates_sqs_event_becomes_an_event_source() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    refs = {
        lid: Physical(
            ref=f"ref-{lid}",
            attrs={
                "Arn": f"arn:aws:sqs:ap-southeast-3:123456789012:{lid}",
                "StreamArn": f"arn-{lid}/stream/1",
            },
        )
        for lid in template.resources()
    }
    sources = sqs_event_sources(template.functions(refs))
    assert sorted((s.function_id, s.event_name) for s in sources) == [
        ("BpjsSyncFunction", "Outbound"), ("ImportChunkFunction", "Chunks"), ("ImportChunkFunction", "Failed"),
        ("ReconcileFunction", "Segments"),
    ]  # fmt: skip
    source = next(s for s in sources if s.function_id == "BpjsSyncFunction")
    chunks = next(s for s in sources if s.event_name == "Chunks")
    assert chunks.batch_size == 1 and chunks.report_batch_item_failures
    assert chunks.maximum_concurrency == template.parameters["ImportMaxConcurrency"]
    assert chunks.queue_arn.endswith(":ImportChunkQueue")
    assert source.queue_arn.endswith(":BpjsOutboundQueue")
    assert source.batch_size == 10 and source.report_batch_item_failures
    assert source.maximum_concurrency == template.parameters["BpjsMaxConcurrency"]

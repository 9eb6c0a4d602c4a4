"""The road to BPJS on moto with the BPJS simulator: outbox -> FIFO queue -> bpjs_sync ->
simulator, and back through signed callbacks. Time is fast-forwarded: a failed message's
backoff is cut to zero instead of waited for."""

from __future__ import annotations

import json
import queue
from typing import Any

import pytest

from sutasoma.adapters.queue import OutboundQueue
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.runtime import wiring
from tests.support.events import http_event
from tests.support.road import MAX_RECEIVES, Road
from tests.support.stack import MotoStack

pytestmark = pytest.mark.usefixtures("calm_bpjs")


def test_registered_farmer_becomes_confirmed_with_a_kpj_number(road: Road) -> None:
    farmer = road.new_farmer(8001)
    assert road.pump() == (1, 0)
    confirmed = road.farmer(farmer["farmer_id"])
    assert confirmed["registration_status"] == "CONFIRMED"
    assert len(confirmed["kpj_number"]) == 11 and confirmed["kpj_number"].isdigit()
    assert len(road.bpjs.answered("POST /bpu/v1/participants")) == 1


def test_unknown_nik_is_rejected_with_the_reason(road: Road) -> None:
    farmer = road.new_farmer(9999)  # the simulator's rule: serial 9999 is unknown to Dukcapil
    road.pump()
    rejected = road.farmer(farmer["farmer_id"])
    assert rejected["registration_status"] == "REJECTED" and rejected["kpj_number"] is None


def test_outage_loses_nothing_and_delivers_in_order_once_bpjs_is_back(road: Road) -> None:
    road.bpjs.configure(outage=True)
    farmers = [road.new_farmer(8100 + i) for i in range(3)]
    road.patch(farmers[0]["farmer_id"], phone="085211110000")
    road.patch(farmers[0]["farmer_id"], address="Jalan Baru 2")

    done, failed = road.pump(rounds=4)
    assert done == 0 and failed > 0
    assert {road.farmer(f["farmer_id"])["registration_status"] for f in farmers} == {"PENDING"}
    assert road.depth(road.queue_url) == 5 and road.depth(road.dlq_url) == 0

    road.bpjs.configure(outage=False)
    assert road.pump()[0] == 5
    assert {road.farmer(f["farmer_id"])["registration_status"] for f in farmers} == {"CONFIRMED"}
    assert road.depth(road.queue_url) == 0
    # Farmer 0's registration reached BPJS before its two updates, each exactly once.
    ops = _op_ids(road, farmers[0]["farmer_id"])
    log = road.bpjs.sim.request_log()["requests"]
    routes = [r["route"] for r in log if r["status"] < 300 and r["request_id"] in ops]
    assert routes == [
        "POST /bpu/v1/participants",
        "PUT /bpu/v1/participants/{kpj_number}",
        "PUT /bpu/v1/participants/{kpj_number}",
    ]


def _op_ids(road: Road, farmer_id: str) -> set[str]:
    items = road.stack.clients("dynamodb").query(
        TableName=road.stack.ref("DomainTable"),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :outbox)",
        ExpressionAttributeValues={":pk": {"S": f"FARMER#{farmer_id}"}, ":outbox": {"S": "OUTBOX#"}},
    )["Items"]
    return {i["op_id"]["S"] for i in items}


def test_message_that_always_fails_ends_in_the_dlq_and_redrive_delivers_it(road: Road) -> None:
    road.bpjs.configure(outage=True)
    farmer = road.new_farmer(8201)
    road.pump(rounds=MAX_RECEIVES + 2)
    assert road.depth(road.queue_url) == 0 and road.depth(road.dlq_url) == 1
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "PENDING"
    # The DLQ alarm watches this very queue, and one message is over its threshold (moto keeps
    # alarms but does not evaluate them: the comparison is the alarm's own, done here).
    stack = road.stack
    (alarm,) = stack.clients("cloudwatch").describe_alarms(AlarmNames=[stack.ref("BpjsDlqNotEmptyAlarm")])[
        "MetricAlarms"
    ]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": stack.created.physical["BpjsOutboundDlq"].attrs["QueueName"]}
    ]
    assert road.dlq_url.endswith("/" + alarm["Dimensions"][0]["Value"])
    assert (
        alarm["ComparisonOperator"] == "GreaterThanThreshold"
        and road.depth(road.dlq_url) > alarm["Threshold"]
    )

    road.bpjs.configure(outage=False)
    assert road.redrive.raw({"max_messages": 100}) == {"moved": 1}
    assert road.depth(road.dlq_url) == 0
    assert road.pump() == (1, 0)
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "CONFIRMED"


class DeadQueue(OutboundQueue):
    def send(self, entry: OutboxEntry) -> None:
        raise ConnectionError("the function died here")


def test_crash_between_write_and_enqueue_is_recovered_by_the_sweeper(road: Road) -> None:
    road.register(http_event("GET", "/health"))
    wiring.register_farmer(road.register.settings()).writer.dispatcher.queue = DeadQueue("unused")
    try:
        farmer = road.new_farmer(8301)
    finally:
        wiring.reset()  # the next invocation builds a healthy service again
    assert road.depth(road.queue_url) == 0  # written, never enqueued

    assert road.sweeper.raw({}) == {"sent": 1, "failed": 0}
    assert road.sweeper.raw({}) == {"sent": 0, "failed": 0}  # sent entries leave the sweep list
    assert road.pump() == (1, 0)
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "CONFIRMED"


def test_a_message_delivered_twice_reaches_bpjs_once(road: Road) -> None:
    farmer = road.new_farmer(8401)
    sqs = road.stack.clients("sqs")
    message = sqs.receive_message(QueueUrl=road.queue_url, VisibilityTimeout=0)["Messages"][0]
    sqs.send_message(  # the same operation again, as a redrive or a sweeper race would
        QueueUrl=road.queue_url,
        MessageBody=message["Body"],
        MessageGroupId=farmer["farmer_id"],
        MessageDeduplicationId="again-" + json.loads(message["Body"])["op_id"],
    )
    assert road.pump() == (2, 0)
    assert len(road.bpjs.answered("POST /bpu/v1/participants")) == 1
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "CONFIRMED"


def test_async_decision_arrives_by_signed_callback_and_is_applied_once(road: Road) -> None:
    # The simulator calls back from its own thread; the handlers here share one process, so
    # the callback is handed to this thread to run, and its real status goes back to BPJS.
    inbox: queue.Queue[tuple[bytes, dict[str, str], queue.Queue[int]]] = queue.Queue()

    def deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
        reply: queue.Queue[int] = queue.Queue()
        inbox.put((body, headers, reply))
        return reply.get(timeout=30)

    road.bpjs.sim.deliver = deliver
    road.bpjs.configure(
        async_registration=True, callback_url="http://127.0.0.1:1/bpjs/callbacks", callback_delay_ms=0
    )
    farmer = road.new_farmer(8501)
    assert road.pump() == (1, 0)
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "PENDING"
    body, headers, reply = inbox.get(timeout=10)
    result = road.callback(http_event("POST", "/bpjs/callbacks", raw_body=body.decode(), headers=headers))
    reply.put(result.status)
    assert (result.status, result.body["status"]) == (200, "APPLIED")
    confirmed = road.farmer(farmer["farmer_id"])
    assert confirmed["registration_status"] == "CONFIRMED" and len(confirmed["kpj_number"]) == 11

    # BPJS sends the same event again: applied once, nothing changes.
    event_id = json.loads(body)["event_id"]
    assert road.bpjs.sim.resend_callback(event_id)
    body, headers, reply = inbox.get(timeout=10)
    replay = road.callback(http_event("POST", "/bpjs/callbacks", raw_body=body.decode(), headers=headers))
    reply.put(replay.status)
    assert (replay.status, replay.body["status"]) == (200, "DUPLICATE")
    assert road.farmer(farmer["farmer_id"]) == confirmed


def test_callbacks_applied_once_and_bad_signatures_change_nothing(road: Road) -> None:
    road.bpjs.configure(async_registration=True)  # no callback URL: we play BPJS here
    farmer = road.new_farmer(8601)
    road.pump()
    before = road.farmer(farmer["farmer_id"])
    assert before["registration_status"] == "PENDING"
    event = {
        "event_id": "evt-8601-1",
        "type": "PARTICIPANT_CONFIRMED",
        "data": {"farmer_id": farmer["farmer_id"], "kpj_number": "26000008601"},
    }
    for bad in (road.send_callback(event, secret="not-the-secret"), road.send_callback(event, age=301)):
        assert bad.status == 401 and bad.body["code"] == "UNAUTHORIZED"
    unsigned = road.callback(http_event("POST", "/bpjs/callbacks", body=event))
    assert unsigned.status == 401
    assert road.farmer(farmer["farmer_id"]) == before

    first = road.send_callback(event)
    assert (first.status, first.body["status"]) == (200, "APPLIED")
    after = road.farmer(farmer["farmer_id"])
    assert (after["registration_status"], after["kpj_number"]) == ("CONFIRMED", "26000008601")
    again = road.send_callback(event)
    assert (again.status, again.body["status"]) == (200, "DUPLICATE")
    assert road.farmer(farmer["farmer_id"]) == after


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"event_id": "e", "type": "SOMETHING", "data": {}}, 422, "VALIDATION_ERROR"),
        (
            {"event_id": "e", "type": "PARTICIPANT_CONFIRMED", "data": {"farmer_id": "x"}},
            422,
            "VALIDATION_ERROR",
        ),
        (
            {
                "event_id": "e",
                "type": "PARTICIPANT_CONFIRMED",
                "data": {"farmer_id": "01M8K3XSY4RZ411Z5Y5R2137YY", "kpj_number": "26000000001"},
            },
            404,
            "NOT_FOUND",
        ),
        (
            {"event_id": "e", "type": "CLAIM_PAID", "data": {"claim_id": "01M8K3XSY4RZ411Z5Y5R2137YY"}},
            404,
            "NOT_FOUND",
        ),
        ([1, 2], 422, "VALIDATION_ERROR"),
    ],
)
def test_signed_but_invalid_callbacks(road: Road, body: Any, status: int, code: str) -> None:
    result = road.send_callback(body)
    assert (result.status, result.body["code"]) == (status, code), result.body


class Countdown:
    """A Lambda context whose remaining time is read from a list, one value per question."""

    function_name = "bpjs_sync"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:bpjs_sync"
    aws_request_id = "00000000-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/bpjs_sync"
    log_stream_name = "test"

    def __init__(self, *remaining_ms: int) -> None:
        self.remaining = list(remaining_ms)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def test_a_message_is_not_started_without_the_time_to_finish_it(road: Road) -> None:
    from local.pollers.sqs import build_sqs_event
    from sutasoma.app.bpjs_batch import MESSAGE_BUDGET_MS

    farmers = [road.new_farmer(8901 + i)["farmer_id"] for i in range(3)]
    sqs = road.stack.clients("sqs")
    messages = sqs.receive_message(
        QueueUrl=road.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=900
    )["Messages"]
    assert len(messages) == 3
    arn = sqs.get_queue_attributes(QueueUrl=road.queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # Time for two messages; the third would risk the invocation's timeout (and the whole batch).
    context = Countdown(3 * MESSAGE_BUDGET_MS, MESSAGE_BUDGET_MS + 1, MESSAGE_BUDGET_MS - 1)
    result = road.sync.raw(build_sqs_event(messages, arn, "ap-southeast-3"), context)

    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [messages[2]["MessageId"]]
    assert len(road.bpjs.answered("POST /bpu/v1/participants")) == 2  # the third never reached BPJS
    for message in messages[:2]:
        sqs.delete_message(QueueUrl=road.queue_url, ReceiptHandle=message["ReceiptHandle"])
    # Untried, it is back at once (no backoff: it did not fail at BPJS), and goes through next time.
    again = sqs.receive_message(QueueUrl=road.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    assert [m["MessageId"] for m in again["Messages"]] == [messages[2]["MessageId"]]
    sqs.change_message_visibility(
        QueueUrl=road.queue_url, ReceiptHandle=again["Messages"][0]["ReceiptHandle"], VisibilityTimeout=0
    )
    assert road.pump() == (1, 0)
    assert [road.farmer(f)["registration_status"] for f in farmers] == ["CONFIRMED"] * 3


def test_the_consumer_timeout_fits_a_whole_batch_and_the_queue_outlasts_it(moto_stack: MotoStack) -> None:
    from sutasoma.app.bpjs_batch import MESSAGE_BUDGET_MS

    resources = moto_stack.template.resources()
    function = resources["BpjsSyncFunction"]["Properties"]
    batch_size = function["Events"]["Outbound"]["Properties"]["BatchSize"]
    assert function["Timeout"] * 1000 >= batch_size * MESSAGE_BUDGET_MS
    # AWS's advice for an SQS event source: the visibility timeout at least 6 x the function's.
    assert resources["BpjsOutboundQueue"]["Properties"]["VisibilityTimeout"] >= 6 * function["Timeout"]

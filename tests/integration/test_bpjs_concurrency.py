"""The BPJS consumer on moto with the simulator: the farmers of a batch handled side by side, each
farmer's operations reaching BPJS in their order, also when batches split and interleave farmers,
and one farmer's failure holding back that farmer only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.bpjs.rules import error_answer
from local.pollers.sqs import build_sqs_event, settle
from local.template.cfn_yaml import load_yaml
from sutasoma.adapters.dynamo.unit_of_work import DynamoUnitOfWork
from sutasoma.domain.changes import ChangeSet
from tests.support.road import TEST_BPJS_RATE_LIMIT, Road

pytestmark = pytest.mark.usefixtures("calm_bpjs")


class Watch:
    """Wraps the simulator's `handle`: when each request was in flight, and chosen failures."""

    def __init__(self, road: Road) -> None:
        self.sim = road.bpjs.sim
        self.original = self.sim.handle
        self.lock = threading.Lock()
        self.spans: list[tuple[float, float, str]] = []  # (start, end, request id)
        self.failing: set[str] = set()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Any:
        request_id = {k.lower(): v for k, v in headers.items()}.get("x-request-id", "")
        started = time.monotonic()
        if request_id in self.failing:
            answer = (error_answer(503, "SERVICE_UNAVAILABLE"), "POST /bpu/v1/participants")
        else:
            answer = self.original(method, path, headers, body)
        with self.lock:
            self.spans.append((started, time.monotonic(), request_id))
        return answer

    def most_in_flight(self) -> int:
        edges = sorted([(s, 1) for s, _, _ in self.spans] + [(e, -1) for _, e, _ in self.spans])
        most = running = 0
        for _, step in edges:
            running += step
            most = max(most, running)
        return most


@pytest.fixture
def watch(road: Road) -> Iterator[Watch]:
    """The simulator watched; BPJS's limit far above what these tests send (the road's, not the
    template's default: 20 calls a second shared by 2 consumers would space one consumer's calls
    100 ms apart)."""
    assert int(road.stack.env_overrides["BPJS_RATE_LIMIT"]) >= 1000
    watching = Watch(road)
    road.bpjs.sim.handle = watching.handle  # type: ignore[method-assign]
    yield watching
    del road.bpjs.sim.handle  # the class's method again


def pump(road: Road, batch_size: int) -> list[list[str]]:
    """The event source with batches of `batch_size`: the message ids of each batch; failed
    messages visible again at once."""
    sqs = road.stack.clients("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=road.queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    batches = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=road.queue_url,
            MaxNumberOfMessages=batch_size,
            AttributeNames=["All"],
            VisibilityTimeout=180,
        ).get("Messages", [])
        if not messages:
            return batches
        batches.append([m["MessageGroupId"] if "MessageGroupId" in m else m["Attributes"]["MessageGroupId"]
                        for m in messages])  # fmt: skip
        result = road.sync.raw(build_sqs_event(messages, arn, "ap-southeast-3"))
        settlement = settle(result, [m["MessageId"] for m in messages], report_batch_item_failures=True)
        for message in messages:
            if message["MessageId"] in settlement.delete:
                sqs.delete_message(QueueUrl=road.queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(
                    QueueUrl=road.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )


def operations(road: Road, farmer_id: str) -> list[str]:
    """The farmer's outbox operation ids, oldest first (ULIDs sort by time)."""
    from sutasoma.adapters.dynamo import keys
    from sutasoma.adapters.dynamo.codec import to_dynamo

    pk, _ = keys.payments_of(farmer_id)
    items = road.stack.table().query_all(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=to_dynamo({":pk": pk}),
        ConsistentRead=True,
    )
    return sorted(str(item["op_id"]) for item in items if item.get("type") == "OUTBOX")


def reached_bpjs(road: Road, farmer_id: str) -> list[str]:
    """The farmer's operations BPJS applied, in the order it received them."""
    ours = set(operations(road, farmer_id))
    log = road.bpjs.sim.request_log()["requests"]
    return [
        r["request_id"] for r in log if r["request_id"] in ours and r["status"] < 300 and not r["replayed"]
    ]


def new_farmers_with_updates(road: Road, first_serial: int, count: int) -> list[str]:
    """`count` farmers, each with a registration and two participant updates queued (3 messages)."""
    farmers = [road.new_farmer(first_serial + n)["farmer_id"] for n in range(count)]
    for n, farmer_id in enumerate(farmers):
        road.patch(farmer_id, phone=f"0852111100{n:02d}")
        road.patch(farmer_id, address=f"Jalan Padi {n}")
    return farmers


@pytest.mark.parametrize("batch_size", [10, 4])
def test_each_farmers_operations_reach_bpjs_in_order_while_farmers_run_side_by_side(
    road: Road, watch: Watch, batch_size: int
) -> None:
    road.bpjs.configure(latency_ms=60)
    farmers = new_farmers_with_updates(road, 8600 + 20 * batch_size, 4)
    batches = pump(road, batch_size)
    # Batches mixed farmers (and, of 4, split a farmer's three operations between batches).
    assert any(len(set(groups)) > 1 for groups in batches)
    for farmer_id in farmers:
        assert reached_bpjs(road, farmer_id) == operations(road, farmer_id)  # registration, then updates
        assert road.farmer(farmer_id)["registration_status"] == "CONFIRMED"
    assert watch.most_in_flight() > 1  # different farmers' calls were at BPJS at the same time
    assert road.depth(road.queue_url) == 0


def test_a_failing_farmer_holds_back_only_their_own_later_operations(road: Road, watch: Watch) -> None:
    road.bpjs.configure(latency_ms=20)
    farmers = new_farmers_with_updates(road, 8501, 3)
    stuck = farmers[0]
    watch.failing = {operations(road, stuck)[0]}  # BPJS fails the first farmer's registration
    sqs = road.stack.clients("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=road.queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(
        QueueUrl=road.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=180
    )["Messages"]
    assert len(messages) == 9
    result = road.sync.raw(build_sqs_event(messages, arn, "ap-southeast-3"))
    back = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    stuck_ids = [m["MessageId"] for m in messages if m["Attributes"]["MessageGroupId"] == stuck]
    assert back == stuck_ids  # its registration failed, its two updates were not tried
    assert reached_bpjs(road, stuck) == []
    for farmer_id in farmers[1:]:
        assert reached_bpjs(road, farmer_id) == operations(road, farmer_id)
    for message in messages:
        if message["MessageId"] not in back:
            sqs.delete_message(QueueUrl=road.queue_url, ReceiptHandle=message["ReceiptHandle"])
        else:
            sqs.change_message_visibility(
                QueueUrl=road.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    watch.failing = set()
    pump(road, 10)
    assert reached_bpjs(road, stuck) == operations(road, stuck)


def test_a_batchs_outcomes_reach_dynamodb_in_a_few_transactions_each_written_once(
    road: Road, watch: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    road.bpjs.configure(latency_ms=50)
    farmers = [road.new_farmer(8700 + n)["farmer_id"] for n in range(10)]
    writes_per_commit: list[int] = []
    commit = DynamoUnitOfWork.commit

    def counted(self: DynamoUnitOfWork, changes: ChangeSet) -> None:
        commit(self, changes)
        writes_per_commit.append(len(changes.writes))

    monkeypatch.setattr(DynamoUnitOfWork, "commit", counted)
    assert len(pump(road, 10)) == 1  # one batch of the ten registrations
    # Recorded as BPJS answered, several decisions per transaction: each farmer and its outbox entry
    # written once, in fewer transactions than messages.
    assert sum(writes_per_commit) == 20 and len(writes_per_commit) < 10
    for farmer_id in farmers:
        assert road.farmer(farmer_id)["registration_status"] == "CONFIRMED"
        completed = [a for a in road.audit_trail(farmer_id) if a["action"] == "BPJS_OPERATION_COMPLETED"]
        assert len(completed) == 1
    assert len(road.bpjs.answered("POST /bpu/v1/participants")) == 10
    assert road.depth(road.queue_url) == 0


def test_the_templates_default_limit_paces_a_consumer_to_its_share(road: Road) -> None:
    parameters = load_yaml(Path(__file__).parents[2] / "template.yaml")["Parameters"]
    limit, consumers = parameters["BpjsRateLimit"]["Default"], parameters["BpjsMaxConcurrency"]["Default"]
    farmers = [road.new_farmer(9300 + n)["farmer_id"] for n in range(12)]
    road.stack.env_overrides["BPJS_RATE_LIMIT"] = str(limit)
    try:
        assert road.pump() == (12, 0)
    finally:
        road.stack.env_overrides["BPJS_RATE_LIMIT"] = str(TEST_BPJS_RATE_LIMIT)
    # One consumer of `consumers` sent twelve registrations of one batch: never more than its share
    # of the limit in any second (unpaced, the twelve leave within a few milliseconds).
    log = road.bpjs.sim.request_log()
    assert log["rate"]["max_in_any_second"] <= limit / consumers < 12
    assert len(road.bpjs.answered("POST /bpu/v1/participants")) == 12
    assert {road.farmer(f)["registration_status"] for f in farmers} == {"CONFIRMED"}

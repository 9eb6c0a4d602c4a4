"""moto's SQS as local/aws/moto_sqs.py patches it: a receive hands out what moto's would, in the
queue's order, FIFO groups in flight held back, expired messages never, and it stops walking the
queue once it has its messages (a member import leaves thousands queued)."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from moto.sqs.models import Message, sqs_backends

from local.template.specs import REGION
from tests.local.conftest import Moto

ACCOUNT = "123456789012"
_names = itertools.count(1)


@pytest.fixture
def sqs(moto: Moto) -> Any:
    return moto("sqs")


def fifo_queue(sqs: Any, **attributes: str) -> str:
    name = f"moto-sqs-{next(_names)}.fifo"
    return str(
        sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", **attributes},
        )["QueueUrl"]
    )


def send(sqs: Any, url: str, bodies: list[tuple[str, str]]) -> None:
    """(group, body) pairs, in order, ten per SendMessageBatch."""
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(n), "MessageBody": body, "MessageGroupId": group}
            for n, (group, body) in enumerate(bodies[start : start + 10])
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def receive(sqs: Any, url: str, count: int = 10) -> list[dict[str, Any]]:
    return list(
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=0).get("Messages", [])
    )


def test_receives_hand_out_the_queue_in_order_and_hold_back_groups_in_flight(sqs: Any) -> None:
    url = fifo_queue(sqs)
    send(sqs, url, [(f"g{n}", f"m{n}") for n in range(25)] + [("g0", "m0-second")])

    first = receive(sqs, url)
    second = receive(sqs, url)
    third = receive(sqs, url)

    assert [m["Body"] for m in first] == [f"m{n}" for n in range(10)]
    assert [m["Body"] for m in second] == [f"m{n}" for n in range(10, 20)]
    assert [m["Body"] for m in third] == [f"m{n}" for n in range(20, 25)]  # g0's second waits for m0
    assert receive(sqs, url) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert [m["Body"] for m in receive(sqs, url)] == ["m0-second"]


def test_a_receive_walks_the_queue_only_as_far_as_it_hands_out(sqs: Any, monkeypatch: Any) -> None:
    url = fifo_queue(sqs)
    send(sqs, url, [(f"g{n}", f"m{n}") for n in range(400)])
    looked_at = 0
    visible = Message.visible

    def counted(self: Any) -> bool:
        nonlocal looked_at
        looked_at += 1
        return bool(visible.fget(self))  # type: ignore[attr-defined]

    monkeypatch.setattr(Message, "visible", property(counted))
    received = receive(sqs, url)

    assert [m["Body"] for m in received] == [f"m{n}" for n in range(10)]
    # moto's own receive asks every one of the 400 first (the list of visible messages), then the
    # ten again as it hands them out (410; as shipped, its retention check counting the queue for
    # each message handed out, 24,410).
    assert looked_at <= 20


def test_a_message_past_the_retention_period_is_not_handed_out(sqs: Any) -> None:
    url = fifo_queue(sqs, MessageRetentionPeriod="60")
    send(sqs, url, [("old", "expired"), ("new", "fresh")])
    queue = sqs_backends[ACCOUNT][REGION].get_queue(url.rsplit("/", 1)[1])
    queue._messages[0].sent_timestamp = int((time.time() - 120) * 1000)  # sent two minutes ago

    # moto's rule: the receive ends at the first expired message it would hand out (and leaves it
    # in flight); the next one hands out the rest.
    assert receive(sqs, url) == []
    assert [m["Body"] for m in receive(sqs, url)] == ["fresh"]


def test_queue_counts_still_count_every_message(sqs: Any) -> None:
    url = fifo_queue(sqs)
    send(sqs, url, [(f"g{n}", f"m{n}") for n in range(15)])
    receive(sqs, url, 4)

    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]

    assert (
        attributes["ApproximateNumberOfMessages"],
        attributes["ApproximateNumberOfMessagesNotVisible"],
    ) == (
        "11",
        "4",
    )

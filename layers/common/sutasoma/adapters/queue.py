"""The SQS FIFO queues: messages owed to BPJS (`bpjs-outbound`), a reconcile job's tasks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sutasoma.adapters import aws
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.reconcile_job import SegmentTask


class OutboundQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    client = aws.LazyClient("sqs")

    def send(self, entry: OutboxEntry) -> None:
        # Group per farmer keeps a farmer's operations in order; the operation id makes a
        # re-send (from the sweeper, or a retried request) a no-op within SQS's 5-minute window,
        # and the consumer is idempotent on it beyond that.
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps(entry.message(), separators=(",", ":")),
            MessageGroupId=entry.farmer_id,
            MessageDeduplicationId=entry.op_id,
        )

    def send_many(self, entries: Sequence[OutboxEntry]) -> None:
        """Every entry handed over, ten a request (SendMessageBatch); a refused one raises."""
        for start in range(0, len(entries), BATCH):
            batch = entries[start : start + BATCH]
            _sent_all(
                self.client.send_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {
                            "Id": str(index),
                            "MessageBody": json.dumps(entry.message(), separators=(",", ":")),
                            "MessageGroupId": entry.farmer_id,
                            "MessageDeduplicationId": entry.op_id,
                        }
                        for index, entry in enumerate(batch)
                    ],
                )
            )

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Make a received message visible again only after `seconds` (retry backoff)."""
        self.client.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


BATCH = 10  # SQS's limit per SendMessageBatch


def _sent_all(response: dict[str, Any]) -> None:
    failed = response.get("Failed") or []
    if failed:
        raise RuntimeError(f"{len(failed)} of a batch refused by SQS: {failed[0].get('Code')}")


class ImportChunkQueue:
    """The chunks of an import's commit, one message each (`{"import_id", "chunk"}`), for the
    concurrent invocations of the import-chunk function."""

    client = aws.LazyClient("sqs")

    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    def send_chunks(self, import_id: str, chunks: Sequence[int]) -> None:
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            entries = [
                {"Id": str(chunk), "MessageBody": json.dumps({"import_id": import_id, "chunk": chunk})}
                for chunk in batch
            ]
            _sent_all(self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries))


class DeadLetters:
    """Moves messages from the DLQ back to the queue they failed in, oldest first per farmer."""

    def __init__(self, dlq_url: str, target: OutboundQueue, client: Any | None = None) -> None:
        self.dlq_url = dlq_url
        self.target = target
        self._client = client

    client = aws.LazyClient("sqs")

    def redrive(self, max_messages: int) -> int:
        moved = 0
        while moved < max_messages:
            received = self.client.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=min(10, max_messages - moved),
                AttributeNames=["MessageGroupId", "MessageDeduplicationId"],
                VisibilityTimeout=60,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not received:
                break
            for message in received:
                attributes = message.get("Attributes", {})
                group = attributes.get("MessageGroupId") or json.loads(message["Body"]).get(
                    "farmer_id", "redrive"
                )
                # A fresh deduplication id: the original one may still be remembered by SQS.
                self.target.client.send_message(
                    QueueUrl=self.target.queue_url,
                    MessageBody=message["Body"],
                    MessageGroupId=group,
                    MessageDeduplicationId=f"{message['MessageId']}-redrive",
                )
                self.client.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved


class ReconcileTasks:
    """The FIFO queue of a reconcile job's segment tasks (sutasoma.app.reconcile_jobs)."""

    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    client = aws.LazyClient("sqs")

    def send(self, tasks: Sequence[SegmentTask]) -> None:
        # A group per segment: the segments run side by side, a segment's pieces one after
        # another; the deduplication id makes a task sent twice (a repeated delivery passing its
        # continuation on again) one message.
        for start in range(0, len(tasks), 10):
            answer = self.client.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(n),
                        "MessageBody": json.dumps(task.as_json(), separators=(",", ":")),
                        "MessageGroupId": f"{task.job_id}-{task.segment}",
                        "MessageDeduplicationId": f"{task.job_id}-{task.segment}-{task.piece}",
                    }
                    for n, task in enumerate(tasks[start : start + 10])
                ],
            )
            if answer.get("Failed"):
                codes = sorted({str(failure.get("Code")) for failure in answer["Failed"]})
                raise RuntimeError(f"{len(answer['Failed'])} reconcile tasks not queued: {', '.join(codes)}")

"""The SQS FIFO queue of messages owed to BPJS (`bpjs-outbound`)."""

from __future__ import annotations

import json
from typing import Any

from sutasoma import aws
from sutasoma.store import OutboxEntry


class OutboundQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("sqs")
        return self._client

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

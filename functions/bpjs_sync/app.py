"""Consumer of the `bpjs-outbound` FIFO queue: each message is one operation for BPJS.

The farmers of a batch are handled side by side, each farmer's messages in order (the FIFO group
is the farmer), within this consumer's share of BPJS's rate limit (sutasoma.adapters.pacer).
Partial batch failures (ReportBatchItemFailures): a failed message, and every later message of
the same farmer in the batch, go back to the queue; the others are done. A failed message's
visibility grows with its receive count, so a BPJS outage is waited out, not hammered. A message
is started only with time left to finish it (a timeout would fail the whole batch); one left
untried goes back at once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.bpjs_batch import backoff_seconds, count_outcomes, deliver_batch
from sutasoma.app.bpjs_sync import BpjsSync  # the use case, loaded at init like the rest of the code
from sutasoma.app.fifo_batch import BatchOutcome, QueuedMessage
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.bpjs import BpjsSyncSettings

SETTINGS = SettingsSource(BpjsSyncSettings)  # validated now: a missing variable fails the cold start


def queued(record: dict[str, Any]) -> QueuedMessage:
    attributes = record.get("attributes") or {}
    return QueuedMessage(
        message_id=record["messageId"],
        group_id=str(attributes.get("MessageGroupId") or record["messageId"]),
        body=record.get("body") or "",
        receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
    )


def send_back(records: list[dict[str, Any]], outcome: BatchOutcome) -> None:
    """Failed messages come back after their backoff; untried ones at once (FIFO still holds a
    farmer's later messages behind an earlier one)."""
    queue = wiring.outbound_queue(SETTINGS.get().bpjs_queue_url)
    for record in records:
        message_id = record["messageId"]
        if message_id not in outcome.failed and message_id not in outcome.untried:
            continue
        receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        delay = backoff_seconds(receive_count) if message_id in outcome.failed else 0
        try:
            queue.delay(record["receiptHandle"], delay)
        except Exception as error:  # the default visibility timeout applies instead
            logger.warning("backoff not set", extra={"message_id": message_id, "error": type(error).__name__})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SETTINGS.get()
    sync: BpjsSync = wiring.bpjs_sync(settings)  # built here, before the batch's threads share it
    wiring.bpjs_pacer(settings).begin()  # this invocation's calls: only in slots from now on
    records = event.get("Records", [])
    messages = [queued(record) for record in records]
    outcome = deliver_batch(
        sync, messages, context.get_remaining_time_in_millis, settings.bpjs_parallel_messages
    )
    count_outcomes(outcome)
    failures = outcome.failures(messages)
    if failures:
        send_back(records, outcome)
        logger.warning(
            "bpjs batch partly failed",
            extra={"failed": len(failures), "untried": len(outcome.untried), "size": len(records)},
        )
    # Every failure item by item, even when all failed: each then gets its own backoff.
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}

"""Consumer of the `bpjs-outbound` FIFO queue: each message is one operation for BPJS.

Partial batch failures (ReportBatchItemFailures): a failed message, and every later message of
the same farmer in the batch, go back to the queue; the others are done. A failed message's
visibility grows with its receive count, so a BPJS outage is waited out, not hammered. A message
is started only with time left to finish it (a timeout would fail the whole batch); one left
untried goes back at once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.bpjs_sync import backoff_seconds, ensure_time_for_a_message
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import BpjsSyncSettings, SettingsSource

SETTINGS = SettingsSource(BpjsSyncSettings)  # validated now: a missing variable fails the cold start

processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# Report every failure item by item, even when all failed: each then gets its own backoff.
processor.raise_on_entire_batch_failure = False


# Messages of this invocation that were tried (and so may have failed at BPJS): the others
# failed untried (no time left, or behind a failed message of the same farmer).
_tried: set[str] = set()


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    ensure_time_for_a_message(lambda_context.get_remaining_time_in_millis())
    _tried.add(record.message_id)
    return wiring.bpjs_sync(SETTINGS.get()).process(record.json_body)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _tried.clear()
    response = process_partial_response(event, record_handler, processor, context)
    failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
    queue = wiring.outbound_queue(SETTINGS.get().bpjs_queue_url)
    for record in event.get("Records", []):
        if record["messageId"] in failed:
            receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            # Untried: back at once (FIFO still holds a farmer's later messages behind an earlier one).
            delay = backoff_seconds(receive_count) if record["messageId"] in _tried else 0
            try:
                queue.delay(record["receiptHandle"], delay)
            except Exception as error:  # the default visibility timeout applies instead
                logger.warning(
                    "backoff not set",
                    extra={"message_id": record["messageId"], "error": type(error).__name__},
                )
    if failed:
        logger.warning(
            "bpjs batch partly failed",
            extra={"failed": len(failed), "untried": len(failed - _tried), "size": len(event["Records"])},
        )
    return dict(response)

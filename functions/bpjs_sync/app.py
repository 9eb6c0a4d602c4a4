"""Consumer of the `bpjs-outbound` FIFO queue: each message is one operation for BPJS.

Partial batch failures (ReportBatchItemFailures): a failed message, and every later message of
the same farmer in the batch, go back to the queue; the others are done. A failed message's
visibility grows with its receive count, so a BPJS outage is waited out, not hammered.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma import wiring
from sutasoma.bpjs_sync import backoff_seconds
from sutasoma.observability import logger, metrics, tracer

processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# Report every failure item by item, even when all failed: each then gets its own backoff.
processor.raise_on_entire_batch_failure = False


def record_handler(record: SQSRecord) -> str:
    return wiring.bpjs_sync().process(record.json_body)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(event, record_handler, processor, context)
    failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
    queue = wiring.outbound_queue()
    for record in event.get("Records", []):
        if record["messageId"] in failed:
            receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            try:
                queue.delay(record["receiptHandle"], backoff_seconds(receive_count))
            except Exception as error:  # the default visibility timeout applies instead
                logger.warning(
                    "backoff not set",
                    extra={"message_id": record["messageId"], "error": type(error).__name__},
                )
    if failed:
        logger.warning(
            "bpjs batch partly failed", extra={"failed": len(failed), "size": len(event["Records"])}
        )
    return dict(response)

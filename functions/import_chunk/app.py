"""Writes an import's chunks: one SQS message `{"import_id", "chunk"}` each, from the
import-chunks queue, in as many concurrent invocations as the event source allows
(sutasoma.app.import_commit; docs/imports.md "Commit").

A chunk that fails is reported (ReportBatchItemFailures) and comes back after the queue's
visibility timeout; after `maxReceiveCount` receives SQS moves it to the dead-letter queue,
whose messages reach this function too (the `Failed` event): what the chunk wrote and did not
write is recorded on the import, which ends FAILED (alarm: ImportChunkFailedAlarm).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.runtime import import_wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.imports import ImportChunkSettings

SETTINGS = SettingsSource(ImportChunkSettings)  # validated now: a missing variable fails the cold start

# Every failure reported item by item, never raised: each message then has its own retries.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    body = record.json_body
    import_id, chunk = str(body["import_id"]), int(body["chunk"])
    settings = SETTINGS.get()
    if record.event_source_arn == settings.import_chunk_dlq_arn:
        failed = import_wiring.chunk_failed(settings)(import_id, chunk)
        if failed is not None:
            metrics.add_metric(name="ImportChunkFailed", unit=MetricUnit.Count, value=1)
        return "RECORDED_FAILED"
    outcome = import_wiring.commit_chunk(settings)(import_id, chunk)
    if outcome is not None:
        metrics.add_metric(
            name="ImportRowsWritten", unit=MetricUnit.Count, value=outcome.created + outcome.updated
        )
    return "DONE" if outcome is not None else "ALREADY_DONE"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(event, record_handler, processor, context)
    failures = response.get("batchItemFailures", [])
    if failures:
        logger.warning(
            "import chunks failed",
            extra={"failed": len(failures), "size": len(event["Records"]), "errors": _errors(processor)},
        )
    return dict(response)


def _errors(batch: BatchProcessor) -> list[str]:
    """What failed, as error names and AWS error codes only (never a message or a record)."""
    names = set()
    for _, error, _ in batch.exceptions:
        response = getattr(error, "response", None)
        code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
        names.add(f"{type(error).__name__}{f' {code}' if code else ''}")
    return sorted(names)

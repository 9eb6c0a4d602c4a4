"""The audit archive: each new audit record, from the domain table's stream to the Object Lock
bucket, once (sutasoma.app.audit_archive; docs/security.md "Audit trail").

Three ways in:

- the DynamoDB stream event (its filter lets through the INSERTs of `AUDIT#` items only):
  each record is archived; the answer names the first record that was not (ReportBatchItemFailures),
  and Lambda retries the batch from there, so nothing after it is skipped;
- `{"verify": "<farmer_id | claim_id>"}`, by an operator: the differences between the
  subject's trail in the table and in the archive;
- `{"replay_failures": true}`, by an operator after AuditArchiveFailuresAlarm: the batches Lambda
  gave up on, read again from the stream (within its 24 h) and archived.

`aws lambda invoke --function-name <AuditArchiveFunction> --payload '{"verify": "<id>"}' out.json`
(docs/operations.md "Verify an audit trail / the archive").
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.audit_archive import WRITTEN
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.platform import AuditArchiveSettings

SETTINGS = SettingsSource(AuditArchiveSettings)  # validated now: a missing variable fails the cold start

# Every failure is reported, never raised: Lambda retries from the first one (BatchProcessor
# would raise when all failed, which would read as a bug in the Errors alarm).
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> str:
    return wiring.audit_archiver(SETTINGS.get()).archive_record(record.raw_event)


def archive_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event["Records"]
    with processor(records=records, handler=record_handler, lambda_context=context):
        outcomes = processor.process()
    written = sum(1 for status, result, _ in outcomes if status == "success" and result == WRITTEN)
    failed = [str(record.dynamodb.sequence_number) for status, _, record in outcomes if status == "fail"]
    metrics.add_metric(name="AuditRecordsArchived", unit=MetricUnit.Count, value=written)
    if failed:
        metrics.add_metric(name="AuditRecordsNotArchived", unit=MetricUnit.Count, value=len(failed))
        first = min(failed, key=int)
        logger.warning(
            "audit archive batch partly failed",
            extra={
                "failed": len(failed),
                "size": len(records),
                "retry_from": first,
                "errors": _errors(processor),
            },
        )
        # The lowest sequence number is Lambda's checkpoint: it retries every record from there.
        return {"batchItemFailures": [{"itemIdentifier": first}]}
    logger.info("audit records archived", extra={"size": len(records), "written": written})
    return {"batchItemFailures": []}


def _errors(batch: BatchProcessor) -> list[str]:
    """What failed, as error names and AWS error codes only (never a message or a record)."""
    names = set()
    for _, error, _ in batch.exceptions:
        code = getattr(error, "response", {}).get("Error", {}).get("Code") if error is not None else None
        names.add(f"{type(error).__name__}{f' {code}' if code else ''}")
    return sorted(names)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = event or {}
    if "Records" in event:
        return archive_batch(event, context)
    if "verify" in event:
        return wiring.audit_archiver(SETTINGS.get()).verify(str(event["verify"])).as_json()
    if event.get("replay_failures"):
        settings = SETTINGS.get()
        archiver = wiring.audit_archiver(settings)
        return archiver.replay_failures(
            settings.audit_archive_failure_queue_url, int(event.get("max_messages", 100))
        )
    raise ValueError(
        'expected a DynamoDB stream event, {"verify": "<subject_id>"} or {"replay_failures": true}'
    )

"""Uploads that landed: each object S3 creates in the KTP or the claims bucket is checked and the
outcome recorded on the farmer or the claim (sutasoma.app.uploads; docs/security.md "Uploads").

The event is S3's "Object Created" event on EventBridge's default bus, delivered by the function's
EventBridgeRule events (template.yaml) as an asynchronous invocation: an error raises, Lambda
retries twice, then the event goes to DocumentCheckFailureQueue. Every step may run again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.uploads import UploadKind
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.platform import DocumentCheckSettings

SETTINGS = SettingsSource(DocumentCheckSettings)  # validated now: a missing variable fails the cold start


def _kind(bucket: str) -> UploadKind | None:
    settings = SETTINGS.get()
    return {settings.ktp_bucket: UploadKind.KTP, settings.claims_bucket: UploadKind.CLAIM_DOCUMENT}.get(
        bucket
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    landed = S3EventBridgeNotificationEvent(event)
    kind = _kind(landed.detail.bucket.name)
    if landed.detail_type != "Object Created" or kind is None:
        logger.warning("not an upload to check", extra={"detail_type": landed.detail_type})
        return {"checked": False}
    check = wiring.upload_checker(SETTINGS.get()).check(kind, landed.detail.object.key)
    if check is None:
        return {"checked": False}
    metrics.add_metric(name=f"Upload{check.status.value.title()}", unit=MetricUnit.Count, value=1)
    return {
        "checked": True,
        "status": check.status.value,
        "refusal": check.refusal.value if check.refusal else None,
    }

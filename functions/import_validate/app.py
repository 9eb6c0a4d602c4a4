"""Checks an uploaded member file once it lands in the imports bucket (docs/imports.md).

Three ways in, one use case (sutasoma.app.import_validation): the bucket's notification of an
object created under `uploads/` (S3 event records, or the EventBridge "Object Created" event,
possibly carried in SQS records), or `{"import_id": "<ulid>"}` invoked by hand to check a file
again after a check that was cut short. A file delivered twice is checked once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.import_validation import uploaded_imports
from sutasoma.runtime import import_wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.imports import ImportValidateSettings

SETTINGS = SettingsSource(ImportValidateSettings)  # validated now: a missing variable fails the cold start


def object_keys(event: dict[str, Any]) -> list[str]:
    """Keys of the objects an event says were created (S3 notification, EventBridge, via SQS)."""
    if isinstance(event.get("detail"), dict):
        return [str(event["detail"].get("object", {}).get("key", ""))]
    found: list[str] = []
    for record in event.get("Records", []):
        if "s3" in record:  # S3 notifications URL-encode the key (a space as +)
            found.append(unquote_plus(str(record["s3"]["object"]["key"])))
        elif "body" in record:  # the same events carried by an SQS queue
            found.extend(object_keys(json.loads(record["body"])))
    return found


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    imports = [str(event["import_id"])] if "import_id" in event else uploaded_imports(object_keys(event))
    checked = {}
    for import_id in imports:
        record = import_wiring.validate_import(SETTINGS.get())(import_id)
        checked[import_id] = record.status.value if record else "UNKNOWN"
    logger.info("import files checked", extra={"imports": checked})
    return {"imports": checked}

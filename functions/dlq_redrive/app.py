"""Operator tool: move messages from the BPJS dead-letter queue back to `bpjs-outbound`.

Invoke after fixing what made them fail (docs/operations.md):
`aws lambda invoke --function-name <DlqRedriveFunction> --payload '{"max_messages": 500}' out.json`
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.bpjs import RedriveSettings

SETTINGS = SettingsSource(RedriveSettings)  # validated now: a missing variable fails the cold start

DEFAULT_MAX_MESSAGES = 1000


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    limit = int((event or {}).get("max_messages", DEFAULT_MAX_MESSAGES))
    moved = wiring.dead_letters(SETTINGS.get()).redrive(max(1, min(limit, 10_000)))
    logger.info("dlq redriven", extra={"moved": moved})
    return {"moved": moved}

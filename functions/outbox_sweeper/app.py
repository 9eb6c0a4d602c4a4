"""Scheduled: hand to SQS the outbox entries that a crash or an SQS error left behind."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.app.outbox_sweeper import sweep
from sutasoma.domain.clock import now_utc
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import get_settings


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return sweep(
        wiring.domain_store(), wiring.outbound_queue(), now_utc(), get_settings().outbox_grace_seconds
    )

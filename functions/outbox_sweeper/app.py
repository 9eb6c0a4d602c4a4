"""Scheduled: hand to SQS the outbox entries that a crash or an SQS error left behind."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.bpjs import SweeperSettings

SETTINGS = SettingsSource(SweeperSettings)  # validated now: a missing variable fails the cold start


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    settings = SETTINGS.get()
    return wiring.dispatcher(settings, settings.bpjs_queue_url).sweep(settings.outbox_grace_seconds)

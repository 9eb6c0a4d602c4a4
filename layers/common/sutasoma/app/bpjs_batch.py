"""A batch of the `bpjs-outbound` queue: its messages delivered by BpjsSync within the
invocation's time, and what a failed message waits before it comes back.

functions/bpjs_sync calls `deliver_batch` with the batch and `count_outcomes` with what came of
it; `backoff_seconds` is the visibility a failed message is given.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.fifo_batch import (
    BatchOutcome,
    NotStarted,
    QueuedMessage,
    run_in_rounds,
    run_one_group_after_another,
)
from sutasoma.runtime.observability import logger, metrics

if TYPE_CHECKING:
    from sutasoma.app.bpjs_sync import BpjsSync

# Backoff of a failed message: its visibility timeout grows with each receive, so a long
# BPJS outage costs few calls. SQS caps a visibility timeout at 12 hours; 6 keeps clear of it.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# The longest one message may take: a BPJS call up to its connect and read timeouts
# (adapters/bpjs_client.TIMEOUT, 3 s + 10 s), plus the AWS calls around it. The function's
# Timeout (template.yaml) fits a whole batch of 10 of these.
MESSAGE_BUDGET_MS = 15_000


def backoff_seconds(receive_count: int) -> int:
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, receive_count - 1)))


class OutOfTime(Exception):
    """Not started: the invocation could time out before this message is done."""


def ensure_time_for_a_message(remaining_ms: int) -> None:
    """Start a message only if it can finish: a timed-out invocation fails its whole batch,
    item failures and backoff lost, every message received once more for nothing."""
    if remaining_ms < MESSAGE_BUDGET_MS:
        raise OutOfTime(f"{remaining_ms} ms left, a message may need {MESSAGE_BUDGET_MS}")


def deliver_batch(
    sync: BpjsSync, messages: Sequence[QueuedMessage], remaining_ms: Callable[[], int], parallel: int
) -> BatchOutcome:
    """Every message of a batch: farmers side by side (up to `parallel` threads), each farmer's in
    order; a message starts only with its time budget left. Metrics are counted by the caller's
    thread (`count_outcomes`)."""

    def may_start() -> None:
        try:
            ensure_time_for_a_message(remaining_ms())
        except OutOfTime:
            raise NotStarted from None

    preloaded = sync.preload(messages)
    if parallel > 1:
        outcome = run_in_rounds(
            messages,
            lambda message: sync.decide(json.loads(message.body), preloaded.pop(message.message_id, None)),
            sync.record_round,
            may_start=may_start,
            parallel=parallel,
        )
    else:
        outcome = run_one_group_after_another(
            messages,
            lambda message: sync.process(json.loads(message.body), preloaded.pop(message.message_id, None)),
            may_start=may_start,
        )
    for message_id, error in outcome.failed.items():
        logger.warning(
            "bpjs operation failed", extra={"message_id": message_id, "error": type(error).__name__}
        )
    return outcome


def count_outcomes(outcome: BatchOutcome) -> None:
    """One metric per outcome (BpjsConfirmed, BpjsPosted, ...), from the handler's thread."""
    for name, count in sorted(Counter(outcome.done.values()).items()):
        metrics.add_metric(name=f"Bpjs{name.title().replace('_', '')}", unit=MetricUnit.Count, value=count)

"""The functions' other events, started for the local stack: SQS pollers, DynamoDB stream
pollers, the scheduler and the EventBridge rules fed by S3, each with the descriptor entries
`stack.json` lists them by."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from local.aws.resources import Created
from local.eventbridge.bus import EventBus
from local.eventbridge.rules import AsyncInvokeConfig, event_rules
from local.eventbridge.s3 import ObjectEvents
from local.functions import Invocable, LocalFunction
from local.pollers.sqs import SqsPoller, sqs_event_sources, start_pollers
from local.pollers.stream_events import dynamodb_event_sources
from local.pollers.streams import StreamPoller, start_stream_pollers
from local.scheduler.runner import Scheduler
from local.scheduler.schedules import ScheduleSpec, schedules_of

log = logging.getLogger("local.stack")


def _queue_urls(created: Created) -> dict[str, str]:
    return {str(p.attrs["Arn"]): str(p.ref) for p in created.of_type("AWS::SQS::Queue").values()}


def _loaded(functions: Sequence[LocalFunction]) -> dict[str, LocalFunction]:
    return {fn.spec.logical_id: fn for fn in functions if fn.load_error is None}


def start_sqs_sources(
    functions: Sequence[LocalFunction], created: Created, sqs: Any, *, enabled: bool, concurrency: int | None
) -> tuple[list[dict[str, Any]], list[SqsPoller]]:
    """A poller per `SQS` event (unless `enabled` is off), each batch in its own function instance."""
    sources = sqs_event_sources(fn.spec for fn in functions)
    described = [
        {
            "function": s.function_id,
            "event": s.event_name,
            "queue": s.queue_name,
            "batch_size": s.batch_size,
            "report_batch_item_failures": s.report_batch_item_failures,
            "maximum_concurrency": s.maximum_concurrency,
            "polled": enabled and s.enabled,
        }
        for s in sources
    ]
    if not sources:
        return described, []
    if not enabled:
        log.warning(
            "SQS pollers off: %s not fed", ", ".join(f"{s.function_id}.{s.event_name}" for s in sources)
        )
        return described, []
    by_id = {fn.spec.logical_id: fn for fn in functions}

    def instances(function_id: str, count: int) -> list[Invocable]:
        first = by_id[function_id]
        if first.load_error is not None:
            return []
        found: list[Invocable] = [first]
        for n in range(1, count):
            extra = LocalFunction(first.spec, instance=n)
            extra.load()
            if extra.load_error is None:
                found.append(extra)
        return found

    pollers = start_pollers(
        sources, instances, sqs, queue_urls=_queue_urls(created), concurrency_override=concurrency
    )
    return described, pollers


def start_stream_sources(
    functions: Sequence[LocalFunction], created: Created, streams: Any, sqs: Any, *, enabled: bool
) -> tuple[list[dict[str, Any]], list[StreamPoller]]:
    """A poller per `DynamoDB` event (unless `enabled` is off)."""
    sources = dynamodb_event_sources(fn.spec for fn in functions)
    described = [
        {
            "function": s.function_id,
            "event": s.event_name,
            "table": s.table_name,
            "starting_position": s.starting_position,
            "batch_size": s.batch_size,
            "filters": len(s.filters),
            "report_batch_item_failures": s.report_batch_item_failures,
            "polled": enabled and s.enabled,
        }
        for s in sources
    ]
    if not sources:
        return described, []
    if not enabled:
        log.warning("stream pollers off: %s not fed", ", ".join(s.name for s in sources))
        return described, []
    pollers = start_stream_pollers(
        sources, _loaded(functions).get, streams, sqs=sqs, queue_urls=_queue_urls(created)
    )
    return described, pollers


def start_schedules(
    functions: Sequence[LocalFunction], *, enabled: bool, rate_seconds: float | None
) -> tuple[dict[str, Any], Scheduler | None]:
    """The scheduler of every `Schedule`/`ScheduleV2` event (unless `enabled` is off), with each
    schedule's next time in the descriptor."""
    schedules = schedules_of(fn.spec for fn in functions)
    described: dict[str, Any] = {
        s.key: {"expression": s.expression, "timezone": s.timezone, "enabled": s.enabled, "next": None}
        for s in schedules
    }
    if not schedules:
        return described, None
    if not enabled:
        log.warning("schedules off: %s not fired", ", ".join(described))
        return described, None
    scheduler = Scheduler(schedules, dict(_loaded(functions)), rate_seconds=rate_seconds)
    scheduler.start()
    for key, moment in scheduler.upcoming().items():
        described[key]["next"] = moment
    if rate_seconds:
        for s in schedules:
            if s.expression.startswith("rate("):
                described[s.key]["local_every_seconds"] = rate_seconds
    return described, scheduler


def history_schedules(functions: Sequence[LocalFunction]) -> list[tuple[ScheduleSpec, LocalFunction]]:
    """(schedule, function) of every loaded function's schedules, for the history seed."""
    by_id = _loaded(functions)
    return [
        (s, by_id[s.function_id])
        for s in schedules_of(fn.spec for fn in functions)
        if s.enabled and s.function_id in by_id
    ]


def start_object_events(
    functions: Sequence[LocalFunction], created: Created, sqs: Any, *, enabled: bool
) -> tuple[list[dict[str, Any]], EventBus | None, ObjectEvents | None]:
    """The default event bus with every `EventBridgeRule` event of the functions, fed by the
    buckets whose EventBridge notifications are on (unless `enabled` is off)."""
    rules = event_rules(fn.spec for fn in functions)
    described = [
        {
            "function": r.function_id,
            "event": r.event_name,
            "pattern": r.pattern,
            "enabled": r.enabled,
            "delivered": enabled and r.enabled,
        }
        for r in rules
    ]
    if not rules:
        return described, None, None
    if not enabled:
        log.warning("EventBridge rules off: %s not invoked", ", ".join(r.name for r in rules))
        return described, None, None
    configs = {fn.spec.logical_id: AsyncInvokeConfig.of(fn.spec) for fn in functions}
    bus = EventBus(rules, _loaded(functions), configs, sqs=sqs, queue_urls=_queue_urls(created)).start()
    listener = ObjectEvents(bus).start()
    log.info("EventBridge: %d rule(s) fed by S3 object events", len(rules))
    return described, bus, listener

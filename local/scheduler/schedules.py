"""Schedules: the `Schedule` (EventBridge rule) and `ScheduleV2` (EventBridge Scheduler) events of
template.yaml, fired in-process at their times.

Expressions: `rate(N minute|minutes|hour|hours|day|days)`, `cron(min hour dom month dow year)`
(with `,` `-` `*` `?` `/`, `L`, `W`, `#`, month and weekday names; weekday 1 = SUN … 7 = SAT)
and `at(yyyy-mm-ddThh:mm:ss)`. `cron` and `at` are read in `ScheduleExpressionTimezone`
(default UTC): `cron(0 8 5 * ? *)` in Asia/Makassar fires at 00:00 UTC on the 5th.

The function gets the event the service would send, with the *scheduled* time (not the time it
actually ran) in `time`:

- ScheduleV2 (Scheduler) without `Input`: `{"version": "0", "id", "detail-type": "Scheduled Event",
  "source": "aws.scheduler", "account", "time", "region", "resources": [schedule ARN],
  "detail": "{}"}` - `detail` is the *string* "{}", as Scheduler really sends it;
- Schedule (EventBridge rule) without `Input`: the same with `"source": "aws.events"`, the rule
  ARN, and `"detail": {}`;
- with `Input`: that JSON, with Scheduler's `<aws.scheduler.scheduled-time>`,
  `<aws.scheduler.schedule-arn>`, `<aws.scheduler.execution-id>` and
  `<aws.scheduler.attempt-number>` replaced (ScheduleV2).

Rates run from the moment the scheduler starts (first fire one period later); `rate_seconds`
fires every rate schedule every that many seconds instead, to watch them work locally. No
retries: a failing invocation is logged (RetryPolicy is not applied).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.scheduler.expressions import Expression, parse_expression
from local.template.specs import ACCOUNT_ID, PARTITION, REGION, FunctionSpec

log = logging.getLogger("local.scheduler")

SCHEDULE_EVENT_TYPES = ("Schedule", "ScheduleV2")


# ---------------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class ScheduleSpec:
    """One Schedule/ScheduleV2 event of a function."""

    function_id: str
    event_name: str
    event_type: str  # Schedule | ScheduleV2
    expression: str
    timezone: str | None = None
    input: str | None = None
    enabled: bool = True
    name: str = ""
    start: datetime | None = None
    end: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.function_id}.{self.event_name}"

    @property
    def arn(self) -> str:
        if self.event_type == "ScheduleV2":
            return f"arn:{PARTITION}:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{self.name}"
        return f"arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:rule/{self.name}"

    def parsed(self) -> Expression:
        return parse_expression(self.expression, self.timezone)

    @classmethod
    def from_event(
        cls, function_id: str, event_name: str, event_type: str, props: Mapping[str, Any]
    ) -> ScheduleSpec:
        if event_type == "ScheduleV2":
            enabled = str(props.get("State", "ENABLED")).upper() == "ENABLED"
        else:
            enabled = str(props.get("Enabled", True)).lower() != "false" and (
                str(props.get("State", "ENABLED")).upper() == "ENABLED"
            )
        for key in ("RetryPolicy", "DeadLetterConfig", "FlexibleTimeWindow"):
            if key in props:
                log.debug("%s.%s: %s is not applied locally", function_id, event_name, key)
        raw_input = props.get("Input")
        spec = cls(
            function_id=function_id,
            event_name=event_name,
            event_type=event_type,
            expression=str(props["Schedule"] if event_type == "Schedule" else props["ScheduleExpression"]),
            timezone=props.get("ScheduleExpressionTimezone"),
            input=None if raw_input is None else str(raw_input),
            enabled=enabled,
            name=str(props.get("Name") or f"sutasoma-local-{function_id}{event_name}"),
            start=_aware(props.get("StartDate")),
            end=_aware(props.get("EndDate")),
        )
        spec.parsed()  # refuse a bad expression at start, not at the first fire
        return spec


def _aware(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def schedules_of(specs: Iterable[FunctionSpec]) -> list[ScheduleSpec]:
    return [
        ScheduleSpec.from_event(spec.logical_id, name, spec.other_events[name], props)
        for spec in specs
        for name, props in spec.events_of_type(*SCHEDULE_EVENT_TYPES).items()
    ]


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_event(
    schedule: ScheduleSpec,
    scheduled: datetime,
    *,
    account: str = ACCOUNT_ID,
    region: str = REGION,
    attempt: int = 1,
) -> Any:
    """What the service hands the function for a fire at `scheduled`."""
    event_id = str(uuid.uuid4())
    if schedule.input is not None:
        text = schedule.input
        if schedule.event_type == "ScheduleV2":
            for keyword, value in (
                ("<aws.scheduler.scheduled-time>", iso_z(scheduled)),
                ("<aws.scheduler.schedule-arn>", schedule.arn),
                ("<aws.scheduler.execution-id>", event_id),
                ("<aws.scheduler.attempt-number>", str(attempt)),
            ):
                text = text.replace(keyword, value)
        return json.loads(text)
    scheduler = schedule.event_type == "ScheduleV2"
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if scheduler else "aws.events",
        "account": account,
        "time": iso_z(scheduled),
        "region": region,
        "resources": [schedule.arn],
        # Scheduler's default notification carries detail as the string "{}"; rules, an object.
        "detail": "{}" if scheduler else {},
    }

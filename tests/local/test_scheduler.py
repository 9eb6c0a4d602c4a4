"""Schedules: rate/cron/at next times (with time zones), the events the services send, the
runner, and the event `python -m local.invoke` builds."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local.invoke import build_event
from local.scheduler.expressions import At, Cron, Rate, ScheduleError, parse_expression
from local.scheduler.runner import Scheduler
from local.scheduler.schedules import ScheduleSpec, schedule_event, schedules_of
from local.template.specs import FunctionSpec, Physical
from local.template.template import Template

REPO_ROOT = Path(__file__).resolve().parents[2]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def next_times(expression: str, after: str, count: int = 3, tz: str | None = None) -> list[str]:
    parsed = parse_expression(expression, tz)
    moment: datetime | None = utc(after)
    found = []
    for _ in range(count):
        moment = parsed.next_after(moment) if moment else None
        found.append(moment.strftime("%Y-%m-%dT%H:%M") if moment else "never")
    return found


# ---------------------------------------------------------------------------------- expressions


def test_the_monthly_report_schedule_in_makassar_time_fires_at_midnight_utc_on_the_5th() -> None:
    # 08:00 WITA (UTC+8) on the 5th is 00:00 UTC on the 5th.
    assert next_times("cron(0 8 5 * ? *)", "2026-11-29T00:00:00", tz="Asia/Makassar") == [
        "2026-12-05T00:00",
        "2027-01-05T00:00",
        "2027-02-05T00:00",
    ]
    # Just before and at the time itself: strictly after.
    assert next_times("cron(0 8 5 * ? *)", "2026-12-04T23:59:59", 1, "Asia/Makassar") == ["2026-12-05T00:00"]
    assert next_times("cron(0 8 5 * ? *)", "2026-12-05T00:00:00", 1, "Asia/Makassar") == ["2027-01-05T00:00"]


def test_without_a_time_zone_cron_is_utc() -> None:
    assert next_times("cron(0 8 5 * ? *)", "2026-11-29T00:00:00", 1) == ["2026-12-05T08:00"]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        (
            "rate(2 minutes)",
            "2026-11-29T08:00:30",
            ["2026-11-29T08:02", "2026-11-29T08:04", "2026-11-29T08:06"],
        ),
        (
            "rate(1 minute)",
            "2026-11-29T08:00:00",
            ["2026-11-29T08:01", "2026-11-29T08:02", "2026-11-29T08:03"],
        ),
        ("rate(1 hour)", "2026-11-29T08:00:00", ["2026-11-29T09:00", "2026-11-29T10:00", "2026-11-29T11:00"]),
        ("rate(3 days)", "2026-11-29T08:00:00", ["2026-12-02T08:00", "2026-12-05T08:00", "2026-12-08T08:00"]),
        # Every 15 minutes 09:00-17:45 on weekdays: from a Friday evening to Monday morning.
        (
            "cron(0/15 9-17 ? * MON-FRI *)",
            "2026-11-27T17:50:00",
            ["2026-11-30T09:00", "2026-11-30T09:15", "2026-11-30T09:30"],
        ),
        (
            "cron(0 0 L * ? *)",
            "2028-02-01T00:00:00",
            ["2028-02-29T00:00", "2028-03-31T00:00", "2028-04-30T00:00"],
        ),
        # First Monday (2#1), last Friday (6L) of the month.
        (
            "cron(0 10 ? * 2#1 *)",
            "2026-11-29T00:00:00",
            ["2026-12-07T10:00", "2027-01-04T10:00", "2027-02-01T10:00"],
        ),
        (
            "cron(0 10 ? * 6L *)",
            "2026-11-01T00:00:00",
            ["2026-11-27T10:00", "2026-12-25T10:00", "2027-01-29T10:00"],
        ),
        # Nearest weekday to the 15th: Aug 15 2026 is a Saturday -> Friday 14th; Nov 15 a Sunday -> 16th.
        (
            "cron(0 6 15W * ? 2026)",
            "2026-08-01T00:00:00",
            ["2026-08-14T06:00", "2026-09-15T06:00", "2026-10-15T06:00"],
        ),
        ("cron(0 6 15W 11 ? 2026)", "2026-08-01T00:00:00", ["2026-11-16T06:00", "never", "never"]),
        (
            "cron(30 1 1,15 JAN,JUL ? *)",
            "2026-11-29T00:00:00",
            ["2027-01-01T01:30", "2027-01-15T01:30", "2027-07-01T01:30"],
        ),
        ("at(2026-12-05T08:00:00)", "2026-11-29T00:00:00", ["2026-12-05T08:00", "never", "never"]),
    ],
)
def test_next_times(expression: str, after: str, expected: list[str]) -> None:
    assert next_times(expression, after, len(expected)) == expected


def test_a_wall_time_skipped_by_daylight_saving_does_not_fire() -> None:
    # 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 -> 03:00).
    assert next_times("cron(30 2 * * ? *)", "2026-03-07T12:00:00", 2, "America/New_York") == [
        "2026-03-09T06:30",  # 02:30 EDT on the 9th; the 8th is skipped
        "2026-03-10T06:30",
    ]


def test_at_is_read_in_the_schedules_time_zone() -> None:
    assert next_times("at(2026-12-05T08:00:00)", "2026-11-29T00:00:00", 1, "Asia/Makassar") == [
        "2026-12-05T00:00"
    ]


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 5 * * *)",  # neither day field is ?
        "cron(0 8 ? * ? *)",  # both are
        "cron(0 8 5 * ?)",  # five fields
        "cron(60 8 5 * ? *)",
        "cron(0 8 32 * ? *)",
        "cron(0 8 ? * FUNDAY *)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "every 5 minutes",
        "at(2026-12-05 08:00)",
    ],
)
def test_bad_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_expression(expression)


def test_parsed_types() -> None:
    assert isinstance(parse_expression("rate(5 minutes)"), Rate)
    assert isinstance(parse_expression("cron(0 8 5 * ? *)", "Asia/Makassar"), Cron)
    assert isinstance(parse_expression("at(2026-12-05T08:00:00)"), At)


# ---------------------------------------------------------------------------------- events


def scheduler_spec(**overrides: Any) -> ScheduleSpec:
    values: dict[str, Any] = {
        "function_id": "ReportFunction",
        "event_name": "Monthly",
        "event_type": "ScheduleV2",
        "expression": "cron(0 8 5 * ? *)",
        "timezone": "Asia/Makassar",
        "name": "sutasoma-monthly-report",
    }
    values.update(overrides)
    return ScheduleSpec(**values)


def test_a_scheduler_event_carries_the_scheduled_time_and_detail_as_a_string() -> None:
    event = schedule_event(scheduler_spec(), utc("2026-12-05T00:00:00"))
    assert event == {
        "version": "0",
        "id": event["id"],
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": "2026-12-05T00:00:00Z",
        "region": "ap-southeast-3",
        "resources": [
            "arn:aws:scheduler:ap-southeast-3:123456789012:schedule/default/sutasoma-monthly-report"
        ],
        "detail": "{}",
    }
    assert len(event["id"]) == 36


def test_an_eventbridge_rule_event_has_detail_as_an_object() -> None:
    event = schedule_event(scheduler_spec(event_type="Schedule", name="rule-x"), utc("2026-12-05T00:00:00"))
    assert event["source"] == "aws.events" and event["detail"] == {}
    assert event["resources"] == ["arn:aws:events:ap-southeast-3:123456789012:rule/rule-x"]


def test_input_replaces_the_event_with_context_attributes_filled_in() -> None:
    spec = scheduler_spec(
        input='{"period": "auto", "at": "<aws.scheduler.scheduled-time>", "n": "<aws.scheduler.attempt-number>"}'
    )
    assert schedule_event(spec, utc("2026-12-05T00:00:00")) == {
        "period": "auto",
        "at": "2026-12-05T00:00:00Z",
        "n": "1",
    }


def test_the_templates_schedules() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    refs = {
        lid: Physical(ref=f"ref-{lid}", attrs={"Arn": f"arn-{lid}", "StreamArn": f"arn-{lid}/stream/1"})
        for lid in template.resources()
    }
    schedules = {s.key: s for s in schedules_of(template.functions(refs))}
    sweep = schedules["OutboxSweeperFunction.Sweep"]
    assert sweep.event_type == "ScheduleV2"
    assert sweep.expression == f"rate({template.parameters['OutboxSweepMinutes']} minutes)"
    assert sweep.enabled


def test_invoke_builds_the_schedule_event_for_the_given_time(tmp_path: Path) -> None:
    spec = FunctionSpec(
        logical_id="ReportFunction",
        function_name="sutasoma-local-ReportFunction",
        code_uri=tmp_path,
        handler="app.lambda_handler",
        timeout_s=30,
        memory_mb=512,
        environment={},
        layer_dirs=(),
        log_group_name="/aws/lambda/x",
        routes=(),
        other_events={"Monthly": "ScheduleV2"},
        event_properties={
            "Monthly": {
                "ScheduleExpression": "cron(0 8 5 * ? *)",
                "ScheduleExpressionTimezone": "Asia/Makassar",
            }
        },
    )
    event = build_event(spec, None, "2026-12-05T08:00:00+08:00", None)
    assert event["time"] == "2026-12-05T00:00:00Z" and event["source"] == "aws.scheduler"
    assert FunctionSpec.from_json(spec.to_json()) == spec
    plain = FunctionSpec.from_json({**spec.to_json(), "other_events": {}, "event_properties": {}})
    assert build_event(plain, None, None, None) == {}
    with pytest.raises(SystemExit):
        build_event(plain, None, "2026-12-05T08:00:00+08:00", None)
    event_file = tmp_path / "event.json"
    event_file.write_text('{"max_messages": 3}')
    assert build_event(plain, str(event_file), None, None) == {"max_messages": 3}


# ---------------------------------------------------------------------------------- the runner


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.called = threading.Event()

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        self.events.append(event)
        self.called.set()
        return {"ok": True}


def test_rate_schedules_can_fire_every_few_seconds_locally() -> None:
    recorder = Recorder()
    scheduler = Scheduler(
        [scheduler_spec(function_id="Sweeper", expression="rate(2 minutes)", timezone=None)],
        {"Sweeper": recorder},
        rate_seconds=0.3,
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while len(recorder.events) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert all(e["source"] == "aws.scheduler" for e in recorder.events)
    assert all(f.ok for f in scheduler.fired[:3])


def test_a_cron_schedule_fires_at_its_time_with_that_time_in_the_event() -> None:
    """A clock that starts half a second before 08:00 WITA on the 5th."""
    recorder = Recorder()
    start = utc("2026-12-04T23:59:59.500000")
    began = time.monotonic()
    scheduler = Scheduler(
        [scheduler_spec(function_id="Report")],
        {"Report": recorder},
        clock=lambda: start + timedelta(seconds=time.monotonic() - began),
    )
    scheduler.start()
    try:
        assert scheduler.upcoming() == {"Report.Monthly": "2026-12-05T00:00:00Z"}
        assert recorder.called.wait(5)
    finally:
        scheduler.stop()
    assert recorder.events[0]["time"] == "2026-12-05T00:00:00Z"
    assert scheduler.upcoming() == {"Report.Monthly": "2027-01-05T00:00:00Z"}


def test_a_disabled_schedule_does_not_run() -> None:
    recorder = Recorder()
    scheduler = Scheduler(
        [scheduler_spec(function_id="X", expression="rate(1 minute)", enabled=False)],
        {"X": recorder},
        rate_seconds=0.1,
    )
    scheduler.start()
    time.sleep(0.4)
    scheduler.stop()
    assert recorder.events == [] and scheduler.upcoming() == {}

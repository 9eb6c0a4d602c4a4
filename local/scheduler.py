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

import calendar
import functools
import heapq
import json
import logging
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from local.functions import Invocable, new_lambda_request_id
from local.template.specs import ACCOUNT_ID, PARTITION, REGION, FunctionSpec

log = logging.getLogger("local.scheduler")

SCHEDULE_EVENT_TYPES = ("Schedule", "ScheduleV2")
_MONTHS = {
    name: n for n, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)
}  # fmt: skip
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# How far ahead a cron expression is searched for its next time.
_SEARCH_YEARS = 8


class ScheduleError(ValueError):
    """A schedule expression the service would refuse (or that this module does not know)."""


# ---------------------------------------------------------------------------------- expressions


def aws_weekday(day: date) -> int:
    """EventBridge's day of week: 1 = Sunday … 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _number(text: str, names: Mapping[str, int] | None, what: str) -> int:
    key = text.upper()
    if names and key in names:
        return names[key]
    if not text.isdigit():
        raise ScheduleError(f"{what}: {text!r} is not a number{' or a name' if names else ''}")
    return int(text)


def _values(text: str, low: int, high: int, what: str, names: Mapping[str, int] | None = None) -> set[int]:
    """`*`, `5`, `1-5`, `0/15`, `MON-FRI`, `1,15,30`… -> the set of values."""
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = int(step_text) if slash and step_text.isdigit() else 1
        if slash and (not step_text.isdigit() or step < 1):
            raise ScheduleError(f"{what}: bad increment in {part!r}")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, names, what), _number(last, names, what)
        else:
            start = _number(base, names, what)
            end = high if slash else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ScheduleError(f"{what}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


DayRule = Callable[[date], bool]


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, target: int) -> int | None:
    """The `W` rule: the weekday nearest to day `target` of the month, never crossing the month."""
    last = _last_day(day)
    if target > last:
        return None
    candidate = day.replace(day=target)
    weekday = candidate.weekday()  # Mon 0 … Sun 6
    if weekday == 5:  # Saturday -> Friday, or Monday if the 1st
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday -> Monday, or Friday if the last day
        return target + 1 if target < last else target - 2
    return target


def _is_nearest_weekday_to(target: int, day: date) -> bool:
    return day.day == _nearest_weekday(day, target)


def _day_in(days: frozenset[int], day: date) -> bool:
    return day.day in days


def _is_nth_weekday(weekday: int, nth: int, day: date) -> bool:
    return aws_weekday(day) == weekday and (day.day - 1) // 7 + 1 == nth


def _is_last_weekday(weekday: int, day: date) -> bool:
    return aws_weekday(day) == weekday and day.day + 7 > _last_day(day)


def _weekday_in(weekdays: frozenset[int], day: date) -> bool:
    return aws_weekday(day) in weekdays


def _day_of_month_rule(text: str) -> DayRule | None:
    if text == "?":
        return None
    rules: list[DayRule] = []
    for part in text.split(","):
        if part == "L":
            rules.append(lambda d: d.day == _last_day(d))
        elif part == "LW":
            rules.append(lambda d: d.day == _nearest_weekday(d, _last_day(d)))
        elif part.endswith("W") and part[:-1].isdigit():
            target = int(part[:-1])
            if not 1 <= target <= 31:
                raise ScheduleError(f"day-of-month: {part!r}")
            rules.append(functools.partial(_is_nearest_weekday_to, target))
        else:
            days = _values(part, 1, 31, "day-of-month")
            rules.append(functools.partial(_day_in, frozenset(days)))
    return lambda d: any(rule(d) for rule in rules)


def _day_of_week_rule(text: str) -> DayRule | None:
    if text == "?":
        return None
    rules: list[DayRule] = []
    for part in text.split(","):
        if "#" in part:
            weekday_text, _, nth_text = part.partition("#")
            weekday = _number(weekday_text, _WEEKDAYS, "day-of-week")
            if not (1 <= weekday <= 7 and nth_text.isdigit() and 1 <= int(nth_text) <= 5):
                raise ScheduleError(f"day-of-week: {part!r}")
            nth = int(nth_text)
            rules.append(functools.partial(_is_nth_weekday, weekday, nth))
        elif part == "L":
            rules.append(lambda d: aws_weekday(d) == 7)
        elif part.endswith("L"):
            weekday = _number(part[:-1], _WEEKDAYS, "day-of-week")
            rules.append(functools.partial(_is_last_weekday, weekday))
        else:
            weekdays = _values(part, 1, 7, "day-of-week", _WEEKDAYS)
            rules.append(functools.partial(_weekday_in, frozenset(weekdays)))
    return lambda d: any(rule(d) for rule in rules)


@dataclass(frozen=True)
class Rate:
    period: timedelta
    expression: str

    def next_after(self, after: datetime) -> datetime:
        return after + self.period


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_rule: DayRule
    months: frozenset[int]
    years: frozenset[int]
    timezone: ZoneInfo
    expression: str

    def next_after(self, after: datetime) -> datetime | None:
        """The first time strictly after `after` (aware), as an aware UTC datetime, or None."""
        local = after.astimezone(self.timezone)
        day = local.date()
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        last_year = min(max(self.years), day.year + _SEARCH_YEARS)
        while day.year <= last_year:
            if day.year in self.years and day.month in self.months and self.day_rule(day):
                for hour in hours:
                    for minute in minutes:
                        wall = datetime.combine(day, dtime(hour, minute))
                        moment = wall.replace(tzinfo=self.timezone)
                        if moment.astimezone(UTC).astimezone(self.timezone).replace(tzinfo=None) != wall:
                            continue  # a wall time skipped by a daylight-saving change
                        if moment > after:
                            return moment.astimezone(UTC)
            day += timedelta(days=1)
        return None


@dataclass(frozen=True)
class At:
    moment: datetime  # aware
    expression: str

    def next_after(self, after: datetime) -> datetime | None:
        return self.moment.astimezone(UTC) if self.moment > after else None


Expression = Rate | Cron | At

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_expression(expression: str, timezone: str | None = None) -> Expression:
    tz = ZoneInfo(timezone or "UTC")
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError(f"{expression}: the rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            # EventBridge rules refuse rate(1 minutes) and rate(5 minute).
            log.warning("%s: the unit should be %s", expression, "singular" if value == 1 else "plural")
        return Rate(timedelta(seconds=value * _UNIT_SECONDS[unit.rstrip("s")]), text)
    if text.startswith("cron(") and text.endswith(")"):
        parts = text[5:-1].split()
        if len(parts) != 6:
            raise ScheduleError(
                f"{expression}: cron needs 6 fields (minute hour day-of-month month day-of-week year)"
            )
        minute, hour, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleError(f"{expression}: exactly one of day-of-month and day-of-week must be '?'")
        dom_rule, dow_rule = _day_of_month_rule(dom), _day_of_week_rule(dow)
        day_rule = dom_rule or dow_rule
        assert day_rule is not None
        return Cron(
            minutes=frozenset(_values(minute, 0, 59, "minute")),
            hours=frozenset(_values(hour, 0, 23, "hour")),
            day_rule=day_rule,
            months=frozenset(_values(month, 1, 12, "month", _MONTHS)),
            years=frozenset(_values(year, 1970, 2199, "year")),
            timezone=tz,
            expression=text,
        )
    if text.startswith("at(") and text.endswith(")"):
        try:
            wall = datetime.strptime(text[3:-1], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ScheduleError(f"{expression}: at() wants yyyy-mm-ddThh:mm:ss") from None
        return At(wall.replace(tzinfo=tz), text)
    raise ScheduleError(f"{expression!r} is not rate(…), cron(…) or at(…)")


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


# ---------------------------------------------------------------------------------- the runner


@dataclass(order=True)
class _Due:
    at: datetime
    key: str
    schedule: ScheduleSpec = field(compare=False)
    expression: Expression = field(compare=False)


@dataclass
class Fired:
    key: str
    scheduled: datetime
    ok: bool | None = None  # None while running


class Scheduler:
    """Fires the schedules' functions at their times, on a background thread."""

    def __init__(
        self,
        schedules: Iterable[ScheduleSpec],
        invokers: Mapping[str, Invocable],
        *,
        rate_seconds: float | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedules = [s for s in schedules if s.function_id in invokers]
        self.invokers = dict(invokers)
        self.rate_seconds = rate_seconds
        self.clock = clock
        self.fired: list[Fired] = []
        self._heap: list[_Due] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._runs: set[threading.Thread] = set()
        self._lock = threading.Lock()
        for schedule in schedules:
            if schedule.function_id not in invokers:
                log.error("%s: the function is not loaded; the schedule does not run", schedule.key)

    def _next(self, schedule: ScheduleSpec, expression: Expression, after: datetime) -> datetime | None:
        if isinstance(expression, Rate) and self.rate_seconds:
            moment: datetime | None = after + timedelta(seconds=self.rate_seconds)
        else:
            moment = expression.next_after(after)
        if moment is not None and schedule.start is not None and moment < schedule.start:
            return self._next(schedule, expression, schedule.start - timedelta(microseconds=1))
        if moment is not None and schedule.end is not None and moment > schedule.end:
            return None
        return moment

    def upcoming(self) -> dict[str, str]:
        """Schedule key -> next fire time (ISO, UTC)."""
        with self._lock:
            return {due.key: iso_z(due.at) for due in sorted(self._heap)}

    def start(self) -> None:
        now = self.clock()
        for schedule in self.schedules:
            if not schedule.enabled:
                log.info("%s (%s) is disabled", schedule.key, schedule.expression)
                continue
            expression = schedule.parsed()
            first = self._next(schedule, expression, now)
            if first is None:
                log.info("%s (%s) has no future time", schedule.key, schedule.expression)
                continue
            heapq.heappush(self._heap, _Due(first, schedule.key, schedule, expression))
            log.info(
                "schedule %s: %s%s, next %s",
                schedule.key, schedule.expression,
                f" in {schedule.timezone}" if schedule.timezone else "",
                iso_z(first) if not (isinstance(expression, Rate) and self.rate_seconds)
                else f"every {self.rate_seconds:g} s locally",
            )  # fmt: skip
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        for run in list(self._runs):
            run.join(timeout=max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                due = self._heap[0] if self._heap else None
            if due is None:
                self._stop.wait(1.0)
                continue
            wait = (due.at - self.clock()).total_seconds()
            if wait > 0:
                self._stop.wait(min(wait, 1.0))
                continue
            with self._lock:
                heapq.heappop(self._heap)
                following = self._next(due.schedule, due.expression, due.at)
                now = self.clock()
                skipped = 0
                while following is not None and following <= now - timedelta(seconds=60):
                    skipped += 1  # the machine slept: missed times are not made up for
                    following = self._next(due.schedule, due.expression, following)
                if skipped:
                    log.warning("%s: %d missed time(s) skipped", due.key, skipped)
                if following is not None:
                    heapq.heappush(self._heap, _Due(following, due.key, due.schedule, due.expression))
            self.fire(due.schedule, due.at)

    def fire(self, schedule: ScheduleSpec, scheduled: datetime, wait: bool = False) -> Fired:
        """Invoke the schedule's function for `scheduled` (on its own thread)."""
        record = Fired(schedule.key, scheduled)
        self.fired.append(record)
        run = threading.Thread(target=self._invoke, args=(schedule, scheduled, record), daemon=True)
        self._runs = {r for r in self._runs if r.is_alive()}
        self._runs.add(run)
        run.start()
        if wait:
            run.join()
        return record

    def _invoke(self, schedule: ScheduleSpec, scheduled: datetime, record: Fired) -> None:
        request_id = new_lambda_request_id()
        started = time.monotonic()
        try:
            self.invokers[schedule.function_id].invoke(schedule_event(schedule, scheduled), request_id)
        except Exception:
            record.ok = False
            log.error(
                "%s for %s failed (request %s; no retry locally):\n%s",
                schedule.key, iso_z(scheduled), request_id, traceback.format_exc(),
            )  # fmt: skip
            return
        record.ok = True
        log.info(
            "%s fired for %s (request %s, %d ms)",
            schedule.key, iso_z(scheduled), request_id, round((time.monotonic() - started) * 1000),
        )  # fmt: skip

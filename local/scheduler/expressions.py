"""Schedule expressions as EventBridge reads them: `rate(…)`, `cron(…)` (with `L`, `W`, `#`, names,
in the schedule's time zone) and `at(…)`, each able to say when it fires next."""

from __future__ import annotations

import calendar
import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

log = logging.getLogger("local.scheduler")


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
        assert day_rule is not None  # nosec B101 # - a local tool never run with -O; type narrowing
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

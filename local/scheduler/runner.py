"""The scheduler: fires the schedules' functions at their times, on a background thread."""

from __future__ import annotations

import heapq
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from local.functions import Invocable, new_lambda_request_id
from local.scheduler.expressions import Expression, Rate
from local.scheduler.schedules import ScheduleSpec, iso_z, schedule_event

log = logging.getLogger("local.scheduler")


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

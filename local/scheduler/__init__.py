"""Schedules: the `Schedule` and `ScheduleV2` events of template.yaml, fired in-process.

- `expressions`: `rate(…)`, `cron(…)`, `at(…)` and when each fires next;
- `schedules`: `ScheduleSpec` (one schedule event of a function) and the event the service sends;
- `runner`: `Scheduler`, which fires them at their times.
"""

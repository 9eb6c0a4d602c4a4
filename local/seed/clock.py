"""The business clock of the functions in this process, moved back while the history is replayed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta


class BusinessClock:
    """The business clock of the functions in this process, moved back for the history seed.

    The services read the time only through `sutasoma.domain.clock.now_utc()` (`today_wita()` calls it
    too); `sutasoma.domain.clock.use_clock` points it here. While moved, time runs on from the moment
    set: now = `at` + the real time since `set(at)`. Every function in this process sees it, the
    SQS pollers and BPJS callbacks included: the whole system lives at that moment, as it would
    have.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._using: AbstractContextManager[None] | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    def __enter__(self) -> BusinessClock:
        from sutasoma.domain.clock import use_clock

        self._using = use_clock(self.now)
        self._using.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._offset = timedelta(0)
        if self._using is not None:
            self._using.__exit__(None, None, None)
            self._using = None

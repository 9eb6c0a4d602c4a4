"""BPJS's rate limit, as one consumer's share of it (docs/decisions.md "BPJS rate limit").

BPJS allows R calls per second across all of our consumers. Lambda runs at most N invocations of
bpjs_sync at once (the event source's `ScalingConfig.MaximumConcurrency`); each invocation runs in
an execution environment of its own, and no state is shared between them. So each environment
paces itself on a grid of slots, the same grid everywhere (slot k is [k·s, (k+1)·s) of the epoch
clock, which Lambda's hosts keep in sync), and

1. sends at most one call per slot (its threads take turns: one slot each);
2. uses only slots that begin after the invocation started (`begin`).

A call sent in slot k comes from an invocation that had started before k·s and was still running
when it sent, so was running at the instant k·s: at most N of them, one call each. A window of
L seconds meets at most L/s + 2 slots, hence at most N·(L/s + 2) calls. BPJS counts arrivals, which
may move against the sends by up to `JITTER_S` (network, thread wake-up, clock skew): one second
of arrivals is at most 1 + 2·JITTER_S seconds of sends. The slot length is chosen so that
N·((1 + 2·JITTER_S)/s + 2) ≤ R: never more than R calls in any second, whatever the timing of
invocations and their hand-overs.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# Allowance for what moves an arrival at BPJS against its send here, each way.
JITTER_S = 0.02


def slot_seconds(limit_per_second: float, consumers: int, jitter_s: float = JITTER_S) -> float:
    """Length of one slot: one consumer's calls are at least this far apart."""
    share = limit_per_second / consumers - 2  # calls per second one consumer may make, less the 2 edge slots
    if share <= 0:
        raise ValueError(
            f"a limit of {limit_per_second}/s cannot be shared by {consumers} consumers: "
            f"at least {2 * consumers + 1}/s is needed"
        )
    return (1 + 2 * jitter_s) / share


class SlotPacer:
    """One execution environment's share of the limit; thread-safe (a batch's messages run in threads)."""

    def __init__(
        self,
        limit_per_second: float,
        consumers: int,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.slot = slot_seconds(limit_per_second, consumers)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0  # the first slot this environment may still use

    def begin(self) -> None:
        """An invocation starts: from now on only slots that begin after this instant."""
        with self._lock:
            self._next = max(self._next, math.floor(self._clock() / self.slot) + 1)

    def wait_turn(self) -> None:
        """Return inside a slot of our own: the caller sends its one call now."""
        with self._lock:  # held while sleeping: the next caller gets the next slot
            while True:
                now = self._clock()
                slot = max(self._next, math.floor(now / self.slot))
                start = slot * self.slot
                if now < start:
                    self._sleep(start - now)
                    now = self._clock()
                if start <= now < start + self.slot:
                    self._next = slot + 1
                    return
                # Woke after the slot had passed (a slow thread switch): take a later one.

"""BPJS's rate limit, as one consumer's share of it (docs/decisions.md "BPJS rate limit").

BPJS allows R calls per second across all of our consumers. Lambda runs at most N invocations of
bpjs_sync at once (the event source's `ScalingConfig.MaximumConcurrency`); each invocation runs in
an execution environment of its own, and no state is shared between them. So each environment
paces itself on a grid of slots, the same grid everywhere (slot k is [k·s, (k+1)·s) of the epoch
clock, which Lambda's hosts keep in sync), and

1. sends at most B calls per slot (its threads take turns: B of them in a slot);
2. uses only slots that begin after the invocation started (`begin`).

A call sent in slot k comes from an invocation that had started before k·s and was still running
when it sent, so was running at the instant k·s: at most N of them, B calls each. A window of
L seconds meets at most L/s + 2 slots, hence at most N·B·(L/s + 2) calls. BPJS counts arrivals,
which may move against the sends by up to `JITTER_S` (network, thread wake-up, clock skew): one
second of arrivals is at most 1 + 2·JITTER_S seconds of sends. The slot length is chosen so that
N·B·((1 + 2·JITTER_S)/s + 2) ≤ R: never more than R calls in any second, whatever the timing of
invocations and their hand-overs.

B (the burst) lets a batch's calls leave together instead of one slot apart: a batch of 10 waits
for BPJS's latency once, not ten slots plus it. It costs the two edge slots B calls each, so B is
kept to what a consumer's share pays for with at most a tenth of it (`burst_for`); at a small
limit B is 1.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# Allowance for what moves an arrival at BPJS against its send here, each way.
JITTER_S = 0.02
# A burst never needs to be larger than a batch (the event source's BatchSize, at most 10 for FIFO).
BATCH_CALLS = 10


def burst_for(limit_per_second: float, consumers: int) -> int:
    """Calls per slot: up to a batch's, while the two edge slots (2·B calls) take at most a tenth
    of one consumer's share of the limit."""
    return max(1, min(BATCH_CALLS, int(limit_per_second / consumers / 20)))


def slot_seconds(
    limit_per_second: float, consumers: int, burst: int = 1, jitter_s: float = JITTER_S
) -> float:
    """Length of one slot: one consumer's bursts of `burst` calls are at least this far apart."""
    # Bursts per second one consumer may send, less the 2 edge slots.
    share = limit_per_second / (consumers * burst) - 2
    if share <= 0:
        raise ValueError(
            f"a limit of {limit_per_second}/s cannot be shared by {consumers} consumers: "
            f"at least {2 * consumers * burst + 1}/s is needed"
        )
    return (1 + 2 * jitter_s) / share


def ceiling_per_second(limit_per_second: float, consumers: int) -> float:
    """The most calls per second all consumers together may make (what the slots allow)."""
    burst = burst_for(limit_per_second, consumers)
    return consumers * burst / slot_seconds(limit_per_second, consumers, burst)


class SlotPacer:
    """One execution environment's share of the limit; thread-safe (a batch's messages run in threads)."""

    def __init__(
        self,
        limit_per_second: float,
        consumers: int,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        burst: int | None = None,
    ) -> None:
        self.burst = burst_for(limit_per_second, consumers) if burst is None else burst
        self.slot = slot_seconds(limit_per_second, consumers, self.burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._earliest = 0  # the first slot this environment may still use
        self._filling = -1  # the slot calls were last sent in, and how many
        self._sent = 0

    def begin(self) -> None:
        """An invocation starts: from now on only slots that begin after this instant."""
        with self._lock:
            now = self._clock()
            first = math.floor(now / self.slot) + 1
            if first * self.slot <= now:  # now/slot rounded down across a slot's start
                first += 1
            self._earliest = max(self._earliest, first)

    def wait_turn(self) -> None:
        """Return inside a slot of our own with room left: the caller sends its one call now."""
        with self._lock:  # held while sleeping: the next caller gets the next place
            slot = max(self._earliest, self._filling, math.floor(self._clock() / self.slot))
            while True:
                if slot == self._filling and self._sent >= self.burst:
                    slot += 1
                start = slot * self.slot
                now = self._clock()
                if now < start:
                    self._sleep(start - now)
                    now = max(self._clock(), start)  # a sleep rounded a hair short is still the slot
                if now < start + self.slot:
                    if slot != self._filling:
                        self._filling, self._sent = slot, 0
                    self._sent += 1
                    return
                # Woke after the slot had passed (a slow thread switch): take a later one.
                slot = max(slot + 1, math.floor(now / self.slot))

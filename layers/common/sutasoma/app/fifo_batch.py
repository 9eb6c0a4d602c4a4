"""A batch of FIFO messages: the groups side by side, each group's messages in their order.

In the `bpjs-outbound` queue a group is a farmer: BPJS must see a farmer's registration before
their contributions and claims, while two farmers have nothing to wait for from each other. So
`run_in_rounds` takes the batch round by round: round n decides the n-th message of every group
still going, side by side (up to `parallel` threads), and records what is decided together (the
BPJS consumer commits several decisions in one transaction); round n + 1 reads what round n
wrote. The first message of a group that fails stops its group: it and every later message of
that group go back to the queue (SQS FIFO then holds the group until they are done), the other
groups go on. A message is started only if `may_start` lets it (the invocation's time budget);
one not started goes back untried.

`run_one_group_after_another` keeps the same order one message at a time, for a consumer
configured to deliver one message at a time (`parallel` 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    group_id: str
    body: str
    receive_count: int = 1


class NotStarted(Exception):
    """Raised by `may_start`: leave this message (and its group's later ones) untried."""


@dataclass
class BatchOutcome:
    done: dict[str, str] = field(default_factory=dict)  # message id -> what handling it returned
    failed: dict[str, BaseException] = field(default_factory=dict)  # tried, and it raised
    untried: list[str] = field(default_factory=list)  # behind a failure of their group, or no time left

    def failures(self, order: Sequence[QueuedMessage]) -> list[str]:
        """The message ids that go back to the queue, in the batch's order."""
        back = set(self.failed) | set(self.untried)
        return [m.message_id for m in order if m.message_id in back]


def groups_of(messages: Sequence[QueuedMessage]) -> list[list[QueuedMessage]]:
    """The batch's groups in the order they first appear, each in its messages' order."""
    groups: dict[str, list[QueuedMessage]] = {}
    for message in messages:
        groups.setdefault(message.group_id, []).append(message)
    return list(groups.values())


def _run_group(
    group: list[QueuedMessage], handle: Callable[[QueuedMessage], str], may_start: Callable[[], None]
) -> BatchOutcome:
    """The group in order, each message only if `may_start` lets it."""
    outcome = BatchOutcome()
    for position, message in enumerate(group):
        try:
            may_start()
        except NotStarted:
            outcome.untried += [m.message_id for m in group[position:]]
            break
        try:
            outcome.done[message.message_id] = handle(message)
        except Exception as error:  # the message goes back; its group's later ones wait behind it
            outcome.failed[message.message_id] = error
            outcome.untried += [m.message_id for m in group[position + 1 :]]
            break
    return outcome


def run_one_group_after_another(
    messages: Sequence[QueuedMessage],
    handle: Callable[[QueuedMessage], str],
    *,
    may_start: Callable[[], None] = lambda: None,
) -> BatchOutcome:
    """Every message, one at a time: the groups in the order the batch first names them, each
    group's messages in their order (for a batch whose groups depend on one another)."""
    total = BatchOutcome()
    for group in groups_of(messages):
        part = _run_group(group, handle, may_start)
        total.done.update(part.done)
        total.failed.update(part.failed)
        total.untried += part.untried
    return total


def _decided[D](decide: Callable[[QueuedMessage], D], message: QueuedMessage) -> D | Exception:
    try:
        return decide(message)
    except Exception as error:  # the message goes back; its group's later ones wait behind it
        return error


def _admitted(
    going: list[list[QueuedMessage]], position: int, may_start: Callable[[], None], outcome: BatchOutcome
) -> list[list[QueuedMessage]]:
    """The groups whose message at `position` may start (asked in the batch's order); the rest of
    a group not admitted is left untried."""
    admitted = []
    for group in going:
        try:
            may_start()
            admitted.append(group)
        except NotStarted:
            outcome.untried += [m.message_id for m in group[position:]]
    return admitted


# Threads the process may keep for batches. A Lambda environment runs one invocation at a time,
# so it starts no more than one batch's `parallel`; the local stack runs a function's concurrent
# invocations in one process, which share these.
POOL_THREADS = 32


@cache
def threads() -> ThreadPoolExecutor:
    """The execution environment's threads for a batch's farmers, kept from one invocation to the
    next: a batch no longer starts ten threads and waits for them to end. The pool starts a thread
    only when none is idle; each batch keeps to its own `parallel` (`_round`)."""
    return ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="fifo-batch")


def run_in_rounds[D](
    messages: Sequence[QueuedMessage],
    decide: Callable[[QueuedMessage], D],
    record: Callable[[list[tuple[QueuedMessage, D]]], dict[str, str | Exception]],
    *,
    may_start: Callable[[], None] = lambda: None,
    parallel: int = 10,
) -> BatchOutcome:
    """Every message, round by round: `decide` the n-th message of each group still going
    (concurrently, up to `parallel` threads) and `record` what is decided (message id -> its
    result, or the exception that failed it). A message whose decision or record fails stops its
    group: its later messages are left untried."""
    outcome = BatchOutcome()
    going = groups_of(messages)
    pool, parallel = threads(), max(1, parallel)
    for position in range(max((len(g) for g in going), default=0)):
        going = _admitted([g for g in going if position < len(g)], position, may_start, outcome)
        results = _round(pool, [group[position] for group in going], decide, record, parallel)
        still = []
        for group in going:
            result = results[group[position].message_id]
            if isinstance(result, Exception):
                outcome.failed[group[position].message_id] = result
                outcome.untried += [m.message_id for m in group[position + 1 :]]
            else:
                outcome.done[group[position].message_id] = result
                still.append(group)
        going = still
    return outcome


def _round[D](
    pool: ThreadPoolExecutor,
    round_: list[QueuedMessage],
    decide: Callable[[QueuedMessage], D],
    record: Callable[[list[tuple[QueuedMessage, D]]], dict[str, str | Exception]],
    parallel: int,
) -> dict[str, str | Exception]:
    """One round's messages decided side by side, at most `parallel` at a time. What is decided is
    recorded at once, with what else was decided while the previous record was written: the
    writes overlap the decisions still waiting (for BPJS), and come in a few records, not one per
    message."""
    results: dict[str, str | Exception] = {}
    order = {message.message_id: n for n, message in enumerate(round_)}
    queued = list(reversed(round_))
    waiting: dict[Future[D | Exception], QueuedMessage] = {}

    def start_more() -> None:
        while queued and len(waiting) < parallel:
            message = queued.pop()
            waiting[pool.submit(_decided, decide, message)] = message

    start_more()
    while waiting:
        done, _ = wait(waiting, return_when=FIRST_COMPLETED)
        ready: list[tuple[QueuedMessage, D]] = []
        for future in done:
            message, decision = waiting.pop(future), future.result()
            if isinstance(decision, Exception):
                results[message.message_id] = decision
            else:
                ready.append((message, decision))
        start_more()  # decided while these are recorded
        ready.sort(key=lambda pair: order[pair[0].message_id])
        if ready:
            try:
                recorded = record(ready)
            except Exception as error:  # nothing known of any: every one goes back
                recorded = {}
                results |= {message.message_id: error for message, _ in ready}
            for message, _ in ready:
                results.setdefault(
                    message.message_id, recorded.get(message.message_id, LookupError("not recorded"))
                )
    return results

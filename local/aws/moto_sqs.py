"""What local/ changes inside moto's SQS, and why (the list of every patch: local/aws/moto_patches.py
and docs/local-stack.md "moto's internals that local/ patches").

- `serialize_moto_sqs`: SQS message operations one at a time, long polls waiting outside the lock;
- `cheap_sqs_messages`: a send or a receive costs what it costs in SQS, not passes over every
  message of the queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

_SQS_MESSAGE_METHODS = (
    "send_message", "send_message_batch", "receive_message", "delete_message", "delete_message_batch",
    "change_message_visibility", "change_message_visibility_batch", "purge_queue",
)  # fmt: skip

# How often a waiting long poll looks again when nothing woke it (a visibility timeout or a
# message delay running out wakes nobody).
SQS_LONG_POLL_RECHECK_S = 0.1


def serialize_moto_sqs() -> None:
    """One SQS message operation at a time inside moto, with long polls that wait outside the lock.

    moto's queues are not thread-safe either: a receive iterates the set of in-flight messages
    that a concurrent delete changes ("Set changed size during iteration"), and two receives
    could hand out the same message. The SQS pollers, the gateway's functions and the functions
    they call all use SQS at once, so message operations take one lock. A long poll
    (WaitTimeSeconds) must not hold it while it waits: moto's wait is replaced by a wait on a
    condition of that lock, which releases it, and which every other message operation
    notifies. moto's own wait also spins when the visible messages all belong to FIFO groups
    that are in flight; this one sleeps until something changes. Idempotent.
    """
    from moto.sqs.models import Queue, SQSBackend

    if getattr(SQSBackend, "_sutasoma_serialized", False):
        return
    cheap_sqs_messages()  # first, so that the lock wraps it
    condition = threading.Condition(threading.RLock())

    for name in _SQS_MESSAGE_METHODS:
        original = getattr(SQSBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with condition:
                try:
                    return __original(self, *args, **kwargs)
                finally:
                    condition.notify_all()

        setattr(SQSBackend, name, locked)

    original_wait = Queue.wait_for_messages

    def wait_for_messages(self: Any, timeout: int) -> None:
        try:
            # Releases the lock (all levels) while waiting, takes it back before returning.
            condition.wait(timeout=min(float(timeout), SQS_LONG_POLL_RECHECK_S))
        except RuntimeError:  # not called under the lock (not through SQSBackend): moto's own wait
            original_wait(self, timeout)

    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]  # moto's method
    SQSBackend._sutasoma_serialized = True  # type: ignore[attr-defined]  # our flag on moto's class


_sending = threading.local()


class VisibleMessages:
    """What moto's `Queue.messages` lists (the visible, undelayed messages, in the queue's order),
    found as a receive asks for them: a receive that hands out 10 stops after the 10th it can
    give, instead of first checking the clock against every message of the queue."""

    def __init__(self, messages: list[Any]) -> None:
        self._messages = list(messages)  # a snapshot: moto moves messages to the DLQ after its loop

    def __iter__(self) -> Iterator[Any]:
        return (message for message in self._messages if message.visible and not message.delayed)

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None

    def __len__(self) -> int:
        return sum(1 for _ in self)


def cheap_sqs_messages() -> None:
    """Sending or receiving a message costs what it costs in SQS, not passes over every message.

    moto's SendMessage reads `Queue.attributes` three times per message, and that property counts
    the queue's messages (ApproximateNumberOfMessages*: a pass over all of them each) although the
    send only wants ContentBasedDeduplication; then it looks for the same deduplication id in
    every message still queued. ReceiveMessage first lists every visible message of the queue
    (`Queue.messages`, the clock read twice per message) to hand out ten, and reads all the queue's
    attributes for each message it hands out (to check its retention period). With the thousands
    of messages of a member import waiting in the FIFO bpjs-outbound queue, each send or receive
    cost millions of steps: a 3,000-row commit took minutes, and bpjs_sync drained about one
    look-up a second. Here, while a message is sent or received, `attributes` leaves the three
    counts out, `messages` is walked only as far as the receive goes (VisibleMessages), the
    retention check reads the one setting it needs, and a queue remembers each deduplication id's
    last send in a dict (SQS itself deduplicates for 5 minutes, deleted messages included: closer
    to it than moto). moto's own Lambda event source mappings (which add_message would call) are
    not used here. Every answer is moto's. Idempotent.
    """
    from moto.core.utils import unix_time
    from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS, Queue, SQSBackend

    if getattr(Queue, "_sutasoma_cheap_messages", False):
        return
    full: Any = Queue.__dict__["attributes"]  # the properties themselves
    listed: Any = Queue.__dict__["messages"]
    counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
              "ApproximateNumberOfMessagesNotVisible")  # fmt: skip

    def attributes(self: Any) -> dict[str, Any]:
        if not getattr(_sending, "depth", 0):
            return full.fget(self)  # type: ignore[no-any-return]  # moto's getter
        saved = self.BASE_ATTRIBUTES
        self.BASE_ATTRIBUTES = [a for a in saved if a not in counts]
        try:
            return full.fget(self)  # type: ignore[no-any-return]
        finally:
            del self.BASE_ATTRIBUTES  # back to the class's list

    def messages(self: Any) -> Any:
        if not getattr(_sending, "depth", 0):
            return listed.fget(self)  # moto's list
        return VisibleMessages(self._messages)

    def within_retention(self: Any, queue_name: str, message: Any) -> bool:
        """moto's test, on the queue's retention period alone (moto builds all its attributes)."""
        retention_period = self.get_queue(queue_name).message_retention_period
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    def add_message(self: Any, message: Any) -> None:
        if self.fifo_queue and message.deduplication_id:
            seen = self.__dict__.setdefault("_sutasoma_deduplication", {})
            sent = seen.get(message.deduplication_id)
            if sent is not None and (message.sent_timestamp - sent) / 1000 < DEDUPLICATION_TIME_IN_SECONDS:
                return
            seen[message.deduplication_id] = message.sent_timestamp
        with self._messages_lock:
            self._messages.append(message)
            self._messages_lock.notify_all()

    def sending(original: Any) -> Any:
        def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            _sending.depth = getattr(_sending, "depth", 0) + 1
            try:
                return original(self, *args, **kwargs)
            finally:
                _sending.depth -= 1

        return send

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]  # moto's property
    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]  # moto's property
    Queue.add_message = add_message  # type: ignore[method-assign]  # moto's method
    SQSBackend.is_message_valid_based_on_retention_period = within_retention  # type: ignore[method-assign]  # moto's
    SQSBackend.send_message = sending(SQSBackend.send_message)  # type: ignore[method-assign]  # moto's method
    SQSBackend.send_message_batch = sending(SQSBackend.send_message_batch)  # type: ignore[method-assign]  # moto's
    SQSBackend.receive_message = sending(SQSBackend.receive_message)  # type: ignore[method-assign]  # moto's
    Queue._sutasoma_cheap_messages = True  # type: ignore[attr-defined]  # our flag on moto's class

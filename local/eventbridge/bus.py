"""The default event bus, locally: each event to the function of every rule that matches it,
invoked as Lambda invokes asynchronously.

`put(event)` returns at once (S3's notification never waits for the function); a worker thread
delivers. For each enabled rule whose pattern matches, the rule's function is invoked with the
event. An invocation that raises is tried again `MaximumRetryAttempts` times (the function's
`EventInvokeConfig`, Lambda's default 2), `retry_delay_s` apart (Lambda waits about a minute,
then two: shortened locally); once retries are spent, or the event is older than
`MaximumEventAgeInSeconds`, the invocation record goes to the `OnFailure` destination (an SQS
queue) with the event as `requestPayload`, as Lambda sends it, and the bus moves on. Events are
delivered in order, one invocation at a time (enough for one machine; Lambda runs them side by
side). `wait_idle()` lets tests wait until everything put so far is delivered or given up.

Logs name the rule, the attempt and the outcome; never the event (keys may name a person's file).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.eventbridge.rules import AsyncInvokeConfig, EventRule
from local.functions import Invocable, new_lambda_request_id

log = logging.getLogger("local.eventbridge")

DEFAULT_RETRY_DELAY_S = 1.0


@dataclass
class Delivery:
    """One event for one rule's function: its attempts so far."""

    rule: EventRule
    event: dict[str, Any]
    received: float  # time.time() the bus got the event
    attempts: int = 0
    error: BaseException | None = None


@dataclass
class BusStats:
    put: int = 0
    invoked: Counter[str] = field(default_factory=Counter)  # rule name -> successful invocations
    failed: Counter[str] = field(default_factory=Counter)  # rule name -> failed attempts
    given_up: Counter[str] = field(default_factory=Counter)  # rule name -> events sent OnFailure


class EventBus:
    """Rules on the default bus and the functions they invoke (`functions`: logical id -> function)."""

    def __init__(
        self,
        rules: Sequence[EventRule],
        functions: Mapping[str, Invocable],
        invoke_configs: Mapping[str, AsyncInvokeConfig] | None = None,
        *,
        sqs: Any | None = None,
        queue_urls: Mapping[str, str] | None = None,
        retry_delay_s: float = DEFAULT_RETRY_DELAY_S,
        on_delivery: Callable[[Delivery, bool], None] | None = None,
    ) -> None:
        self.rules = list(rules)
        self.functions = dict(functions)
        self.invoke_configs = dict(invoke_configs or {})
        self.sqs = sqs
        self.queue_urls = dict(queue_urls or {})
        self.retry_delay_s = retry_delay_s
        self.on_delivery = on_delivery
        self.stats = BusStats()
        self._due: list[tuple[float, int, Delivery]] = []  # a heap: (when, order, delivery)
        self._order = itertools.count()
        self._busy = 0  # deliveries taken from the heap and not settled yet
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ events in

    def matching(self, event: Mapping[str, Any]) -> list[EventRule]:
        return [rule for rule in self.rules if rule.matches(event)]

    def put(self, event: dict[str, Any]) -> None:
        """An event on the bus: one delivery per matching rule, made by the worker."""
        now = time.time()
        with self._changed:
            self.stats.put += 1
            for rule in self.matching(event):
                heapq.heappush(self._due, (time.monotonic(), next(self._order), Delivery(rule, event, now)))
            self._changed.notify_all()

    # ------------------------------------------------------------------ delivery

    def deliver(self, delivery: Delivery) -> bool:
        """One attempt; True when the function took the event (it returned)."""
        delivery.attempts += 1
        function = self.functions.get(delivery.rule.function_id)
        try:
            if function is None:
                raise RuntimeError(f"function {delivery.rule.function_id} is not loaded")
            function.invoke(delivery.event, new_lambda_request_id())
        except Exception as error:  # the function failed: Lambda retries an async invocation
            delivery.error = error
            self.stats.failed[delivery.rule.name] += 1
            log.warning(
                "%s: attempt %d failed (%s):\n%s", delivery.rule.name, delivery.attempts, type(error).__name__,
                traceback.format_exc(limit=-3),
            )  # fmt: skip
            return False
        self.stats.invoked[delivery.rule.name] += 1
        return True

    def _settle(self, delivery: Delivery, ok: bool) -> None:
        if ok:
            self._done(delivery, True)
            return
        config = self.invoke_configs.get(delivery.rule.function_id, AsyncInvokeConfig())
        too_old = time.time() - delivery.received > config.maximum_event_age_s
        if delivery.attempts <= config.maximum_retry_attempts and not too_old:
            with self._changed:
                when = time.monotonic() + self.retry_delay_s * delivery.attempts
                heapq.heappush(self._due, (when, next(self._order), delivery))
                self._changed.notify_all()
            return
        self.stats.given_up[delivery.rule.name] += 1
        condition = "EventAgeExceeded" if too_old else "RetriesExhausted"
        log.error("%s: gave up after %d attempts (%s)", delivery.rule.name, delivery.attempts, condition)
        if config.on_failure_arn is not None:
            self._send_on_failure(config.on_failure_arn, delivery, condition)
        self._done(delivery, False)

    def _done(self, delivery: Delivery, ok: bool) -> None:
        if self.on_delivery is not None:
            self.on_delivery(delivery, ok)

    def _send_on_failure(self, queue_arn: str, delivery: Delivery, condition: str) -> None:
        url = self.queue_urls.get(queue_arn)
        if self.sqs is None or url is None:
            log.error("%s: OnFailure queue %s unknown locally", delivery.rule.name, queue_arn)
            return
        function = self.functions.get(delivery.rule.function_id)
        name = function.name if function is not None else delivery.rule.function_id
        record = invocation_record(delivery, condition, name)
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))

    # ------------------------------------------------------------------ the worker

    def _next(self) -> Delivery | None:
        with self._changed:
            while not self._stop.is_set():
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    self._busy += 1
                    return heapq.heappop(self._due)[2]
                wait = (self._due[0][0] - now) if self._due else None
                self._changed.wait(timeout=wait if wait is None else max(wait, 0.001))
        return None

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                self._settle(delivery, self.deliver(delivery))
            finally:
                with self._changed:
                    self._busy -= 1
                    self._changed.notify_all()

    def start(self) -> EventBus:
        self._thread = threading.Thread(target=self._run, name="local-eventbridge", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until every event put so far is delivered or given up (True), or `timeout` (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._due or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(timeout=min(left, 0.05))
        return True


def invocation_record(delivery: Delivery, condition: str, function_name: str) -> dict[str, Any]:
    """What Lambda sends an OnFailure destination for an asynchronous invocation it gave up on."""
    event, error = delivery.event, delivery.error
    region = str(event.get("region", "ap-southeast-3"))
    account = str(event.get("account", "123456789012"))
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": new_lambda_request_id(),
            "functionArn": f"arn:aws:lambda:{region}:{account}:function:{function_name}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": delivery.attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": type(error).__name__ if error else "Unknown", "errorMessage": ""},
    }

"""The API in this process, for the history seed: requests through the gateway's WSGI app (no
socket), with each demo user's ID token; and the console kept quiet while a thousand of them run."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx


class InProcessApi:
    """The HTTP API in-process: requests go through the gateway's WSGI app (JWT check, event,
    function, response) without a socket, with each demo user's ID token."""

    def __init__(self, gateway: Any, api_url: str, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=gateway), base_url=api_url, timeout=60.0, trust_env=False
        )

    def __call__(
        self, user: str, method: str, path: str, *, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.http.request(method, path, headers=headers, **kwargs)

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def quiet_replay() -> Iterator[Callable[[], None]]:
    """A thousand requests and BPJS messages in half a minute: their INFO lines (the gateway's
    access log, the functions' and the pollers' logs) stay out of the console while the history
    is replayed; warnings and errors still show. No CloudWatch metrics either (EMF lines): they
    would carry today's timestamps for events of past months. Powertools prints a metric set
    once it holds 100 values even when disabled, so the caller drops the set after each event
    (the function yielded). The BPJS simulator is another process: its request lines still show."""
    targets: list[Any] = [logging.getLogger("local.gateway.access"), logging.getLogger("local.pollers.sqs")]
    observability = sys.modules.get("sutasoma.runtime.observability")
    if observability is not None and hasattr(observability, "logger"):
        targets.append(observability.logger)  # Powertools' Logger: setLevel and log_level
    metrics = getattr(observability, "metrics", None)
    levels = [target.level if isinstance(target, logging.Logger) else target.log_level for target in targets]
    metrics_disabled = os.environ.get("POWERTOOLS_METRICS_DISABLED")

    def drop_metrics() -> None:
        if metrics is not None:
            metrics.metric_set.clear()

    try:
        for target in targets:
            target.setLevel(logging.WARNING)
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # read by Powertools at each flush
        with warnings.catch_warnings():  # nor its warning that an invocation had no metric
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            yield drop_metrics
    finally:
        drop_metrics()
        for target, level in zip(targets, levels, strict=True):
            target.setLevel(level)
        if metrics_disabled is None:
            os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = metrics_disabled

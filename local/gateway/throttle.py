"""API Gateway HTTP API throttling, from the template: `DefaultRouteSettings` (every route) and
`RouteSettings` (one route key), each a token bucket per route: `ThrottlingBurstLimit` tokens at
most, refilled at `ThrottlingRateLimit` a second. A request that finds the bucket empty is
answered 429 `{"message": "Too Many Requests"}` by the gateway itself: the function never runs,
as in AWS (which throttles before the authorizer and the integration).

What AWS adds and this does not: the account's limits per region (10,000 rps, burst 5,000) and
usage plans (REST APIs only). AWS's buckets are approximate and spread over hosts; these are exact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleSpec:
    burst: int | None = None  # tokens the bucket holds (ThrottlingBurstLimit)
    rate: float | None = None  # tokens added a second (ThrottlingRateLimit)

    @classmethod
    def of(cls, settings: Mapping[str, object] | None) -> ThrottleSpec | None:
        if not settings:
            return None
        burst, rate = settings.get("ThrottlingBurstLimit"), settings.get("ThrottlingRateLimit")
        if burst is None and rate is None:
            return None
        return cls(
            int(str(burst)) if burst is not None else None, float(str(rate)) if rate is not None else None
        )

    def over(self, default: ThrottleSpec | None) -> ThrottleSpec:
        """A route's settings over the default route settings, property by property."""
        if default is None:
            return self
        return ThrottleSpec(
            self.burst if self.burst is not None else default.burst,
            self.rate if self.rate is not None else default.rate,
        )


class TokenBucket:
    def __init__(self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = self.clock()
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class Throttle:
    """Which requests pass: one bucket per route key, made on first use from the settings."""

    def __init__(
        self,
        default: ThrottleSpec | None = None,
        routes: Mapping[str, ThrottleSpec] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.routes = dict(routes or {})
        self.clock = clock
        self._buckets: dict[str, TokenBucket | None] = {}
        self._lock = threading.Lock()
        self.refused: dict[str, int] = {}

    @classmethod
    def from_settings(
        cls, default: Mapping[str, object] | None, routes: Mapping[str, Mapping[str, object]] | None
    ) -> Throttle:
        """From the HttpApi's DefaultRouteSettings and RouteSettings (route key -> settings)."""
        specs = {key: spec for key, settings in (routes or {}).items() if (spec := ThrottleSpec.of(settings))}
        return cls(ThrottleSpec.of(default), specs)

    def settings(self, route_key: str) -> ThrottleSpec | None:
        route = self.routes.get(route_key)
        return route.over(self.default) if route is not None else self.default

    def _bucket(self, route_key: str) -> TokenBucket | None:
        with self._lock:
            if route_key not in self._buckets:
                spec = self.settings(route_key)
                # A limit not given is no limit; a rate of 0 lets only the burst through, once.
                ok = spec is not None and spec.burst is not None and spec.rate is not None
                self._buckets[route_key] = (
                    TokenBucket(int(spec.burst or 0), float(spec.rate or 0), self.clock)
                    if ok and spec
                    else None
                )
            return self._buckets[route_key]

    def allow(self, route_key: str) -> bool:
        bucket = self._bucket(route_key)
        if bucket is None or bucket.take():
            return True
        with self._lock:
            self.refused[route_key] = self.refused.get(route_key, 0) + 1
        return False

"""The simulator's switches (`SimConfig`, changed at run time by POST /_sim/config) and the
credentials it shares with SUTASOMA."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from local.bpjs.rules import NIK_PATTERN


class ConfigError(ValueError):
    """A /_sim/config change that is not valid."""


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------------- configuration


@dataclass
class SimConfig:
    """The switches of POST /_sim/config."""

    latency_ms: int = 0
    error_rate: float = 0.0
    outage: bool = False
    async_registration: bool = False
    unknown_niks: list[str] = field(default_factory=list)
    callback_delay_ms: int = 500
    callback_url: str | None = None
    auto_decide_claims: bool = True
    claim_decision_delay_ms: int = 1000
    claim_payment_delay_ms: int = 1000
    rate_limit: int = 0  # requests in any second (sliding) beyond this are answered 429; 0: no limit
    refuse_contributions: bool = False

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> SimConfig:
        return SimConfig(**{**self.as_json(), "unknown_niks": list(self.unknown_niks)})

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial change, all or nothing."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {sorted(unknown)}")
        new = self.copy()
        for name, value in changes.items():
            setattr(new, name, _validated(name, value))
        for f in fields(self):
            setattr(self, f.name, getattr(new, f.name))


def _validated(name: str, value: Any) -> Any:
    if name in ("latency_ms", "callback_delay_ms", "claim_decision_delay_ms", "claim_payment_delay_ms"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120_000:
            raise ConfigError(f"{name} must be an integer from 0 to 120000")
        return value
    if name == "rate_limit":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
            raise ConfigError("rate_limit must be an integer from 0 (no limit) to 100000")
        return value
    if name == "error_rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError("error_rate must be a number from 0 to 1")
        return float(value)
    if name in ("outage", "async_registration", "auto_decide_claims", "refuse_contributions"):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
        return value
    if name == "unknown_niks":
        if not isinstance(value, list) or not all(isinstance(n, str) and NIK_PATTERN.match(n) for n in value):
            raise ConfigError("unknown_niks must be a list of 16-digit NIKs")
        return list(value)
    if name == "callback_url":
        if value is not None and (not isinstance(value, str) or not is_loopback_url(value)):
            raise ConfigError("callback_url must be an http URL on 127.0.0.1 (or null)")
        return value
    raise ConfigError(f"unknown setting {name}")  # pragma: no cover - update() checks first


@dataclass(frozen=True)
class Credentials:
    cons_id: str
    secret_key: str
    callback_secret: str

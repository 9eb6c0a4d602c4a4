"""Which failures are the platform's ("AWS is busy or unreachable right now"), not a request's:
the API answers them 503 with Retry-After instead of 500."""

from __future__ import annotations

from sutasoma.adapters.aws import is_transient

__all__ = ["is_transient"]

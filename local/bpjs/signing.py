"""The signatures of the host-to-host contract (docs/bpjs-h2h.md): requests to BPJS, callbacks from it."""

from __future__ import annotations

import base64
import hashlib
import hmac

# ---------------------------------------------------------------------------------- signing


def request_signature(
    secret_key: str, cons_id: str, timestamp: str, method: str, path: str, body: bytes
) -> str:
    """docs/bpjs-h2h.md: base64(HMAC-SHA256(secret, cons_id&timestamp&METHOD&path&hex(sha256(body))))."""
    message = "&".join((cons_id, timestamp, method.upper(), path, hashlib.sha256(body).hexdigest()))
    return base64.b64encode(hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def callback_signature(callback_secret: str, timestamp: str, raw_body: bytes) -> str:
    """CONTRACT.md: hex HMAC-SHA256 of timestamp + "." + raw body."""
    return hmac.new(
        callback_secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256
    ).hexdigest()

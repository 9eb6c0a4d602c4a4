"""POST /bpjs/callbacks: BPJS's signed decisions (no JWT: the HMAC signature authenticates)."""

from __future__ import annotations

import time
from typing import Any

from sutasoma.api.http import Response
from sutasoma.api.request_limits import request_refusal
from sutasoma.api.resolver import build_resolver, header, lambda_entry
from sutasoma.app.callbacks import CallbackResult
from sutasoma.runtime import wiring
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.bpjs import CallbackSettings

SETTINGS = SettingsSource(CallbackSettings)  # validated now: a missing variable fails the cold start
app = build_resolver()


@app.post("/bpjs/callbacks", tags=["BPJS"])
def bpjs_callback() -> Response[CallbackResult]:
    # The signature covers the raw bytes: read them before any parsing.
    event = app.current_event
    raw = event.decoded_body.encode() if isinstance(event.decoded_body, str) else (event.decoded_body or b"")
    desk, now = wiring.callback_desk(SETTINGS.get()), time.time()
    timestamp, signature = header(app, "x-bpjs-timestamp"), header(app, "x-bpjs-signature")
    desk.authenticate(timestamp, signature, raw, now)  # 401 before anything is said of the body
    refused = request_refusal(event.raw_event)
    if refused is not None:
        raise refused
    result = desk.apply(raw)
    return Response(status_code=200, content_type="application/json", body=result)


# The signature comes first (CONTRACT: bad signature → 401); the body is checked after it.
lambda_handler: Any = lambda_entry(app, check_bodies=False)
